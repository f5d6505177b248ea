-- A digest of the fields of each account and contact as a run last read it
-- and FNO took it (or had it unchanged). A change-query row with the same
-- digest names a version already synced, found again only by the window's
-- look-back: it is not synced again.
CREATE TABLE sync_seen (
    sf_object     TEXT NOT NULL,
    salesforce_id TEXT NOT NULL,
    digest        TEXT NOT NULL,
    CONSTRAINT sync_seen_pkey PRIMARY KEY (sf_object, salesforce_id)
);
