//! The one-time sync of one account, Salesforce to FNO: the account (and
//! sold-to accounts), its contacts as users, its sales orders as
//! entitlements, then the IDs FNO assigned written back to Salesforce.

use super::accounts::{apply_accounts_and_users, FnoAccounts};
use super::logger::steps::ACCOUNT_STEP;
use super::read::{read_accounts, AccountRead};
use std::collections::BTreeMap;

use super::lines::PartStates;
use super::pass::{Pass, SALESFORCE_COMPONENT};
use super::plan::plan_order;
use super::read::{order_links, orders_of, OrderLinks};
use super::{apply, claims, creates, renewals, updates, write_back};
use crate::domain::run::Ended;
use crate::error::Result;

/// How the sync of one account ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountOutcome {
    /// Its records were processed (failures, if any, are in the counters).
    Synced,
    /// It has no sales order in the pre-condition stages.
    NotSynced(String),
    /// It could not be synced at all.
    Failed(String),
    /// The run was cancelled while it was processed.
    Cancelled,
}

/// Carries out the one-time sync of the run's account, once no other run
/// holds it.
pub async fn sync_account(pass: &mut Pass<'_>) -> Result<Ended> {
    let account_id = pass.run.account_id.clone();
    let accounts = std::slice::from_ref(&account_id);
    if claims::take(pass, accounts, &mut Default::default())
        .await?
        .is_empty()
    {
        return Ok(Ended::cancelled());
    }
    let ended = sync_claimed_account(pass, &account_id).await;
    claims::give_back(pass, accounts).await?;
    ended
}

async fn sync_claimed_account(pass: &mut Pass<'_>, account_id: &str) -> Result<Ended> {
    let mut reads = match read_accounts(pass.reader(), &[account_id.to_string()]).await {
        Ok(reads) => reads,
        Err(reason) => return Ok(Ended::failed(reason)),
    };
    let fno_accounts = apply_accounts_and_users(pass, &reads).await?;
    let stored = order_links(&pass.ctx.pool, reads.values()).await?;
    let parts = pass
        .parts
        .resolve(orders_of(&reads), pass.ctx.concurrency)
        .await;
    let known = PageKnown {
        fno_accounts: &fno_accounts,
        orders: &stored,
        parts: &parts,
    };
    let read = reads.remove(account_id).unwrap_or_default();
    let outcome = sync_read_account(pass, account_id, read, &known).await?;
    creates::create_pending(pass).await?;
    updates::update_pending(pass).await?;
    renewals::renew_pending(pass).await?;
    write_back::send(pass).await?;
    Ok(match outcome {
        AccountOutcome::Synced => Ended::from_counters(pass.counters()),
        AccountOutcome::NotSynced(note) => Ended::completed_with(note),
        AccountOutcome::Failed(reason) => Ended::failed(reason),
        AccountOutcome::Cancelled => Ended::cancelled(),
    })
}

/// Why an account read without sales orders is not synced.
pub fn not_synced_note(stages: &[String]) -> String {
    format!("no opportunity in the stages {stages:?} with line items: the account is not synced")
}

/// What a page's orders are planned with besides the run's mappings and
/// filters, read once for the whole page: the FNO account IDs of its
/// accounts (after the accounts round), its orders' links, the part states
/// of its product codes.
pub struct PageKnown<'k> {
    /// Salesforce account Id to FNO account ID.
    pub fno_accounts: &'k FnoAccounts,
    /// The orders' links.
    pub orders: &'k OrderLinks,
    /// The product codes' part states.
    pub parts: &'k PartStates,
}

/// Syncs the orders of one account read by [`read_accounts`], once the
/// accounts and users rounds are done: each order planned (`plan`), then
/// applied (`apply`), its FNO writes left to the page's rounds.
pub async fn sync_read_account(
    pass: &mut Pass<'_>,
    account_id: &str,
    read: AccountRead,
    known: &PageKnown<'_>,
) -> Result<AccountOutcome> {
    let fno_accounts = known.fno_accounts;
    let account_id = account_id.to_string();
    let stages = pass.filters.pre_condition_stages.clone();
    if read.account.is_none() {
        let reason = format!("Salesforce has no account {account_id}");
        pass.failed_step(
            ACCOUNT_STEP,
            &account_id,
            SALESFORCE_COMPONENT,
            reason.clone(),
            reason.clone(),
        )
        .await?;
        return Ok(AccountOutcome::Failed(reason));
    }
    let sales_orders = read.orders;
    if sales_orders.is_empty() {
        let note = not_synced_note(&stages);
        pass.completed(ACCOUNT_STEP, &account_id, note.clone())
            .await?;
        return Ok(AccountOutcome::NotSynced(note));
    }
    let Some(fno_account_id) = fno_accounts.get(&account_id) else {
        return Ok(AccountOutcome::Failed(format!(
            "the account {account_id} could not be created in FNO; see the transaction log"
        )));
    };
    let mut account_ids = BTreeMap::from([(account_id.clone(), fno_account_id.clone())]);
    for sold_to in sales_orders.iter().filter_map(|o| o.sold_to.as_ref()) {
        if let Some(id) = fno_accounts.get(&sold_to.id) {
            account_ids.insert(sold_to.id.clone(), id.clone());
        }
    }
    for order in &sales_orders {
        if pass.is_cancelled() {
            return Ok(AccountOutcome::Cancelled);
        }
        let sources = (known.parts, &pass.mappings, &pass.filters);
        let plan = plan_order(
            sources,
            order,
            &account_ids,
            known.orders.get(&order.opportunity.id),
        );
        apply::apply_order(pass, plan).await?;
    }
    Ok(AccountOutcome::Synced)
}
