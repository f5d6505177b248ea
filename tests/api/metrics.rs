use fnosync_client::proto;
use fnosync_sandbox::faults::FaultSettings;
use fnosync_server::MIGRATOR;
use fnosync_tests::{sync_and_wait, TestApp};
use sqlx::PgPool;

/// Returns the value of the series `name{labels…}` whose labels include all
/// of `labels` (the exporter may add others, such as `quantile`).
fn series_value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| line.starts_with(&format!("{name}{{")))
        .find(|line| {
            labels
                .iter()
                .all(|(key, value)| line.contains(&format!("{key}=\"{value}\"")))
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn metrics_count_rpcs_runs_and_steps_after_a_sync(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let account = app.demo_account_id();

    // Act
    let run = sync_and_wait(&app.operator().await, &account).await;
    let text = app.scrape_metrics().await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32);
    for expected in [
        "fnosync_rpc_requests_total{method=\"/fnosync.v1.SyncService/SyncAccount\",code=\"Ok\"}",
        "fnosync_rpc_duration_seconds",
        "fnosync_sync_runs_total{kind=\"one_time\",outcome=\"completed\"}",
        "fnosync_sync_steps_total{step=\"Entitlement Creation/Update\",status=\"completed\"}",
        "fnosync_salesforce_api_remaining",
        "fnosync_job_queue_depth",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn metrics_count_remote_calls_errors_and_latency_by_system_and_operation(pool: PgPool) {
    // Arrange: FNO fails the first entitlement creation once; the retry succeeds.
    let app = TestApp::ready(pool).await;
    let account = app.demo_account_id();
    app.fno.faults().set(FaultSettings {
        fail_next: 1,
        failure_status: 500,
        operation_filter: "createSimpleEntitlement".into(),
        ..Default::default()
    });

    // Act
    let run = sync_and_wait(&app.operator().await, &account).await;
    let text = app.scrape_metrics().await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    for (system, operation) in [
        ("salesforce", "login"),
        ("salesforce", "query"),
        ("fno", "createAccount"),
        ("fno", "createSimpleEntitlement"),
    ] {
        let labels = [("system", system), ("operation", operation)];
        let calls = series_value(&text, "fnosync_remote_api_calls_total", &labels);
        assert!(
            calls.unwrap_or(0.0) >= 1.0,
            "no {system} {operation} calls in:\n{text}"
        );
        let timed = series_value(&text, "fnosync_remote_api_duration_seconds_count", &labels);
        assert!(
            timed.unwrap_or(0.0) >= 1.0,
            "no {system} {operation} latency in:\n{text}"
        );
        let slowest_bucket = [labels[0], labels[1], ("le", "+Inf")];
        let bucketed = series_value(
            &text,
            "fnosync_remote_api_duration_seconds_bucket",
            &slowest_bucket,
        );
        assert_eq!(
            bucketed, timed,
            "{system} {operation} latency is no histogram"
        );
    }
    let labels = [("system", "fno"), ("operation", "createSimpleEntitlement")];
    let errors = series_value(&text, "fnosync_remote_api_errors_total", &labels);
    assert!(
        errors.unwrap_or(0.0) >= 1.0,
        "the injected failure is not counted in:\n{text}"
    );
    let calls = series_value(&text, "fnosync_remote_api_calls_total", &labels);
    assert!(
        calls.unwrap_or(0.0) >= 2.0,
        "the failure and its retry are two calls"
    );
}
