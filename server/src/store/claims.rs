//! Account claims: one writer per Salesforce account. A run claims the
//! accounts of a page before it reads them for writing, and gives them back
//! once it has recorded them. A claim counts while the run that made it
//! holds its lease with the same token; a claim of a run that ended, died or
//! was taken over is free to take.

use std::collections::HashMap;

use crate::domain::run::Lease;
use crate::error::{Error, Result};

/// A claim held by `holder`, the condition under which another run may not
/// take it.
const HELD: &str = "EXISTS (SELECT 1 FROM sync_runs r WHERE r.run_id = c.run_id \
                    AND r.lease_token = c.lease_token AND r.state IN ('running', 'paused') \
                    AND r.lease_until > now())";

/// Claims those of `accounts` no other run holds, for the run of `lease`
/// (which keeps those it holds already). Returns the accounts claimed now;
/// `LeaseLost` when the run is no longer this worker's.
pub async fn claim(pool: &sqlx::PgPool, lease: &Lease, accounts: &[String]) -> Result<Vec<String>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    let ours: Option<(i64,)> = sqlx::query_as(
        "SELECT lease_token FROM sync_runs WHERE run_id = $1 AND lease_token = $2 FOR SHARE",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .fetch_optional(&mut *tx)
    .await?;
    if ours.is_none() {
        return Err(Error::LeaseLost {
            run_id: lease.run_id.clone(),
        });
    }
    let claimed: Vec<(String,)> = sqlx::query_as(&format!(
        "INSERT INTO sync_account_claims AS c (account_id, run_id, lease_token) \
         SELECT DISTINCT unnest($3::text[]), $1, $2 \
         ON CONFLICT (account_id) DO UPDATE \
         SET run_id = EXCLUDED.run_id, lease_token = EXCLUDED.lease_token, claimed_at = now() \
         WHERE (c.run_id = EXCLUDED.run_id AND c.lease_token = EXCLUDED.lease_token) OR NOT {HELD} \
         RETURNING c.account_id"
    ))
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(accounts)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed.into_iter().map(|(id,)| id).collect())
}

/// The runs holding those of `accounts` that another run than `lease`'s holds.
pub async fn holders(
    pool: &sqlx::PgPool,
    lease: &Lease,
    accounts: &[String],
) -> Result<HashMap<String, String>> {
    let held: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT c.account_id, c.run_id FROM sync_account_claims c \
         WHERE c.account_id = ANY($1) AND NOT (c.run_id = $2 AND c.lease_token = $3) AND {HELD}"
    ))
    .bind(accounts)
    .bind(&lease.run_id)
    .bind(lease.token)
    .fetch_all(pool)
    .await?;
    Ok(held.into_iter().collect())
}

/// Gives back the run's claims of `accounts`.
pub async fn release(pool: &sqlx::PgPool, lease: &Lease, accounts: &[String]) -> Result<()> {
    sqlx::query(
        "DELETE FROM sync_account_claims \
         WHERE run_id = $1 AND lease_token = $2 AND account_id = ANY($3)",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(accounts)
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives back every claim of a run, whatever worker made it: when the run ends.
pub async fn release_all(pool: &sqlx::PgPool, run_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sync_account_claims WHERE run_id = $1")
        .bind(run_id)
        .execute(pool)
        .await?;
    Ok(())
}
