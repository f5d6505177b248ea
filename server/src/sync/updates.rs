//! The updates round of a page: the entitlements that the page's changed
//! orders became before, sent in rounds across the whole page — headers,
//! then changed lines, then new lines, then states — at most 25 records per
//! call, each call retried on its own. A record FNO refuses, or the records
//! of a call that keeps failing, fail their order alone with the reason; an
//! order that failed in a round is not sent in the next ones. The links of
//! the lines FNO took are saved in one statement, so the next run sends
//! only what is still different.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use futures::stream::StreamExt;

use super::apply::finish_order;
use super::calls;
use super::cancellations::{self, UpdatedOrder};
use super::logger::steps::{ENTITLEMENT_STEP, LINE_STEP};
use super::pass::{Pass, FNO_COMPONENT};
use super::plan::PendingUpdate;
use super::record::{line_link, order_link, FnoLine};
use super::sent::{self, fingerprint};
use crate::error::Result;
use crate::fno::operations::{
    CREATE_ENTITLEMENT_LINE_ITEM, SET_ENTITLEMENT_STATE, UPDATE_ENTITLEMENT_LINE_ITEM,
    UPDATE_SIMPLE_ENTITLEMENT,
};
use crate::fno::{
    AddedLines, BatchOutcome, EntitlementState, EntitlementUpdate, FnoError, LineAddition,
    LineItemUpdate, NewLineItem, Processed, MAX_WRITE_RECORDS,
};
use crate::store::links::{self, LinkRecord};

/// A line of an update sent in a round: the update's position, the
/// Salesforce line Id, its fingerprint and fields.
struct SentLine {
    update: usize,
    sf_line: String,
    print: String,
    fields: String,
    part_number: String,
}

/// Lines whose product was swapped in Salesforce: the FNO line they became
/// was sent with another part number. Each is replaced — a new FNO line is
/// added, the old one set OBSOLETE — rather than changed in place. Salesforce
/// line Id to the old activation ID and part number.
fn swapped_lines(
    pending: &[PendingUpdate],
    stored: &HashMap<String, LinkRecord>,
) -> HashMap<String, (String, String)> {
    pending
        .iter()
        .flat_map(|update| update.planned.lines.iter())
        .filter_map(|(sf_line, line)| {
            let link = stored.get(sf_line)?;
            let swapped = !link.part_number.is_empty() && link.part_number != line.part_number;
            swapped.then(|| {
                (
                    sf_line.clone(),
                    (link.fno_id.clone(), link.part_number.clone()),
                )
            })
        })
        .collect()
}

/// Sends the updates the page's accounts planned; see the module's text.
pub async fn update_pending(pass: &mut Pass<'_>) -> Result<()> {
    let pending = std::mem::take(&mut pass.planned.updates);
    if pending.is_empty() {
        return Ok(());
    }
    let line_ids: Vec<String> = pending
        .iter()
        .flat_map(|u| u.planned.lines.iter().map(|(id, _)| id.clone()))
        .collect();
    let mut stored: HashMap<String, LinkRecord> =
        links::get_links(&pass.ctx.pool, "OpportunityLineItem", &line_ids)
            .await?
            .into_iter()
            .filter(|(link, _)| !link.fno_id.is_empty())
            .map(|(link, _)| (link.salesforce_id.clone(), link))
            .collect();
    // The lines FNO showed for an order in doubt are not recorded yet.
    let wanted: HashSet<&String> = line_ids.iter().collect();
    pass.to_record
        .overlay(&mut stored, "OpportunityLineItem", |l| {
            wanted.contains(&l.salesforce_id) && !l.fno_id.is_empty()
        });
    let mut failures: Vec<Option<Arc<FnoError>>> = vec![None; pending.len()];
    let swapped = swapped_lines(&pending, &stored);
    let stored: HashMap<String, LinkRecord> = stored
        .into_iter()
        .filter(|(sf_line, _)| !swapped.contains_key(sf_line))
        .collect();
    send_headers(pass, &pending, &mut failures).await;
    let changed = send_changed_lines(pass, &pending, &stored, &mut failures).await;
    pass.to_record.links(changed);
    let added = send_new_lines(pass, &pending, &stored, &mut failures).await;
    // Lines added twice are two lines, and an add has no intent to find it
    // by: what FNO added is saved at once, not left to the page's record.
    links::save_links(&pass.ctx.pool, &added).await?;
    retire_swapped(pass, &swapped, &added).await?;
    send_states(pass, &pending, &mut failures).await;
    let taken: Vec<LinkRecord> = pending
        .iter()
        .zip(&failures)
        .filter(|(_, failure)| failure.is_none())
        .map(|(update, _)| {
            let planned = &update.planned;
            order_link(
                &planned.order.opportunity,
                &update.entitlement_id,
                &planned.print,
            )
            .with_sent_fields(sent::stored(&planned.entitlement))
        })
        .collect();
    pass.to_record.links(taken);
    let updated: Vec<UpdatedOrder> = pending
        .iter()
        .zip(&failures)
        .filter(|(_, failure)| failure.is_none())
        .map(|(update, _)| UpdatedOrder {
            opportunity_id: update.planned.order.opportunity.id.clone(),
            entitlement_id: update.entitlement_id.clone(),
            lines: update
                .planned
                .order
                .line_items
                .iter()
                .map(|line| line.record.id.clone())
                .collect(),
        })
        .collect();
    cancellations::removed_lines(pass, &updated).await?;
    for (update, failure) in pending.iter().zip(failures) {
        let planned = &update.planned;
        let opportunity = &planned.order.opportunity;
        let outcome = match failure {
            None => {
                let note = format!("updated {} ({})", update.entitlement_id, planned.sent);
                pass.completed(ENTITLEMENT_STEP, &opportunity.id, note)
                    .await?;
                Some(update.entitlement_id.clone())
            }
            Some(error) => {
                pass.fno_failure(ENTITLEMENT_STEP, &opportunity.id, &error, &planned.sent)
                    .await?;
                None
            }
        };
        // A deployed order was deployed by the states round; FNO keeps any
        // other state as it is, unknown to this run.
        let state = (planned.entitlement.state == EntitlementState::Deployed)
            .then_some(EntitlementState::Deployed);
        finish_order(pass, planned, outcome, state).await?;
    }
    Ok(())
}

/// The headers round: every update's description, sold-to, ship-to and attributes.
async fn send_headers(
    pass: &Pass<'_>,
    pending: &[PendingUpdate],
    failures: &mut [Option<Arc<FnoError>>],
) {
    let headers: Vec<(usize, EntitlementUpdate)> = pending
        .iter()
        .enumerate()
        .map(|(i, update)| {
            let entitlement = &update.planned.entitlement;
            let header = EntitlementUpdate {
                entitlement_id: update.entitlement_id.clone(),
                description: entitlement.description.clone(),
                sold_to: entitlement.sold_to.clone(),
                ship_to_email: entitlement.ship_to_email.clone(),
                ship_to_address: entitlement.ship_to_address.clone(),
                channel_partners: None,
                attributes: entitlement.attributes.clone(),
            };
            (i, header)
        })
        .collect();
    let fno = pass.fno.clone();
    let call = move |chunk: Vec<EntitlementUpdate>| {
        let fno = fno.clone();
        async move { fno.update_entitlements(&chunk).await }
    };
    let round = Round::retried(UPDATE_SIMPLE_ENTITLEMENT.name);
    send_in_calls(pass, round, failures, &headers, processed_index, call).await;
}

/// The changed lines round: lines FNO has (their stored links) whose
/// fingerprint changed. Returns the links of the lines FNO took.
async fn send_changed_lines(
    pass: &Pass<'_>,
    pending: &[PendingUpdate],
    stored: &HashMap<String, LinkRecord>,
    failures: &mut [Option<Arc<FnoError>>],
) -> Vec<LinkRecord> {
    let mut sent = Vec::new();
    let mut records = Vec::new();
    for (i, update) in pending.iter().enumerate() {
        if failures[i].is_some() {
            continue;
        }
        for (sf_line, line) in &update.planned.lines {
            let print = fingerprint(line);
            let Some(link) = stored.get(sf_line) else {
                continue;
            };
            if link.fingerprint == print {
                continue;
            }
            records.push((i, line_update(&update.entitlement_id, &link.fno_id, line)));
            sent.push((
                SentLine {
                    update: i,
                    sf_line: sf_line.clone(),
                    print,
                    fields: sent::stored(line),
                    part_number: line.part_number.clone(),
                },
                link.fno_id.clone(),
            ));
        }
    }
    let fno = pass.fno.clone();
    let call = move |chunk: Vec<LineItemUpdate>| {
        let fno = fno.clone();
        async move { fno.update_line_items(&chunk).await }
    };
    let round = Round::retried(UPDATE_ENTITLEMENT_LINE_ITEM.name);
    let taken = send_in_calls(pass, round, failures, &records, processed_index, call).await;
    taken
        .into_iter()
        .filter_map(|(position, _)| sent.get(position))
        .map(|(line, activation_id)| {
            let fno_line = FnoLine {
                activation_id,
                entitlement_id: &pending[line.update].entitlement_id,
                part_number: &line.part_number,
            };
            line_link(&line.sf_line, fno_line, &line.print).with_sent_fields(line.fields.clone())
        })
        .collect()
}

fn line_update(entitlement_id: &str, activation_id: &str, line: &NewLineItem) -> LineItemUpdate {
    LineItemUpdate {
        entitlement_id: entitlement_id.to_string(),
        activation_id: activation_id.to_string(),
        description: line.description.clone(),
        part_number: Some(line.part_number.clone()),
        order_id: line.order_id.clone(),
        order_line_number: line.order_line_number.clone(),
        number_of_copies: Some(line.number_of_copies),
        start: Some(line.start),
        expiration: Some(line.expiration),
        attributes: line.attributes.clone(),
    }
}

/// The new lines round: lines of the updates that FNO does not have yet,
/// added in records of at most 25 lines. Not retried (an add sent again
/// after a lost answer would add the lines twice): a call that fails fails
/// its orders, and the next run adds what FNO still lacks. Returns the
/// links of the lines FNO added, which the write-back also gets.
async fn send_new_lines(
    pass: &mut Pass<'_>,
    pending: &[PendingUpdate],
    stored: &HashMap<String, LinkRecord>,
    failures: &mut [Option<Arc<FnoError>>],
) -> Vec<LinkRecord> {
    let mut records = Vec::new();
    let mut sent: Vec<Vec<(String, NewLineItem)>> = Vec::new();
    for (i, update) in pending.iter().enumerate() {
        if failures[i].is_some() {
            continue;
        }
        let new: Vec<&(String, NewLineItem)> = update
            .planned
            .lines
            .iter()
            .filter(|(sf_line, _)| !stored.contains_key(sf_line))
            .collect();
        for chunk in new.chunks(MAX_WRITE_RECORDS) {
            records.push((
                i,
                LineAddition {
                    entitlement_id: update.entitlement_id.clone(),
                    lines: chunk.iter().map(|(_, line)| line.clone()).collect(),
                    deploy: false,
                },
            ));
            sent.push(chunk.iter().map(|&line| line.clone()).collect());
        }
    }
    let fno = pass.fno.clone();
    let call = move |chunk: Vec<LineAddition>| {
        let fno = fno.clone();
        async move { fno.add_lines(&chunk).await }
    };
    let round = Round::once(CREATE_ENTITLEMENT_LINE_ITEM.name);
    let added = send_in_calls(
        pass,
        round,
        failures,
        &records,
        |a: &AddedLines| a.index,
        call,
    )
    .await;
    let mut taken = Vec::new();
    for (position, added) in added {
        let Some(lines) = sent.get(position) else {
            continue;
        };
        for created in added.lines {
            let Some((sf_line, line)) = lines.get(created.line_index) else {
                continue;
            };
            let copies = line.number_of_copies;
            pass.to_record
                .line_created(sf_line.clone(), created.activation_id.clone(), copies);
            let fno_line = FnoLine {
                activation_id: &created.activation_id,
                entitlement_id: &added.entitlement_id,
                part_number: &line.part_number,
            };
            let link = line_link(sf_line, fno_line, &fingerprint(line));
            taken.push(link.with_sent_fields(sent::stored(line)));
        }
    }
    taken
}

/// Sets OBSOLETE the old FNO line of each swapped line whose replacement FNO
/// added (in calls of 25), logging each swap on its Salesforce line.
async fn retire_swapped(
    pass: &mut Pass<'_>,
    swapped: &HashMap<String, (String, String)>,
    added: &[LinkRecord],
) -> Result<()> {
    let replaced: Vec<(&LinkRecord, &(String, String))> = added
        .iter()
        .filter_map(|link| Some((link, swapped.get(&link.salesforce_id)?)))
        .collect();
    if replaced.is_empty() {
        return Ok(());
    }
    let changes: Vec<(String, EntitlementState)> = replaced
        .iter()
        .map(|(_, (old, _))| (old.clone(), EntitlementState::Obsolete))
        .collect();
    let fno = pass.fno.clone();
    let outcome = pass.retry.run(|| fno.set_line_states(&changes)).await;
    for (link, (old, old_part)) in replaced {
        let note = format!(
            "product changed from {old_part} to {}: new line {} added to entitlement {}",
            link.part_number, link.fno_id, link.parent_id
        );
        let refusal = match &outcome {
            Ok(outcome) => outcome
                .failed
                .iter()
                .find(|failure| &failure.key == old)
                .map(|failure| failure.reason.clone()),
            Err(error) => Some(error.to_string()),
        };
        match refusal {
            None => {
                let note = format!("{note}, old line {old} set OBSOLETE");
                pass.completed(LINE_STEP, &link.salesforce_id, note).await?;
            }
            Some(reason) => {
                let note =
                    format!("{note}; the old line {old} could not be set OBSOLETE: {reason}");
                pass.failed_step(LINE_STEP, &link.salesforce_id, FNO_COMPONENT, reason, note)
                    .await?;
                pass.add_failure();
            }
        }
    }
    Ok(())
}

/// The states round: the updates whose order deploys the entitlement.
async fn send_states(
    pass: &Pass<'_>,
    pending: &[PendingUpdate],
    failures: &mut [Option<Arc<FnoError>>],
) {
    let changes: Vec<(usize, (String, EntitlementState))> = pending
        .iter()
        .enumerate()
        .filter(|(i, update)| {
            failures[*i].is_none() && update.planned.entitlement.state == EntitlementState::Deployed
        })
        .map(|(i, update)| {
            (
                i,
                (update.entitlement_id.clone(), EntitlementState::Deployed),
            )
        })
        .collect();
    let fno = pass.fno.clone();
    let call = move |chunk: Vec<(String, EntitlementState)>| {
        let fno = fno.clone();
        async move { fno.set_entitlement_states(&chunk).await }
    };
    let round = Round::retried(SET_ENTITLEMENT_STATE.name);
    send_in_calls(pass, round, failures, &changes, processed_index, call).await;
}

fn processed_index(processed: &Processed) -> usize {
    processed.index
}

/// How a round sends its calls: the operation (named in refusals) and
/// whether a call that failed may be sent again.
#[derive(Clone, Copy)]
pub(super) struct Round {
    operation: &'static str,
    retried: bool,
}

impl Round {
    fn retried(operation: &'static str) -> Self {
        Self {
            operation,
            retried: true,
        }
    }

    pub(super) fn once(operation: &'static str) -> Self {
        Self {
            operation,
            retried: false,
        }
    }
}

/// Sends `records` (each with the position of the update it belongs to) in
/// calls of [`MAX_WRITE_RECORDS`]. A refused record, or every record of a
/// call that failed, fails its update (its first failure is kept). Returns
/// the records FNO took: their position in `records` and FNO's answer.
pub(super) async fn send_in_calls<R, T, F, Fut>(
    pass: &Pass<'_>,
    round: Round,
    failures: &mut [Option<Arc<FnoError>>],
    records: &[(usize, R)],
    index_of: fn(&T) -> usize,
    call: F,
) -> Vec<(usize, T)>
where
    R: Clone,
    F: Fn(Vec<R>) -> Fut,
    Fut: Future<Output = std::result::Result<BatchOutcome<T>, FnoError>>,
{
    // Up to `ctx.concurrency` calls are under way at once.
    let (retry, call) = (pass.retry.clone(), &call);
    let mut answers = calls::in_chunks(records, pass.ctx.concurrency, |chunk| {
        let sent: Vec<R> = chunk.iter().map(|(_, record)| record.clone()).collect();
        let retry = retry.clone();
        async move {
            if round.retried {
                retry.run(|| call(sent.clone())).await
            } else {
                call(sent).await
            }
        }
    });
    let mut taken = Vec::new();
    while let Some((number, chunk, answer)) = answers.next().await {
        let offset = number * MAX_WRITE_RECORDS;
        match answer {
            Ok(outcome) => {
                for refused in outcome.failed {
                    if let Some((update, _)) = chunk.get(refused.index) {
                        failures[*update].get_or_insert_with(|| {
                            Arc::new(FnoError::Rejected {
                                operation: round.operation,
                                reason: refused.reason,
                            })
                        });
                    }
                }
                // What FNO took stays taken, even when another record of
                // the same update failed.
                for item in outcome.succeeded {
                    taken.push((offset + index_of(&item), item));
                }
            }
            Err(error) => {
                let error = Arc::new(error);
                for (update, _) in chunk {
                    failures[*update].get_or_insert_with(|| error.clone());
                }
            }
        }
    }
    taken
}
