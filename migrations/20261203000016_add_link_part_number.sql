-- The part number a line was sent with, so a product swapped on a
-- Salesforce line replaces its FNO line instead of changing it in place.
ALTER TABLE sync_links ADD COLUMN part_number TEXT NOT NULL DEFAULT '';

-- An updated order's lines are found by their entitlement, to tell the
-- lines removed from it.
CREATE INDEX sync_links_parent_idx ON sync_links (sf_object, parent_id) WHERE parent_id <> '';
