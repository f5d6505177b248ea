//! Sales orders to entitlements: each opportunity becomes one entitlement,
//! each valid line item one line with an activation ID. Lines are stamped
//! with the Salesforce IDs they came from (`orderId` = opportunity Id,
//! `orderLineNumber` = line item Id), so FNO itself can tell whether an
//! order was already sent, even after a crash before the link was saved.

use super::logger::steps::{ENTITLEMENT_STEP, LINE_STEP};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use super::lines::{build_line, LineRefused};
use super::order_links::{
    line_link, order_link, queue_line_write_back, queue_write_back, save_line_link, save_link,
};
use super::pass::{fingerprint, Pass, FNO_COMPONENT, SALESFORCE_COMPONENT};
use super::plan::PendingCreate;
use super::renewals;
use super::rules;
use crate::domain::mapping::SfObject;
use crate::error::Result;
use crate::fno::operations::CREATE_SIMPLE_ENTITLEMENT;
use crate::fno::{
    ChannelPartner, CreatedEntitlement, CreatedLine, EntitlementUpdate, LineItemQuery,
    LineItemUpdate, NewEntitlement, NewLineItem,
};
use crate::fno::{FnoError, MAX_WRITE_RECORDS};
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

/// Syncs one sales order; `account_ids` maps Salesforce account Ids to FNO account IDs.
pub async fn sync_order(
    pass: &mut Pass<'_>,
    order: &SalesOrder,
    account_ids: &BTreeMap<String, String>,
) -> Result<()> {
    let opportunity = &order.opportunity;
    let mut lines = Vec::new();
    for line in &order.line_items {
        match build_line(pass, opportunity, line).await {
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
        renewals::renew(pass, opportunity, &renewed, &lines).await?;
        return queue_line_write_back(pass, order).await;
    }
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
        pass.failed_step(
            ENTITLEMENT_STEP,
            &opportunity.id,
            SALESFORCE_COMPONENT,
            reason.clone(),
            reason,
        )
        .await?;
        return skip_lines(pass, lines.len()).await;
    };
    if lines.is_empty() {
        let reason = "no line item of the opportunity can sync; see the line item logs".to_string();
        pass.failed_step(
            ENTITLEMENT_STEP,
            &opportunity.id,
            SALESFORCE_COMPONENT,
            reason.clone(),
            reason,
        )
        .await?;
        return pass.record_done(true).await;
    }
    let text = |field: &str| {
        pass.mappings
            .text(SfObject::Opportunity, field, opportunity)
    };
    let entitlement = NewEntitlement {
        entitlement_id: opportunity.text(fields::ENTITLEMENT_ID).map(str::to_string),
        description: text("description"),
        sold_to: Some(sold_to),
        ship_to_email: text("shipToEmail"),
        ship_to_address: text("shipToAddress"),
        line_items: lines.iter().map(|(_, l)| l.clone()).collect(),
        state: rules::entitlement_state(
            opportunity.text(fields::ENTITLEMENT_STATE),
            pass.filters.post_condition_state,
        ),
        channel_partners: partner_of(&owner, &sold_to_sf, account_ids),
        attributes: match pass
            .mappings
            .custom_attributes(SfObject::Opportunity, opportunity)
        {
            Ok(attributes) => attributes,
            Err((field, reason)) => {
                pass.failed_step(
                    ENTITLEMENT_STEP,
                    &opportunity.id,
                    SALESFORCE_COMPONENT,
                    format!("{field}: {reason}"),
                    reason,
                )
                .await?;
                return skip_lines(pass, lines.len() + 1).await;
            }
        },
    };
    let outcome = match send_entitlement(pass, opportunity, &entitlement, &lines).await? {
        Sent::Done(outcome) => outcome,
        Sent::Create(print, sent) => {
            pass.pending_creates.push(PendingCreate {
                order: order.clone(),
                entitlement,
                lines,
                print,
                sent,
            });
            return Ok(());
        }
    };
    finish_order(pass, order, lines.len(), outcome).await
}

/// Counts an order and its lines done and queues its write-back.
async fn finish_order(
    pass: &mut Pass<'_>,
    order: &SalesOrder,
    lines: usize,
    outcome: Option<String>,
) -> Result<()> {
    let failed = outcome.is_none();
    pass.record_done(failed).await?;
    for _ in 0..lines {
        pass.record_done(failed).await?;
    }
    if let Some(entitlement_id) = outcome {
        queue_write_back(pass, order, &entitlement_id).await?;
    }
    Ok(())
}

/// What became of an entitlement: sent (its ID, `None` when it failed), or
/// to be created with the page's other new entitlements (fingerprint, log text).
enum Sent {
    Done(Option<String>),
    Create(String, String),
}

/// The entitlements round of a page: records the intent of every new
/// entitlement in one statement, then creates them in calls of 25 with their
/// lines, taking the entitlement and activation IDs from FNO's answers. A
/// refused entitlement fails alone, with FNO's reason; a call that fails as a
/// whole fails its entitlements, whose intents make the next run look them up
/// by order before it creates them again.
pub async fn create_pending(pass: &mut Pass<'_>) -> Result<()> {
    let pending = std::mem::take(&mut pass.pending_creates);
    if pending.is_empty() {
        return Ok(());
    }
    let intents: Vec<LinkRecord> = pending
        .iter()
        .map(|p| order_link(&p.order.opportunity, "", &p.print))
        .collect();
    links::save_links(&pass.ctx.pool, &intents).await?;
    for chunk in pending.chunks(MAX_WRITE_RECORDS) {
        create_chunk(pass, chunk).await?;
    }
    Ok(())
}

/// Creates up to 25 entitlements in one call. When the call fails with a
/// transient error, the orders are looked up in FNO (the answer may have been
/// lost after FNO made them) and only those FNO lacks are sent again.
async fn create_chunk(pass: &mut Pass<'_>, chunk: &[PendingCreate]) -> Result<()> {
    let fno = pass.fno.clone();
    let mut todo: Vec<usize> = (0..chunk.len()).collect();
    let mut attempt = 1;
    while !todo.is_empty() {
        let entitlements: Vec<NewEntitlement> =
            todo.iter().map(|&i| chunk[i].entitlement.clone()).collect();
        let orders: Vec<String> = todo
            .iter()
            .map(|&i| chunk[i].order.opportunity.id.clone())
            .collect();
        links::stamp_intents(&pass.ctx.pool, "Opportunity", &orders).await?;
        let error = match fno.create_entitlements(&entitlements).await {
            Ok(outcome) => {
                for failure in outcome.failed {
                    let Some(item) = todo.get(failure.index).map(|&i| &chunk[i]) else {
                        continue;
                    };
                    let error = FnoError::Rejected {
                        operation: CREATE_SIMPLE_ENTITLEMENT.name,
                        reason: failure.reason,
                    };
                    fail_created(pass, item, &error).await?;
                }
                for created in outcome.succeeded {
                    if let Some(item) = todo.get(created.index).map(|&i| &chunk[i]) {
                        finish_created(pass, item, &created).await?;
                    }
                }
                return Ok(());
            }
            Err(error) => error,
        };
        let uncertain = error.may_still_land().then(|| error.to_string());
        if let Err(error) = pass.retry.wait_or_give_up(error, &mut attempt).await {
            for &i in &todo {
                fail_created(pass, &chunk[i], &error).await?;
            }
            return Ok(());
        }
        let mut still = Vec::new();
        for i in todo {
            let query = LineItemQuery::by_order(&chunk[i].order.opportunity.id, None);
            let found = pass.retry.run(|| fno.find_line_items(&query)).await;
            match (found.map(adopted), &uncertain) {
                (Ok(Some(created)), _) => finish_created(pass, &chunk[i], &created).await?,
                (Ok(None), None) => still.push(i),
                (Ok(None), Some(reason)) => defer_created(pass, &chunk[i], reason).await?,
                // Without an answer FNO may hold it or not: never send it blind.
                (Err(error), _) => defer_created(pass, &chunk[i], &error.to_string()).await?,
            }
        }
        todo = still;
    }
    Ok(())
}

/// Waits until the order's intent is older than a create can be in flight
/// (`ctx.in_flight`), noting the wait in the log; `false` when the run was
/// stopped meanwhile.
async fn wait_out_in_flight(pass: &mut Pass<'_>, order: &str) -> Result<bool> {
    let Some(age) = links::intent_age(&pass.ctx.pool, "Opportunity", order).await? else {
        return Ok(true);
    };
    let Some(left) = pass.ctx.in_flight.checked_sub(age) else {
        return Ok(true);
    };
    let note = format!(
        "a create of this order was sent {:.1} s ago and may still be under way in FNO: \
         this run waits {:.1} s before it looks the order up",
        age.as_secs_f64(),
        left.as_secs_f64()
    );
    pass.completed(ENTITLEMENT_STEP, order, note).await?;
    pass.logger.flush().await?;
    tokio::select! {
        _ = pass.stop.cancelled() => return Ok(false),
        _ = tokio::time::sleep(left) => {}
    }
    Ok(!pass.is_cancelled())
}

/// Logs and counts an entitlement whose create call got no answer and that
/// FNO does not show yet (or that could not be looked up): the call may
/// still land, so it is not sent again in this run. Its intent stays, and
/// the next run looks the order up before it creates it.
async fn defer_created(pass: &mut Pass<'_>, item: &PendingCreate, reason: &str) -> Result<()> {
    let note = format!(
        "FNO did not answer the create call ({reason}) and does not show the entitlement yet; \
         it may still create it, so this run does not send it again: the next run looks the \
         order up in FNO and adopts or creates it. sent: {}",
        item.sent
    );
    pass.failed_step(
        ENTITLEMENT_STEP,
        &item.order.opportunity.id,
        FNO_COMPONENT,
        reason.to_string(),
        note,
    )
    .await?;
    finish_order(pass, &item.order, item.lines.len(), None).await
}

/// Records, logs and counts an entitlement FNO created.
async fn finish_created(
    pass: &mut Pass<'_>,
    item: &PendingCreate,
    created: &CreatedEntitlement,
) -> Result<()> {
    let opportunity = &item.order.opportunity;
    record_created(pass, opportunity, created, &item.lines, &item.print).await?;
    pass.completed(
        ENTITLEMENT_STEP,
        &opportunity.id,
        format!("created {} ({})", created.entitlement_id, item.sent),
    )
    .await?;
    let id = Some(created.entitlement_id.clone());
    finish_order(pass, &item.order, item.lines.len(), id).await
}

/// Logs and counts an entitlement FNO did not create.
async fn fail_created(pass: &mut Pass<'_>, item: &PendingCreate, error: &FnoError) -> Result<()> {
    pass.fno_failure(
        ENTITLEMENT_STEP,
        &item.order.opportunity.id,
        error,
        &item.sent,
    )
    .await?;
    finish_order(pass, &item.order, item.lines.len(), None).await
}

/// Saves the links of a created entitlement and its lines, and notes its
/// lines' activation IDs and copies for the write-back.
async fn record_created(
    pass: &mut Pass<'_>,
    opportunity: &SfRecord,
    created: &CreatedEntitlement,
    lines: &[(String, NewLineItem)],
    print: &str,
) -> Result<()> {
    let mut records = vec![order_link(opportunity, &created.entitlement_id, print)];
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
        records.push(line_link(
            &sf_line,
            &created_line.activation_id,
            &created.entitlement_id,
            &fingerprint(new_line),
        ));
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
    opportunity: &SfRecord,
    entitlement: &NewEntitlement,
    lines: &[(String, NewLineItem)],
) -> Result<Sent> {
    // The ID is left out: once written back to the opportunity it is read
    // again, and that alone is no change to send.
    let print = fingerprint(&NewEntitlement {
        entitlement_id: None,
        ..entitlement.clone()
    });
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
    let link = links::get_link(&pass.ctx.pool, "Opportunity", &opportunity.id).await?;
    if let Some(link) = link.as_ref().filter(|l| !l.fno_id.is_empty()) {
        if link.fingerprint == print {
            pass.completed(
                ENTITLEMENT_STEP,
                &opportunity.id,
                format!(
                    "unchanged since the last sync; nothing sent for {} ({sent})",
                    link.fno_id
                ),
            )
            .await?;
            return Ok(Sent::Done(Some(link.fno_id.clone())));
        }
        return update_entitlement(
            pass,
            opportunity,
            &link.fno_id,
            entitlement,
            lines,
            &print,
            &sent,
        )
        .await
        .map(Sent::Done);
    }
    if link.is_none() {
        return Ok(Sent::Create(print, sent));
    }
    // Only an intent: FNO may have it already from a run that died, or get
    // it still from a create that run sent last.
    if !wait_out_in_flight(pass, &opportunity.id).await? {
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
                save_line_link(pass, sf_line, &line.activation_id, parent, "").await?;
            }
        }
        return update_entitlement(
            pass,
            opportunity,
            &entitlement_id,
            entitlement,
            lines,
            &print,
            &sent,
        )
        .await
        .map(Sent::Done);
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
            record_created(pass, opportunity, &created, lines, &print).await?;
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
fn adopted(found: Vec<crate::fno::LineItemRecord>) -> Option<CreatedEntitlement> {
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

#[allow(clippy::too_many_arguments)]
async fn update_entitlement(
    pass: &mut Pass<'_>,
    opportunity: &SfRecord,
    entitlement_id: &str,
    entitlement: &NewEntitlement,
    lines: &[(String, NewLineItem)],
    print: &str,
    sent: &str,
) -> Result<Option<String>> {
    let fno = pass.fno.clone();
    let header = EntitlementUpdate {
        entitlement_id: entitlement_id.to_string(),
        description: entitlement.description.clone(),
        sold_to: entitlement.sold_to.clone(),
        ship_to_email: entitlement.ship_to_email.clone(),
        ship_to_address: entitlement.ship_to_address.clone(),
        channel_partners: None,
        attributes: entitlement.attributes.clone(),
    };
    let line_ids: Vec<String> = lines.iter().map(|(id, _)| id.clone()).collect();
    let line_links: HashMap<String, LinkRecord> =
        links::get_links(&pass.ctx.pool, "OpportunityLineItem", &line_ids)
            .await?
            .into_iter()
            .map(|(link, _)| (link.salesforce_id.clone(), link))
            .collect();
    let mut result = pass.retry.run(|| fno.update_entitlement(&header)).await;
    let mut sent_lines = Vec::new();
    for (sf_line, new_line) in lines {
        if result.is_err() {
            break;
        }
        let link = line_links.get(sf_line).filter(|l| !l.fno_id.is_empty());
        match send_line(pass, entitlement_id, (sf_line, new_line), link).await {
            Ok(saved) => sent_lines.extend(saved),
            Err(error) => result = Err(error),
        }
    }
    links::save_links(&pass.ctx.pool, &sent_lines).await?;
    if result.is_ok() && entitlement.state == crate::fno::EntitlementState::Deployed {
        result = pass
            .retry
            .run(|| fno.set_entitlement_state(entitlement_id, entitlement.state))
            .await;
    }
    match result {
        Ok(()) => {
            save_link(pass, opportunity, entitlement_id, print).await?;
            pass.completed(
                ENTITLEMENT_STEP,
                &opportunity.id,
                format!("updated {entitlement_id} ({sent})"),
            )
            .await?;
            Ok(Some(entitlement_id.to_string()))
        }
        Err(error) => {
            pass.fno_failure(ENTITLEMENT_STEP, &opportunity.id, &error, sent)
                .await?;
            Ok(None)
        }
    }
}

/// Updates a line that FNO has (its stored `link`), or adds it; unchanged
/// lines are not sent. Returns the line's link to save once it was sent.
async fn send_line(
    pass: &Pass<'_>,
    entitlement_id: &str,
    (sf_line, line): (&str, &NewLineItem),
    link: Option<&LinkRecord>,
) -> Result<Option<LinkRecord>, FnoError> {
    let print = fingerprint(line);
    let fno = &pass.fno;
    match link {
        Some(link) if link.fingerprint == print => Ok(None),
        Some(link) => {
            let update = LineItemUpdate {
                entitlement_id: entitlement_id.to_string(),
                activation_id: link.fno_id.clone(),
                description: line.description.clone(),
                part_number: Some(line.part_number.clone()),
                order_id: line.order_id.clone(),
                order_line_number: line.order_line_number.clone(),
                number_of_copies: Some(line.number_of_copies),
                start: Some(line.start),
                expiration: Some(line.expiration),
                attributes: line.attributes.clone(),
            };
            pass.retry.run(|| fno.update_line_item(&update)).await?;
            Ok(Some(line_link(
                sf_line,
                &link.fno_id,
                entitlement_id,
                &print,
            )))
        }
        None => {
            let created = fno
                .add_line_items(entitlement_id, std::slice::from_ref(line), false)
                .await?;
            Ok(created.first().map(|created_line| {
                line_link(sf_line, &created_line.activation_id, entitlement_id, &print)
            }))
        }
    }
}
