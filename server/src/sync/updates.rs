//! Updates of an entitlement that an order became before: its header, its
//! changed lines (updated in place, or added when new), and its state when
//! the order deploys it; the links saved for what FNO took.

use std::collections::HashMap;

use super::logger::steps::ENTITLEMENT_STEP;
use super::order_links::{line_link, save_link};
use super::pass::{fingerprint, Pass};
use crate::error::Result;
use crate::fno::{EntitlementUpdate, FnoError, LineItemUpdate, NewEntitlement, NewLineItem};
use crate::salesforce::SfRecord;
use crate::store::links::{self, LinkRecord};

#[allow(clippy::too_many_arguments)]
pub(super) async fn update_entitlement(
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
