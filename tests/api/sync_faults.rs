//! Syncs against failing services: FNO errors and outages, a run lost before
//! its write-back, an expired Salesforce session, oversized or deeply nested
//! answers and a create FNO never answered. Also the helpers `sync_runs` shares.

use fnosync_client::proto;
use fnosync_sandbox::faults::FaultSettings;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{logs_of, seed_sales_order, sync_and_wait, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;

pub(crate) fn seed_simple(app: &TestApp, name: &str) -> (String, String) {
    let (account, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": name }),
        &[
            json!({ "FirstName": "Kim", "LastName": "Lee", "Email": format!("kim@{}.example", name.to_lowercase().replace(' ', "-")) }),
        ],
        json!({}),
        &[LineSpec::permanent("SF01demo", 4.0)],
    );
    (account, opportunity)
}

pub(crate) fn entitlement_count(app: &TestApp) -> usize {
    app.fno.store().read(|state| state.entitlements.len())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_fno_500_is_retried_and_the_run_completes(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let (account, _) = seed_simple(&app, "Retry Corp");
    app.fno.faults().set(FaultSettings {
        fail_next: 1,
        failure_status: 500,
        operation_filter: "createSimpleEntitlement".into(),
        ..Default::default()
    });
    let run = sync_and_wait(&app.operator().await, &account).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        app.fno.call_count("createSimpleEntitlement"),
        2,
        "one failure, one retry"
    );
    assert_eq!(entitlement_count(&app), 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn with_fno_down_the_run_fails_with_error_logs_and_the_next_sync_completes_it(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let (account, opportunity) = seed_simple(&app, "Outage Corp");
    app.fno.faults().set(FaultSettings {
        failure_rate: 1.0,
        failure_status: 503,
        ..Default::default()
    });
    let operator = app.operator().await;

    // Act
    let failed = sync_and_wait(&operator, &account).await;
    app.fno.faults().set(FaultSettings::default());
    let recovered = sync_and_wait(&operator, &account).await;

    // Assert
    assert_eq!(
        failed.state,
        proto::SyncRunState::Failed as i32,
        "{failed:?}"
    );
    let logs = logs_of(&operator, &failed.run_id).await;
    assert!(
        logs.iter()
            .any(|l| l.status == proto::TransactionStatus::Error as i32 && l.error_log.is_some()),
        "{logs:#?}"
    );
    assert_eq!(
        recovered.state,
        proto::SyncRunState::Completed as i32,
        "{recovered:?}"
    );
    assert_eq!(entitlement_count(&app), 1);
    let record = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    assert!(record[sf::ENTITLEMENT_ID].is_string());
}

/// A run that created the entitlement but died before Salesforce got the IDs
/// and before its links were saved: the next run finds the entitlement in FNO
/// by its order stamp and creates no second one.
#[sqlx::test(migrator = "MIGRATOR")]
async fn a_run_lost_between_the_fno_create_and_the_write_back_creates_no_second_entitlement(
    pool: PgPool,
) {
    // Arrange: the write-back fails, then the engine's own memory is set back
    // to before FNO answered the create.
    let app = TestApp::ready(pool.clone()).await;
    let (account, opportunity) = seed_simple(&app, "Crash Corp");
    app.salesforce.set_faults(FaultSettings {
        failure_rate: 1.0,
        failure_status: 503,
        operation_filter: "composite.sobjects".into(),
        ..Default::default()
    });
    let operator = app.operator().await;
    let first = sync_and_wait(&operator, &account).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::CompletedWithFailures as i32,
        "{first:?}"
    );
    assert!(app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opp")[sf::ENTITLEMENT_ID]
        .is_null());
    // The engine's memory goes back to the moment before FNO's answer: the
    // order's intent only, no link of the entitlement or its lines.
    sqlx::query("DELETE FROM sync_links WHERE sf_object <> 'Opportunity'")
        .execute(&pool)
        .await
        .expect("forget the line links");
    sqlx::query(
        "UPDATE sync_links SET fno_id = '', fingerprint = '' WHERE sf_object = 'Opportunity'",
    )
    .execute(&pool)
    .await
    .expect("leave only the intent");
    app.salesforce.set_faults(FaultSettings::default());
    let creates_before = app.fno.call_count("createSimpleEntitlement");

    // Act
    let second = sync_and_wait(&operator, &account).await;

    // Assert
    assert_eq!(
        second.state,
        proto::SyncRunState::Completed as i32,
        "{second:?}"
    );
    assert_eq!(
        app.fno.call_count("createSimpleEntitlement"),
        creates_before,
        "no create the second time"
    );
    assert_eq!(entitlement_count(&app), 1);
    let written = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    let entitlement_id = written[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("written back now");
    assert!(app.fno.store().entitlement(entitlement_id).is_some());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_salesforce_session_that_expires_mid_run_is_renewed_and_the_run_completes(pool: PgPool) {
    // Arrange: FNO holds the entitlement creation, so the session can be
    // expired after Salesforce was read and before the write-back.
    let app = TestApp::ready(pool).await;
    let (account, opportunity) = seed_simple(&app, "Session Corp");
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");
    let operator = app.operator().await;
    let run = fnosync_tests::start_sync(&operator, &account).await;

    // Act
    gate.wait_held().await;
    app.salesforce.expire_sessions();
    gate.open();
    let ended = fnosync_tests::watch_until_end(&operator, run).await;

    // Assert
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    assert_eq!(
        app.salesforce.call_count("oauth.token"),
        3,
        "the verification login, the run's login, one re-login"
    );
    let record = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    assert!(
        record[sf::ENTITLEMENT_ID].is_string(),
        "written back after the re-login"
    );
}

/// Every log of the run, with its error log, as one text.
async fn logs_text(app: &TestApp, run_id: &str) -> String {
    format!("{:?}", logs_of(&app.operator().await, run_id).await)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn oversized_and_deeply_nested_answers_fail_their_call_cleanly(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let (account, _) = seed_simple(&app, "Huge Corp");
    let operator = app.operator().await;
    let fault = |settings: FaultSettings| FaultSettings {
        operation_filter: "createAccount".into(),
        ..settings
    };

    // Act: FNO answers every account creation too large, then nested too deep;
    // then Salesforce answers its reads (one composite call of queries) too large.
    app.fno.faults().set(fault(FaultSettings {
        oversized_next: 10,
        ..Default::default()
    }));
    let oversized = sync_and_wait(&operator, &account).await;
    app.fno.faults().set(fault(FaultSettings {
        nested_next: 10,
        ..Default::default()
    }));
    let nested = sync_and_wait(&operator, &account).await;
    app.fno.faults().set(FaultSettings::default());
    app.salesforce.set_faults(FaultSettings {
        oversized_next: 10,
        operation_filter: "composite".into(),
        ..Default::default()
    });
    let unread = sync_and_wait(&operator, &account).await;
    app.salesforce.set_faults(FaultSettings::default());
    let after = sync_and_wait(&operator, &account).await;

    // Assert
    for (run, says) in [
        (&oversized, "larger than 64 MiB"),
        (&nested, "nested deeper than 64 levels"),
        (&unread, "larger than 64 MiB"),
    ] {
        assert_ne!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
        let text = format!("{run:?} {}", logs_text(&app, &run.run_id).await);
        assert!(text.contains(says), "{says}: {text}");
    }
    assert_eq!(
        after.state,
        proto::SyncRunState::Completed as i32,
        "{after:?}"
    );
    assert_eq!(entitlement_count(&app), 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_create_fno_never_answered_is_not_sent_again_by_that_run_and_the_next_run_has_one(
    pool: PgPool,
) {
    // Arrange: fnosync waits 1 s for an answer; FNO holds the create.
    let app = TestApp::ready_with_options(pool, |options| options.http_timeout_secs = 1).await;
    let (account, opportunity) = seed_simple(&app, "Silent Corp");
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");
    let operator = app.operator().await;

    // Act: the run gives up waiting; then FNO lets the held call go on and
    // the next run syncs the account.
    let first = sync_and_wait(&operator, &account).await;
    let held = gate.held();
    gate.open();
    let second = sync_and_wait(&operator, &account).await;

    // Assert
    assert_eq!(held, 1, "the first run sent the create once");
    assert_ne!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let deferred = logs_of(&operator, &first.run_id)
        .await
        .into_iter()
        .find(|log| {
            log.salesforce_record_id == opportunity && log.name == "Entitlement Creation/Update"
        })
        .expect("the order's log");
    assert!(
        deferred.description.contains("does not send it again"),
        "{deferred:?}"
    );
    assert_eq!(
        second.state,
        proto::SyncRunState::Completed as i32,
        "{second:?}"
    );
    assert_eq!(entitlement_count(&app), 1, "one entitlement for the order");
    let entitlement = app
        .fno
        .store()
        .read(|s| s.entitlements[0].entitlement_id.clone());
    let written = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    assert_eq!(
        written[sf::ENTITLEMENT_ID].as_str(),
        Some(entitlement.as_str())
    );
}
