//! Renewals (spec §5): an opportunity whose "Renewed Opportunity" points at
//! an already synced opportunity renews that entitlement's line items
//! instead of creating an entitlement. Each new line is matched to a line of
//! the renewed entitlement with the same part number.

use super::logger::steps::{LINE_STEP, RENEWAL_STEP};
use super::order_links::{record_line_link, FnoLine};
use super::pass::{fingerprint, Pass, SALESFORCE_COMPONENT};
use crate::error::Result;
use crate::fno::{LineItemQuery, LineRenewal, NewLineItem};
use crate::salesforce::{fields, RecordUpdate, SfRecord};
use crate::store::links::{self, LinkRecord};

/// Returns the Salesforce Id of the opportunity `opportunity` renews, if any.
pub fn renewed_opportunity(opportunity: &SfRecord) -> Option<String> {
    opportunity
        .text(fields::RENEWED_OPPORTUNITY)
        .map(str::to_string)
}

/// Tells whether the renewal's own link (`own`) shows `lines` renewed
/// before on `entitlement_id`, as they are now.
pub fn renewed_before(
    own: Option<&LinkRecord>,
    lines: &[(String, NewLineItem)],
    entitlement_id: &str,
) -> bool {
    let print = renewal_print(lines);
    own.is_some_and(|l| l.fingerprint == print && l.fno_id == entitlement_id)
}

/// The fingerprint of a renewal: the lines it renews, as sent.
fn renewal_print(lines: &[(String, NewLineItem)]) -> String {
    fingerprint(&lines.iter().map(|(_, l)| l).collect::<Vec<_>>())
}

/// Why a renewal of an opportunity FNO has no entitlement of fails.
pub fn not_synced_reason(renewed: &str) -> String {
    format!("the renewed opportunity {renewed} has not been synced to FNO; sync it first")
}

/// Renews the lines of the entitlement made from `renewed`; counts the
/// opportunity and its valid lines as done.
pub async fn renew(
    pass: &mut Pass<'_>,
    opportunity: &SfRecord,
    renewed: &str,
    lines: &[(String, NewLineItem)],
) -> Result<()> {
    let own_link = links::get_link(&pass.ctx.pool, "Opportunity", &opportunity.id).await?;
    let Some(entitlement_id) = links::get_link(&pass.ctx.pool, "Opportunity", renewed)
        .await?
        .map(|l| l.fno_id)
        .filter(|id| !id.is_empty())
    else {
        let reason = not_synced_reason(renewed);
        pass.failed_step(
            RENEWAL_STEP,
            &opportunity.id,
            SALESFORCE_COMPONENT,
            reason.clone(),
            reason,
        )
        .await?;
        return count(pass, lines.len() + 1, true).await;
    };
    if renewed_before(own_link.as_ref(), lines, &entitlement_id) {
        pass.completed(
            RENEWAL_STEP,
            &opportunity.id,
            format!("unchanged since the last sync; {entitlement_id} was renewed before"),
        )
        .await?;
        queue_opportunity(pass, opportunity, &entitlement_id);
        return count(pass, lines.len() + 1, false).await;
    }
    let fno = pass.fno.clone();
    let query = LineItemQuery::by_entitlement(&entitlement_id);
    let existing = match pass.retry.run(|| fno.find_line_items(&query)).await {
        Ok(existing) => existing,
        Err(error) => {
            pass.fno_failure(
                RENEWAL_STEP,
                &opportunity.id,
                &error,
                &format!("renewal of {entitlement_id}"),
            )
            .await?;
            return count(pass, lines.len() + 1, true).await;
        }
    };
    let mut failed = 0;
    let mut used = Vec::new();
    for (sf_line, line) in lines {
        if let Some(done) = existing
            .iter()
            .find(|l| l.order_line_number.as_deref() == Some(sf_line.as_str()))
        {
            // Renewed by an earlier run whose links were lost: adopt it.
            let fno_line = FnoLine {
                activation_id: &done.activation_id,
                entitlement_id: &entitlement_id,
                part_number: &line.part_number,
            };
            record_line_link(pass, sf_line, fno_line, line).await?;
            continue;
        }
        let parent = existing.iter().find(|l| {
            l.part_number.as_deref() == Some(line.part_number.as_str())
                && l.order_id.as_deref() != Some(opportunity.id.as_str())
                && !used.contains(&l.activation_id)
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
            failed += 1;
            continue;
        };
        used.push(parent.activation_id.clone());
        let renewal = LineRenewal {
            entitlement_id: entitlement_id.clone(),
            activation_id: parent.activation_id.clone(),
            new_activation_id: None,
            number_of_copies: Some(line.number_of_copies),
            start: Some(line.start),
            expiration: Some(line.expiration),
            description: line.description.clone(),
            order_id: line.order_id.clone(),
            order_line_number: line.order_line_number.clone(),
            auto_deploy: false,
        };
        let sent = format!(
            "renewal of line {} ({} x {})",
            parent.activation_id, line.part_number, line.number_of_copies
        );
        match fno.renew_line_items(std::slice::from_ref(&renewal)).await {
            Ok(outcome) if outcome.failed.is_empty() => {
                for renewed_line in outcome.succeeded {
                    let fno_line = FnoLine {
                        activation_id: &renewed_line.activation_id,
                        entitlement_id: &entitlement_id,
                        part_number: &line.part_number,
                    };
                    record_line_link(pass, sf_line, fno_line, line).await?;
                    pass.completed(
                        RENEWAL_STEP,
                        sf_line,
                        format!("{sent}: new line {}", renewed_line.activation_id),
                    )
                    .await?;
                }
            }
            Ok(outcome) => {
                let reason = outcome
                    .failed
                    .iter()
                    .map(|f| f.reason.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                pass.failed_step(
                    RENEWAL_STEP,
                    sf_line,
                    super::pass::FNO_COMPONENT,
                    reason,
                    sent,
                )
                .await?;
                failed += 1;
            }
            Err(error) => {
                pass.fno_failure(RENEWAL_STEP, sf_line, &error, &sent)
                    .await?;
                failed += 1;
            }
        }
    }
    if failed == 0 {
        links::save_link(
            &pass.ctx.pool,
            &LinkRecord {
                sf_object: "Opportunity".into(),
                salesforce_id: opportunity.id.clone(),
                fno_kind: "renewal".into(),
                fno_id: entitlement_id.clone(),
                fingerprint: renewal_print(lines),
                parent_id: renewed.to_string(),
                part_number: String::new(),
                sent_fields: String::new(),
            },
        )
        .await?;
    }
    queue_opportunity(pass, opportunity, &entitlement_id);
    pass.record_done(failed > 0).await?;
    for index in 0..lines.len() {
        pass.record_done(index < failed).await?;
    }
    Ok(())
}

fn queue_opportunity(pass: &mut Pass<'_>, opportunity: &SfRecord, entitlement_id: &str) {
    if opportunity.text(fields::ENTITLEMENT_ID) != Some(entitlement_id) {
        pass.write_back.push(RecordUpdate {
            object: "Opportunity".into(),
            id: opportunity.id.clone(),
            fields: serde_json::json!({ fields::ENTITLEMENT_ID: entitlement_id }),
        });
    }
}

async fn count(pass: &mut Pass<'_>, records: usize, failed: bool) -> Result<()> {
    for _ in 0..records {
        pass.record_done(failed).await?;
    }
    Ok(())
}
