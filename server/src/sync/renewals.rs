//! Renewals (spec §5): an opportunity whose "Renewed Opportunity" points at
//! an already synced opportunity renews that entitlement's line items
//! instead of creating an entitlement. Each new line is matched to a line of
//! the renewed entitlement with the same part number.
//!
//! The renewals round of a page comes after its entitlements round (a
//! renewal may renew an order the same page created): one read of the links
//! of the renewals and of the orders they renew, one of the lines renewed
//! before and of the renewed entitlements' lines, then every line renewed in
//! calls of 25 (`renewLicense`, not retried: a renewal sent twice renews
//! twice). The renewal's intent is stored before the call; a renewal whose
//! answer was lost is looked up in FNO by its order before it is sent
//! again, the only look-up of the round.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::apply::wait_out_in_flight;
use super::logger::steps::{LINE_STEP, RENEWAL_STEP};
use super::pass::{Pass, SALESFORCE_COMPONENT};
use super::plan::{not_synced_reason, renewal_print, renewed_before, PlannedRenewal};
use super::record::{line_link, queue_line_write_back, FnoLine};
use super::sent::{self, fingerprint};
use super::updates::{send_in_calls, Round};
use crate::error::Result;
use crate::fno::operations::RENEW_LICENSE;
use crate::fno::{FnoError, LineItemQuery, LineRenewal, NewLineItem, RenewedLine};
use crate::salesforce::{fields, RecordUpdate, SfRecord};
use crate::store::links::{self, LinkRecord};

/// The kind of an opportunity's link when the opportunity renews another's
/// entitlement (an intent while its `fno_id` is empty).
pub const RENEWAL_KIND: &str = "renewal";

/// A renewal of the round: what was planned, the entitlement it renews.
struct Renewing {
    planned: PlannedRenewal,
    entitlement_id: String,
}

/// A line of a renewed entitlement that a renewal line can renew.
struct Renewable {
    activation_id: String,
    part_number: String,
    /// The Salesforce line it came from, when known.
    sf_line: Option<String>,
}

/// The renewals round of a page; see the module's text.
pub async fn renew_pending(pass: &mut Pass<'_>) -> Result<()> {
    let pending = std::mem::take(&mut pass.planned.renewals);
    if pending.is_empty() {
        return Ok(());
    }
    let pool = pass.ctx.pool.clone();
    let ids: Vec<String> = pending
        .iter()
        .flat_map(|r| [r.order.opportunity.id.clone(), r.renewed.clone()])
        .collect();
    let mut stored: HashMap<String, LinkRecord> = links::get_links(&pool, "Opportunity", &ids)
        .await?
        .into_iter()
        .map(|(link, _)| (link.salesforce_id.clone(), link))
        .collect();
    // The page may renew an order it created: its link is not recorded yet.
    let wanted: HashSet<&String> = ids.iter().collect();
    pass.to_record.overlay(&mut stored, "Opportunity", |l| {
        wanted.contains(&l.salesforce_id)
    });
    let mut renewing = Vec::new();
    let mut in_doubt = Vec::new();
    for planned in pending {
        let opportunity = &planned.order.opportunity;
        let entitlement = stored
            .get(&planned.renewed)
            .map(|l| l.fno_id.clone())
            .filter(|id| !id.is_empty());
        let Some(entitlement_id) = entitlement else {
            let reason = not_synced_reason(&planned.renewed);
            pass.failed_step(
                RENEWAL_STEP,
                &opportunity.id,
                SALESFORCE_COMPONENT,
                reason.clone(),
                reason,
            )
            .await?;
            count(pass, planned.lines.len() + 1, true).await?;
            continue;
        };
        let own = stored.get(&opportunity.id);
        if renewed_before(own, &planned.lines, &entitlement_id) {
            pass.completed(
                RENEWAL_STEP,
                &opportunity.id,
                format!("unchanged since the last sync; {entitlement_id} was renewed before"),
            )
            .await?;
            queue_opportunity(pass, opportunity, &entitlement_id);
            count(pass, planned.lines.len() + 1, false).await?;
            continue;
        }
        if own.is_some_and(|l| l.fno_kind == RENEWAL_KIND && l.fno_id.is_empty()) {
            in_doubt.push(renewing.len());
        }
        renewing.push(Renewing {
            planned,
            entitlement_id,
        });
    }
    if renewing.is_empty() {
        return Ok(());
    }
    let line_ids: Vec<String> = renewing
        .iter()
        .flat_map(|r| r.planned.lines.iter().map(|(id, _)| id.clone()))
        .collect();
    let mut renewed_lines: HashMap<String, LinkRecord> =
        links::get_links(&pool, "OpportunityLineItem", &line_ids)
            .await?
            .into_iter()
            .map(|(link, _)| (link.salesforce_id.clone(), link))
            .filter(|(_, link)| !link.fno_id.is_empty())
            .collect();
    let wanted: HashSet<&String> = line_ids.iter().collect();
    pass.to_record
        .overlay(&mut renewed_lines, "OpportunityLineItem", |l| {
            wanted.contains(&l.salesforce_id) && !l.fno_id.is_empty()
        });
    // Per renewal: the error that failed it, the lines that failed.
    let mut failed: Vec<Option<Arc<FnoError>>> = vec![None; renewing.len()];
    let mut failed_lines = vec![0usize; renewing.len()];
    for &i in &in_doubt {
        let Some(adopted) = adopt_landed(pass, &renewing[i]).await? else {
            return Ok(());
        };
        match adopted {
            Ok(found) => renewed_lines.extend(found),
            Err(error) => {
                let what = format!("renewal of {}", renewing[i].entitlement_id);
                let opportunity = &renewing[i].planned.order.opportunity.id;
                pass.fno_failure(RENEWAL_STEP, opportunity, &error, &what)
                    .await?;
                failed[i] = Some(Arc::new(error));
                failed_lines[i] = renewing[i].planned.lines.len();
            }
        }
    }
    let renewable = renewable_lines(pass, &renewing).await?;
    let mut items: Vec<(usize, LineRenewal)> = Vec::new();
    let mut sent_lines: Vec<(String, String)> = Vec::new();
    for (i, renewal) in renewing.iter().enumerate() {
        if failed[i].is_some() {
            continue;
        }
        let entitlement_id = &renewal.entitlement_id;
        let own: HashSet<&str> = renewal
            .planned
            .lines
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        let mut used = HashSet::new();
        for (sf_line, line) in &renewal.planned.lines {
            if let Some(link) = renewed_lines.get(sf_line) {
                if link.parent_id == *entitlement_id {
                    // Renewed by an earlier run (or found in FNO just now).
                    let copies = line.number_of_copies;
                    pass.to_record
                        .line_created(sf_line.clone(), link.fno_id.clone(), copies);
                    continue;
                }
            }
            let parent = renewable.get(entitlement_id).and_then(|lines| {
                lines.iter().find(|l| {
                    l.part_number == line.part_number
                        && !l.sf_line.as_deref().is_some_and(|id| own.contains(id))
                        && !used.contains(&l.activation_id)
                })
            });
            let Some(parent) = parent else {
                let reason = format!(
                    "entitlement {entitlement_id} has no line with part number {} to renew",
                    line.part_number
                );
                pass.failed_step(
                    LINE_STEP,
                    sf_line,
                    SALESFORCE_COMPONENT,
                    reason.clone(),
                    reason,
                )
                .await?;
                failed_lines[i] += 1;
                continue;
            };
            used.insert(parent.activation_id.clone());
            sent_lines.push((
                sf_line.clone(),
                format!(
                    "renewal of line {} ({} x {})",
                    parent.activation_id, line.part_number, line.number_of_copies
                ),
            ));
            items.push((i, line_renewal(entitlement_id, &parent.activation_id, line)));
        }
    }
    // The intents, in one statement, before anything is sent.
    let sending: HashSet<usize> = items.iter().map(|(i, _)| *i).collect();
    let intents: Vec<LinkRecord> = sending
        .iter()
        .map(|&i| renewal_link(&renewing[i], ""))
        .collect();
    links::save_links(&pool, &intents).await?;
    let taken = send_renewals(pass, &items, &mut failed).await;
    // What FNO renewed, left to the page's record (the intents stay until then).
    let mut records = Vec::new();
    let mut answered = vec![false; items.len()];
    for (position, renewed) in &taken {
        let (i, _) = &items[*position];
        let (sf_line, sent) = &sent_lines[*position];
        let line = line_of(&renewing[*i], sf_line);
        let fno_line = FnoLine {
            activation_id: &renewed.activation_id,
            entitlement_id: &renewing[*i].entitlement_id,
            part_number: &line.part_number,
        };
        records.push(
            line_link(sf_line, fno_line, &fingerprint(line)).with_sent_fields(sent::stored(line)),
        );
        pass.to_record.line_created(
            sf_line.clone(),
            renewed.activation_id.clone(),
            line.number_of_copies,
        );
        answered[*position] = true;
        pass.completed(
            RENEWAL_STEP,
            sf_line,
            format!("{sent}: new line {}", renewed.activation_id),
        )
        .await?;
    }
    for (position, (i, _)) in items.iter().enumerate() {
        if answered[position] {
            continue;
        }
        let (sf_line, sent) = &sent_lines[position];
        let error = failed[*i].clone().unwrap_or_else(|| {
            Arc::new(FnoError::Rejected {
                operation: RENEW_LICENSE.name,
                reason: "FNO's answer does not name this line".to_string(),
            })
        });
        pass.fno_failure(RENEWAL_STEP, sf_line, &error, sent)
            .await?;
        failed_lines[*i] += 1;
    }
    // A renewal with every line renewed is done; the intent of one with a
    // line FNO did not take stays, so the next run looks its order up
    // before it sends what is still missing.
    for (i, renewal) in renewing.iter().enumerate() {
        let complete = failed_lines[i] == 0;
        if complete {
            records.push(renewal_link(renewal, &renewal.entitlement_id));
        }
        let opportunity = &renewal.planned.order.opportunity;
        queue_opportunity(pass, opportunity, &renewal.entitlement_id);
        queue_line_write_back(pass, &renewal.planned.order);
        pass.record_done(!complete).await?;
        for index in 0..renewal.planned.lines.len() {
            pass.record_done(index < failed_lines[i]).await?;
        }
    }
    pass.to_record.links(records);
    Ok(())
}

/// The line item `sf_line` of a renewal.
fn line_of<'r>(renewal: &'r Renewing, sf_line: &str) -> &'r NewLineItem {
    renewal
        .planned
        .lines
        .iter()
        .find(|(id, _)| id == sf_line)
        .map(|(_, line)| line)
        .expect("a line sent belongs to its renewal")
}

/// What FNO gets to renew `parent` of `entitlement_id` with `line`.
fn line_renewal(entitlement_id: &str, parent: &str, line: &NewLineItem) -> LineRenewal {
    LineRenewal {
        entitlement_id: entitlement_id.to_string(),
        activation_id: parent.to_string(),
        new_activation_id: None,
        number_of_copies: Some(line.number_of_copies),
        start: Some(line.start),
        expiration: Some(line.expiration),
        description: line.description.clone(),
        order_id: line.order_id.clone(),
        order_line_number: line.order_line_number.clone(),
        auto_deploy: false,
    }
}

/// The link of a renewal to the entitlement it renewed (an intent when
/// `entitlement_id` is empty).
fn renewal_link(renewal: &Renewing, entitlement_id: &str) -> LinkRecord {
    LinkRecord {
        sf_object: "Opportunity".into(),
        salesforce_id: renewal.planned.order.opportunity.id.clone(),
        fno_kind: RENEWAL_KIND.into(),
        fno_id: entitlement_id.to_string(),
        fingerprint: renewal_print(&renewal.planned.lines),
        parent_id: renewal.planned.renewed.clone(),
        part_number: String::new(),
        sent_fields: String::new(),
    }
}

/// Sends the round's line renewals in calls of 25, each call once; returns
/// the lines FNO renewed (their position in `items`) and marks in `failed`
/// the renewals of refused lines and of failed calls. FNO names a renewed
/// line by the line it renews, so lines that renew the same line (two
/// renewals of one order) go in separate calls.
async fn send_renewals(
    pass: &Pass<'_>,
    items: &[(usize, LineRenewal)],
    failed: &mut [Option<Arc<FnoError>>],
) -> Vec<(usize, RenewedLine)> {
    let mut rounds: Vec<(HashSet<&str>, Vec<usize>)> = Vec::new();
    for (position, (_, renewal)) in items.iter().enumerate() {
        let parent = renewal.activation_id.as_str();
        match rounds
            .iter_mut()
            .find(|(parents, _)| !parents.contains(parent))
        {
            Some((parents, positions)) => {
                parents.insert(parent);
                positions.push(position);
            }
            None => rounds.push((HashSet::from([parent]), vec![position])),
        }
    }
    let mut taken = Vec::new();
    for (_, positions) in rounds {
        let records: Vec<(usize, LineRenewal)> =
            positions.iter().map(|&p| items[p].clone()).collect();
        let fno = pass.fno.clone();
        let call = move |chunk: Vec<LineRenewal>| {
            let fno = fno.clone();
            async move { fno.renew_line_items(&chunk).await }
        };
        let round = Round::once(RENEW_LICENSE.name);
        let renewed = send_in_calls(pass, round, failed, &records, renewed_index, call).await;
        taken.extend(
            renewed
                .into_iter()
                .map(|(position, line)| (positions[position], line)),
        );
    }
    taken
}

fn renewed_index(renewed: &RenewedLine) -> usize {
    renewed.index
}

/// Looks up in FNO, by its order, a renewal whose intent a run that died
/// left: the lines it renewed (Salesforce line Id to their new link), or
/// the error of the look-up; `None` when the run was stopped while it
/// waited out a call that may still be under way.
async fn adopt_landed(
    pass: &mut Pass<'_>,
    renewal: &Renewing,
) -> Result<Option<std::result::Result<Vec<(String, LinkRecord)>, FnoError>>> {
    let opportunity = &renewal.planned.order.opportunity.id;
    if !wait_out_in_flight(pass, RENEWAL_STEP, opportunity).await? {
        return Ok(None);
    }
    let fno = pass.fno.clone();
    let query = LineItemQuery::by_order(opportunity, None);
    let found = match pass.retry.run(|| fno.find_line_items(&query)).await {
        Ok(found) => found,
        Err(error) => return Ok(Some(Err(error))),
    };
    let mut adopted = Vec::new();
    for line in found {
        if line.entitlement_id.as_deref() != Some(renewal.entitlement_id.as_str()) {
            continue;
        }
        let Some((sf_line, sent)) = line
            .order_line_number
            .as_deref()
            .and_then(|number| renewal.planned.lines.iter().find(|(id, _)| id == number))
        else {
            continue;
        };
        let fno_line = FnoLine {
            activation_id: &line.activation_id,
            entitlement_id: &renewal.entitlement_id,
            part_number: &sent.part_number,
        };
        let link =
            line_link(sf_line, fno_line, &fingerprint(sent)).with_sent_fields(sent::stored(sent));
        adopted.push((sf_line.clone(), link));
    }
    pass.to_record
        .links(adopted.iter().map(|(_, link)| link.clone()));
    Ok(Some(Ok(adopted)))
}

/// The lines of the renewed entitlements that renewals can renew, by
/// entitlement: as fnosync's links know them (one read), or, for an
/// entitlement with a line linked before links kept part numbers, as FNO
/// has them.
async fn renewable_lines(
    pass: &Pass<'_>,
    renewing: &[Renewing],
) -> Result<HashMap<String, Vec<Renewable>>> {
    let mut entitlements: Vec<String> = renewing.iter().map(|r| r.entitlement_id.clone()).collect();
    entitlements.sort();
    entitlements.dedup();
    let mut by_entitlement: HashMap<String, Vec<Renewable>> = HashMap::new();
    let mut unknown_parts = HashSet::new();
    // The lines as the page knows them: stored, and those of entitlements
    // it created (not recorded yet).
    let mut lines: HashMap<String, LinkRecord> = links::lines_of(&pass.ctx.pool, &entitlements)
        .await?
        .into_iter()
        .map(|link| (link.salesforce_id.clone(), link))
        .collect();
    let wanted: HashSet<&String> = entitlements.iter().collect();
    pass.to_record
        .overlay(&mut lines, "OpportunityLineItem", |l| {
            wanted.contains(&l.parent_id) && !l.fno_id.is_empty()
        });
    let mut lines: Vec<LinkRecord> = lines.into_values().collect();
    lines.sort_by(|a, b| a.salesforce_id.cmp(&b.salesforce_id));
    for link in lines {
        if link.part_number.is_empty() {
            unknown_parts.insert(link.parent_id.clone());
        }
        by_entitlement
            .entry(link.parent_id.clone())
            .or_default()
            .push(Renewable {
                activation_id: link.fno_id,
                part_number: link.part_number,
                sf_line: Some(link.salesforce_id),
            });
    }
    for entitlement_id in unknown_parts {
        let fno = pass.fno.clone();
        let query = LineItemQuery::by_entitlement(&entitlement_id);
        // A failed read leaves the links' lines: those without a part number match nothing.
        if let Ok(found) = pass.retry.run(|| fno.find_line_items(&query)).await {
            let lines = found
                .into_iter()
                .map(|line| Renewable {
                    activation_id: line.activation_id,
                    part_number: line.part_number.unwrap_or_default(),
                    sf_line: line.order_line_number,
                })
                .collect();
            by_entitlement.insert(entitlement_id, lines);
        }
    }
    Ok(by_entitlement)
}

fn queue_opportunity(pass: &mut Pass<'_>, opportunity: &SfRecord, entitlement_id: &str) {
    if opportunity.text(fields::ENTITLEMENT_ID) != Some(entitlement_id) {
        pass.to_record.write_back([RecordUpdate {
            object: "Opportunity".into(),
            id: opportunity.id.clone(),
            fields: serde_json::json!({ fields::ENTITLEMENT_ID: entitlement_id }),
        }]);
    }
}

async fn count(pass: &mut Pass<'_>, records: usize, failed: bool) -> Result<()> {
    for _ in 0..records {
        pass.record_done(failed).await?;
    }
    Ok(())
}
