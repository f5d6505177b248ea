//! `sync plan`: prints what a sync would do, one record per line with the
//! fields that would change under it (old → new) and the reason, then a
//! count per action; or the plan as one JSON object.

use std::collections::BTreeMap;

use fnosync_client::proto;
use serde_json::{json, Value};

use crate::output::{short_name, Tone};
use crate::Context;

/// A record's action without its prefix, e.g. `CREATE`.
fn action_name(record: &proto::PlannedRecord) -> String {
    proto::PlannedAction::try_from(record.action)
        .map(|a| short_name(a.as_str_name(), "PLANNED_ACTION_"))
        .unwrap_or_default()
}

fn action_tone(record: &proto::PlannedRecord) -> Tone {
    use proto::PlannedAction as Action;
    match proto::PlannedAction::try_from(record.action) {
        Ok(Action::Create | Action::Update | Action::Renew) => Tone::Busy,
        Ok(Action::Obsolete) => Tone::Warn,
        Ok(Action::Fail) => Tone::Bad,
        _ => Tone::Muted,
    }
}

/// The plan as JSON.
pub fn plan_json(plan: &proto::PlanSyncResponse) -> Value {
    let records: Vec<Value> = plan
        .records
        .iter()
        .map(|r| {
            let changes: Vec<Value> = r
                .changes
                .iter()
                .map(|c| json!({"field": c.field, "old": c.old_value, "new": c.new_value}))
                .collect();
            json!({
                "object": r.object, "salesforce_id": r.salesforce_id, "account_id": r.account_id,
                "action": action_name(r), "fno_id": r.fno_id, "changes": changes, "reason": r.reason,
            })
        })
        .collect();
    json!({"account_ids": plan.account_ids, "records": records, "truncated": plan.truncated})
}

/// Prints the plan as a table (or JSON).
pub fn print(ctx: &Context, plan: &proto::PlanSyncResponse) {
    if ctx.printer.is_json() {
        ctx.printer.json(plan_json(plan));
        return;
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    println!(
        "{:<9} {:<19} {:<18} {:<24} REASON",
        "ACTION", "OBJECT", "SALESFORCE ID", "FNO ID"
    );
    for record in &plan.records {
        let action = action_name(record);
        *counts.entry(action.clone()).or_default() += 1;
        println!(
            "{} {:<19} {:<18} {:<24} {}",
            ctx.printer.paint_padded(action_tone(record), &action, 9),
            record.object,
            record.salesforce_id,
            if record.fno_id.is_empty() {
                "-"
            } else {
                &record.fno_id
            },
            record.reason
        );
        for change in &record.changes {
            let shown = |value: &str| {
                if value.is_empty() {
                    "(none)".to_string()
                } else {
                    format!("{value:?}")
                }
            };
            println!(
                "          {}: {} -> {}",
                change.field,
                shown(&change.old_value),
                shown(&change.new_value)
            );
        }
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(action, count)| format!("{count} {}", action.to_lowercase()))
        .collect();
    println!(
        "{} account(s), {} record(s): {}",
        plan.account_ids.len(),
        plan.records.len(),
        if summary.is_empty() {
            "nothing to sync".to_string()
        } else {
            summary.join(", ")
        }
    );
    if plan.truncated {
        println!("the plan is cut short: a sync would touch more than it shows");
    }
}
