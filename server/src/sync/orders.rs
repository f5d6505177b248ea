//! Sales orders to entitlements: each opportunity becomes one entitlement,
//! each valid line item one line with an activation ID. Lines are stamped
//! with the Salesforce IDs they came from (`orderId` = opportunity Id,
//! `orderLineNumber` = line item Id), so FNO itself can tell whether an
//! order was already sent, even after a crash before the link was saved.

use super::logger::steps::{ENTITLEMENT_STEP, LINE_STEP};
use super::sent;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use super::lines::{build_line, LineRefused};
use super::mapping::Mappings;
use super::order_links::{line_link, order_link, queue_write_back, save_line_link, FnoLine};
use super::pass::{fingerprint, Pass, SALESFORCE_COMPONENT};
use super::plan::{decide, Decision, PendingUpdate, PlannedOrder, PlannedRenewal};
use super::read::AccountRead;
use super::renewals;
use super::rules;
use crate::domain::filters::Filters;
use crate::domain::mapping::SfObject;
use crate::error::Result;
use crate::fno::{
    ChannelPartner, CreatedEntitlement, CreatedLine, EntitlementState, LineItemQuery,
    NewEntitlement, NewLineItem,
};
use crate::salesforce::{fields, SalesOrder, SfRecord};
use crate::store::links::{self, LinkRecord};

/// FNO's tier key of distributors (the partner that sold to the end customer).
pub const PARTNER_TIER: &str = "bo.constants.partnertiernames.tier1";

/// In the partner scenario (spec §4) the opportunity's own account is the
/// channel partner; it is recorded on the entitlement sold to the end customer.
fn partner_of(
    owner: &str,
    sold_to: &str,
    account_ids: &BTreeMap<String, String>,
) -> Vec<ChannelPartner> {
    if owner == sold_to {
        return Vec::new();
    }
    account_ids
        .get(owner)
        .map(|partner| ChannelPartner {
            tier_name: PARTNER_TIER.to_string(),
            account_id: partner.clone(),
            current_owner: Some(false),
        })
        .into_iter()
        .collect()
}

/// The stored links of a page's orders by opportunity Id.
pub type OrderLinks = HashMap<String, LinkRecord>;

/// Reads the links of the orders of `reads` in one statement.
pub async fn order_links<'r>(
    pool: &sqlx::PgPool,
    reads: impl IntoIterator<Item = &'r AccountRead>,
) -> Result<OrderLinks> {
    let ids: Vec<String> = reads
        .into_iter()
        .flat_map(|read| read.orders.iter().map(|o| o.opportunity.id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(OrderLinks::new());
    }
    Ok(links::get_links(pool, "Opportunity", &ids)
        .await?
        .into_iter()
        .map(|(link, _)| (link.salesforce_id.clone(), link))
        .collect())
}

/// Syncs one sales order; `account_ids` maps Salesforce account Ids to FNO
/// account IDs, `stored` holds the links of the page's orders.
pub async fn sync_order(
    pass: &mut Pass<'_>,
    order: &SalesOrder,
    account_ids: &BTreeMap<String, String>,
    stored: &OrderLinks,
) -> Result<()> {
    let opportunity = &order.opportunity;
    let mut lines = Vec::new();
    for line in &order.line_items {
        match build_line((&pass.parts, &pass.mappings), opportunity, line).await {
            Ok(new_line) => lines.push((line.record.id.clone(), new_line)),
            Err(LineRefused { field, reason }) => {
                let message = format!(
                    "line {} of opportunity {}: {field}: {reason}; the line was not sent",
                    line.record.id, opportunity.id
                );
                pass.failed_step(
                    LINE_STEP,
                    &line.record.id,
                    SALESFORCE_COMPONENT,
                    format!("{field}: {reason}"),
                    message,
                )
                .await?;
                pass.record_done(true).await?;
            }
        }
    }
    if let Some(renewed) = renewals::renewed_opportunity(opportunity) {
        pass.planned.renewals.push(PlannedRenewal {
            order: order.clone(),
            renewed,
            lines,
        });
        return Ok(());
    }
    let entitlement =
        match entitlement_of(order, &lines, account_ids, (&pass.mappings, &pass.filters)) {
            Ok(entitlement) => entitlement,
            Err(refused) => {
                pass.failed_step(
                    ENTITLEMENT_STEP,
                    &opportunity.id,
                    SALESFORCE_COMPONENT,
                    refused.error,
                    refused.message,
                )
                .await?;
                return skip_lines(pass, refused.records).await;
            }
        };
    let (entitlement_id, print, sent) =
        match send_entitlement(pass, (opportunity, stored), &entitlement, &lines).await? {
            Sent::Done(outcome) => {
                return finish_order(pass, order, lines.len(), outcome, None).await
            }
            Sent::Create(print, sent) => (None, print, sent),
            Sent::Update(entitlement_id, print, sent) => (Some(entitlement_id), print, sent),
        };
    let planned = PlannedOrder {
        order: order.clone(),
        entitlement,
        lines,
        print,
        sent,
    };
    match entitlement_id {
        None => pass.planned.creates.push(planned),
        Some(entitlement_id) => pass.planned.updates.push(PendingUpdate {
            entitlement_id,
            planned,
        }),
    }
    Ok(())
}

/// Why an order's entitlement cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRefused {
    /// The error, for the log's error column.
    pub error: String,
    /// What the log says.
    pub message: String,
    /// The records (the order, its lines) it leaves unsynced.
    pub records: usize,
}

impl OrderRefused {
    fn new(error: String, message: String, records: usize) -> Self {
        Self {
            error,
            message,
            records,
        }
    }
}

/// What FNO gets for a sales order (not a renewal) whose valid lines are
/// `lines`; `account_ids` maps Salesforce account Ids to FNO account IDs.
pub fn entitlement_of(
    order: &SalesOrder,
    lines: &[(String, NewLineItem)],
    account_ids: &BTreeMap<String, String>,
    (mappings, filters): (&Mappings, &Filters),
) -> std::result::Result<NewEntitlement, OrderRefused> {
    let opportunity = &order.opportunity;
    let owner = opportunity
        .text("AccountId")
        .unwrap_or_default()
        .to_string();
    let sold_to_sf = order
        .sold_to
        .as_ref()
        .map(|s| s.id.clone())
        .unwrap_or_else(|| owner.clone());
    let Some(sold_to) = account_ids.get(&sold_to_sf).cloned() else {
        let reason = format!("the sold-to account {sold_to_sf} is not in FNO");
        return Err(OrderRefused::new(reason.clone(), reason, lines.len()));
    };
    if lines.is_empty() {
        let reason = "no line item of the opportunity can sync; see the line item logs".to_string();
        return Err(OrderRefused::new(reason.clone(), reason, 1));
    }
    let attributes = mappings
        .custom_attributes(SfObject::Opportunity, opportunity)
        .map_err(|(field, reason)| {
            OrderRefused::new(format!("{field}: {reason}"), reason, lines.len() + 1)
        })?;
    let text = |field: &str| mappings.text(SfObject::Opportunity, field, opportunity);
    Ok(NewEntitlement {
        entitlement_id: opportunity.text(fields::ENTITLEMENT_ID).map(str::to_string),
        description: text("description"),
        sold_to: Some(sold_to),
        ship_to_email: text("shipToEmail"),
        ship_to_address: text("shipToAddress"),
        line_items: lines.iter().map(|(_, l)| l.clone()).collect(),
        state: rules::entitlement_state(
            opportunity.text(fields::ENTITLEMENT_STATE),
            filters.post_condition_state,
        ),
        channel_partners: partner_of(&owner, &sold_to_sf, account_ids),
        attributes,
    })
}

/// The fingerprint of an entitlement as sent. The ID is left out: once
/// written back to the opportunity it is read again, and that alone is no
/// change to send.
pub fn entitlement_print(entitlement: &NewEntitlement) -> String {
    fingerprint(&NewEntitlement {
        entitlement_id: None,
        ..entitlement.clone()
    })
}

/// Counts an order and its lines done and queues its write-back: the
/// entitlement ID, with the entitlement's state when this run knows it.
pub(super) async fn finish_order(
    pass: &mut Pass<'_>,
    order: &SalesOrder,
    lines: usize,
    outcome: Option<String>,
    state: Option<EntitlementState>,
) -> Result<()> {
    let failed = outcome.is_none();
    pass.record_done(failed).await?;
    for _ in 0..lines {
        pass.record_done(failed).await?;
    }
    if let Some(entitlement_id) = outcome {
        queue_write_back(pass, order, &entitlement_id, state).await?;
    }
    Ok(())
}

/// What became of an entitlement: sent (its ID, `None` when it failed), or
/// to be created or updated (its ID) with the page's others (fingerprint, log text).
enum Sent {
    Done(Option<String>),
    Create(String, String),
    Update(String, String, String),
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

/// Saves the links of a created entitlement and its lines, and notes its
/// lines' activation IDs and copies for the write-back.
pub(super) async fn record_created(
    pass: &mut Pass<'_>,
    opportunity: &SfRecord,
    created: &CreatedEntitlement,
    lines: &[(String, NewLineItem)],
    (print, entitlement): (&str, &NewEntitlement),
) -> Result<()> {
    let mut records = vec![order_link(opportunity, &created.entitlement_id, print)
        .with_sent_fields(sent::stored(entitlement))];
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
        pass.fresh_lines.insert(
            sf_line.clone(),
            (
                created_line.activation_id.clone(),
                new_line.number_of_copies,
            ),
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
    links::save_links(&pass.ctx.pool, &records).await
}

async fn skip_lines(pass: &mut Pass<'_>, count: usize) -> Result<()> {
    for _ in 0..count.max(1) {
        pass.record_done(true).await?;
    }
    Ok(())
}

/// Updates the entitlement the order became before, or says it is to be
/// created (when no run sent it before); an order whose create is in doubt
/// (an intent left by a run that died) is looked up in FNO by its order ID
/// first and created here when FNO does not have it.
async fn send_entitlement(
    pass: &mut Pass<'_>,
    (opportunity, stored): (&SfRecord, &OrderLinks),
    entitlement: &NewEntitlement,
    lines: &[(String, NewLineItem)],
) -> Result<Sent> {
    let print = entitlement_print(entitlement);
    let sent = format!(
        "entitlement sold to {}, state {}, {} line(s): {}",
        entitlement.sold_to.as_deref().unwrap_or_default(),
        entitlement.state.as_str(),
        lines.len(),
        lines
            .iter()
            .map(|(_, l)| format!("{} x {}", l.part_number, l.number_of_copies))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match decide(stored.get(&opportunity.id), None, &print) {
        Decision::Unchanged(entitlement_id) => {
            pass.completed(
                ENTITLEMENT_STEP,
                &opportunity.id,
                format!(
                    "unchanged since the last sync; nothing sent for {entitlement_id} ({sent})"
                ),
            )
            .await?;
            return Ok(Sent::Done(Some(entitlement_id)));
        }
        Decision::Update(entitlement_id) => return Ok(Sent::Update(entitlement_id, print, sent)),
        Decision::Create => return Ok(Sent::Create(print, sent)),
        Decision::InDoubt => {}
    }
    // Only an intent: FNO may have it already from a run that died, or get
    // it still from a create that run sent last.
    if !wait_out_in_flight(pass, ENTITLEMENT_STEP, &opportunity.id).await? {
        return Ok(Sent::Done(None));
    }
    let fno = pass.fno.clone();
    let query = LineItemQuery::by_order(&opportunity.id, None);
    let existing = match pass.retry.run(|| fno.find_line_items(&query)).await {
        Ok(found) => found,
        Err(error) => {
            pass.fno_failure(ENTITLEMENT_STEP, &opportunity.id, &error, &sent)
                .await?;
            return Ok(Sent::Done(None));
        }
    };
    if let Some(entitlement_id) = existing.iter().find_map(|l| l.entitlement_id.clone()) {
        for line in &existing {
            if let (Some(sf_line), Some(parent)) = (&line.order_line_number, &line.entitlement_id) {
                let fno_line = FnoLine {
                    activation_id: &line.activation_id,
                    entitlement_id: parent,
                    part_number: line.part_number.as_deref().unwrap_or_default(),
                };
                save_line_link(pass, sf_line, fno_line, "").await?;
            }
        }
        return Ok(Sent::Update(entitlement_id, print, sent));
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
    let created = pass
        .retry
        .create_with_lookup(lookup, || fno.create_entitlement(entitlement))
        .await;
    match created {
        Ok(created) => {
            record_created(pass, opportunity, &created, lines, (&print, entitlement)).await?;
            pass.completed(
                ENTITLEMENT_STEP,
                &opportunity.id,
                format!("created {} ({sent})", created.entitlement_id),
            )
            .await?;
            Ok(Sent::Done(Some(created.entitlement_id)))
        }
        Err(error) => {
            pass.fno_failure(ENTITLEMENT_STEP, &opportunity.id, &error, &sent)
                .await?;
            Ok(Sent::Done(None))
        }
    }
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
