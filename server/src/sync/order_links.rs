//! What the engine remembers of sent orders (links of opportunities and
//! lines to entitlements and activation IDs) and the write-back of those IDs
//! and the remaining quantities to Salesforce.

use super::pass::Pass;
use super::rules;
use crate::domain::run::RunKind;
use crate::error::Result;
use crate::fno::{EntitlementState, LineItemQuery};
use crate::salesforce::{fields, RecordUpdate, SalesOrder, SfRecord};
use crate::store::links::{self, LinkRecord};

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

pub async fn save_line_link(
    pass: &Pass<'_>,
    sf_line: &str,
    line: FnoLine<'_>,
    print: &str,
) -> Result<()> {
    let link = line_link(sf_line, line, print);
    links::save_link(&pass.ctx.pool, &link).await
}

/// Queues the Entitlement ID (with the entitlement's state when known),
/// Activation IDs and Remaining Quantities that Salesforce does not show yet.
pub async fn queue_write_back(
    pass: &mut Pass<'_>,
    order: &SalesOrder,
    entitlement_id: &str,
    state: Option<EntitlementState>,
) -> Result<()> {
    let opportunity = &order.opportunity;
    if let Some(update) = opportunity_write_back(opportunity, entitlement_id, state) {
        pass.write_back.push(update);
    }
    for (line_id, activation_id, remaining) in line_states(pass, order, entitlement_id).await {
        let Some(line) = order.line_items.iter().find(|l| l.record.id == line_id) else {
            continue;
        };
        let shown_activation = line.record.text(fields::ACTIVATION_ID);
        let shown_remaining = line
            .record
            .number(fields::REMAINING_QUANTITY)
            .map(|n| n as i64);
        if shown_activation != Some(activation_id.as_str()) || shown_remaining != remaining {
            pass.write_back.push(RecordUpdate {
                object: "OpportunityLineItem".into(),
                id: line_id,
                fields: serde_json::json!({
                    fields::ACTIVATION_ID: activation_id,
                    fields::REMAINING_QUANTITY: remaining,
                }),
            });
        }
    }
    Ok(())
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

/// Returns (Salesforce line Id, activation ID, remaining copies) of an
/// order's lines. Lines created in this run have all their copies left, so
/// FNO is asked only about lines that existed before, and in a scheduled or
/// immediate run only when Salesforce lacks an activation ID.
async fn line_states(
    pass: &Pass<'_>,
    order: &SalesOrder,
    entitlement_id: &str,
) -> Vec<(String, String, Option<i64>)> {
    let fresh: Vec<_> = order
        .line_items
        .iter()
        .filter_map(|l| {
            pass.fresh_lines
                .get(&l.record.id)
                .map(|(a, c)| (l.record.id.clone(), a.clone(), Some(*c)))
        })
        .collect();
    if !fresh.is_empty() {
        return fresh;
    }
    // Scheduled and immediate runs write remaining quantities back for every
    // line FNO changed in their window (FNO to Salesforce); lines Salesforce
    // already shows with their activation ID need no look-up here.
    let shown = order
        .line_items
        .iter()
        .all(|l| l.record.text(fields::ACTIVATION_ID).is_some());
    if pass.run.kind != RunKind::OneTime && shown {
        return Vec::new();
    }
    let fno = pass.fno.clone();
    let query = LineItemQuery::by_entitlement(entitlement_id);
    let found = match pass.retry.run(|| fno.find_line_items(&query)).await {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(
                entitlement = entitlement_id,
                %error,
                "cannot read the entitlement's lines from FNO: their activation IDs are not written back in this run"
            );
            Vec::new()
        }
    };
    found
        .into_iter()
        .filter_map(|l| {
            let remaining = l.remaining_copies.or(l.number_of_copies);
            l.order_line_number
                .map(|sf_line| (sf_line, l.activation_id, remaining))
        })
        .collect()
}

/// Queues the activation IDs and remaining copies of lines handled in this run.
pub async fn queue_line_write_back(pass: &mut Pass<'_>, order: &SalesOrder) -> Result<()> {
    for line in &order.line_items {
        let Some((activation_id, copies)) = pass.fresh_lines.get(&line.record.id).cloned() else {
            continue;
        };
        let shown_remaining = line
            .record
            .number(fields::REMAINING_QUANTITY)
            .map(|n| n as i64);
        if line.record.text(fields::ACTIVATION_ID) != Some(activation_id.as_str())
            || shown_remaining != Some(copies)
        {
            pass.write_back.push(RecordUpdate {
                object: "OpportunityLineItem".into(),
                id: line.record.id.clone(),
                fields: serde_json::json!({
                    fields::ACTIVATION_ID: activation_id,
                    fields::REMAINING_QUANTITY: copies,
                }),
            });
        }
    }
    Ok(())
}
