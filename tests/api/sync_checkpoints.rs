//! Scheduled and immediate runs read changes through a compound cursor, sync
//! each account once per run, checkpoint after each page, and can be resumed
//! past the Salesforce API budget floor by an operator.

use std::collections::BTreeMap;
use std::time::Duration;

use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    assert_completed, create_daily_schedule, get_run, kill_and_take_over, logs_of,
    make_schedule_due, next_scheduled_run, seed_sales_order, spawn_server_process, start_immediate,
    wait_for_run_state_change, watch_until_end, LineSpec, TestApp,
};
use serde_json::json;
use sqlx::PgPool;

const ACCOUNT_STEP: &str = "Account Creation/Update";

/// Seeds an account with one Closed Won opportunity and stamps both the
/// opportunity and its line with `stamp`, as Salesforce would have.
fn seed_stamped(app: &TestApp, name: &str, stamp: &str) -> String {
    let (account, opportunity, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": name }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    let set = |object: &str, id: &str| {
        app.salesforce
            .set_field(object, id, "SystemModstamp", json!(stamp))
            .expect("stamp");
    };
    set("Opportunity", &opportunity);
    for line in &lines {
        set("OpportunityLineItem", line);
    }
    account
}

fn one_day(date: &str) -> proto::start_immediate_sync_request::Window {
    proto::start_immediate_sync_request::Window::DateRange(proto::DateRange {
        start_date: date.into(),
        end_date: date.into(),
    })
}

/// The copies FNO holds on the line made from Salesforce line `line_id`
/// (found by the activation ID written back to it).
fn fno_copies_of(app: &TestApp, line_id: &str) -> Option<i64> {
    let line = app
        .salesforce
        .record("OpportunityLineItem", line_id)
        .expect("line");
    let activation_id = line[sf::ACTIVATION_ID].as_str().expect("activation id");
    app.fno.store().read(|s| {
        s.entitlements
            .iter()
            .flat_map(|e| e.line_items.iter())
            .find(|l| l.activation_id == activation_id)
            .map(|l| l.number_of_copies)
    })
}

/// How many times each account was synced in a run (its account step logs).
async fn account_syncs(client: &FnosyncClient, run_id: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for log in logs_of(client, run_id).await {
        if log.name == ACCOUNT_STEP {
            *counts.entry(log.salesforce_record_id).or_default() += 1;
        }
    }
    counts
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn records_sharing_a_stamp_across_page_boundaries_are_each_synced_once(pool: PgPool) {
    // Arrange: pages of 2 records; five accounts whose opportunities and
    // lines all carry the same stamp, and two stamped just outside the day.
    let app = TestApp::ready_with_options(pool, |options| options.sync_page_size = 2).await;
    let same_second = "2026-01-15T12:00:00.000+0000";
    let inside: Vec<String> = (1..=5)
        .map(|n| seed_stamped(&app, &format!("Same Second {n}"), same_second))
        .collect();
    let before = seed_stamped(&app, "Just Before", "2026-01-14T23:59:59.000+0000");
    let after = seed_stamped(&app, "Just After", "2026-01-16T00:00:00.000+0000");
    let first_of_day = seed_stamped(&app, "First Second", "2026-01-15T00:00:00.000+0000");
    let operator = app.operator().await;

    // Act
    let run = start_immediate(&operator, one_day("2026-01-15")).await;
    let ended = watch_until_end(&operator, run).await;

    // Assert
    assert_completed(&ended, "6 account(s) changed");
    let synced = account_syncs(&operator, &ended.run_id).await;
    for account in inside.iter().chain([&first_of_day]) {
        assert_eq!(synced.get(account), Some(&1), "{account}: {synced:?}");
    }
    assert!(!synced.contains_key(&before), "{synced:?}");
    assert!(!synced.contains_key(&after), "{synced:?}");
    assert_eq!(
        app.fno.store().read(|s| s.entitlements.len()),
        6,
        "one entitlement per account in the window"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_next_set_is_read_and_sent_to_fno_while_the_set_before_is_written_back(pool: PgPool) {
    // Arrange: pages of one record, so each account is a set of its own.
    let app = TestApp::ready_with_options(pool, |options| options.sync_page_size = 1).await;
    let stamp = "2026-01-15T12:00:00.000+0000";
    let accounts = [
        seed_stamped(&app, "Pipeline One", stamp),
        seed_stamped(&app, "Pipeline Two", stamp),
    ];
    let write_back = app.salesforce.faults().close_gate("composite.sobjects");
    let second_entitlement = app
        .fno
        .faults()
        .close_gate_after("createSimpleEntitlement", 1);
    let operator = app.operator().await;

    // Act: the first set's write-back is held; the second set's entitlement
    // reaches FNO while it is.
    let run = start_immediate(&operator, one_day("2026-01-15")).await;
    write_back.wait_held().await;
    tokio::time::timeout(Duration::from_secs(60), second_entitlement.wait_held())
        .await
        .expect("the second set reaches FNO while the first set's write-back is held");
    assert_eq!(
        write_back.held(),
        1,
        "only the first set's write-back so far"
    );
    second_entitlement.open();
    write_back.open();
    let ended = watch_until_end(&operator, run).await;

    // Assert: both synced and written back; the second set was recorded
    // after the first set's write-back (the log numbers are in order).
    assert_completed(&ended, "2 account(s) changed");
    let logs = logs_of(&operator, &ended.run_id).await;
    let number = |name: &str, record: &str| {
        logs.iter()
            .find(|log| log.name == name && log.salesforce_record_id == record)
            .and_then(|log| log.log_number.trim_start_matches("TL-").parse::<u64>().ok())
            .unwrap_or_else(|| panic!("a {name} log of {record}: {logs:?}"))
    };
    let mut order = accounts.clone();
    order.sort_by_key(|account| number(ACCOUNT_STEP, account));
    assert!(
        number("Salesforce Update", &order[0]) < number(ACCOUNT_STEP, &order[1]),
        "the first set's write-back is recorded before the second set: {logs:?}"
    );
    for account in &accounts {
        let written = app.salesforce.record("Account", account).expect("account");
        assert!(written[sf::ACCOUNT_ID].is_string(), "{written}");
    }
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), 2);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_record_modified_while_a_run_writes_is_synced_again_by_that_run_not_lost_behind_its_write_back(
    pool: PgPool,
) {
    // Arrange
    let app = TestApp::ready(pool.clone()).await;
    let (account, _, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Changing Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    let admin = app.admin().await;
    create_daily_schedule(&admin).await;
    // Entitlement creation is held, so the quantity changes while the run is on.
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");

    // Act
    make_schedule_due(&pool).await;
    gate.wait_held().await;
    app.salesforce
        .update("OpportunityLineItem", &lines[0], json!({ "Quantity": 5 }))
        .expect("change the quantity");
    gate.open();
    let first = next_scheduled_run(&admin, 1).await;
    make_schedule_due(&pool).await;
    let second = next_scheduled_run(&admin, 2).await;

    // Assert: the write-back stamps the line as changed by the integration
    // user, which the next run's change query leaves out; the read-back after
    // the write-back saw the person's change and synced the account again.
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    assert_eq!(
        second.state,
        proto::SyncRunState::Completed as i32,
        "{second:?}"
    );
    let during = account_syncs(&admin, &first.run_id).await;
    assert_eq!(
        during.get(&account),
        Some(&2),
        "synced, then again after the read-back: {during:?}"
    );
    let notes: Vec<_> = logs_of(&admin, &first.run_id)
        .await
        .into_iter()
        .filter(|log| log.salesforce_record_id == account && log.name == "Sync Run")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].description.contains("synced again"), "{notes:?}");
    let next = account_syncs(&admin, &second.run_id).await;
    assert!(
        next.is_empty(),
        "nothing left for the next run, its own echo left out: {next:?}"
    );
    assert_eq!(
        fno_copies_of(&app, &lines[0]),
        Some(5),
        "FNO has the quantity changed during the first run"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_replica_killed_mid_run_leaves_the_rest_to_another_from_the_checkpoint(pool: PgPool) {
    // Arrange: runs go to server processes that read one record per page and
    // sync one account at a time; the third entitlement create is held.
    let app = TestApp::spawn_with_workers(pool.clone(), 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let accounts: Vec<String> = (1..=4)
        .map(|n| {
            let stamp = format!("2026-01-15T12:00:0{n}.000+0000");
            seed_stamped(&app, &format!("Checkpoint Corp {n}"), &stamp)
        })
        .collect();
    let gate = app
        .fno
        .faults()
        .close_gate_after("createSimpleEntitlement", 2);
    let settings = [
        ("FNOSYNC_RUN_LEASE_SECS", "5"),
        ("FNOSYNC_HTTP_TIMEOUT_SECS", "2"),
        ("FNOSYNC_WORKERS", "1"),
        ("FNOSYNC_SYNC_PAGE_SIZE", "1"),
        ("FNOSYNC_SYNC_CONCURRENCY", "1"),
    ];
    let first = spawn_server_process(&app, &settings).await;
    let operator = app.operator().await;
    let run = start_immediate(&operator, one_day("2026-01-15")).await;

    // Act: once the third account's create is held (two accounts are
    // synced), kill the replica, open the gate and start another.
    gate.wait_held().await;
    let done_before_kill: Vec<String> = sqlx::query_as::<_, (String,)>(
        "SELECT account_id FROM sync_run_accounts WHERE run_id = $1",
    )
    .bind(&run.run_id)
    .fetch_all(&pool)
    .await
    .expect("accounts done")
    .into_iter()
    .map(|(id,)| id)
    .collect();
    let (_second, ended) =
        kill_and_take_over(&app, first, &gate, &settings, &operator, &run.run_id).await;

    // Assert
    assert_completed(&ended, "4 account(s) changed");
    let logs = logs_of(&operator, &run.run_id).await;
    assert!(
        logs.iter()
            .any(|l| l.name == "Sync Run" && l.description.contains("taken over")),
        "{logs:#?}"
    );
    let synced = account_syncs(&operator, &run.run_id).await;
    for account in &done_before_kill {
        assert_eq!(synced.get(account), Some(&1), "not redone: {synced:?}");
    }
    for account in &accounts {
        assert!(synced.contains_key(account), "{account} synced: {synced:?}");
    }
    assert_eq!(
        app.fno.store().read(|s| s.entitlements.len()),
        4,
        "no duplicate entitlements"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_operator_resumes_a_run_paused_for_the_budget(pool: PgPool) {
    // Arrange: 50 requests left today, under the floor of 100.
    let app = TestApp::ready(pool).await;
    app.salesforce.set_api_limit(1000, 950);
    let operator = app.operator().await;
    let viewer = app.viewer().await;
    let run = start_immediate(
        &operator,
        proto::start_immediate_sync_request::Window::LastHours(1),
    )
    .await;
    let refused_early = operator
        .sync()
        .resume_sync_run(proto::ResumeSyncRunRequest {
            run_id: "20000101000000".into(),
        })
        .await
        .expect_err("unknown run");
    let paused = wait_for_run_state_change(
        &operator,
        &run.run_id,
        &[proto::SyncRunState::Queued, proto::SyncRunState::Running],
    )
    .await;

    // Act
    let by_viewer = viewer
        .sync()
        .resume_sync_run(proto::ResumeSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect_err("viewers cannot resume");
    operator
        .sync()
        .resume_sync_run(proto::ResumeSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect("resume");
    let ended = watch_until_end(&operator, paused.clone()).await;
    let again = operator
        .sync()
        .resume_sync_run(proto::ResumeSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect_err("an ended run is not paused");
    let by_cli =
        crate::cli_support::ctl(&app, &app.operator_token, &["sync", "resume", &run.run_id]).await;

    // Assert
    assert_eq!(refused_early.code(), tonic::Code::NotFound);
    assert_eq!(
        paused.state,
        proto::SyncRunState::Paused as i32,
        "{paused:?}"
    );
    assert_eq!(by_viewer.code(), tonic::Code::PermissionDenied);
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    assert!(
        app.salesforce.api_usage().1 > 950,
        "the run went on under the floor"
    );
    let logs = logs_of(&operator, &run.run_id).await;
    assert!(
        logs.iter().any(|l| l.name == "Salesforce API Budget"
            && l.description.starts_with("resumed by an operator")),
        "{logs:#?}"
    );
    assert_eq!(again.code(), tonic::Code::FailedPrecondition);
    assert!(
        again.message().contains("not paused"),
        "{}",
        again.message()
    );
    assert_eq!(by_cli.code, 2, "refused: {by_cli:?}");
    assert!(by_cli.stderr.contains("not paused"), "{by_cli:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_replica_stopped_with_sigterm_hands_its_run_back_to_the_queue(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn_with_workers(pool.clone(), 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    for n in 1..=3 {
        let stamp = format!("2026-01-15T12:00:0{n}.000+0000");
        seed_stamped(&app, &format!("Handover Corp {n}"), &stamp);
    }
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");
    let settings = [
        ("FNOSYNC_WORKERS", "1"),
        ("FNOSYNC_SYNC_PAGE_SIZE", "1"),
        ("FNOSYNC_SYNC_CONCURRENCY", "1"),
    ];
    let mut first = spawn_server_process(&app, &settings).await;
    let operator = app.operator().await;
    let run = start_immediate(&operator, one_day("2026-01-15")).await;
    gate.wait_held().await;
    let mut health = health_watch(&first.address).await;

    // Act: stop the replica the way an orchestrator does while its first
    // create is held; once it says it is stopping, let the create finish.
    let pid = first.child.id().expect("pid");
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    wait_not_serving(&mut health).await;
    gate.open();
    let exit = first.child.wait().await.expect("exit");
    let handed_back = get_run(&operator, &run.run_id).await.expect("run");
    let _second = spawn_server_process(&app, &settings).await;
    let ended = wait_for_run_state_change(
        &operator,
        &run.run_id,
        &[proto::SyncRunState::Queued, proto::SyncRunState::Running],
    )
    .await;

    // Assert
    assert!(exit.success(), "{exit:?}");
    assert_eq!(
        handed_back.state,
        proto::SyncRunState::Queued as i32,
        "{handed_back:?}"
    );
    assert!(
        handed_back.message.contains("server shutdown"),
        "{}",
        handed_back.message
    );
    assert_completed(&ended, "3 account(s) changed");
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), 3);
}

/// Watches the health of the server process at `address`.
async fn health_watch(address: &str) -> tonic::Streaming<tonic_health::pb::HealthCheckResponse> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    tonic_health::pb::health_client::HealthClient::new(channel)
        .watch(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("watch")
        .into_inner()
}

/// Reads health updates until the server reports NOT_SERVING (it is stopping).
async fn wait_not_serving(health: &mut tonic::Streaming<tonic_health::pb::HealthCheckResponse>) {
    let not_serving = tonic_health::pb::health_check_response::ServingStatus::NotServing as i32;
    let reached = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(update)) = health.message().await {
            if update.status == not_serving {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        reached,
        Ok(true),
        "the server reports NOT_SERVING once stopping"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_line_changed_alone_is_found_by_its_own_change_and_synced(pool: PgPool) {
    // Arrange: an account synced by the run of the 14th.
    let app = TestApp::ready(pool).await;
    let account = seed_stamped(&app, "Line Change Corp", "2026-01-14T12:00:00.000+0000");
    let operator = app.operator().await;
    let first = watch_until_end(
        &operator,
        start_immediate(&operator, one_day("2026-01-14")).await,
    )
    .await;
    let line_id = app
        .salesforce
        .find("OpportunityLineItem", "Quantity", &json!(2.0))
        .first()
        .and_then(|line| line["Id"].as_str().map(str::to_string))
        .expect("the seeded line");

    // Act: on the 15th a person changes only the line's quantity.
    app.salesforce
        .update("OpportunityLineItem", &line_id, json!({ "Quantity": 7 }))
        .expect("change the quantity");
    app.salesforce
        .set_field(
            "OpportunityLineItem",
            &line_id,
            "SystemModstamp",
            json!("2026-01-15T09:00:00.000+0000"),
        )
        .expect("stamp");
    let second = watch_until_end(
        &operator,
        start_immediate(&operator, one_day("2026-01-15")).await,
    )
    .await;

    // Assert
    assert_completed(&first, "1 account(s) changed");
    assert_completed(&second, "1 account(s) changed");
    assert_eq!(
        account_syncs(&operator, &second.run_id).await.get(&account),
        Some(&1)
    );
    assert_eq!(
        fno_copies_of(&app, &line_id),
        Some(7),
        "FNO has the line's new quantity"
    );
}
