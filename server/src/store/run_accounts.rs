//! The accounts a batch run has synced (`sync_run_accounts`), so that a run
//! taken over from its checkpoint skips them and can count its failures.

use super::runs::fenced;
use crate::domain::run::Lease;
use crate::error::Result;

/// Of `accounts`, returns those the run has already synced.
pub async fn accounts_done(
    pool: &sqlx::PgPool,
    run_id: &str,
    accounts: &[String],
) -> Result<std::collections::HashSet<String>> {
    let done: Vec<(String,)> = sqlx::query_as(
        "SELECT account_id FROM sync_run_accounts WHERE run_id = $1 AND account_id = ANY($2)",
    )
    .bind(run_id)
    .bind(accounts)
    .fetch_all(pool)
    .await?;
    Ok(done.into_iter().map(|(id,)| id).collect())
}

/// Notes accounts as synced in the run, each with whether it failed, in one
/// statement, while its worker holds the lease.
pub async fn mark_accounts_done(
    db: impl sqlx::PgExecutor<'_>,
    lease: &Lease,
    accounts: &[(String, bool)],
) -> Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let (ids, failed): (Vec<String>, Vec<bool>) = accounts.iter().cloned().unzip();
    let marked = sqlx::query(
        "INSERT INTO sync_run_accounts (run_id, account_id, failed) \
         SELECT $1, account_id, failed FROM unnest($3::text[], $4::bool[]) AS a(account_id, failed) \
         WHERE EXISTS (SELECT 1 FROM sync_runs WHERE run_id = $1 AND lease_token = $2) \
         ON CONFLICT (run_id, account_id) DO UPDATE SET failed = EXCLUDED.failed, done_at = now()",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(&ids)
    .bind(&failed)
    .execute(db)
    .await?;
    fenced(marked, lease)
}

/// The accounts a run synced so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountCounts {
    /// Accounts the run synced, the failed ones included.
    pub synced: i64,
    /// Accounts the run could not sync.
    pub failed: i64,
}

/// Counts the accounts the run synced and those it could not.
pub async fn count_accounts(pool: &sqlx::PgPool, run_id: &str) -> Result<AccountCounts> {
    Ok(sqlx::query_as::<_, AccountCounts>(
        "SELECT count(*) AS synced, count(*) FILTER (WHERE failed) AS failed \
         FROM sync_run_accounts WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await?)
}
