-- Event-driven sync: runs started by Salesforce change events name the
-- accounts they sync.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_kind_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_kind_check
    CHECK (kind IN ('one_time', 'scheduled', 'immediate', 'event'));
ALTER TABLE sync_runs ADD COLUMN account_ids TEXT[] NOT NULL DEFAULT '{}';

-- The settings and the state of the change-event subscription (one row).
-- The replay id moves only in the transaction that queues the runs its
-- events caused, so a subscriber that dies gets those events again.
CREATE TABLE event_sync (
    id                BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    objects           TEXT[] NOT NULL DEFAULT '{}',
    pubsub_url        TEXT NOT NULL DEFAULT 'https://api.pubsub.salesforce.com:7443',
    replay_id         BYTEA,
    last_commit       TIMESTAMPTZ,
    events_received   BIGINT NOT NULL DEFAULT 0,
    events_coalesced  BIGINT NOT NULL DEFAULT 0,
    own_events        BIGINT NOT NULL DEFAULT 0,
    runs_queued       BIGINT NOT NULL DEFAULT 0,
    fallbacks         BIGINT NOT NULL DEFAULT 0,
    last_fallback     TEXT NOT NULL DEFAULT '',
    last_fallback_at  TIMESTAMPTZ,
    holder            TEXT NOT NULL DEFAULT '',
    connected         BOOLEAN NOT NULL DEFAULT FALSE,
    heartbeat_at      TIMESTAMPTZ,
    last_error        TEXT NOT NULL DEFAULT '',
    enabled_at        TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO event_sync DEFAULT VALUES;
