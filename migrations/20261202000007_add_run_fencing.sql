-- Fenced runs and one writer per account.
--
-- `lease_token` grows by one each time a worker claims a run; every write of
-- the run's state carries the token its worker claimed it with, so a worker
-- whose run was taken over cannot end, pause or checkpoint it any more.
--
-- A run claims each account before it writes anything for it; the claim is
-- held while the run that made it still holds its lease with the same
-- token, and is given back when the run has recorded the account. Another
-- run that wants the account meanwhile waits for it.
ALTER TABLE sync_runs ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;

CREATE TABLE sync_account_claims (
    account_id  TEXT PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES sync_runs (run_id) ON DELETE CASCADE,
    lease_token BIGINT NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_account_claims_run_idx ON sync_account_claims (run_id);
