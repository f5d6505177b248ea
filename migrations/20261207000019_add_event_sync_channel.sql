-- The channel the holder subscribed to last, and how many changed records
-- were read again through REST to find their accounts (updates that do not
-- carry the account, lines, gap events): on a channel enriched with the
-- account, closed deals add nothing to it.
ALTER TABLE event_sync
    ADD COLUMN channel TEXT NOT NULL DEFAULT '',
    ADD COLUMN records_read_again BIGINT NOT NULL DEFAULT 0;
