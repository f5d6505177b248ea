use std::time::Duration;

use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::sync::scheduler::fire_if_due;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    assert_completed, create_daily_schedule, eventually, make_schedule_due, next_scheduled_run,
    scheduled_runs, start_immediate, wait_for_run_state_change, watch_until_end, TestApp,
};
use serde_json::json;
use sqlx::PgPool;

fn demo_line(app: &TestApp) -> serde_json::Value {
    let opportunity = app
        .salesforce
        .find("Opportunity", "Name", &json!("SF-TestOpportunity"))[0]["Id"]
        .clone();
    app.salesforce
        .find("OpportunityLineItem", "OpportunityId", &opportunity)[0]
        .clone()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_due_schedule_fires_once_and_syncs_both_directions(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool.clone()).await;
    let admin = app.admin().await;
    // Only deployed lines can be activated.
    app.deploy_closed_won().await;
    create_daily_schedule(&admin).await;
    make_schedule_due(&pool).await;

    // Act: the scheduler fires; then FNO activates copies and it fires again.
    let first = next_scheduled_run(&admin, 1).await;
    let line = demo_line(&app);
    let activation_id = line[sf::ACTIVATION_ID]
        .as_str()
        .expect("activation id written back")
        .to_string();
    app.fno
        .store()
        .activate(&activation_id, 3)
        .expect("activate");
    make_schedule_due(&pool).await;
    let second = next_scheduled_run(&admin, 2).await;

    // Assert
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    assert_eq!(first.requested_by, "FNOSyncBatch");
    assert!(
        first.message.contains("1 account(s) changed"),
        "{}",
        first.message
    );
    assert_eq!(
        second.state,
        proto::SyncRunState::Completed as i32,
        "{second:?}"
    );
    let line = demo_line(&app);
    assert_eq!(
        line[sf::REMAINING_QUANTITY].as_f64(),
        Some(7.0),
        "remaining quantity after 3 activations"
    );
    let schedule = fnosync_tests::get_schedule(&admin).await;
    assert!(schedule.last_fire_time.is_some());
    let next = schedule.next_fire_time.expect("next");
    assert!(
        next.seconds > chrono::Utc::now().timestamp(),
        "the next fire time is in the future"
    );
    assert_eq!(scheduled_runs(&admin).await.len(), 2, "one run per fire");
    let watermark: (Option<chrono::DateTime<chrono::Utc>>,) =
        sqlx::query_as("SELECT watermark FROM schedules")
            .fetch_one(&pool)
            .await
            .expect("watermark");
    assert!(
        watermark.0.is_some(),
        "a successful scheduled run moves the watermark"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_due_schedule_queues_exactly_one_run_and_a_paused_one_none(pool: PgPool) {
    let app = TestApp::spawn_with_workers(pool.clone(), 0).await;
    app.submit_license().await;
    let verifier =
        fnosync_server::license::LicenseVerifier::new(Some(&app.license_issuer.public_key()))
            .expect("key");
    let admin = app.admin().await;
    create_daily_schedule(&admin).await;
    admin
        .schedules()
        .pause_schedule(proto::PauseScheduleRequest {})
        .await
        .expect("pause");
    make_schedule_due(&pool).await;
    assert!(
        fire_if_due(&pool, &verifier).await.expect("tick").is_none(),
        "paused: no fire"
    );

    admin
        .schedules()
        .resume_schedule(proto::ResumeScheduleRequest {})
        .await
        .expect("resume");
    make_schedule_due(&pool).await;
    // Several replicas ticking at once give one run.
    let ticks = futures::future::join_all((0..4).map(|_| fire_if_due(&pool, &verifier))).await;
    let fired = ticks
        .into_iter()
        .map(|t| t.expect("tick"))
        .filter(Option::is_some)
        .count();
    let queued = eventually(Duration::from_secs(10), || async {
        let runs = scheduled_runs(&admin).await;
        (!runs.is_empty()).then_some(runs.len())
    })
    .await;
    assert_eq!(fired, 1, "one tick fires, the others find it not due");
    assert_eq!(queued, 1, "exactly one run for one fire time");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_immediate_sync_touches_only_what_changed_in_its_window(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let start = |window| async {
        let run = start_immediate(&operator, window).await;
        watch_until_end(&operator, run).await
    };
    use proto::start_immediate_sync_request::Window;

    let past = start(Window::DateRange(proto::DateRange {
        start_date: "2020-01-01".into(),
        end_date: "2020-01-02".into(),
    }))
    .await;
    assert_completed(&past, "0 account(s) changed");
    assert_eq!(
        app.fno.write_call_count(),
        0,
        "nothing outside the window is touched"
    );

    let recent = start(Window::LastHours(1)).await;
    assert_completed(&recent, "1 account(s) changed");
    assert!(demo_line(&app)[sf::ACTIVATION_ID].is_string());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_run_pauses_under_the_budget_floor_and_goes_on_when_budget_returns(pool: PgPool) {
    // Arrange: the org has 50 requests left today, under the floor of 100.
    let app = TestApp::ready(pool).await;
    app.salesforce.set_api_limit(1000, 950);
    let operator = app.operator().await;

    // Act
    let run = start_immediate(
        &operator,
        proto::start_immediate_sync_request::Window::LastHours(1),
    )
    .await;
    let paused = wait_for_run_state_change(
        &operator,
        &run.run_id,
        &[proto::SyncRunState::Queued, proto::SyncRunState::Running],
    )
    .await;
    let writes_while_paused = app.fno.write_call_count();
    app.salesforce.set_api_limit(1000, 0);
    let ended = watch_until_end(&operator, paused.clone()).await;

    // Assert
    assert_eq!(
        paused.state,
        proto::SyncRunState::Paused as i32,
        "{paused:?}"
    );
    assert!(
        paused.message.contains("under the floor of 100"),
        "{}",
        paused.message
    );
    assert_eq!(writes_while_paused, 0, "nothing was sent while paused");
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    let logs = fnosync_tests::logs_of(&operator, &run.run_id).await;
    assert!(
        logs.iter()
            .any(|l| l.name == "Salesforce API Budget" && l.description.starts_with("resumed")),
        "{logs:#?}"
    );
    assert!(demo_line(&app)[sf::ACTIVATION_ID].is_string());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_create_call_that_keeps_failing_fails_only_its_own_accounts(pool: PgPool) {
    // Arrange: 29 more accounts (30 with the guide's), so the accounts go in
    // two create calls; FNO serves the one that reaches it first and keeps
    // failing the other.
    let app = TestApp::ready(pool).await;
    for n in 0..29 {
        fnosync_tests::seed_sales_order(
            &app.salesforce,
            json!({ "Name": format!("Chunk Corp {n:02}") }),
            &[],
            json!({}),
            &[fnosync_tests::LineSpec::permanent("SF01demo", 1.0)],
        );
    }
    app.fno
        .faults()
        .set(fnosync_sandbox::faults::FaultSettings {
            pass_first: 1,
            fail_next: 100,
            operation_filter: "createAccount".into(),
            ..Default::default()
        });
    let operator = app.operator().await;

    // Act
    let run = start_immediate(
        &operator,
        proto::start_immediate_sync_request::Window::LastHours(1),
    )
    .await;
    let ended = watch_until_end(&operator, run).await;

    // Assert: the accounts go in a call of 25 and one of 5, side by side;
    // FNO serves the one that reaches it first and keeps failing the other,
    // which is tried again on its own and fails its accounts only.
    let logs = fnosync_tests::logs_of(&operator, &ended.run_id).await;
    let accounts = |status: proto::TransactionStatus| {
        logs.iter()
            .filter(|l| l.name == "Account Creation/Update" && l.status == status as i32)
            .count()
    };
    let completed = accounts(proto::TransactionStatus::Completed);
    let failed =
        accounts(proto::TransactionStatus::Failed) + accounts(proto::TransactionStatus::Error);
    assert!(
        (completed, failed) == (25, 5) || (completed, failed) == (5, 25),
        "one call's accounts in FNO, the other's failed: {completed} completed, {failed} failed ({ended:?})"
    );
    let calls = app.fno.call_count("createAccount");
    assert!(
        (3..=6).contains(&calls),
        "the failing call alone was retried: {calls} calls"
    );
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), completed);
}
