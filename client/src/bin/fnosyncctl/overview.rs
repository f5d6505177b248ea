//! `overview`: licence, connections, schedule, last run and the counts of the
//! last 24 hours on one screen (or in one JSON object).

use fnosync_client::proto;
use serde_json::{json, Value};

use crate::exit::Failure;
use crate::{connection, events, license, schedule, sync, Context};

pub async fn run(ctx: &Context) -> Result<u8, Failure> {
    let overview = ctx
        .client
        .overview()
        .get_overview(proto::GetOverviewRequest {})
        .await?
        .into_inner();
    let counts = overview.last_24_hours.unwrap_or_default();
    let licence = overview.license.unwrap_or_default();
    let fno = overview.fno.unwrap_or_default();
    let salesforce = overview.salesforce.unwrap_or_default();
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "license": license::license_json(&licence),
            "fno": connection::status_json(&fno),
            "salesforce": connection::status_json(&salesforce),
            "schedule_next_fire_time": overview.schedule.as_ref()
                .and_then(|s| s.next_fire_time.as_ref()).map(ToString::to_string),
            "schedule_held_reason": overview.schedule.as_ref()
                .map(|s| s.held_reason.as_str()).filter(|r| !r.is_empty()),
            "last_run": overview.last_run.as_ref().map_or(Value::Null, sync::run_json),
            "event_sync": overview.event_sync.as_ref().map_or(Value::Null, events::status_json),
            "last_24_hours": {
                "runs": counts.runs, "completed_logs": counts.completed_logs,
                "failed_logs": counts.failed_logs, "error_logs": counts.error_logs,
            },
        }));
        return Ok(0);
    }
    println!("licence     {}", license::summary(ctx, &licence));
    println!("fno         {}", connection::summary(ctx, &fno));
    println!("salesforce  {}", connection::summary(ctx, &salesforce));
    match &overview.schedule {
        Some(found) => println!("schedule    {}", schedule::summary(ctx, found)),
        None => println!("schedule    none"),
    }
    if let Some(status) = &overview.event_sync {
        println!("events      {}", events::summary(ctx, status));
    }
    match &overview.last_run {
        Some(run) => println!(
            "last run    {}  {}  {}/{} records, {} failed",
            run.run_id,
            ctx.printer
                .paint(sync::state_tone(run), &sync::state_name(run)),
            run.records_done,
            run.records_total,
            run.records_failed
        ),
        None => println!("last run    none"),
    }
    println!(
        "last 24 h   {} runs; logs: {} completed, {} failed, {} error",
        counts.runs, counts.completed_logs, counts.failed_logs, counts.error_logs
    );
    Ok(0)
}
