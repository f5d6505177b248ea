-- What fnosync last wrote back onto the Salesforce record of a link (for
-- line items: the activation ID and remaining quantity), so that the FNO to
-- Salesforce direction does not write back values Salesforce already holds.
ALTER TABLE sync_links ADD COLUMN written_back TEXT NOT NULL DEFAULT '';
