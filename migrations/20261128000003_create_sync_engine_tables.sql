-- The sync engine: runs are jobs claimed by workers with a lease, and links
-- remember which FNO object each Salesforce record became.

ALTER TABLE sync_runs
    ADD COLUMN worker_id   TEXT,
    ADD COLUMN lease_until TIMESTAMPTZ;
CREATE INDEX sync_runs_claimable_idx ON sync_runs (created_at) WHERE state IN ('queued', 'running');

-- One row per Salesforce record that was sent to FNO. `fno_id` is empty while
-- only the intent is recorded (before the remote write); `fingerprint` is a
-- hash of what was last sent, so an unchanged record is not sent again.
CREATE TABLE sync_links (
    sf_object     TEXT NOT NULL,
    salesforce_id TEXT NOT NULL,
    fno_kind      TEXT NOT NULL,
    fno_id        TEXT NOT NULL DEFAULT '',
    fingerprint   TEXT NOT NULL DEFAULT '',
    parent_id     TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sync_links_pkey PRIMARY KEY (sf_object, salesforce_id)
);
