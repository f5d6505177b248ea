use std::time::Duration;

use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    eventually, scheduled_runs, seed_sales_order, spawn_server_process, wait_for_run_state_change,
    LineSpec, TestApp,
};
use serde_json::json;
use sqlx::PgPool;

/// Kills the server process after FNO created the entitlement but before
/// Salesforce got the IDs; a second process takes the run over once its
/// lease runs out and finishes it without a second entitlement.
#[sqlx::test(migrator = "MIGRATOR")]
async fn a_server_killed_before_the_write_back_leaves_no_duplicate_after_restart(pool: PgPool) {
    // Arrange: the API runs in-process without workers; runs go to server processes.
    let app = TestApp::spawn_with_workers(pool.clone(), 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let (account, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Crash Test Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 3.0)],
    );
    // The write-back is held, so the run is caught between FNO and Salesforce.
    let gate = app.salesforce.faults().close_gate("composite.sobjects");
    let lease = [
        ("FNOSYNC_RUN_LEASE_SECS", "5"),
        ("FNOSYNC_HTTP_TIMEOUT_SECS", "2"),
        ("FNOSYNC_WORKERS", "1"),
    ];
    let mut first = spawn_server_process(&app, &lease).await;
    let operator = app.operator().await;
    let run = fnosync_tests::start_sync(&operator, &account).await;
    gate.wait_held().await;
    assert_eq!(
        app.fno.store().read(|s| s.entitlements.len()),
        1,
        "FNO has the entitlement"
    );

    // Act: kill the process mid-run, open the gate, start another process.
    first.child.kill().await.expect("kill");
    gate.open();
    let second = spawn_server_process(&app, &lease).await;
    let client = FnosyncClient::connect(format!("http://{}", second.address), &app.operator_token)
        .await
        .expect("connect");
    let ended = wait_for_run_state_change(
        &client,
        &run.run_id,
        &[proto::SyncRunState::Queued, proto::SyncRunState::Running],
    )
    .await;

    // Assert
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    assert_eq!(
        app.fno.call_count("createSimpleEntitlement"),
        1,
        "created once"
    );
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), 1);
    let written = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    assert!(written[sf::ENTITLEMENT_ID].is_string(), "{written}");
}

/// Two server processes against one database: the schedule fires once, one
/// replica carries the run out, and FNO gets one entitlement.
#[sqlx::test(migrator = "MIGRATOR")]
async fn two_replicas_fire_a_due_schedule_once_and_run_it_once(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn_with_workers(pool.clone(), 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let admin = app.admin().await;
    admin
        .schedules()
        .create_schedule(proto::CreateScheduleRequest {
            timing: Some(proto::create_schedule_request::Timing::Cron(
                proto::CronTiming {
                    expression: "0 3 * * *".into(),
                    time_zone: "UTC".into(),
                },
            )),
            request_id: String::new(),
        })
        .await
        .expect("schedule");
    let env = [
        ("FNOSYNC_WORKERS", "2"),
        ("FNOSYNC_SCHEDULER_TICK_MS", "20"),
    ];
    let first = spawn_server_process(&app, &env).await;
    let second = spawn_server_process(&app, &env).await;

    // Act
    sqlx::query("UPDATE schedules SET next_fire_at = now()")
        .execute(&pool)
        .await
        .expect("due");
    let runs = eventually(Duration::from_secs(30), || async {
        let runs = scheduled_runs(&admin).await;
        (runs.len() == 1 && runs[0].end_time.is_some()).then_some(runs)
    })
    .await;

    // Assert: still one run after more ticks of both replicas.
    let schedule = fnosync_tests::get_schedule(&admin).await;
    assert!(schedule.next_fire_time.expect("next").seconds > chrono::Utc::now().timestamp());
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM sync_runs WHERE kind = 'scheduled'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count.0, 1);
    assert_eq!(
        runs[0].state,
        proto::SyncRunState::Completed as i32,
        "{:?}",
        runs[0]
    );
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), 1);
    assert_eq!(app.fno.call_count("createSimpleEntitlement"), 1);
    let workers: (i64,) = sqlx::query_as("SELECT count(DISTINCT worker_id) FROM sync_runs")
        .fetch_one(&pool)
        .await
        .expect("workers");
    assert_eq!(workers.0, 1, "one replica ran it");
    drop((first, second));
}
