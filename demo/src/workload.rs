//! The workload of the benchmark and the fault soak: seeded Salesforce
//! accounts with Closed Won opportunities, the scheduled sync that syncs
//! them, and how its runs are fired and followed.

use std::time::Duration;

use anyhow::Context;
use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::SalesforceSandbox;
use serde_json::json;
use tokio_stream::StreamExt;

/// The size of a seeded workload.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct Shape {
    /// Accounts to seed.
    #[arg(long, default_value_t = 1000)]
    pub accounts: usize,
    /// Closed Won opportunities per account.
    #[arg(long, default_value_t = 3)]
    pub opportunities: usize,
    /// Line items per opportunity.
    #[arg(long, default_value_t = 3)]
    pub lines: usize,
}

impl Shape {
    /// Sales orders in the workload.
    pub fn orders(&self) -> usize {
        self.accounts * self.opportunities
    }
}

/// Seeds the accounts, each with a contact and its Closed Won opportunities
/// (line `l` of each has quantity `l + 1`).
pub fn seed(salesforce: &SalesforceSandbox, shape: Shape) -> anyhow::Result<()> {
    seed_named(salesforce, shape, "Bench", true).map(|_| ())
}

/// Seeds the accounts as [`seed`] does, named after `prefix`, their
/// opportunities won when `won` (else still being prospected); returns the
/// opportunities' Ids.
pub fn seed_named(
    salesforce: &SalesforceSandbox,
    shape: Shape,
    prefix: &str,
    won: bool,
) -> anyhow::Result<Vec<String>> {
    let first = |object: &str, field: &str, value: serde_json::Value| {
        salesforce
            .find(object, field, &value)
            .first()
            .and_then(|r| r["Id"].as_str().map(str::to_string))
            .with_context(|| format!("the sandbox has no {object} with {field} {value}"))
    };
    let book = first("Pricebook2", "Name", json!("Standard Price Book"))?;
    let product = first("Product2", "ProductCode", json!("SF01demo"))?;
    let entry = first("PricebookEntry", "Product2Id", json!(product))?;
    let failed = |e: fnosync_sandbox::salesforce::errors::ApiError| anyhow::anyhow!("{e:?}");
    let mut opportunities = Vec::new();
    for n in 0..shape.accounts {
        let account = salesforce
            .insert(
                "Account",
                json!({ "Name": format!("{prefix} Account {n:05}") }),
            )
            .map_err(failed)?;
        salesforce
            .insert(
                "Contact",
                json!({
                    "AccountId": account, "FirstName": "Pat", "LastName": format!("Buyer {n:05}"),
                    "Email": format!("pat.buyer{n:05}@{}.example.com", prefix.to_lowercase()),
                }),
            )
            .map_err(failed)?;
        for o in 0..shape.opportunities {
            let opportunity = salesforce
                .insert(
                    "Opportunity",
                    json!({
                        "AccountId": account, "Name": format!("{prefix} Order {n:05}-{o}"),
                        "StageName": "Prospecting", "CloseDate": "2026-12-31", "Pricebook2Id": book,
                    }),
                )
                .map_err(failed)?;
            for l in 0..shape.lines {
                salesforce
                    .insert(
                        "OpportunityLineItem",
                        json!({
                            "OpportunityId": opportunity, "PricebookEntryId": entry,
                            "Quantity": 1 + l, "UnitPrice": 100,
                            "FNO__Start_Date_Option__c": "Use First Activation Date",
                            "FNO__Expiration_Date_Option__c": "Permanent",
                        }),
                    )
                    .map_err(failed)?;
            }
            if won {
                salesforce
                    .update(
                        "Opportunity",
                        &opportunity,
                        json!({ "StageName": "Closed Won" }),
                    )
                    .map_err(failed)?;
            }
            opportunities.push(opportunity);
        }
    }
    Ok(opportunities)
}

/// Creates the daily schedule `FNOSyncBatch` (02:00 UTC).
pub async fn create_schedule(client: &FnosyncClient) -> anyhow::Result<()> {
    client
        .schedules()
        .create_schedule(proto::CreateScheduleRequest {
            timing: Some(proto::create_schedule_request::Timing::Daily(
                proto::DailyTiming {
                    time_of_day: "02:00".into(),
                    time_zone: "UTC".into(),
                },
            )),
            request_id: String::new(),
        })
        .await
        .context("CreateSchedule")?;
    Ok(())
}

/// The run's state in lower case, e.g. `completed`.
pub fn state_name(run: &proto::SyncRun) -> String {
    proto::SyncRunState::try_from(run.state)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("SYNC_RUN_STATE_")
                .to_lowercase()
        })
        .unwrap_or_default()
}

/// Makes the schedule due now (the benchmark cannot wait for 02:00).
pub async fn fire_schedule(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    sqlx::query("UPDATE schedules SET next_fire_at = now()")
        .execute(pool)
        .await?;
    Ok(())
}

/// The runs of `kind`, newest first.
pub async fn runs_of(
    client: &FnosyncClient,
    kind: proto::SyncKind,
) -> anyhow::Result<Vec<proto::SyncRun>> {
    Ok(client
        .sync()
        .list_sync_runs(proto::ListSyncRunsRequest {
            kind: kind as i32,
            ..Default::default()
        })
        .await?
        .into_inner()
        .runs)
}

/// Waits until there are `count` scheduled runs and returns the newest.
pub async fn scheduled_run(client: &FnosyncClient, count: usize) -> anyhow::Result<proto::SyncRun> {
    loop {
        let runs = runs_of(client, proto::SyncKind::Scheduled).await?;
        if runs.len() >= count {
            return Ok(runs[0].clone());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Follows a run with `WatchSyncRun` until it ends; returns its last state.
pub async fn watch_to_end(
    client: &FnosyncClient,
    run: proto::SyncRun,
) -> anyhow::Result<proto::SyncRun> {
    let mut events = client
        .sync()
        .watch_sync_run(proto::WatchSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await?
        .into_inner();
    let mut last = run;
    while let Some(event) = events.next().await {
        if let Some(run) = event?.run {
            last = run;
        }
    }
    Ok(last)
}
