-- Retry runs: the records that failed in an earlier run, synced again. A
-- retry names the run it retries (kept as text: the retried run may be
-- removed by retention before its retry).
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_kind_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_kind_check
    CHECK (kind IN ('one_time', 'scheduled', 'immediate', 'event', 'retry'));
ALTER TABLE sync_runs ADD COLUMN retry_of TEXT NOT NULL DEFAULT '';
CREATE INDEX sync_runs_retry_of_idx ON sync_runs (retry_of) WHERE retry_of <> '';
-- The attempts at one record, across runs, newest first.
CREATE INDEX transaction_logs_record_idx ON transaction_logs (salesforce_record_id, log_seq)
    WHERE salesforce_record_id <> '';
