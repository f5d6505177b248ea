//! The apply stage of a page's orders: each order's plan (`plan`) logged
//! and counted; new, changed and renewing orders handed to the page's
//! rounds (`creates`, `updates`, `renewals`), which send them together in
//! calls of 25. An order whose create is in doubt (an intent left by a run
//! that died) is the one looked up in FNO by its order ID, here, before it
//! is created.

use std::sync::atomic::{AtomicBool, Ordering};

use super::logger::steps::{ENTITLEMENT_STEP, LINE_STEP};
use super::pass::{Pass, SALESFORCE_COMPONENT};
use super::plan::{Decision, OrderAction, OrderPlan, PendingUpdate, PlannedOrder};
use super::record::{line_link, order_link, queue_write_back, FnoLine};
use super::sent::{self, fingerprint};
use crate::error::Result;
use crate::fno::{CreatedEntitlement, CreatedLine, EntitlementState, LineItemQuery};
use crate::store::links::{self, LinkRecord};

/// Applies one order's plan: logs its refused lines and what it leaves
/// unchanged, hands its writes to the page's rounds, and looks up the order
/// whose create is in doubt.
pub async fn apply_order(pass: &mut Pass<'_>, plan: OrderPlan) -> Result<()> {
    for (line_id, refused) in &plan.refused_lines {
        let message = format!(
            "line {line_id} of opportunity {}: {}: {}; the line was not sent",
            plan.order_id, refused.field, refused.reason
        );
        pass.failed_step(
            LINE_STEP,
            line_id,
            SALESFORCE_COMPONENT,
            format!("{}: {}", refused.field, refused.reason),
            message,
        )
        .await?;
        pass.record_done(true).await?;
    }
    match plan.action {
        OrderAction::Renew(renewal) => pass.planned.renewals.push(renewal),
        OrderAction::Refused(refused) => {
            pass.failed_step(
                ENTITLEMENT_STEP,
                &plan.order_id,
                SALESFORCE_COMPONENT,
                refused.error,
                refused.message,
            )
            .await?;
            skip_lines(pass, refused.records).await?;
        }
        OrderAction::Send(Decision::Unchanged(entitlement_id), planned) => {
            pass.completed(
                ENTITLEMENT_STEP,
                &plan.order_id,
                format!(
                    "unchanged since the last sync; nothing sent for {entitlement_id} ({})",
                    planned.sent
                ),
            )
            .await?;
            finish_order(pass, &planned, Some(entitlement_id), None).await?;
        }
        OrderAction::Send(Decision::Create, planned) => pass.planned.creates.push(*planned),
        OrderAction::Send(Decision::Update(entitlement_id), planned) => {
            pass.planned.updates.push(PendingUpdate {
                entitlement_id,
                planned: *planned,
            });
        }
        OrderAction::Send(Decision::InDoubt, planned) => send_in_doubt(pass, *planned).await?,
    }
    Ok(())
}

/// Counts an order and its lines done and queues its write-back: the
/// entitlement ID, with the entitlement's state when this run knows it.
pub(super) async fn finish_order(
    pass: &mut Pass<'_>,
    planned: &PlannedOrder,
    outcome: Option<String>,
    state: Option<EntitlementState>,
) -> Result<()> {
    let failed = outcome.is_none();
    pass.record_done(failed).await?;
    for _ in 0..planned.lines.len() {
        pass.record_done(failed).await?;
    }
    if let Some(entitlement_id) = outcome {
        queue_write_back(pass, planned, &entitlement_id, state);
    }
    Ok(())
}

/// Waits until the order's intent is older than a write can be in flight
/// (`ctx.in_flight`), noting the wait in the log under `step`; `false` when
/// the run was stopped meanwhile.
pub(super) async fn wait_out_in_flight(
    pass: &mut Pass<'_>,
    step: &str,
    order: &str,
) -> Result<bool> {
    let Some(age) = links::intent_age(&pass.ctx.pool, "Opportunity", order).await? else {
        return Ok(true);
    };
    let Some(left) = pass.ctx.in_flight.checked_sub(age) else {
        return Ok(true);
    };
    let note = format!(
        "a write of this order was sent {:.1} s ago and may still be under way in FNO: \
         this run waits {:.1} s before it looks the order up",
        age.as_secs_f64(),
        left.as_secs_f64()
    );
    pass.completed(step, order, note).await?;
    pass.logger.flush().await?;
    tokio::select! {
        _ = pass.stop.cancelled() => return Ok(false),
        _ = tokio::time::sleep(left) => {}
    }
    Ok(!pass.is_cancelled())
}

/// Leaves to the page's record the entitlements FNO created, each with the
/// order it came from: the links of the orders and of their lines (noting
/// the lines for the write-back).
pub(super) fn record_created(
    pass: &mut Pass<'_>,
    created: &[(&PlannedOrder, &CreatedEntitlement)],
) {
    let mut records = Vec::new();
    for (planned, created) in created {
        records.push(
            order_link(
                &planned.order.opportunity,
                &created.entitlement_id,
                &planned.print,
            )
            .with_sent_fields(sent::stored(&planned.entitlement)),
        );
        let lines = &planned.lines;
        for created_line in &created.lines {
            let sf_line = created_line
                .order_line_number
                .clone()
                .or_else(|| lines.get(created_line.line_index).map(|(id, _)| id.clone()));
            let Some((sf_line, new_line)) = sf_line
                .and_then(|id| lines.iter().find(|(line, _)| *line == id))
                .map(|(id, line)| (id.clone(), line))
            else {
                continue;
            };
            pass.to_record.line_created(
                sf_line.clone(),
                created_line.activation_id.clone(),
                new_line.number_of_copies,
            );
            let fno_line = FnoLine {
                activation_id: &created_line.activation_id,
                entitlement_id: &created.entitlement_id,
                part_number: &new_line.part_number,
            };
            records.push(
                line_link(&sf_line, fno_line, &fingerprint(new_line))
                    .with_sent_fields(sent::stored(new_line)),
            );
        }
    }
    pass.to_record.links(records);
}

async fn skip_lines(pass: &mut Pass<'_>, count: usize) -> Result<()> {
    for _ in 0..count.max(1) {
        pass.record_done(true).await?;
    }
    Ok(())
}

/// Sends an order whose create is in doubt (an intent left by a run that
/// died): looked up in FNO by its order ID first, it updates the
/// entitlement FNO has, or is created here when FNO has none.
async fn send_in_doubt(pass: &mut Pass<'_>, planned: PlannedOrder) -> Result<()> {
    let opportunity = &planned.order.opportunity;
    // Only an intent: FNO may have it already from a run that died, or get
    // it still from a create that run sent last.
    if !wait_out_in_flight(pass, ENTITLEMENT_STEP, &opportunity.id).await? {
        return finish_order(pass, &planned, None, None).await;
    }
    let fno = pass.fno.clone();
    let query = LineItemQuery::by_order(&opportunity.id, None);
    let existing = match pass.retry.run(|| fno.find_line_items(&query)).await {
        Ok(found) => found,
        Err(error) => {
            pass.fno_failure(ENTITLEMENT_STEP, &opportunity.id, &error, &planned.sent)
                .await?;
            return finish_order(pass, &planned, None, None).await;
        }
    };
    if let Some(entitlement_id) = existing.iter().find_map(|l| l.entitlement_id.clone()) {
        let found: Vec<LinkRecord> = existing
            .iter()
            .filter_map(|line| {
                let (sf_line, parent) = (
                    line.order_line_number.as_ref()?,
                    line.entitlement_id.as_ref()?,
                );
                let fno_line = FnoLine {
                    activation_id: &line.activation_id,
                    entitlement_id: parent,
                    part_number: line.part_number.as_deref().unwrap_or_default(),
                };
                Some(line_link(sf_line, fno_line, ""))
            })
            .collect();
        pass.to_record.links(found);
        pass.planned.updates.push(PendingUpdate {
            entitlement_id,
            planned,
        });
        return Ok(());
    }
    // A create whose answer was lost is found by its order before it is sent again.
    // The look-up above counts as the first attempt's; retries look again.
    let looked = AtomicBool::new(true);
    let lookup = || {
        let skip = looked.swap(false, Ordering::Relaxed);
        let (fno, query) = (&fno, &query);
        async move {
            if skip {
                return Ok(None);
            }
            Ok(adopted(fno.find_line_items(query).await?))
        }
    };
    let entitlement = &planned.entitlement;
    let created = pass
        .retry
        .create_with_lookup(lookup, || fno.create_entitlement(entitlement))
        .await;
    let outcome = match created {
        Ok(created) => {
            record_created(pass, &[(&planned, &created)]);
            pass.completed(
                ENTITLEMENT_STEP,
                &opportunity.id,
                format!("created {} ({})", created.entitlement_id, planned.sent),
            )
            .await?;
            Some(created.entitlement_id)
        }
        Err(error) => {
            pass.fno_failure(ENTITLEMENT_STEP, &opportunity.id, &error, &planned.sent)
                .await?;
            None
        }
    };
    finish_order(pass, &planned, outcome, None).await
}

/// Turns the lines FNO already has for an order into the answer of a create.
pub(super) fn adopted(found: Vec<crate::fno::LineItemRecord>) -> Option<CreatedEntitlement> {
    let entitlement_id = found.iter().find_map(|l| l.entitlement_id.clone())?;
    let lines = found
        .into_iter()
        .enumerate()
        .map(|(index, line)| CreatedLine {
            line_index: index,
            activation_id: line.activation_id,
            unique_id: None,
            order_id: line.order_id,
            order_line_number: line.order_line_number,
        })
        .collect();
    Some(CreatedEntitlement {
        index: 0,
        entitlement_id,
        unique_id: None,
        lines,
    })
}
