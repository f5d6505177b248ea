//! Follows the demo's sync and prints, readably, what it did on both sides.

use anyhow::Context;
use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::{fields, SalesforceSandbox};
use tokio_stream::StreamExt;

/// Starts the one-time sync and prints progress until the run ends.
pub async fn sync_and_watch(
    client: &FnosyncClient,
    account_id: &str,
) -> anyhow::Result<proto::SyncRun> {
    let run = client
        .sync()
        .sync_account(proto::SyncAccountRequest {
            account_id: account_id.into(),
            ..Default::default()
        })
        .await
        .context("SyncAccount")?
        .into_inner()
        .run
        .context("no run")?;
    println!("run {} queued", run.run_id);
    let mut events = client
        .sync()
        .watch_sync_run(proto::WatchSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .context("WatchSyncRun")?
        .into_inner();
    let mut last = run;
    while let Some(event) = events.next().await {
        last = event?.run.context("no run in event")?;
        println!(
            "  {} of {} records, {} failed",
            last.records_done, last.records_total, last.records_failed
        );
    }
    let state = proto::SyncRunState::try_from(last.state)
        .map(|s| s.as_str_name())
        .unwrap_or("?");
    println!("run {} ended: {state} — {}", last.run_id, last.message);
    Ok(last)
}

/// Prints the FNO objects, the Salesforce write-back and the transaction logs.
pub async fn print_outcome(
    client: &FnosyncClient,
    run: &proto::SyncRun,
    salesforce: &SalesforceSandbox,
    fno: &FnoSandbox,
    account_id: &str,
) -> anyhow::Result<()> {
    println!("\n==> In FNO");
    let store = fno.store();
    if let Some(account) = store.account(account_id) {
        println!(
            "account      {} ({}), type {}",
            account.id, account.name, account.account_type
        );
    }
    if let Some(user) = store.user("sf-testuser@mycompany.com") {
        let roles: Vec<_> = user
            .account_roles
            .iter()
            .flat_map(|r| r.roles.clone())
            .collect();
        println!(
            "user         {} ({} {}), roles {roles:?}",
            user.user_name, user.first_name, user.last_name
        );
    }
    for entitlement in store.read(|state| state.entitlements.clone()) {
        println!(
            "entitlement  {} sold to {}, state {}",
            entitlement.entitlement_id,
            entitlement.sold_to.unwrap_or_default(),
            entitlement.state
        );
        for line in entitlement.line_items {
            println!(
                "  line       {} x {}, activation ID {}, start {}",
                line.part_number.unwrap_or_default(),
                line.number_of_copies,
                line.activation_id,
                line.start_date_option.unwrap_or_default()
            );
        }
    }
    println!("\n==> Written back to Salesforce");
    if let Some(account) = salesforce.record("Account", account_id) {
        println!(
            "Account      {} = {}",
            fields::ACCOUNT_ID,
            account[fields::ACCOUNT_ID]
        );
    }
    for opportunity in salesforce.find("Opportunity", "AccountId", &serde_json::json!(account_id)) {
        println!(
            "Opportunity  {}: {} = {}",
            opportunity["Name"],
            fields::ENTITLEMENT_ID,
            opportunity[fields::ENTITLEMENT_ID]
        );
        for line in salesforce.find("OpportunityLineItem", "OpportunityId", &opportunity["Id"]) {
            println!(
                "  line       {} = {}, {} = {}",
                fields::ACTIVATION_ID,
                line[fields::ACTIVATION_ID],
                fields::REMAINING_QUANTITY,
                line[fields::REMAINING_QUANTITY]
            );
        }
    }
    println!("\n==> Transaction logs of run {}", run.run_id);
    let mut logs = client
        .logs()
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            task_id: run.run_id.clone(),
            page_size: 500,
            ..Default::default()
        })
        .await?
        .into_inner()
        .transaction_logs;
    logs.reverse();
    for log in logs {
        let status = proto::TransactionStatus::try_from(log.status)
            .map(|s| {
                s.as_str_name()
                    .trim_start_matches("TRANSACTION_STATUS_")
                    .to_string()
            })
            .unwrap_or_default();
        println!(
            "{}  {:<9}  {:<28}  {}",
            log.log_number,
            status,
            log.name,
            first_line(&log.description)
        );
        if let Some(error) = log.error_log {
            println!(
                "           {} {}: {}",
                error.error_number, error.component, error.reason
            );
        }
    }
    Ok(())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Prints the admin token and ready-made commands.
pub fn print_how_to_connect(listen: &std::net::SocketAddr, token: &str, account_id: &str) {
    println!("\n==> fnosync keeps running; press Ctrl-C to stop everything");
    println!("admin token: {token}");
    println!("grpcurl -plaintext {listen} list");
    println!(
        "grpcurl -plaintext -H 'authorization: Bearer {token}' -d '{{\"account_id\": \"{account_id}\"}}' {listen} fnosync.v1.SyncService/SyncAccount"
    );
    println!(
        "grpcurl -plaintext -H 'authorization: Bearer {token}' -d '{{\"follow\": true}}' {listen} fnosync.v1.TransactionLogService/TailTransactionLogs"
    );
}

/// Prints the API calls the sync made on each side, by operation.
pub fn print_calls(
    salesforce: &std::collections::BTreeMap<String, u64>,
    fno: &std::collections::BTreeMap<String, u64>,
) {
    let side = |counts: &std::collections::BTreeMap<String, u64>| {
        let by_operation: Vec<String> = counts.iter().map(|(op, n)| format!("{op} {n}")).collect();
        format!(
            "{} ({})",
            counts.values().sum::<u64>(),
            by_operation.join(", ")
        )
    };
    println!("Salesforce calls    {}", side(salesforce));
    println!("FNO calls           {}", side(fno));
}
