-- The fields last sent for a record (FNO field name to value, a JSON
-- object; empty when not known), so a sync plan shows each field's old
-- and new value.
ALTER TABLE sync_links ADD COLUMN sent_fields TEXT NOT NULL DEFAULT '';
