-- The Salesforce version (SystemModstamp) of each account and contact as a
-- run last read it and FNO took it (or had it unchanged). A change-query row
-- with that stamp or an older one names a version already synced, read again
-- only because of the window's look-back: it is not synced again.
CREATE TABLE sync_seen (
    sf_object     TEXT NOT NULL,
    salesforce_id TEXT NOT NULL,
    stamp         TIMESTAMPTZ NOT NULL,
    CONSTRAINT sync_seen_pkey PRIMARY KEY (sf_object, salesforce_id)
);
