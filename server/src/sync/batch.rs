//! Scheduled and immediate syncs: both directions over a window of
//! modification times. Salesforce to FNO for every account with a qualifying
//! opportunity (or line item) modified in the window, then FNO to Salesforce
//! for every line item FNO changed in the window (activations lower the
//! remaining quantity). The scheduled sync's window starts at its watermark,
//! less a look-back, and the watermark moves only after a run without failures.
//!
//! Changed records are read a page at a time (see [`changes`]); the accounts
//! of a page go through the pipeline together (see [`super::page`]), and
//! the run checkpoints after each page, so memory stays bounded however many
//! accounts change and a run taken over by another worker goes on from its
//! last page. Each account is synced at most once per run.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use serde_json::Value;

use super::changes::{self, Checkpoint, Phase, Window};
use super::fno_to_crm::FnoWindow;
use super::logger::steps::RUN_STEP;
use super::page::{settle, sync_page};
use super::pass::{Flow, Pass};
use super::{cancellations, fno_to_crm};
use crate::domain::run::{Ended, RunKind, RunState};
use crate::error::Result;
use crate::store::schedules::{self, Watermarks};
use crate::store::{links, run_accounts, seen};

/// Overlap with the previous window, so records written while a run was
/// reading (with an older timestamp) are not missed; a record seen twice is
/// simply found unchanged.
pub const LOOKBACK: Duration = Duration::minutes(5);

/// Carries out a scheduled or immediate run.
pub async fn sync_window(pass: &mut Pass<'_>) -> Result<Ended> {
    let window = window(pass).await?;
    let mut checkpoint = match Checkpoint::of(pass.run.checkpoint.as_ref()) {
        Some(checkpoint) => {
            let synced = run_accounts::count_accounts(&pass.ctx.pool, &pass.run.run_id)
                .await?
                .synced;
            let note = format!(
                "taken over by {}: going on from the last checkpoint ({:?}), {synced} account(s) already synced",
                pass.ctx.worker_id, checkpoint.phase
            );
            pass.completed(RUN_STEP, "", note).await?;
            checkpoint
        }
        None => Checkpoint::default(),
    };
    let (mut first_pages, cancelled) = match read_first_pages(pass, window, &checkpoint).await {
        Ok(read) => read,
        Err(reason) => return Ok(Ended::failed(reason)),
    };
    for phase in Phase::SALESFORCE {
        if checkpoint.phase != phase {
            continue;
        }
        let first = first_pages.remove(&phase);
        let flow = sync_changed_accounts(pass, window, &mut checkpoint, first).await?;
        match settle(pass, flow).await? {
            Flow::GoOn => {}
            Flow::Cancelled => return Ok(Ended::cancelled()),
            Flow::Failed(reason) => return Ok(Ended::failed(reason)),
        }
        checkpoint.phase = phase.next();
        checkpoint.after = None;
        checkpoint.save(pass).await?;
    }
    let fno_window = fno_window(pass, window).await?;
    if !fno_to_crm::update_salesforce(pass, fno_window, &mut checkpoint).await? {
        return Ok(Ended::cancelled());
    }
    // After the FNO direction, so the lines' activations are as FNO has them now.
    cancellations::handle(pass, window, cancelled).await?;
    let accounts = run_accounts::count_accounts(&pass.ctx.pool, &pass.run.run_id).await?;
    let (failed_accounts, accounts) = (accounts.failed, accounts.synced);
    let counters = pass.counters();
    if pass.run.kind == RunKind::Scheduled && counters.failed == 0 && failed_accounts == 0 {
        let reached = Watermarks {
            salesforce: Some(window.end),
            fno: checkpoint
                .fno_newest
                .map(|newest| fno_to_crm::watermark(newest, checkpoint.fno_clock)),
        };
        schedules::advance_watermarks(&pass.ctx.pool, reached).await?;
    }
    if failed_accounts > 0 && counters.done == 0 {
        return Ok(Ended::failed(format!(
            "{failed_accounts} account(s) could not be synced; see the transaction logs"
        )));
    }
    let mut ended = Ended::from_counters(counters);
    if failed_accounts > 0 {
        ended.state = RunState::CompletedWithFailures;
    }
    ended.message = format!(
        "{accounts} account(s) changed in the window; {}",
        ended.message
    );
    Ok(ended)
}

/// Carries out an event run: the accounts its change events named, as one
/// page of a scheduled run (those a taken-over run synced already are
/// skipped). The FNO to Salesforce direction is left to the schedule.
pub async fn sync_named_accounts(pass: &mut Pass<'_>) -> Result<Ended> {
    let accounts = pass.run.account_ids.clone();
    sync_accounts_of_run(pass, accounts, "named by change events").await
}

/// Syncs the given accounts as pages of a scheduled run, skipping those the
/// run synced already (a run taken over), and ends the run; `what` says in
/// its message where the accounts came from.
pub async fn sync_accounts_of_run(
    pass: &mut Pass<'_>,
    accounts: Vec<String>,
    what: &str,
) -> Result<Ended> {
    let done = run_accounts::accounts_done(&pass.ctx.pool, &pass.run.run_id, &accounts).await?;
    let to_sync: Vec<String> = accounts.into_iter().filter(|a| !done.contains(a)).collect();
    let mut flow = Flow::GoOn;
    for accounts in account_sets(&to_sync) {
        flow = sync_page(pass, accounts.to_vec()).await?;
        if !matches!(flow, Flow::GoOn) {
            break;
        }
    }
    match settle(pass, flow).await? {
        Flow::GoOn => {}
        Flow::Cancelled => return Ok(Ended::cancelled()),
        Flow::Failed(reason) => return Ok(Ended::failed(reason)),
    }
    let accounts = run_accounts::count_accounts(&pass.ctx.pool, &pass.run.run_id).await?;
    let mut ended = Ended::from_counters(pass.counters());
    if accounts.failed > 0 {
        ended.state = RunState::CompletedWithFailures;
    }
    ended.message = format!("{} account(s) {what}; {}", accounts.synced, ended.message);
    Ok(ended)
}

async fn window(pass: &Pass<'_>) -> Result<Window> {
    let run = pass.run;
    if run.kind == RunKind::Immediate {
        return Ok(Window {
            start: run.window_start,
            end: run.window_end.unwrap_or_else(Utc::now),
        });
    }
    let watermark = schedules::watermarks(&pass.ctx.pool).await?.salesforce;
    Ok(Window {
        start: watermark.map(|w| w - LOOKBACK),
        end: run.created_at,
    })
}

/// The FNO lines of the run: an immediate run's window with its end; a
/// scheduled run's from FNO's own watermark (the Salesforce window's start
/// until a run has read FNO).
async fn fno_window(pass: &Pass<'_>, window: Window) -> Result<FnoWindow> {
    if pass.run.kind == RunKind::Immediate {
        return Ok(FnoWindow {
            after: window.start,
            until: pass.run.window_end,
        });
    }
    let watermark = schedules::watermarks(&pass.ctx.pool).await?.fno;
    Ok(FnoWindow {
        after: watermark
            .map(|newest| newest - fno_to_crm::FNO_OVERLAP)
            .or(window.start),
        until: None,
    })
}

fn cannot_read(error: impl std::fmt::Display) -> String {
    format!("cannot read the changed records from Salesforce: {error}")
}

/// The first pages a run reads: each Salesforce phase's first page, and
/// the opportunities cancelled in the window (`None` when not read with them).
type FirstRead = (HashMap<Phase, Vec<changes::Changed>>, Option<Vec<Value>>);

/// Reads the first page of every Salesforce phase still to start (from the
/// checkpoint's, unless it stands inside that phase) in one call, with the
/// opportunities cancelled in the window when the run starts afresh.
async fn read_first_pages(
    pass: &Pass<'_>,
    window: Window,
    checkpoint: &Checkpoint,
) -> std::result::Result<FirstRead, String> {
    let phases: Vec<Phase> = Phase::SALESFORCE
        .into_iter()
        .skip_while(|&phase| phase != checkpoint.phase)
        .filter(|&phase| phase != checkpoint.phase || checkpoint.after.is_none())
        .collect();
    if phases.is_empty() {
        return Ok((HashMap::new(), None));
    }
    let cancelled = match phases.first() {
        Some(&first) if first == Phase::SALESFORCE[0] => {
            Some(cancellations::soql(pass, window).map_err(cannot_read)?)
        }
        _ => None,
    };
    let read = changes::first_pages(pass.reader(), &phases, window, cancelled)
        .await
        .map_err(cannot_read)?;
    Ok((read.pages.into_iter().collect(), read.other))
}

/// The accounts of a page of changed accounts or contacts (`object`) to
/// sync: those whose orders were synced (the others have nothing in FNO to
/// keep up to date), for rows whose fields differ from the version FNO took
/// (a row the window's look-back finds again is no change).
pub async fn changed_with_synced_orders(
    pool: &sqlx::PgPool,
    object: &str,
    page: &[changes::Changed],
) -> Result<Vec<String>> {
    let ids: Vec<String> = page.iter().map(|row| row.cursor.id.clone()).collect();
    let versions = seen::seen(pool, object, &ids).await?;
    let newer: Vec<changes::Changed> = page
        .iter()
        .filter(|row| versions.get(&row.cursor.id) != row.digest.as_ref())
        .cloned()
        .collect();
    let mut accounts = changes::accounts_of(&newer);
    let synced: HashSet<String> = links::get_links(pool, "Account", &accounts)
        .await?
        .into_iter()
        .filter(|(link, _)| !link.fno_id.is_empty())
        .map(|(link, _)| link.salesforce_id)
        .collect();
    accounts.retain(|account| synced.contains(account));
    Ok(accounts)
}

/// Syncs, page by page, the accounts with records of the checkpoint's phase
/// changed in the window, starting with `first` when it was read already.
/// Changed accounts and contacts count only for accounts whose orders were
/// synced before (the others have nothing in FNO to keep up to date).
async fn sync_changed_accounts(
    pass: &mut Pass<'_>,
    window: Window,
    checkpoint: &mut Checkpoint,
    mut first: Option<Vec<changes::Changed>>,
) -> Result<Flow> {
    loop {
        let page = match first.take() {
            Some(page) => page,
            None => {
                let after = checkpoint.after.as_ref();
                match changes::next_page(pass.reader(), checkpoint.phase, window, after).await {
                    Ok(page) => page,
                    Err(error) => return Ok(Flow::Failed(cannot_read(error))),
                }
            }
        };
        let accounts = match checkpoint.phase.record_object() {
            Some(object) => changed_with_synced_orders(&pass.ctx.pool, object, &page).await?,
            None => changes::accounts_of(&page),
        };
        let done = run_accounts::accounts_done(&pass.ctx.pool, &pass.run.run_id, &accounts).await?;
        let to_sync: Vec<String> = accounts.into_iter().filter(|a| !done.contains(a)).collect();
        let page_end = page.last().map(|last| Checkpoint {
            after: Some(last.cursor.clone()),
            ..checkpoint.clone()
        });
        let sets: Vec<&[String]> = account_sets(&to_sync).collect();
        for (number, accounts) in sets.iter().enumerate() {
            // The last set's record saves the page's checkpoint with it.
            if number + 1 == sets.len() {
                pass.page_end = page_end.as_ref().map(Checkpoint::to_json);
            }
            match sync_page(pass, accounts.to_vec()).await? {
                Flow::GoOn => {}
                other => return Ok(other),
            }
        }
        let last_page = page.len() < pass.ctx.page_size as usize;
        if let Some(page_end) = page_end {
            *checkpoint = page_end;
            // Not saved with a record: the page had no account left to sync.
            if pass.page_end.take().is_some() || sets.is_empty() {
                checkpoint.save(pass).await?;
            }
        }
        if last_page {
            return Ok(Flow::GoOn);
        }
    }
}

/// The most accounts synced together (read, planned, sent and written back
/// as one set). A page of 2,000 changed lines can name 2,000 accounts, each
/// read with all its orders; a set holds its accounts' orders, lines, logs
/// and write-back until it is recorded and written back, and a run has two
/// sets at once (one written back while the next is read and sent), so this
/// bounds what a run holds at once (10,000 accounts of 3 orders of 3 lines
/// peak near 125 MiB; one set of 700 at a time went over 150 MiB), at about
/// two Salesforce calls and two FNO calls more a set.
const MAX_ACCOUNTS_AT_ONCE: usize = 400;

/// `accounts` in the fewest sets of at most [`MAX_ACCOUNTS_AT_ONCE`], of
/// even sizes: 667 accounts are two sets of 334 and 333, not 400 and 267.
fn account_sets(accounts: &[String]) -> std::slice::Chunks<'_, String> {
    let sets = accounts.len().div_ceil(MAX_ACCOUNTS_AT_ONCE).max(1);
    accounts.chunks(accounts.len().div_ceil(sets).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(count: usize) -> Vec<usize> {
        let accounts: Vec<String> = (0..count).map(|i| format!("001{i}")).collect();
        account_sets(&accounts).map(<[String]>::len).collect()
    }

    #[test]
    fn accounts_are_synced_in_the_fewest_even_sets() {
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), vec![1]);
        assert_eq!(sizes(MAX_ACCOUNTS_AT_ONCE), vec![MAX_ACCOUNTS_AT_ONCE]);
        assert_eq!(sizes(667), vec![334, 333]);
        assert_eq!(sizes(2_000), vec![400; 5]);
        assert_eq!(sizes(2_001), vec![334, 334, 334, 334, 334, 331]);
    }
}
