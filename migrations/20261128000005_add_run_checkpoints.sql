-- Checkpoints of scheduled and immediate runs: where the run's cursor stood
-- after its last fully processed page, and which accounts it has synced, so
-- that a run taken over by another worker goes on from there and no account
-- is processed twice within a run. `budget_override` is set when an operator
-- resumes a run paused for the Salesforce API budget.
ALTER TABLE sync_runs
    ADD COLUMN checkpoint      JSONB,
    ADD COLUMN budget_override BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE sync_run_accounts (
    run_id     TEXT NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    failed     BOOLEAN NOT NULL DEFAULT FALSE,
    done_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sync_run_accounts_pkey PRIMARY KEY (run_id, account_id)
);
