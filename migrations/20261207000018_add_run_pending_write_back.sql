-- The write-back of the page a run recorded last, until it is sent (a JSON
-- array of {object, id, fields}): a worker that takes the run over sends it
-- first. NULL when nothing is pending.
ALTER TABLE sync_runs ADD COLUMN pending_write_back JSONB;
