//! Sync runs through the API: starting them, following them to their end,
//! polling their state and reading the transaction logs they wrote.

use fnosync_client::{proto, FnosyncClient};

use crate::eventually;

/// Starts a one-time sync of `account_id` and returns the queued run.
pub async fn start_sync(client: &FnosyncClient, account_id: &str) -> proto::SyncRun {
    client
        .sync()
        .sync_account(proto::SyncAccountRequest {
            account_id: account_id.into(),
            ..Default::default()
        })
        .await
        .expect("sync account")
        .into_inner()
        .run
        .expect("run")
}

/// Starts a one-time sync and follows it with `WatchSyncRun` until it ends.
pub async fn sync_and_wait(client: &FnosyncClient, account_id: &str) -> proto::SyncRun {
    let run = start_sync(client, account_id).await;
    watch_until_end(client, run).await
}

/// Follows a run with `WatchSyncRun` until it ends and returns its last state.
pub async fn watch_until_end(client: &FnosyncClient, run: proto::SyncRun) -> proto::SyncRun {
    use tokio_stream::StreamExt;
    let mut events = client
        .sync()
        .watch_sync_run(proto::WatchSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect("watch")
        .into_inner();
    let mut last = run;
    while let Some(event) = events.next().await {
        last = event.expect("event").run.expect("run");
    }
    last
}

/// Lists every log of a task.
pub async fn logs_of(client: &FnosyncClient, task_id: &str) -> Vec<proto::TransactionLog> {
    logs_named(client, task_id, "").await
}

/// The first 500 transaction logs of a run with step name `name` (all when empty).
pub async fn logs_named(
    client: &FnosyncClient,
    task_id: &str,
    name: &str,
) -> Vec<proto::TransactionLog> {
    client
        .logs()
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            task_id: task_id.into(),
            name: name.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("logs")
        .into_inner()
        .transaction_logs
}

/// Reads a run; `None` when the server does not answer.
pub async fn get_run(client: &FnosyncClient, run_id: &str) -> Option<proto::SyncRun> {
    client
        .sync()
        .get_sync_run(proto::GetSyncRunRequest {
            run_id: run_id.into(),
        })
        .await
        .ok()?
        .into_inner()
        .run
}

/// Polls a run until it is in none of the states `waiting` (within 60 s) and returns it.
pub async fn wait_for_run_state_change(
    client: &FnosyncClient,
    run_id: &str,
    waiting: &[proto::SyncRunState],
) -> proto::SyncRun {
    eventually(std::time::Duration::from_secs(60), || async {
        let current = get_run(client, run_id).await?;
        (!waiting.iter().any(|s| *s as i32 == current.state)).then_some(current)
    })
    .await
}

/// Asserts that a run completed and that its message contains `note`.
pub fn assert_completed(run: &proto::SyncRun, note: &str) {
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert!(run.message.contains(note), "{}", run.message);
}

/// Starts an immediate sync over `window` and returns the queued run.
pub async fn start_immediate(
    client: &FnosyncClient,
    window: proto::start_immediate_sync_request::Window,
) -> proto::SyncRun {
    client
        .sync()
        .start_immediate_sync(proto::StartImmediateSyncRequest {
            window: Some(window),
            request_id: String::new(),
        })
        .await
        .expect("immediate")
        .into_inner()
        .run
        .expect("run")
}
