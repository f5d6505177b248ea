-- The part number a line was sent with, so a product swapped on a
-- Salesforce line replaces its FNO line instead of changing it in place.
ALTER TABLE sync_links ADD COLUMN part_number TEXT NOT NULL DEFAULT '';
