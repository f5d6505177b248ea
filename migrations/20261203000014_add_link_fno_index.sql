-- The FNO to Salesforce direction finds the opportunities of the
-- entitlements whose state FNO changed.
CREATE INDEX sync_links_fno_id_idx ON sync_links (sf_object, fno_id) WHERE fno_id <> '';
