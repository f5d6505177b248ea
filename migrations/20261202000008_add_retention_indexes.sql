-- Retention: old runs, their logs and old idempotency keys are purged in
-- small batches. The purge finds ended runs by age, their logs by task, and
-- old idempotency keys by age; the overview counts the last day's logs by
-- creation time.
CREATE INDEX sync_runs_ended_at_idx ON sync_runs (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX transaction_logs_created_at_idx ON transaction_logs (created_at);
CREATE INDEX error_logs_task_id_idx ON error_logs (task_id);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
