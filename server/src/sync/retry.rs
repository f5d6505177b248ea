//! Retry runs: the records that failed in an earlier run, synced again
//! (after an operator fixed their cause, say a product code). A record
//! belongs to an account; the retry syncs the accounts of the failed
//! records through the same pipeline as a scheduled run's page, so what
//! succeeded the first time is found unchanged and written again nowhere,
//! and each retried record gets a log of its own next to its earlier ones.

use std::collections::{BTreeMap, BTreeSet};

use super::logger::steps::RUN_STEP;
use super::pass::Pass;
use super::{batch, read};
use crate::domain::run::Ended;
use crate::error::Result;
use crate::store::{runs, tx_logs};

/// The failed records of a run, by object, for those that lead to an
/// account (records of other objects are left out).
pub fn by_object(records: &[String]) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut objects: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for record in records {
        if let Some(object) = read::object_of(record) {
            objects.entry(object).or_default().insert(record.clone());
        }
    }
    objects
}

/// Carries out a retry run: reads the accounts of the records that failed
/// in the retried run, notes them on the run, and syncs them.
pub async fn sync_failed_records(pass: &mut Pass<'_>) -> Result<Ended> {
    let retried = pass.run.retry_of.clone();
    let accounts = if pass.run.account_ids.is_empty() {
        let records = tx_logs::failed_records(&pass.ctx.pool, &retried).await?;
        let found = match read::accounts_of_records(&pass.sf, &by_object(&records)).await {
            Ok(found) => found,
            Err(error) => {
                return Ok(Ended::failed(format!(
                    "cannot read the accounts of the records that failed in run {retried} from Salesforce: {error}"
                )))
            }
        };
        let accounts: BTreeSet<String> = found.into_iter().map(|(_, account)| account).collect();
        let accounts: Vec<String> = accounts.into_iter().collect();
        runs::set_account_ids(&pass.ctx.pool, &pass.run.lease(), &accounts).await?;
        let note = format!(
            "retrying the {} record(s) that failed in run {retried}: {} account(s) to sync",
            records.len(),
            accounts.len()
        );
        pass.completed(RUN_STEP, "", note).await?;
        accounts
    } else {
        // Taken over: the accounts were read by the worker before.
        pass.run.account_ids.clone()
    };
    let what = format!("with records that failed in run {retried}");
    batch::sync_accounts_of_run(pass, accounts, &what).await
}
