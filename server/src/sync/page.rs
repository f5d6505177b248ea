//! One page of accounts through the pipeline's stages. **Read**: the
//! accounts with their contacts and sales orders (`read`), the links of the
//! orders in one PostgreSQL read, the part numbers of the page's product
//! codes. **Plan and apply**: the accounts and users rounds (`accounts`),
//! each order planned in pure code (`plan`) and applied (`apply`), then the
//! entitlements, updates and renewals rounds across the whole page
//! (`creates`, `updates`, `renewals`), 25 records a call. **Record**: the
//! links, versions and logs of the page with the run's counters in one
//! transaction (`record`), then the write-back of the whole page, the
//! accounts noted in the run. Scheduled, immediate, event and retry runs
//! send their pages here; the one-time sync of an account is a page of one
//! account.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::stream::{FuturesUnordered, StreamExt};

use super::accounts::{apply_accounts_and_users, FnoAccounts};
use super::lines::PartStates;
use super::logger::steps::{ACCOUNT_STEP, RUN_STEP};
use super::pass::{Flow, Pass, SetEnd, SALESFORCE_COMPONENT};
use super::plan::{plan_order, PageWrites};
use super::read::{order_links, orders_of, read_accounts, AccountRead, OrderLinks};
use super::to_record::PageRecord;
use super::{apply, budget, claims, creates, echo, record, renewals, updates};
use crate::domain::run::{Ended, RunKind};
use crate::error::Result;
use crate::salesforce::RecordUpdate;

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

/// Carries out the one-time sync of the run's account: a page of one
/// account, once no other run holds it.
pub async fn sync_account(pass: &mut Pass<'_>) -> Result<Ended> {
    let account_id = pass.run.account_id.clone();
    let accounts = std::slice::from_ref(&account_id);
    if claims::take(pass, accounts, &mut Default::default())
        .await?
        .is_empty()
    {
        return Ok(Ended::cancelled());
    }
    let synced = sync_round(pass, accounts.to_vec()).await;
    claims::give_back(pass, accounts).await?;
    let round = match synced? {
        Ok(round) => round,
        Err(reason) => return Ok(Ended::failed(reason)),
    };
    let outcome = round
        .outcomes
        .into_iter()
        .find(|(account, _)| *account == account_id)
        .map(|(_, outcome)| outcome);
    Ok(match outcome {
        _ if !round.finished => Ended::cancelled(),
        Some(AccountOutcome::Synced) => Ended::from_counters(pass.counters()),
        Some(AccountOutcome::NotSynced(note)) => Ended::completed_with(note),
        Some(AccountOutcome::Failed(reason)) => Ended::failed(reason),
        Some(AccountOutcome::Cancelled) | None => Ended::cancelled(),
    })
}

/// Rounds of a page: the first, and those for accounts a person changed
/// while the run wrote back to them.
const MAX_ROUNDS: usize = 3;

/// Syncs the accounts of one page, those no other run holds first, then the
/// others as they come free (see [`claims`]); each claimed set as
/// [`sync_claimed`] does, given back at the end of the set.
pub async fn sync_page(pass: &mut Pass<'_>, accounts: Vec<String>) -> Result<Flow> {
    // The page's checkpoint goes with the record of its last set.
    let mut page_end = pass.page_end.take();
    let mut waiting = accounts;
    let mut noted = HashSet::new();
    while !waiting.is_empty() {
        let mut claimed = claims::take_free(pass, &waiting, &mut noted).await?;
        if claimed.is_empty() {
            // Another run holds them all: this run ends its own set before
            // it waits, so that it holds nothing while it waits.
            match finish_previous(pass).await? {
                Flow::GoOn => {}
                other => return Ok(other),
            }
            claimed = claims::take(pass, &waiting, &mut noted).await?;
        }
        if claimed.is_empty() {
            return Ok(Flow::Cancelled);
        }
        let taken: HashSet<&String> = claimed.iter().collect();
        waiting.retain(|account| !taken.contains(account));
        if waiting.is_empty() {
            pass.page_end = page_end.take();
        }
        match sync_claimed(pass, claimed).await? {
            Flow::GoOn => {}
            other => return Ok(other),
        }
    }
    if page_end.is_some() {
        pass.page_end = page_end;
    }
    Ok(Flow::GoOn)
}

/// Waits for the end of the set recorded last ([`Pass::previous`]), if one
/// is under way: what a run does before it waits, and before it moves on
/// from its pages (to the FNO to Salesforce direction, or to its end).
pub async fn finish_previous(pass: &mut Pass<'_>) -> Result<Flow> {
    finish(pass.previous.take()).await
}

/// Runs `previous` to its finish, if there is one.
async fn finish(previous: Option<SetEnd<'_>>) -> Result<Flow> {
    match previous {
        Some(previous) => previous.finish().await,
        None => Ok(Flow::GoOn),
    }
}

/// [`finish_previous`] after `flow`, how the pages left the run: the first
/// that did not go on.
pub async fn settle(pass: &mut Pass<'_>, flow: Flow) -> Result<Flow> {
    let previous = finish_previous(pass).await?;
    Ok(match flow {
        Flow::GoOn => previous,
        other => other,
    })
}

/// Syncs claimed accounts of one page: the set is read and sent to FNO
/// while the end of the set before it (its write-back and guard) goes on
/// beside it; once both are done, the set is recorded and its own end
/// ([`finish_set`]) starts beside the next set. The claims are given back
/// at the end of the set.
async fn sync_claimed(pass: &mut Pass<'_>, accounts: Vec<String>) -> Result<Flow> {
    if budget::under_floor(pass) {
        // The run may pause: the set before ends first.
        match finish_previous(pass).await? {
            Flow::GoOn => {}
            other => {
                claims::give_back(pass, &accounts).await?;
                return Ok(other);
            }
        }
    }
    if pass.is_cancelled() || !budget::wait_for_budget(pass).await? {
        claims::give_back(pass, &accounts).await?;
        return Ok(Flow::Cancelled);
    }
    let previous = finish(pass.previous.take());
    let (before, staged) = futures::join!(previous, stage_round(pass, accounts.clone()));
    let before = match (before, staged?) {
        (before, Ok(staged)) => {
            let ended = record_round(pass, staged).await?;
            match (before?, ended.round.finished) {
                (Flow::GoOn, true) => {
                    let end = finish_set(pass.fork_apart(), ended, accounts);
                    pass.previous = Some(SetEnd::new(end));
                    return Ok(Flow::GoOn);
                }
                (before, finished) => {
                    record::write_back(pass, ended.updates, None).await?;
                    match before {
                        Flow::GoOn if !finished => Flow::Cancelled,
                        other => other,
                    }
                }
            }
        }
        (before, Err(reason)) => match before? {
            Flow::GoOn => Flow::Failed(reason),
            other => other,
        },
    };
    claims::give_back(pass, &accounts).await?;
    Ok(before)
}

/// The end of a recorded set, in a pass of its own ([`Pass::fork_apart`]):
/// its write-back sent, then the guard against an edit hidden behind it.
/// The change query leaves out records last changed by the integration
/// user (the echo of the write-back), so a person's edit that landed
/// between the read and the write-back would be hidden behind it: the
/// orders written back are read again, and an account whose orders changed
/// meanwhile is synced again in another round. Gives the claims of
/// `accounts` back.
async fn finish_set(mut pass: Pass<'_>, ended: Recorded, accounts: Vec<String>) -> Result<Flow> {
    let flow = guard_set(&mut pass, ended).await;
    pass.flush().await?;
    claims::give_back(&pass, &accounts).await?;
    flow
}

/// The write-back of a recorded set, and the guard's rounds.
async fn guard_set(pass: &mut Pass<'_>, ended: Recorded) -> Result<Flow> {
    let Recorded { updates, mut round } = ended;
    record::write_back(pass, updates, None).await?;
    for number in 1..=MAX_ROUNDS {
        if pass.run.kind == RunKind::Event {
            // A person's edit made meanwhile publishes a change event of its
            // own, which starts another run: an event run needs no guard.
            break;
        }
        let pending = match round.read_orders.changed_since(pass, &round.written).await {
            Ok(changed) => changed,
            Err(reason) => return Ok(Flow::Failed(reason)),
        };
        for account in &pending {
            let note = if number < MAX_ROUNDS {
                "changed in Salesforce while this run wrote back to it: synced again"
            } else {
                "changed in Salesforce again while this run wrote back to it: run a one-time sync of the account"
            };
            if number < MAX_ROUNDS {
                pass.completed(RUN_STEP, account, note.to_string()).await?;
            } else {
                pass.failed_step(
                    RUN_STEP,
                    account,
                    SALESFORCE_COMPONENT,
                    note.to_string(),
                    note.to_string(),
                )
                .await?;
                pass.add_failure();
            }
        }
        if pending.is_empty() || number == MAX_ROUNDS {
            break;
        }
        if pass.is_cancelled() || !budget::wait_for_budget(pass).await? {
            return Ok(Flow::Cancelled);
        }
        round = match sync_round(pass, pending).await? {
            Ok(synced) => synced,
            Err(reason) => return Ok(Flow::Failed(reason)),
        };
        if !round.finished {
            return Ok(Flow::Cancelled);
        }
    }
    Ok(Flow::GoOn)
}

/// What one round of a page did: each account's outcome, whether the run
/// went on to the end of it, the orders read (for the guard against an
/// edit hidden behind the write-back) and the accounts written back to.
struct Round {
    outcomes: Vec<(String, AccountOutcome)>,
    finished: bool,
    read_orders: echo::OrdersRead,
    written: Vec<String>,
}

/// A round read, planned and sent to FNO, not yet recorded.
struct Staged {
    outcomes: Vec<(String, AccountOutcome)>,
    finished: bool,
    read_orders: echo::OrdersRead,
}

/// A round recorded, with the write-back to send.
struct Recorded {
    round: Round,
    updates: Vec<RecordUpdate>,
}

/// One round of claimed accounts through the stages, each after the one
/// before: [`stage_round`], [`record_round`], the write-back. `Err` with
/// the reason when Salesforce could not be read.
async fn sync_round(
    pass: &mut Pass<'_>,
    accounts: Vec<String>,
) -> Result<std::result::Result<Round, String>> {
    let staged = match stage_round(pass, accounts).await? {
        Ok(staged) => staged,
        Err(reason) => return Ok(Err(reason)),
    };
    let Recorded { round, updates, .. } = record_round(pass, staged).await?;
    record::write_back(pass, updates, None).await?;
    Ok(Ok(round))
}

/// Reads claimed accounts and sends their writes to FNO: the read, the
/// accounts and users rounds, each order planned and applied, the page's
/// FNO rounds, the FNO lines whose state the write-back needs. `Err` with
/// the reason when Salesforce could not be read.
async fn stage_round(
    pass: &mut Pass<'_>,
    accounts: Vec<String>,
) -> Result<std::result::Result<Staged, String>> {
    let reads = match read_accounts(pass.reader(), &accounts).await {
        Ok(reads) => reads,
        Err(reason) => return Ok(Err(reason)),
    };
    let read_orders = echo::OrdersRead::of(reads.values());
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
    let (outcomes, finished) = sync_accounts(pass, accounts, reads, &known).await?;
    creates::create_pending(pass).await?;
    updates::update_pending(pass).await?;
    renewals::renew_pending(pass).await?;
    record::read_line_states(pass).await;
    Ok(Ok(Staged {
        outcomes,
        finished,
        read_orders,
    }))
}

/// Records a staged round: what FNO took is recorded before the
/// write-back, so a run that dies while Salesforce is written keeps the
/// links and logs of its FNO writes, and the worker that takes it over
/// sends the write-back.
async fn record_round(pass: &mut Pass<'_>, staged: Staged) -> Result<Recorded> {
    let Staged {
        outcomes,
        finished,
        mut read_orders,
    } = staged;
    let written = read_orders.accounts_written_back(pass.to_record.queued_write_back());
    let done: Vec<(String, bool)> = outcomes
        .iter()
        .map(|(account, outcome)| {
            let failed = matches!(outcome, AccountOutcome::Failed(_));
            (account.clone(), failed)
        })
        .collect();
    let updates = record::record_page(pass, &done, finished).await?;
    Ok(Recorded {
        round: Round {
            outcomes,
            finished,
            read_orders,
            written,
        },
        updates,
    })
}

/// Plans and applies the orders of the read accounts, at most
/// `ctx.concurrency` accounts at once, gathering their write-back and FNO
/// writes in `pass`. Returns each account with its outcome, and `false`
/// when the run was cancelled.
async fn sync_accounts(
    pass: &mut Pass<'_>,
    accounts: Vec<String>,
    mut reads: HashMap<String, AccountRead>,
    known: &PageKnown<'_>,
) -> Result<(Vec<(String, AccountOutcome)>, bool)> {
    let mut running = FuturesUnordered::new();
    let mut synced = Vec::new();
    let mut cancelled = false;
    for account in accounts {
        while running.len() >= pass.ctx.concurrency {
            cancelled |= !next_finished(pass, &mut running, &mut synced).await?;
        }
        if !cancelled && budget::under_floor(pass) {
            // Let the accounts under way finish before the run pauses.
            while !running.is_empty() {
                cancelled |= !next_finished(pass, &mut running, &mut synced).await?;
            }
        }
        if cancelled || pass.is_cancelled() || !budget::wait_for_budget(pass).await? {
            cancelled = true;
            break;
        }
        let read = reads.remove(&account).unwrap_or_default();
        running.push(sync_one(pass.fork(), account, read, known));
    }
    while !running.is_empty() {
        cancelled |= !next_finished(pass, &mut running, &mut synced).await?;
    }
    Ok((synced, !cancelled))
}

/// What an account's pass ended with: the account, its outcome, and what it
/// leaves to the page: its planned FNO writes, and what FNO took (in-doubt
/// orders looked up) with its write-back; `None` when the run was cancelled
/// meanwhile.
type Synced = Option<(String, AccountOutcome, AccountLeaves)>;

/// What an account's pass leaves to its page.
type AccountLeaves = (PageWrites, PageRecord);

/// Waits for one of the accounts under way and takes in its outcome;
/// `false` when it saw a cancel.
async fn next_finished<F>(
    pass: &mut Pass<'_>,
    running: &mut FuturesUnordered<F>,
    synced: &mut Vec<(String, AccountOutcome)>,
) -> Result<bool>
where
    F: std::future::Future<Output = Result<Synced>>,
{
    match running.next().await.transpose()? {
        Some(Some((account, outcome, (planned, to_record)))) => {
            pass.planned.extend(planned);
            pass.to_record.extend(to_record);
            synced.push((account, outcome));
            Ok(true)
        }
        Some(None) => Ok(false),
        None => Ok(true),
    }
}

/// Syncs one account in its own pass.
async fn sync_one(
    mut pass: Pass<'_>,
    account: String,
    read: AccountRead,
    known: &PageKnown<'_>,
) -> Result<Synced> {
    let outcome = sync_read_account(&mut pass, &account, read, known).await?;
    if outcome == AccountOutcome::Cancelled {
        return Ok(None);
    }
    let leaves = (
        std::mem::take(&mut pass.planned),
        std::mem::take(&mut pass.to_record),
    );
    Ok(Some((account, outcome, leaves)))
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
    for order in sales_orders {
        if pass.is_cancelled() {
            return Ok(AccountOutcome::Cancelled);
        }
        let sources = (known.parts, &pass.mappings, &pass.filters);
        let stored = known.orders.get(&order.opportunity.id);
        let plan = plan_order(sources, order, &account_ids, stored);
        apply::apply_order(pass, plan).await?;
    }
    Ok(AccountOutcome::Synced)
}
