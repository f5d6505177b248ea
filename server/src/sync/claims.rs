//! One writer per account: a run claims the accounts of a page before it
//! reads them for writing and gives them back once they are recorded (see
//! [`crate::store::claims`]). Accounts another run holds wait: the run syncs
//! the others first, then waits for the rest, so no run holds accounts while
//! it waits for others and two runs never wait for each other.

use super::logger::steps::RUN_STEP;
use std::collections::HashSet;
use std::time::Duration;

use super::pass::Pass;
use crate::error::Result;
use crate::store::claims;

/// How often a run waiting for accounts held by another run looks again
/// (and reads an operator's cancel).
const WAIT_TICK: Duration = Duration::from_millis(500);

/// Claims those of `accounts` no other run holds; when another run holds all
/// of them, waits until it gives some back. Logs, once per account, the run
/// it waits for. Empty when `accounts` is, or the run was cancelled while it
/// waited.
pub async fn take(
    pass: &mut Pass<'_>,
    accounts: &[String],
    noted: &mut HashSet<String>,
) -> Result<Vec<String>> {
    loop {
        let claimed = take_free(pass, accounts, noted).await?;
        if !claimed.is_empty() || accounts.is_empty() {
            return Ok(claimed);
        }
        tokio::select! {
            _ = pass.stop.cancelled() => return Ok(Vec::new()),
            _ = tokio::time::sleep(WAIT_TICK) => {}
        }
        pass.record_progress_only().await?;
        if pass.is_cancelled() {
            return Ok(Vec::new());
        }
    }
}

/// Claims those of `accounts` no other run holds, without waiting; logs,
/// once per account, the run that holds one.
pub async fn take_free(
    pass: &mut Pass<'_>,
    accounts: &[String],
    noted: &mut HashSet<String>,
) -> Result<Vec<String>> {
    let lease = pass.run.lease();
    let claimed = claims::claim(&pass.ctx.pool, &lease, accounts).await?;
    if claimed.len() < accounts.len() {
        let held = claims::holders(&pass.ctx.pool, &lease, accounts).await?;
        for (account, run_id) in held {
            if noted.insert(account.clone()) {
                let note = format!(
                    "run {run_id} is syncing this account: this run syncs it once that run is done with it"
                );
                pass.completed(RUN_STEP, &account, note).await?;
            }
        }
        pass.logger.flush().await?;
    }
    Ok(claimed)
}

/// Gives back the run's claims of `accounts`.
pub async fn give_back(pass: &Pass<'_>, accounts: &[String]) -> Result<()> {
    claims::release(&pass.ctx.pool, &pass.run.lease(), accounts).await
}
