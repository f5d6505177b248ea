//! Scheduled and immediate syncs: both directions over a window of
//! modification times. Salesforce to FNO for every account with a qualifying
//! opportunity (or line item) modified in the window, then FNO to Salesforce
//! for every line item FNO changed in the window (activations lower the
//! remaining quantity). The scheduled sync's window starts at its watermark,
//! less a look-back, and the watermark moves only after a run without failures.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Timelike, Utc};

use super::crm_to_fno::{sync_account_by_id, AccountOutcome};
use super::engine::Ended;
use super::pass::Pass;
use super::{budget, scheduler, write_back};
use crate::error::Result;
use crate::fno::{retry, LineItemQuery};
use crate::salesforce::{fields, Condition, Operator, RecordUpdate, SoqlBuilder};
use crate::store::links;

/// Overlap with the previous window, so records written while a run was
/// reading (with an older timestamp) are not missed; a record seen twice is
/// simply found unchanged.
pub const LOOKBACK: Duration = Duration::minutes(5);

/// Step name of the FNO to Salesforce direction.
pub const FNO_UPDATE_STEP: &str = "Salesforce Update";

/// Carries out a scheduled or immediate run.
pub async fn sync_window(pass: &mut Pass<'_>) -> Result<Ended> {
    let (start, end) = window(pass).await?;
    let accounts = match changed_accounts(pass, start, end).await {
        Ok(accounts) => accounts,
        Err(error) => {
            return Ok(Ended::failed(format!(
                "cannot read the changed orders from Salesforce: {error}"
            )))
        }
    };
    let mut failed_accounts = 0;
    for account in &accounts {
        if pass.is_cancelled() || !budget::wait_for_budget(pass).await? {
            return Ok(Ended::cancelled());
        }
        match sync_account_by_id(pass, account).await? {
            AccountOutcome::Synced | AccountOutcome::NotSynced(_) => {}
            AccountOutcome::Failed(_) => failed_accounts += 1,
            AccountOutcome::Cancelled => return Ok(Ended::cancelled()),
        }
    }
    update_salesforce_from_fno(pass, start).await?;
    let (_, done, failed) = pass.counters();
    if pass.run.kind == "scheduled" && failed == 0 && failed_accounts == 0 {
        scheduler::advance_watermark(&pass.ctx.pool, end).await?;
    }
    if failed_accounts > 0 && done == 0 {
        return Ok(Ended::failed(format!(
            "{failed_accounts} account(s) could not be synced; see the transaction logs"
        )));
    }
    let mut ended = Ended::from_counters(pass.counters());
    if failed_accounts > 0 {
        ended.state = "completed_with_failures";
    }
    ended.message = format!(
        "{} account(s) changed in the window; {}",
        accounts.len(),
        ended.message
    );
    Ok(ended)
}

async fn window(pass: &Pass<'_>) -> Result<(Option<DateTime<Utc>>, DateTime<Utc>)> {
    let run = pass.run;
    if run.kind == "immediate" {
        return Ok((run.window_start, run.window_end.unwrap_or_else(Utc::now)));
    }
    let watermark = scheduler::watermark(&pass.ctx.pool).await?;
    Ok((watermark.map(|w| w - LOOKBACK), run.created_at))
}

/// Lists the accounts whose qualifying opportunities or their line items
/// changed in the window (paged queries; each account once).
async fn changed_accounts(
    pass: &Pass<'_>,
    start: Option<DateTime<Utc>>,
    end: DateTime<Utc>,
) -> std::result::Result<Vec<String>, crate::salesforce::SalesforceError> {
    let stages = &pass.filters.pre_condition_stages;
    // SOQL datetimes have whole seconds: the bound is the next whole second,
    // so a record stamped in the window's last second is not left out.
    let end_bound = end.with_nanosecond(0).unwrap_or(end) + Duration::seconds(1);
    let in_window = |field: &str| {
        let mut terms = vec![Condition::compare(field, Operator::Lt, end_bound)];
        if let Some(start) = start {
            terms.push(Condition::compare(field, Operator::Ge, start));
        }
        terms
    };
    let mut opportunity_terms = in_window("SystemModstamp");
    opportunity_terms.push(Condition::is_in(
        "StageName",
        stages.iter().map(String::as_str),
    ));
    let opportunities = SoqlBuilder::select(["AccountId"])
        .from("Opportunity")
        .filter(Condition::And(opportunity_terms))
        .build()?;
    let mut line_terms = in_window("SystemModstamp");
    line_terms.push(Condition::is_in(
        "Opportunity.StageName",
        stages.iter().map(String::as_str),
    ));
    let lines = SoqlBuilder::select(["Opportunity.AccountId"])
        .from("OpportunityLineItem")
        .filter(Condition::And(line_terms))
        .build()?;
    let mut accounts = BTreeSet::new();
    for record in pass.sf.query(&opportunities).await? {
        if let Some(id) = record.get("AccountId").and_then(|v| v.as_str()) {
            accounts.insert(id.to_string());
        }
    }
    for record in pass.sf.query(&lines).await? {
        if let Some(id) = record
            .pointer("/Opportunity/AccountId")
            .and_then(|v| v.as_str())
        {
            accounts.insert(id.to_string());
        }
    }
    Ok(accounts.into_iter().collect())
}

/// Writes back the activation IDs and remaining quantities of every line FNO
/// changed since `start`; FNO lines that came from no Salesforce line are
/// logged and left alone.
async fn update_salesforce_from_fno(
    pass: &mut Pass<'_>,
    start: Option<DateTime<Utc>>,
) -> Result<()> {
    let fno = pass.fno.clone();
    let query = LineItemQuery {
        modified_after: Some(start.unwrap_or(DateTime::UNIX_EPOCH)),
        ..Default::default()
    };
    let changed = match retry::with_backoff(&pass.retry, || fno.find_line_items(&query)).await {
        Ok(changed) => changed,
        Err(error) => {
            pass.fno_failure(FNO_UPDATE_STEP, "", &error, "line items changed in FNO")
                .await?;
            pass.add_failure();
            return Ok(());
        }
    };
    for line in changed {
        let linked = match &line.order_line_number {
            Some(sf_line) => links::get_link(&pass.ctx.pool, "OpportunityLineItem", sf_line)
                .await?
                .filter(|l| l.fno_id == line.activation_id),
            None => None,
        };
        let Some(link) = linked else {
            let note = format!(
                "FNO line {} of entitlement {} has no Salesforce counterpart; left alone",
                line.activation_id,
                line.entitlement_id.as_deref().unwrap_or_default()
            );
            pass.completed(FNO_UPDATE_STEP, "", note).await?;
            continue;
        };
        let remaining = line.remaining_copies.or(line.number_of_copies);
        pass.write_back.push(RecordUpdate {
            object: "OpportunityLineItem".into(),
            id: link.salesforce_id,
            fields: serde_json::json!({
                fields::ACTIVATION_ID: line.activation_id,
                fields::REMAINING_QUANTITY: remaining,
            }),
        });
    }
    write_back::send(pass).await
}
