use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{sync_and_wait, TestApp};
use serde_json::json;
use sqlx::PgPool;

async fn scrape(app: &TestApp) -> String {
    reqwest::get(format!("http://{}/metrics", app.metrics_addr))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn metrics_count_rpcs_runs_and_steps_after_a_sync(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let account = app
        .salesforce
        .find("Account", "Name", &json!("SF-DemoAccount"))[0]["Id"]
        .as_str()
        .expect("id")
        .to_string();

    // Act
    let run = sync_and_wait(&app.operator().await, &account).await;
    let text = scrape(&app).await;

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
