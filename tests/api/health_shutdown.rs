//! Graceful shutdown of the real binary: on SIGTERM health reports
//! NOT_SERVING, open streams end with `UNAVAILABLE` and the shutdown message,
//! and the process exits 0.

use std::time::Duration;

use fnosync_proto::v1 as pb;
use fnosync_server::shutdown::SHUTDOWN_MESSAGE;
use fnosync_server::MIGRATOR;
use fnosync_tests::{spawn_server_process, start_sync, TestApp};
use pb::sync_service_client::SyncServiceClient;
use pb::transaction_log_service_client::TransactionLogServiceClient;
use sqlx::PgPool;
use tonic::transport::Channel;
use tonic::Streaming;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// How long the shutdown may take in this test, well above its steps.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(30);

fn bearer(token: &str) -> impl tonic::service::Interceptor + Clone {
    let value: tonic::metadata::MetadataValue<_> =
        format!("Bearer {token}").parse().expect("header value");
    move |mut request: tonic::Request<()>| {
        request
            .metadata_mut()
            .insert("authorization", value.clone());
        Ok(request)
    }
}

/// Reads `stream` to its end and returns the status it ended with.
async fn end_of<T>(stream: &mut Streaming<T>) -> tonic::Status {
    let ended = tokio::time::timeout(SHUTDOWN_LIMIT, async {
        loop {
            match stream.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => return tonic::Status::ok("ended without a status"),
                Err(status) => return status,
            }
        }
    })
    .await;
    ended.expect("the stream ends at shutdown")
}

/// Reads health updates until NOT_SERVING and checks that SERVING came first.
async fn serving_then_not_serving(watch: &mut Streaming<tonic_health::pb::HealthCheckResponse>) {
    let mut seen = Vec::new();
    let reached = tokio::time::timeout(SHUTDOWN_LIMIT, async {
        while let Ok(Some(update)) = watch.message().await {
            seen.push(update.status);
            if update.status == ServingStatus::NotServing as i32 {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(reached, Ok(true), "health updates before the end: {seen:?}");
    assert_eq!(
        seen.first(),
        Some(&(ServingStatus::Serving as i32)),
        "{seen:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sigterm_reports_not_serving_ends_open_streams_and_exits_zero(pool: PgPool) {
    // Arrange: a queued run nobody carries out, so its watch stays open.
    let app = TestApp::spawn_with_workers(pool, 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let account = app.demo_account_id();
    let run = start_sync(&app.operator().await, &account).await;
    let mut server = spawn_server_process(&app, &[("FNOSYNC_WORKERS", "0")]).await;
    let channel: Channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", server.address))
            .expect("url")
            .connect()
            .await
            .expect("connect");
    let mut health_watch = HealthClient::new(channel.clone())
        .watch(HealthCheckRequest::default())
        .await
        .expect("health watch")
        .into_inner();
    let mut tail =
        TransactionLogServiceClient::with_interceptor(channel.clone(), bearer(&app.viewer_token))
            .tail_transaction_logs(pb::TailTransactionLogsRequest {
                follow: true,
                ..Default::default()
            })
            .await
            .expect("tail")
            .into_inner();
    let mut run_watch = SyncServiceClient::with_interceptor(channel, bearer(&app.viewer_token))
        .watch_sync_run(pb::WatchSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect("watch run")
        .into_inner();
    let first = run_watch
        .message()
        .await
        .expect("first state")
        .expect("a state");
    assert_eq!(
        first.run.expect("run").state,
        pb::SyncRunState::Queued as i32
    );

    // Act
    let pid = server.child.id().expect("the server runs");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());

    // Assert
    serving_then_not_serving(&mut health_watch).await;
    for (name, ended) in [
        ("tail", end_of(&mut tail).await),
        ("watch", end_of(&mut run_watch).await),
    ] {
        assert_eq!(ended.code(), tonic::Code::Unavailable, "{name}: {ended:?}");
        assert_eq!(ended.message(), SHUTDOWN_MESSAGE, "{name}");
    }
    let exit = tokio::time::timeout(SHUTDOWN_LIMIT, server.child.wait())
        .await
        .expect("the server exits within the limit")
        .expect("exit status");
    assert!(exit.success(), "{exit:?}");
}
