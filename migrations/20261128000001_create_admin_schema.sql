-- The administration side of fnosync: who may call, where calls may go, the
-- connections, the licence, mappings, filters, schedule and products.

CREATE TABLE api_tokens (
    token_id     UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    CONSTRAINT api_tokens_name_key UNIQUE (name),
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'operator', 'viewer'))
);

CREATE TABLE remote_sites (
    remote_site_id UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT remote_sites_name_key UNIQUE (name)
);

CREATE TABLE connections (
    system            TEXT PRIMARY KEY,
    url               TEXT NOT NULL,
    user_name         TEXT NOT NULL,
    flow              TEXT NOT NULL DEFAULT '',
    settings          JSONB NOT NULL DEFAULT '{}'::jsonb,
    secret_ciphertext BYTEA NOT NULL,
    secret_nonce      BYTEA NOT NULL,
    state             TEXT NOT NULL DEFAULT 'not_verified',
    message           TEXT NOT NULL DEFAULT '',
    verified_at       TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT connections_system_check CHECK (system IN ('fno', 'salesforce')),
    CONSTRAINT connections_state_check CHECK (state IN ('not_verified', 'verified', 'failed'))
);

CREATE TABLE licenses (
    singleton    BOOLEAN PRIMARY KEY DEFAULT TRUE,
    license_key  TEXT NOT NULL,
    license_id   TEXT NOT NULL,
    licensee     TEXT NOT NULL,
    expiry_date  DATE NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT licenses_singleton_check CHECK (singleton)
);

CREATE TABLE custom_attributes (
    custom_attribute_id UUID PRIMARY KEY,
    name                TEXT NOT NULL,
    entity_type         TEXT NOT NULL,
    data_type           TEXT NOT NULL,
    editable            BOOLEAN NOT NULL DEFAULT FALSE,
    required            BOOLEAN NOT NULL DEFAULT FALSE,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    sf_object           TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT custom_attributes_entity_type_name_key UNIQUE (entity_type, name),
    CONSTRAINT custom_attributes_entity_type_check
        CHECK (entity_type IN ('account', 'user', 'entitlement', 'entitlement_line')),
    CONSTRAINT custom_attributes_data_type_check
        CHECK (data_type IN ('number', 'text', 'long_text', 'boolean', 'date'))
);

CREATE TABLE field_mappings (
    field_mapping_id    BIGSERIAL PRIMARY KEY,
    sf_object           TEXT NOT NULL,
    fno_field           TEXT NOT NULL,
    sf_field            TEXT,
    required            BOOLEAN NOT NULL DEFAULT FALSE,
    kind                TEXT NOT NULL DEFAULT 'default',
    editable            BOOLEAN NOT NULL DEFAULT FALSE,
    custom_attribute_id UUID REFERENCES custom_attributes (custom_attribute_id) ON DELETE CASCADE,
    position            INT NOT NULL DEFAULT 0,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT field_mappings_sf_object_fno_field_key UNIQUE (sf_object, fno_field),
    CONSTRAINT field_mappings_kind_check CHECK (kind IN ('default', 'custom'))
);

CREATE TABLE filters (
    singleton            BOOLEAN PRIMARY KEY DEFAULT TRUE,
    pre_condition_stages TEXT[] NOT NULL DEFAULT ARRAY['Closed Won'],
    post_condition_state TEXT NOT NULL DEFAULT 'draft',
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT filters_singleton_check CHECK (singleton),
    CONSTRAINT filters_post_condition_state_check CHECK (post_condition_state IN ('draft', 'deployed'))
);
INSERT INTO filters (singleton) VALUES (TRUE);

CREATE TABLE schedules (
    name            TEXT PRIMARY KEY,
    timing_kind     TEXT NOT NULL,
    time_of_day     TEXT,
    cron_expression TEXT,
    time_zone       TEXT NOT NULL DEFAULT 'UTC',
    paused          BOOLEAN NOT NULL DEFAULT FALSE,
    last_fire_at    TIMESTAMPTZ,
    next_fire_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT schedules_timing_kind_check CHECK (timing_kind IN ('daily', 'cron'))
);

CREATE TABLE products (
    salesforce_product_id TEXT PRIMARY KEY,
    name                  TEXT NOT NULL DEFAULT '',
    product_code          TEXT NOT NULL DEFAULT '',
    sync_included         BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE page_layouts (
    sf_object              TEXT NOT NULL,
    layout_name            TEXT NOT NULL,
    shows_connector_fields BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT page_layouts_pkey PRIMARY KEY (sf_object, layout_name)
);
INSERT INTO page_layouts (sf_object, layout_name) VALUES
    ('account', 'Account Layout'),
    ('opportunity', 'Opportunity Layout'),
    ('opportunity_line_item', 'Opportunity Product Layout'),
    ('product', 'Product Layout');

CREATE TABLE idempotency_keys (
    method       TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    response     BYTEA,
    claimed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (method, request_id)
);

CREATE TABLE sync_runs (
    run_id           TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued',
    account_id       TEXT NOT NULL DEFAULT '',
    window_start     TIMESTAMPTZ,
    window_end       TIMESTAMPTZ,
    records_total    BIGINT NOT NULL DEFAULT 0,
    records_done     BIGINT NOT NULL DEFAULT 0,
    records_failed   BIGINT NOT NULL DEFAULT 0,
    requested_by     TEXT NOT NULL DEFAULT '',
    message          TEXT NOT NULL DEFAULT '',
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at       TIMESTAMPTZ,
    ended_at         TIMESTAMPTZ,
    CONSTRAINT sync_runs_kind_check CHECK (kind IN ('one_time', 'scheduled', 'immediate')),
    CONSTRAINT sync_runs_state_check CHECK (state IN
        ('queued', 'running', 'completed', 'completed_with_failures', 'failed', 'cancelled', 'paused'))
);
CREATE INDEX sync_runs_created_at_idx ON sync_runs (created_at DESC, run_id DESC);

CREATE TABLE transaction_logs (
    log_seq              BIGSERIAL PRIMARY KEY,
    task_id              TEXT NOT NULL REFERENCES sync_runs (run_id),
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    run_by               TEXT NOT NULL DEFAULT '',
    salesforce_record_id TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT transaction_logs_status_check CHECK (status IN ('completed', 'failed', 'error'))
);
CREATE INDEX transaction_logs_task_id_idx ON transaction_logs (task_id, log_seq);

CREATE TABLE error_logs (
    error_seq            BIGSERIAL PRIMARY KEY,
    log_seq              BIGINT NOT NULL REFERENCES transaction_logs (log_seq),
    component            TEXT NOT NULL,
    reason               TEXT NOT NULL,
    message              TEXT NOT NULL DEFAULT '',
    salesforce_record_id TEXT NOT NULL DEFAULT '',
    task_id              TEXT NOT NULL,
    CONSTRAINT error_logs_log_seq_key UNIQUE (log_seq)
);
