//! The record stage of a page: what the engine remembers of sent orders
//! (links of opportunities and lines to entitlements and activation IDs),
//! and the write-back of those IDs, the entitlement states and the
//! remaining quantities to Salesforce for the whole page, in collection
//! calls of up to 200 records, each record's outcome logged and what was
//! written noted on the links, so that it is not written again.

use std::collections::{BTreeMap, HashMap};

use super::logger::steps::{RUN_STEP, SALESFORCE_UPDATE_STEP};
use super::pass::{Pass, SALESFORCE_COMPONENT};
use super::plan::{LinesToRead, PlannedOrder};
use super::rules;
use crate::domain::run::RunKind;
use crate::error::Result;
use crate::fno::{EntitlementState, LineItemQuery, LineItemRecord};
use crate::salesforce::{fields, RecordUpdate, SalesOrder, SfRecord};
use crate::store::links::{self, LinkRecord};
use crate::store::{run_accounts, runs, seen, tx_logs};

/// The record stage of a page, before its write-back, in one PostgreSQL
/// transaction fenced by the run's lease (a worker that lost its run
/// records nothing): the links and versions its rounds left
/// ([`PageRecord`]), the logs gathered so far, the accounts it synced
/// (`done`: each with whether it failed; batch runs only), the write-back to
/// send (kept on the run until [`write_back`] has sent it, so a worker that
/// takes the run over sends it), the page's checkpoint when this is its last
/// set of accounts (`Pass::page_end`, only when `finished`), and the run's
/// counters. Returns the write-back, for [`write_back`] to send.
pub async fn record_page(
    pass: &mut Pass<'_>,
    done: &[(String, bool)],
    finished: bool,
) -> Result<Vec<RecordUpdate>> {
    let mut page = std::mem::take(&mut pass.to_record);
    let updates = page.take_write_back();
    let logs = pass.logger.take();
    let lease = pass.run.lease();
    let page_end = if finished { pass.page_end.take() } else { None };
    let mut tx = pass.ctx.pool.begin().await?;
    links::save_links(&mut *tx, &page.last_links()).await?;
    for (object, rows) in page.last_seen() {
        seen::note_seen(&mut *tx, object, &rows).await?;
    }
    tx_logs::insert_logs_on(&mut tx, &logs).await?;
    if pass.run.kind != RunKind::OneTime {
        run_accounts::mark_accounts_done(&mut *tx, &lease, done).await?;
    }
    if !updates.is_empty() {
        runs::set_pending_write_back(&mut *tx, &lease, Some(updates.as_slice())).await?;
    }
    commit_record(pass, tx, page_end.as_ref()).await?;
    Ok(updates)
}

/// Ends a record: saves `checkpoint` when given and the run's counters in
/// `tx`, fenced by the run's lease, commits it, and takes in the requests
/// an operator made meanwhile.
async fn commit_record(
    pass: &mut Pass<'_>,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    checkpoint: Option<&serde_json::Value>,
) -> Result<()> {
    let lease = pass.run.lease();
    if let Some(checkpoint) = checkpoint {
        runs::save_checkpoint(&mut *tx, &lease, checkpoint).await?;
    }
    let lease_secs = pass.ctx.lease.as_secs_f64();
    let requests = runs::record_progress(&mut *tx, &lease, pass.counters(), lease_secs).await?;
    tx.commit().await?;
    pass.take_requests(requests);
    Ok(())
}

/// Sends the write-back a worker of the run recorded and did not send (it
/// died, or lost the run, in between): what a run taken over does first.
pub async fn send_pending_write_back(pass: &mut Pass<'_>) -> Result<()> {
    let Some(pending) = runs::pending_write_back(&pass.ctx.pool, &pass.run.run_id).await? else {
        return Ok(());
    };
    let updates: Vec<RecordUpdate> = match serde_json::from_value(pending) {
        Ok(updates) => updates,
        Err(error) => {
            // Not expected: the run's own record wrote it. The next runs
            // write these values back when they see them missing.
            tracing::warn!(%error, "unreadable pending write-back; left out");
            Vec::new()
        }
    };
    let note = format!(
        "sending the write-back of {} record(s) that the run recorded before it was taken over",
        updates.len()
    );
    pass.completed(RUN_STEP, "", note).await?;
    write_back(pass, updates, None).await
}

/// The link of an opportunity to its entitlement (an intent when `entitlement_id` is empty).
pub fn order_link(opportunity: &SfRecord, entitlement_id: &str, print: &str) -> LinkRecord {
    LinkRecord {
        sf_object: "Opportunity".into(),
        salesforce_id: opportunity.id.clone(),
        fno_kind: "entitlement".into(),
        fno_id: entitlement_id.to_string(),
        fingerprint: print.to_string(),
        parent_id: String::new(),
        part_number: String::new(),
        sent_fields: String::new(),
    }
}

/// The FNO line a line item became: its activation ID, its entitlement's
/// ID and the part number it was sent with (empty when not known).
#[derive(Clone, Copy, Debug)]
pub struct FnoLine<'a> {
    /// Activation ID.
    pub activation_id: &'a str,
    /// Entitlement ID.
    pub entitlement_id: &'a str,
    /// Part number.
    pub part_number: &'a str,
}

/// The link of a line item to its FNO line.
pub fn line_link(sf_line: &str, line: FnoLine<'_>, print: &str) -> LinkRecord {
    LinkRecord {
        sf_object: "OpportunityLineItem".into(),
        salesforce_id: sf_line.to_string(),
        fno_kind: "line_item".into(),
        fno_id: line.activation_id.to_string(),
        fingerprint: print.to_string(),
        parent_id: line.entitlement_id.to_string(),
        part_number: line.part_number.to_string(),
        sent_fields: String::new(),
    }
}

/// Queues the Entitlement ID (with the entitlement's state when known),
/// Activation IDs and Remaining Quantities that Salesforce does not show
/// yet. Lines created or renewed in this run have all their copies left;
/// the lines of an order sent before are read from FNO with the page's
/// others ([`read_line_states`]) — in a scheduled or immediate run only when
/// Salesforce lacks an activation ID (their remaining quantities come with
/// the FNO to Salesforce direction).
pub fn queue_write_back(
    pass: &mut Pass<'_>,
    planned: &PlannedOrder,
    entitlement_id: &str,
    state: Option<EntitlementState>,
) {
    let order = &planned.order;
    let opportunity = &order.opportunity;
    pass.to_record
        .write_back(opportunity_write_back(opportunity, entitlement_id, state));
    let created = created_lines(pass, order);
    if !created.is_empty() {
        let updates = line_write_back(order, created);
        pass.to_record.write_back(updates);
        return;
    }
    let shown = order
        .line_items
        .iter()
        .all(|l| l.record.text(fields::ACTIVATION_ID).is_some());
    if pass.run.kind != RunKind::OneTime && shown {
        return;
    }
    pass.planned.line_reads.push(LinesToRead {
        order: order.clone(),
        entitlement_id: entitlement_id.to_string(),
        sold_to: planned.entitlement.sold_to.clone(),
    });
}

/// Reads from FNO the lines of the page's orders queued by
/// [`queue_write_back`] and queues what Salesforce does not show yet: the
/// lines of one entitlement by its ID, those of several sold to one
/// account in one query of that account's lines. A failed read leaves the
/// orders' lines out of this run's write-back (logged; the next run writes
/// them).
pub async fn read_line_states(pass: &mut Pass<'_>) {
    let wanted = std::mem::take(&mut pass.planned.line_reads);
    let mut by_account: BTreeMap<Option<String>, Vec<LinesToRead>> = BTreeMap::new();
    for order in wanted {
        by_account
            .entry(order.sold_to.clone())
            .or_default()
            .push(order);
    }
    for (sold_to, orders) in by_account {
        let queries: Vec<LineItemQuery> = match (&sold_to, orders.as_slice()) {
            (Some(account), [_, _, ..]) => vec![LineItemQuery::by_sold_to(account)],
            _ => orders
                .iter()
                .map(|o| LineItemQuery::by_entitlement(&o.entitlement_id))
                .collect(),
        };
        let mut found: HashMap<String, Vec<LineItemRecord>> = HashMap::new();
        for query in queries {
            let fno = pass.fno.clone();
            match pass.retry.run(|| fno.find_line_items(&query)).await {
                Ok(lines) => {
                    for line in lines {
                        let entitlement = line.entitlement_id.clone().unwrap_or_default();
                        found.entry(entitlement).or_default().push(line);
                    }
                }
                Err(error) => tracing::warn!(
                    sold_to = sold_to.as_deref().unwrap_or_default(),
                    %error,
                    "cannot read the lines of entitlements from FNO: their activation IDs are not written back in this run"
                ),
            }
        }
        for order in orders {
            let states = found
                .remove(&order.entitlement_id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|l| {
                    let remaining = l.remaining_copies.or(l.number_of_copies);
                    l.order_line_number
                        .map(|sf_line| (sf_line, l.activation_id, remaining))
                })
                .collect();
            let updates = line_write_back(&order.order, states);
            pass.to_record.write_back(updates);
        }
    }
}

/// The line updates of `order` for (Salesforce line Id, activation ID,
/// remaining copies) where Salesforce shows something else.
fn line_write_back(
    order: &SalesOrder,
    states: Vec<(String, String, Option<i64>)>,
) -> Vec<RecordUpdate> {
    let mut updates = Vec::new();
    for (line_id, activation_id, remaining) in states {
        let Some(line) = order.line_items.iter().find(|l| l.record.id == line_id) else {
            continue;
        };
        let shown_activation = line.record.text(fields::ACTIVATION_ID);
        let shown_remaining = line
            .record
            .number(fields::REMAINING_QUANTITY)
            .map(|n| n as i64);
        if shown_activation != Some(activation_id.as_str()) || shown_remaining != remaining {
            updates.push(RecordUpdate {
                object: "OpportunityLineItem".into(),
                id: line_id,
                fields: serde_json::json!({
                    fields::ACTIVATION_ID: activation_id,
                    fields::REMAINING_QUANTITY: remaining,
                }),
            });
        }
    }
    updates
}

/// The opportunity's Entitlement ID and Entitlement State as FNO has them,
/// when Salesforce shows something else; the state only when known.
pub fn opportunity_write_back(
    opportunity: &SfRecord,
    entitlement_id: &str,
    state: Option<EntitlementState>,
) -> Option<RecordUpdate> {
    let label = state.and_then(rules::salesforce_state);
    let shown_state = opportunity.text(fields::ENTITLEMENT_STATE);
    let differs = opportunity.text(fields::ENTITLEMENT_ID) != Some(entitlement_id)
        || label.is_some_and(|label| shown_state != Some(label));
    differs.then(|| RecordUpdate {
        object: "Opportunity".into(),
        id: opportunity.id.clone(),
        fields: opportunity_fields(entitlement_id, label),
    })
}

/// The fields of an opportunity's write-back (one shape, so what was
/// written last compares with what FNO shows now).
pub fn opportunity_fields(entitlement_id: &str, state: Option<&str>) -> serde_json::Value {
    let mut fields = serde_json::json!({ fields::ENTITLEMENT_ID: entitlement_id });
    if let Some(state) = state {
        fields[fields::ENTITLEMENT_STATE] = state.into();
    }
    fields
}

/// Queues the activation IDs and remaining copies of lines handled in this
/// run that Salesforce does not show yet.
pub fn queue_line_write_back(pass: &mut Pass<'_>, order: &SalesOrder) {
    let created = created_lines(pass, order);
    let updates = line_write_back(order, created);
    pass.to_record.write_back(updates);
}

/// The lines of `order` FNO created or renewed in this page: (Salesforce
/// line Id, activation ID, copies).
fn created_lines(pass: &Pass<'_>, order: &SalesOrder) -> Vec<(String, String, Option<i64>)> {
    order
        .line_items
        .iter()
        .filter_map(|l| {
            pass.to_record
                .created_line(&l.record.id)
                .map(|(a, c)| (l.record.id.clone(), a.to_string(), Some(c)))
        })
        .collect()
}

/// Sends `updates` (a page's write-back, as [`record_page`] gives it back)
/// and logs each record's result, then records it in one PostgreSQL
/// transaction fenced by the run's lease: what was written noted on the
/// links, the logs, the run's counters, the pending write-back cleared, and
/// `checkpoint` when given.
pub async fn write_back(
    pass: &mut Pass<'_>,
    updates: Vec<RecordUpdate>,
    checkpoint: Option<serde_json::Value>,
) -> Result<()> {
    let written = send_write_back(pass, &updates).await?;
    let logs = pass.logger.take();
    let lease = pass.run.lease();
    let mut tx = pass.ctx.pool.begin().await?;
    for (object, records) in written {
        links::note_written_back(&mut *tx, object, &records).await?;
    }
    tx_logs::insert_logs_on(&mut tx, &logs).await?;
    runs::set_pending_write_back::<[RecordUpdate]>(&mut *tx, &lease, None).await?;
    commit_record(pass, tx, checkpoint.as_ref()).await
}

/// Sends `updates`, logs each record's result and returns, by object, the
/// records written with the fields written.
async fn send_write_back<'u>(
    pass: &mut Pass<'_>,
    updates: &'u [RecordUpdate],
) -> Result<BTreeMap<&'u str, Vec<(String, String)>>> {
    let mut written: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    if updates.is_empty() {
        return Ok(written);
    }
    let results = match pass.sf.update_many(updates).await {
        Ok(results) => results,
        Err(error) => {
            let reason = error.to_string();
            for update in updates {
                pass.add_failure();
                let message = format!("not written: {} {}", update.object, update.fields);
                pass.failed_step(
                    SALESFORCE_UPDATE_STEP,
                    &update.id,
                    SALESFORCE_COMPONENT,
                    reason.clone(),
                    message,
                )
                .await?;
            }
            return Ok(written);
        }
    };
    for (update, result) in updates.iter().zip(results) {
        let sent = format!("{} {}: {}", update.object, update.id, update.fields);
        if result.success {
            written
                .entry(update.object.as_str())
                .or_default()
                .push((update.id.clone(), update.fields.to_string()));
            pass.completed(
                SALESFORCE_UPDATE_STEP,
                &update.id,
                format!("updated {sent}"),
            )
            .await?;
        } else {
            let reason = result
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.status_code, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            pass.add_failure();
            pass.failed_step(
                SALESFORCE_UPDATE_STEP,
                &update.id,
                SALESFORCE_COMPONENT,
                reason,
                format!("not written: {sent}"),
            )
            .await?;
        }
    }
    Ok(written)
}
