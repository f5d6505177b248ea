//! The FNO to Salesforce direction of scheduled and immediate runs: every
//! line item FNO changed since the window's start (activations lower the
//! remaining quantity) is written back onto the Salesforce line it came
//! from, a page of FNO lines at a time; the write-back of several pages goes
//! together, with a checkpoint after each write-back.
//! The entitlement state of those lines goes back onto their opportunities
//! with the entitlement ID (a state changed in FNO re-stamps its lines).
//! FNO lines that came from no Salesforce line are logged and left alone
//! (as are the lines removed from their orders and those of cancelled ones);
//! values fnosync wrote there last (Salesforce holds them) are not sent again.
//!
//! The window is on FNO's clock: a scheduled run reads the lines FNO
//! stamped after the newest stamp the last scheduled run without failures
//! read (less [`FNO_OVERLAP`]), so what was read before is not read again,
//! whatever this machine's clock says; an immediate run reads its window
//! and leaves out the lines FNO changed after its end.

use super::logger::steps::SALESFORCE_UPDATE_STEP;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::changes::Checkpoint;
use super::pass::Pass;
use super::record::opportunity_fields;
use super::{record, rules};
use crate::error::Result;
use crate::fno::{EntitlementState, LineItemQuery};
use crate::salesforce::{fields, RecordUpdate};
use crate::store::links::{self, LinkRecord};

/// Salesforce lines gathered before they are written back: what one
/// `composite` call carries.
const WRITE_BACK_BATCH: usize = 1_000;

/// How far before the newest stamp read last time a scheduled run reads
/// FNO again: FNO stamps milliseconds, and a change stamped just before a
/// read may become visible just after it. Lines read twice are found
/// unchanged and not sent again.
pub const FNO_OVERLAP: Duration = Duration::seconds(2);

/// The FNO watermark a scheduled run leaves: the newest stamp it read
/// (`newest`), moved on by up to the overlap to `clock`, a time FNO's clock
/// had passed when the run read its first page of lines. A change stamped
/// more than the overlap before that read was visible to it, and one
/// stamped after `newest` and before that would have been read: so the
/// next run, which reads from the watermark less the overlap, still reads
/// every change this one may not have seen, but not again the lines this
/// one created well before it read FNO.
pub fn watermark(newest: DateTime<Utc>, clock: Option<DateTime<Utc>>) -> DateTime<Utc> {
    match clock {
        Some(clock) => newest.max(clock.min(newest + FNO_OVERLAP)),
        None => newest,
    }
}

/// The lines of FNO a run reads, by their `lastModifiedDateTime`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FnoWindow {
    /// Lines stamped after this (none: all lines).
    pub after: Option<DateTime<Utc>>,
    /// Lines stamped after this are left to a later window (none: no end).
    pub until: Option<DateTime<Utc>>,
}

/// Writes back the activation IDs and remaining quantities of every line FNO
/// changed in `window`, from the checkpoint's page on, noting the newest
/// stamp read in the checkpoint. `false` when the run was cancelled.
pub async fn update_salesforce(
    pass: &mut Pass<'_>,
    window: FnoWindow,
    checkpoint: &mut Checkpoint,
) -> Result<bool> {
    let fno = pass.fno.clone();
    let query = LineItemQuery {
        modified_after: Some(window.after.unwrap_or(DateTime::UNIX_EPOCH)),
        ..Default::default()
    };
    let mut page = checkpoint.fno_pages;
    // FNO's clock at the first page's read, when this run created an
    // entitlement in this process before it (a run taken over mid-phase
    // keeps what its checkpoint says).
    let clock = (page == 0)
        .then(|| pass.fno_clock_mark())
        .flatten()
        .map(|mark| (mark, std::time::Instant::now()));
    let mut states_queued = HashSet::new();
    // The write-back of the pages read since the last one sent.
    let mut updates: Vec<RecordUpdate> = Vec::new();
    loop {
        if pass.is_cancelled() {
            return Ok(false);
        }
        page += 1;
        let read = pass
            .retry
            .run(|| fno.find_line_items_page(&query, page))
            .await;
        let (changed, last) = match read {
            Ok(found) => found,
            Err(error) => {
                pass.fno_failure(
                    SALESFORCE_UPDATE_STEP,
                    "",
                    &error,
                    "line items changed in FNO",
                )
                .await?;
                pass.add_failure();
                // What the pages read so far found still goes to Salesforce.
                record::write_back(pass, updates, None).await?;
                return Ok(true);
            }
        };
        let sf_lines: Vec<String> = changed
            .iter()
            .filter_map(|line| line.order_line_number.clone())
            .collect();
        let links: HashMap<String, (LinkRecord, String)> =
            links::live_line_links(&pass.ctx.pool, &sf_lines)
                .await?
                .into_iter()
                .map(|(link, written)| (link.salesforce_id.clone(), (link, written)))
                .collect();
        let mut states = BTreeMap::new();
        for line in changed {
            if let (Some((mark, read)), Some(created)) = (&clock, line.created_on) {
                if checkpoint.fno_clock.is_none()
                    && line.entitlement_id.as_ref() == Some(&mark.entitlement_id)
                {
                    let since =
                        Duration::from_std(read.duration_since(mark.answered)).unwrap_or_default();
                    checkpoint.fno_clock = Some(created + since);
                }
            }
            if let Some(stamp) = line.last_modified {
                if window.until.is_some_and(|until| stamp > until) {
                    continue;
                }
                checkpoint.fno_newest = checkpoint.fno_newest.max(Some(stamp));
            }
            let linked = line
                .order_line_number
                .as_ref()
                .and_then(|sf_line| links.get(sf_line))
                .filter(|(link, _)| link.fno_id == line.activation_id);
            let Some((link, written)) = linked else {
                let note = format!(
                    "FNO line {} of entitlement {} has no Salesforce counterpart; left alone",
                    line.activation_id,
                    line.entitlement_id.as_deref().unwrap_or_default()
                );
                pass.completed(SALESFORCE_UPDATE_STEP, "", note).await?;
                continue;
            };
            if let (Some(entitlement), Some(state)) = (&line.entitlement_id, line.entitlement_state)
            {
                states.insert(entitlement.clone(), state);
            }
            let remaining = line.remaining_copies.or(line.number_of_copies);
            let fields = serde_json::json!({
                fields::ACTIVATION_ID: line.activation_id,
                fields::REMAINING_QUANTITY: remaining,
            });
            // Salesforce holds these values already when fnosync wrote them last.
            if written.as_str() == fields.to_string().as_str() {
                continue;
            }
            updates.push(RecordUpdate {
                object: "OpportunityLineItem".into(),
                id: link.salesforce_id.clone(),
                fields,
            });
        }
        queue_states(pass, &states, &mut states_queued, &mut updates).await?;
        // The write-back of several pages travels together (five collections
        // of 200 in one composite call); the checkpoint moves when it is sent.
        if last || updates.len() >= WRITE_BACK_BATCH {
            checkpoint.fno_pages = page;
            let sent = std::mem::take(&mut updates);
            record::write_back(pass, sent, Some(checkpoint.to_json())).await?;
        }
        pass.record_progress_only().await?;
        if last {
            return Ok(true);
        }
    }
}

/// Queues the state FNO shows of the entitlements of a page's lines onto
/// their opportunities (spec §2: the entitlement state goes back with its
/// ID) onto `updates`, leaving out those Salesforce holds already (fnosync
/// wrote that state last) and those queued earlier in the run.
async fn queue_states(
    pass: &Pass<'_>,
    states: &BTreeMap<String, EntitlementState>,
    queued: &mut HashSet<String>,
    updates: &mut Vec<RecordUpdate>,
) -> Result<()> {
    let entitlements: Vec<String> = states.keys().cloned().collect();
    if entitlements.is_empty() {
        return Ok(());
    }
    for (link, written) in links::links_to(&pass.ctx.pool, "Opportunity", &entitlements).await? {
        let Some(label) = states
            .get(&link.fno_id)
            .copied()
            .and_then(rules::salesforce_state)
        else {
            continue;
        };
        let fields = opportunity_fields(&link.fno_id, Some(label));
        if written.as_str() == fields.to_string().as_str()
            || !queued.insert(link.salesforce_id.clone())
        {
            continue;
        }
        updates.push(RecordUpdate {
            object: "Opportunity".into(),
            id: link.salesforce_id,
            fields,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_moves_on_to_fnos_clock_at_the_read_by_at_most_the_overlap() {
        let newest = DateTime::UNIX_EPOCH + Duration::seconds(100);
        let at = |seconds: f64| newest + Duration::milliseconds((seconds * 1000.0) as i64);

        // Without a clock, or with FNO's clock no later than the newest stamp: as read.
        assert_eq!(watermark(newest, None), newest);
        assert_eq!(watermark(newest, Some(at(-1.0))), newest);
        // Read 0.7 s after the newest stamp: the next run reads from 1.3 s before it.
        assert_eq!(watermark(newest, Some(at(0.7))), at(0.7));
        assert_eq!(watermark(newest, Some(at(0.7))) - FNO_OVERLAP, at(-1.3));
        // Read long after it: the next run reads from the newest stamp on.
        assert_eq!(watermark(newest, Some(at(30.0))) - FNO_OVERLAP, newest);
    }
}
