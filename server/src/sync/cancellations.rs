//! Cancelled orders (spec §5, the life of an order after it synced): an
//! opportunity that left the pre-condition stages (say, Closed Lost) or was
//! deleted in Salesforce after its entitlement was created. Scheduled and
//! immediate runs read them in their window (deleted ones too, through
//! `queryAll`) in the `composite` call of their first pages, handle them
//! after the FNO to Salesforce direction, and the filters' cancellation
//! policy says what happens:
//!
//! * `leave`: FNO keeps the entitlement; the cancellation is logged.
//! * `obsolete`: the entitlement's lines without activations are set
//!   OBSOLETE with FNO's `setLineItemState` (25 a call across the orders);
//!   lines with activations are left as they are and reported.
//!
//! A line removed from an order a run updates follows the same policy line
//! by line ([`removed_lines`]).
//!
//! Each cancelled order is handled once: its link notes how, so the
//! look-back finding it again does nothing. FNO has no query of lines by a
//! set of entitlements, so under `obsolete` the lines of each cancelled
//! order are read with one call of their own (cancellations are few; up to
//! `ctx.concurrency` such reads run side by side).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::changes::Window;
use super::logger::steps::CANCELLATION_STEP;
use super::pass::{Pass, FNO_COMPONENT, SALESFORCE_COMPONENT};
use crate::domain::filters::CancellationPolicy;
use crate::error::Result;
use crate::fno::{EntitlementState, FnoError, LineItemQuery, LineItemRecord};
use crate::salesforce::{Condition, Operator, QueryOptions, SalesforceError, Soql, SoqlBuilder};
use crate::store::links;

/// A synced order that was cancelled in Salesforce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancelled {
    /// The opportunity.
    pub opportunity_id: String,
    /// Why: its stage now, or that it was deleted.
    pub why: String,
}

/// The query (through `queryAll`) of the opportunities cancelled in the
/// run's window, to read with the run's first pages.
pub fn soql(pass: &Pass<'_>, window: Window) -> std::result::Result<Soql, SalesforceError> {
    cancelled_soql(&pass.filters.pre_condition_stages, window)
}

/// The query of a window: opportunities deleted, or stamped in a stage
/// outside the pre-condition stages `stages` (read through `queryAll`).
pub fn cancelled_soql(
    stages: &[String],
    window: Window,
) -> std::result::Result<Soql, SalesforceError> {
    let mut builder = SoqlBuilder::select(["Id", "StageName", "IsDeleted", "AccountId"])
        .from("Opportunity")
        .filter(Condition::compare(
            "SystemModstamp",
            Operator::Lt,
            window.exclusive_end(),
        ));
    if let Some(start) = window.start {
        builder = builder.filter(Condition::compare("SystemModstamp", Operator::Ge, start));
    }
    builder
        .filter(Condition::Or(vec![
            Condition::eq("IsDeleted", true),
            Condition::not_in("StageName", stages.iter().map(String::as_str)),
        ]))
        .build()
}

/// Why a row of [`cancelled_soql`] is a cancellation: its Id and the reason.
pub fn why(row: &Value) -> Option<(String, String)> {
    let id = row.get("Id")?.as_str()?.to_string();
    let why = if row.get("IsDeleted").and_then(Value::as_bool) == Some(true) {
        "was deleted in Salesforce".to_string()
    } else {
        let stage = row
            .get("StageName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        format!("left the pre-condition stages (stage {stage:?})")
    };
    Some((id, why))
}

/// Handles the orders cancelled in the run's window by the filters' policy,
/// from `rows` when they were read with the run's first pages (a run taken
/// over reads them now).
pub async fn handle(pass: &mut Pass<'_>, window: Window, rows: Option<Vec<Value>>) -> Result<()> {
    let rows = match rows {
        Some(rows) => rows,
        None => match read(pass, window).await {
            Ok(rows) => rows,
            Err(error) => return cannot_read(pass, &error).await,
        },
    };
    let found: BTreeMap<String, String> = rows.iter().filter_map(why).collect();
    if found.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = found.keys().cloned().collect();
    let orders = links::cancellable_orders(&pass.ctx.pool, &ids).await?;
    let cancelled: Vec<(Cancelled, String)> = orders
        .into_iter()
        .filter_map(|(opportunity_id, entitlement_id)| {
            let why = found.get(&opportunity_id)?.clone();
            Some((
                Cancelled {
                    opportunity_id,
                    why,
                },
                entitlement_id,
            ))
        })
        .collect();
    match pass.filters.cancellation_policy {
        CancellationPolicy::Leave => leave(pass, &cancelled).await,
        CancellationPolicy::Obsolete => obsolete(pass, &cancelled).await,
    }
}

async fn read(pass: &Pass<'_>, window: Window) -> std::result::Result<Vec<Value>, SalesforceError> {
    let options = QueryOptions {
        include_deleted: true,
        ..QueryOptions::default()
    };
    pass.sf.query_with(&soql(pass, window)?, &options).await
}

async fn cannot_read(pass: &mut Pass<'_>, error: &SalesforceError) -> Result<()> {
    let reason = format!("cannot read the cancelled opportunities from Salesforce: {error}");
    pass.add_failure();
    pass.failed_step(
        CANCELLATION_STEP,
        "",
        SALESFORCE_COMPONENT,
        reason.clone(),
        reason,
    )
    .await
}

/// `leave`: logs each cancellation and notes it handled.
async fn leave(pass: &mut Pass<'_>, cancelled: &[(Cancelled, String)]) -> Result<()> {
    let mut handled = Vec::new();
    for (order, entitlement_id) in cancelled {
        let note = format!(
            "opportunity {} {} after it synced: FNO keeps entitlement {entitlement_id} as it is \
             (cancellation policy leave)",
            order.opportunity_id, order.why
        );
        pass.completed(CANCELLATION_STEP, &order.opportunity_id, note)
            .await?;
        pass.record_done(false).await?;
        handled.push((order.opportunity_id.clone(), "left"));
    }
    links::note_cancelled(&pass.ctx.pool, "Opportunity", &handled).await
}

/// What `obsolete` does with the lines of one cancelled order.
#[derive(Debug, Default, PartialEq, Eq)]
struct LinePlan {
    /// Activation IDs to set OBSOLETE.
    to_obsolete: Vec<String>,
    /// Lines with activations, left as they are: activation ID and copies activated.
    activated: Vec<(String, i64)>,
}

/// Splits an entitlement's lines: those with activations stay (reported),
/// the others become OBSOLETE (those already obsolete need nothing).
fn plan_lines(lines: &[LineItemRecord]) -> LinePlan {
    let mut plan = LinePlan::default();
    for line in lines {
        let fulfilled = line.fulfilled_amount.unwrap_or_else(|| {
            match (line.number_of_copies, line.remaining_copies) {
                (Some(copies), Some(remaining)) => copies - remaining,
                _ => 0,
            }
        });
        if fulfilled > 0 {
            plan.activated.push((line.activation_id.clone(), fulfilled));
        } else if line.state != Some(EntitlementState::Obsolete) {
            plan.to_obsolete.push(line.activation_id.clone());
        }
    }
    plan
}

/// `obsolete`: reads each cancelled order's lines, sets those without
/// activations OBSOLETE in calls of 25 across the orders, and logs each
/// order; an order whose lines FNO could not read or change stays to be
/// handled by the next run.
async fn obsolete(pass: &mut Pass<'_>, cancelled: &[(Cancelled, String)]) -> Result<()> {
    let ids: Vec<String> = cancelled.iter().map(|(_, id)| id.clone()).collect();
    let reads = read_lines(pass, &ids).await;
    let mut plans = Vec::new();
    for ((order, entitlement_id), read) in cancelled.iter().zip(reads) {
        match read {
            Ok(lines) => plans.push((order, entitlement_id, plan_lines(&lines))),
            Err(error) => {
                let sent = format!("the lines of entitlement {entitlement_id}");
                pass.fno_failure(CANCELLATION_STEP, &order.opportunity_id, &error, &sent)
                    .await?;
                pass.record_done(true).await?;
            }
        }
    }
    let changes: Vec<(String, EntitlementState)> = plans
        .iter()
        .flat_map(|(_, _, plan)| plan.to_obsolete.iter())
        .map(|activation| (activation.clone(), EntitlementState::Obsolete))
        .collect();
    let refused = match set_obsolete(pass, &changes).await {
        Ok(refused) => refused,
        Err(error) => {
            for (order, _, _) in &plans {
                pass.fno_failure(
                    CANCELLATION_STEP,
                    &order.opportunity_id,
                    &error,
                    "setLineItemState OBSOLETE",
                )
                .await?;
                pass.record_done(true).await?;
            }
            return Ok(());
        }
    };
    let mut handled = Vec::new();
    for (order, entitlement_id, plan) in plans {
        let failures: Vec<String> = plan
            .to_obsolete
            .iter()
            .filter_map(|line| refused.get(line).map(|reason| format!("{line}: {reason}")))
            .collect();
        let obsoleted = plan.to_obsolete.len() - failures.len();
        let mut note = format!(
            "opportunity {} {} after it synced: {obsoleted} line(s) of entitlement {entitlement_id} set OBSOLETE",
            order.opportunity_id, order.why
        );
        if !plan.activated.is_empty() {
            let kept: Vec<String> = plan
                .activated
                .iter()
                .map(|(line, copies)| format!("{line} ({copies} activated)"))
                .collect();
            note.push_str(&format!(
                "; line(s) with activations left as they are: {}",
                kept.join(", ")
            ));
        }
        if failures.is_empty() {
            pass.completed(CANCELLATION_STEP, &order.opportunity_id, note)
                .await?;
            pass.record_done(false).await?;
            handled.push((order.opportunity_id.clone(), "obsoleted"));
        } else {
            let reason = failures.join("; ");
            pass.failed_step(
                CANCELLATION_STEP,
                &order.opportunity_id,
                FNO_COMPONENT,
                reason.clone(),
                format!("{note}; FNO refused: {reason}"),
            )
            .await?;
            pass.record_done(true).await?;
        }
    }
    links::note_cancelled(&pass.ctx.pool, "Opportunity", &handled).await
}

/// An order this run updated: its opportunity, its entitlement and the
/// Salesforce lines it has now.
pub struct UpdatedOrder {
    /// The opportunity.
    pub opportunity_id: String,
    /// The entitlement it became.
    pub entitlement_id: String,
    /// Its line items in Salesforce now.
    pub lines: BTreeSet<String>,
}

/// A line FNO holds that its order no longer has.
struct RemovedLine {
    sf_line: String,
    activation_id: String,
    entitlement_id: String,
    opportunity_id: String,
}

/// Lines removed from orders this run updated: lines FNO holds for their
/// entitlements that the order no longer has and that Salesforce shows
/// deleted (one `queryAll` for the page, only when there are such lines; a
/// renewal's lines on the same entitlement belong to another opportunity
/// and stay). They follow the cancellation policy line by line: `leave`
/// logs them, `obsolete` sets them OBSOLETE unless they have activations.
pub async fn removed_lines(pass: &mut Pass<'_>, orders: &[UpdatedOrder]) -> Result<()> {
    let by_entitlement: BTreeMap<&str, &UpdatedOrder> = orders
        .iter()
        .map(|order| (order.entitlement_id.as_str(), order))
        .collect();
    let entitlements: Vec<String> = by_entitlement.keys().map(|id| id.to_string()).collect();
    if entitlements.is_empty() {
        return Ok(());
    }
    let candidates: Vec<RemovedLine> = links::live_lines_of(&pass.ctx.pool, &entitlements)
        .await?
        .into_iter()
        .filter_map(|(sf_line, activation_id, entitlement_id)| {
            let order = by_entitlement.get(entitlement_id.as_str())?;
            (!order.lines.contains(&sf_line)).then(|| RemovedLine {
                sf_line,
                activation_id,
                opportunity_id: order.opportunity_id.clone(),
                entitlement_id,
            })
        })
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = candidates
        .iter()
        .map(|line| line.sf_line.as_str())
        .collect();
    let soql = SoqlBuilder::select(["Id", "OpportunityId", "IsDeleted"])
        .from("OpportunityLineItem")
        .filter(Condition::is_in("Id", ids))
        .build();
    let options = QueryOptions {
        include_deleted: true,
        ..QueryOptions::default()
    };
    let rows = match soql {
        Ok(soql) => pass.sf.query_with(&soql, &options).await,
        Err(error) => Err(error),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) => {
            let reason = format!("cannot read the removed line items from Salesforce: {error}");
            pass.add_failure();
            return pass
                .failed_step(
                    CANCELLATION_STEP,
                    "",
                    SALESFORCE_COMPONENT,
                    reason.clone(),
                    reason,
                )
                .await;
        }
    };
    // A line still live belongs to another opportunity (a renewal's line on
    // the renewed entitlement); a deleted one, or one Salesforce no longer
    // has at all, was removed.
    let live: BTreeSet<&str> = rows
        .iter()
        .filter(|row| row.get("IsDeleted").and_then(Value::as_bool) != Some(true))
        .filter_map(|row| row.get("Id").and_then(Value::as_str))
        .collect();
    let removed: Vec<RemovedLine> = candidates
        .into_iter()
        .filter(|line| !live.contains(line.sf_line.as_str()))
        .collect();
    match pass.filters.cancellation_policy {
        CancellationPolicy::Leave => leave_lines(pass, &removed).await,
        CancellationPolicy::Obsolete => obsolete_lines(pass, &removed).await,
    }
}

async fn leave_lines(pass: &mut Pass<'_>, removed: &[RemovedLine]) -> Result<()> {
    let mut handled = Vec::new();
    for line in removed {
        let note = format!(
            "line {} was removed from opportunity {} after it synced: FNO keeps line {} of \
             entitlement {} as it is (cancellation policy leave)",
            line.sf_line, line.opportunity_id, line.activation_id, line.entitlement_id
        );
        pass.completed(CANCELLATION_STEP, &line.sf_line, note)
            .await?;
        pass.record_done(false).await?;
        handled.push((line.sf_line.clone(), "left"));
    }
    links::note_cancelled(&pass.ctx.pool, "OpportunityLineItem", &handled).await
}

/// `obsolete` for removed lines: reads the lines of each entitlement
/// concerned, keeps the removed lines with activations (reported), sets
/// the others OBSOLETE in calls of 25.
async fn obsolete_lines(pass: &mut Pass<'_>, removed: &[RemovedLine]) -> Result<()> {
    let entitlements: Vec<String> = removed
        .iter()
        .map(|line| line.entitlement_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut fno_lines: BTreeMap<String, LineItemRecord> = BTreeMap::new();
    let mut unread: BTreeMap<String, FnoError> = BTreeMap::new();
    for (id, read) in entitlements
        .iter()
        .zip(read_lines(pass, &entitlements).await)
    {
        match read {
            Ok(lines) => fno_lines.extend(lines.into_iter().map(|l| (l.activation_id.clone(), l))),
            Err(error) => {
                unread.insert(id.clone(), error);
            }
        }
    }
    let mut to_obsolete = Vec::new();
    let mut kept = BTreeMap::new();
    for line in removed
        .iter()
        .filter(|l| !unread.contains_key(&l.entitlement_id))
    {
        let Some(fno_line) = fno_lines.get(&line.activation_id) else {
            continue;
        };
        let plan = plan_lines(std::slice::from_ref(fno_line));
        if let Some((_, copies)) = plan.activated.first() {
            kept.insert(line.activation_id.clone(), *copies);
        }
        to_obsolete.extend(
            plan.to_obsolete
                .into_iter()
                .map(|activation| (activation, EntitlementState::Obsolete)),
        );
    }
    let refused = match set_obsolete(pass, &to_obsolete).await {
        Ok(refused) => refused,
        Err(error) => {
            for line in removed {
                pass.fno_failure(
                    CANCELLATION_STEP,
                    &line.sf_line,
                    &error,
                    "setLineItemState OBSOLETE",
                )
                .await?;
                pass.record_done(true).await?;
            }
            return Ok(());
        }
    };
    let mut handled = Vec::new();
    for line in removed {
        let removed_from = format!(
            "line {} was removed from opportunity {} after it synced",
            line.sf_line, line.opportunity_id
        );
        if let Some(error) = unread.get(&line.entitlement_id) {
            let sent = format!("the lines of entitlement {}", line.entitlement_id);
            pass.fno_failure(CANCELLATION_STEP, &line.sf_line, error, &sent)
                .await?;
            pass.record_done(true).await?;
            continue;
        }
        if let Some(reason) = refused.get(&line.activation_id) {
            pass.failed_step(
                CANCELLATION_STEP,
                &line.sf_line,
                FNO_COMPONENT,
                reason.clone(),
                format!(
                    "{removed_from}: FNO refused to set line {} OBSOLETE: {reason}",
                    line.activation_id
                ),
            )
            .await?;
            pass.record_done(true).await?;
            continue;
        }
        if !fno_lines.contains_key(&line.activation_id) {
            let note = format!(
                "{removed_from}: FNO no longer has line {} of entitlement {}",
                line.activation_id, line.entitlement_id
            );
            pass.completed(CANCELLATION_STEP, &line.sf_line, note)
                .await?;
            pass.record_done(false).await?;
            handled.push((line.sf_line.clone(), "obsoleted"));
            continue;
        }
        let note = match kept.get(&line.activation_id) {
            Some(copies) => format!(
                "{removed_from}: line {} of entitlement {} has {copies} activated copies and is left as it is",
                line.activation_id, line.entitlement_id
            ),
            None => format!(
                "{removed_from}: line {} of entitlement {} set OBSOLETE",
                line.activation_id, line.entitlement_id
            ),
        };
        pass.completed(CANCELLATION_STEP, &line.sf_line, note)
            .await?;
        pass.record_done(false).await?;
        handled.push((line.sf_line.clone(), "obsoleted"));
    }
    links::note_cancelled(&pass.ctx.pool, "OpportunityLineItem", &handled).await
}

/// Reads the lines of each of `entitlement_ids` (one query each, as many at
/// once as the run's concurrency), in their order.
async fn read_lines(
    pass: &Pass<'_>,
    entitlement_ids: &[String],
) -> Vec<std::result::Result<Vec<LineItemRecord>, FnoError>> {
    let mut reads = Vec::with_capacity(entitlement_ids.len());
    for group in entitlement_ids.chunks(pass.ctx.concurrency.max(1)) {
        let calls = group.iter().map(|id| {
            let (fno, retry) = (pass.fno.clone(), pass.retry.clone());
            let query = LineItemQuery::by_entitlement(id);
            async move { retry.run(|| fno.find_line_items(&query)).await }
        });
        reads.extend(futures::future::join_all(calls).await);
    }
    reads
}

/// Sets lines OBSOLETE; returns FNO's reason for each line it refused.
async fn set_obsolete(
    pass: &Pass<'_>,
    changes: &[(String, EntitlementState)],
) -> std::result::Result<BTreeMap<String, String>, FnoError> {
    if changes.is_empty() {
        return Ok(BTreeMap::new());
    }
    let fno = pass.fno.clone();
    let outcome = pass.retry.run(|| fno.set_line_states(changes)).await?;
    Ok(outcome
        .failed
        .into_iter()
        .map(|failure| (failure.key, failure.reason))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn line(
        activation: &str,
        copies: i64,
        fulfilled: i64,
        state: EntitlementState,
    ) -> LineItemRecord {
        LineItemRecord {
            activation_id: activation.into(),
            number_of_copies: Some(copies),
            fulfilled_amount: Some(fulfilled),
            remaining_copies: Some(copies - fulfilled),
            state: Some(state),
            ..LineItemRecord::default()
        }
    }

    #[test]
    fn lines_with_activations_stay_and_the_others_become_obsolete() {
        let lines = [
            line("A-1", 5, 0, EntitlementState::Deployed),
            line("A-2", 5, 2, EntitlementState::Deployed),
            line("A-3", 1, 0, EntitlementState::Obsolete),
        ];
        assert_eq!(
            plan_lines(&lines),
            LinePlan {
                to_obsolete: vec!["A-1".into()],
                activated: vec![("A-2".into(), 2)],
            }
        );
    }

    #[test]
    fn the_query_reads_deleted_and_lost_opportunities_of_the_window() {
        let window = Window {
            start: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
            end: Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap(),
        };
        let soql = cancelled_soql(&["Closed Won".into()], window).expect("soql");
        assert_eq!(
            soql.to_string(),
            "SELECT Id, StageName, IsDeleted, AccountId FROM Opportunity WHERE SystemModstamp < 2026-12-02T00:00:00Z \
             AND SystemModstamp >= 2026-12-01T00:00:00Z AND (IsDeleted = true OR StageName NOT IN ('Closed Won'))"
        );
        let lost =
            serde_json::json!({"Id": "006A", "StageName": "Closed Lost", "IsDeleted": false});
        let deleted =
            serde_json::json!({"Id": "006B", "StageName": "Closed Won", "IsDeleted": true});
        assert!(why(&lost).expect("lost").1.contains("Closed Lost"));
        assert_eq!(
            why(&deleted).expect("deleted").1,
            "was deleted in Salesforce"
        );
    }

    use chrono::Utc;
}
