//! One writer per account and fenced runs: two runs never write for the same
//! account at once, and a worker whose run was taken over writes nothing
//! more of the run's state.

use std::time::Duration;

use fnosync_client::proto;
use fnosync_server::store::runs;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    assert_completed, eventually, logs_of, seed_sales_order, start_sync, watch_until_end,
};
use fnosync_tests::{LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;

async fn ready_app(pool: PgPool, workers: usize) -> TestApp {
    let app = TestApp::spawn_with_workers(pool, workers).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    app
}

fn seed_order(app: &TestApp, name: &str) -> String {
    let (account, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": name }),
        &[json!({ "FirstName": "Ada", "LastName": "Moss", "Email": "ada@writers.example" })],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 2.0),
            LineSpec::permanent("SF01demo", 5.0),
        ],
    );
    account
}

/// The run's row as the database holds it: state, worker, lease token, end.
async fn run_row(pool: &PgPool, run_id: &str) -> (String, Option<String>, i64, bool) {
    sqlx::query_as(
        "SELECT state, worker_id, lease_token, ended_at IS NOT NULL FROM sync_runs WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await
    .expect("run row")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_one_time_syncs_of_one_account_create_its_entitlement_once(pool: PgPool) {
    // Arrange: two workers; FNO holds the first run's entitlement create.
    let app = ready_app(pool, 2).await;
    let account = seed_order(&app, "Twice Corp");
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");
    let operator = app.operator().await;
    let first = start_sync(&operator, &account).await;
    gate.wait_held().await;

    // Act: the second run starts while the first is inside FNO's create.
    let second = start_sync(&operator, &account).await;
    let waiting = eventually(Duration::from_secs(30), || async {
        logs_of(&operator, &second.run_id)
            .await
            .into_iter()
            .find(|log| log.name == "Sync Run" && log.description.contains(&first.run_id))
    })
    .await;
    gate.open();
    let first = watch_until_end(&operator, first).await;
    let second = watch_until_end(&operator, second).await;

    // Assert
    assert_eq!(waiting.salesforce_record_id, account, "{waiting:?}");
    assert_completed(&first, "records synced");
    assert_completed(&second, "");
    assert_eq!(
        app.fno.store().read(|s| s.entitlements.len()),
        1,
        "one entitlement for the one order"
    );
    assert_eq!(gate.held(), 1, "only the first run asked FNO to create it");
    let claims: (i64,) = sqlx::query_as("SELECT count(*) FROM sync_account_claims")
        .fetch_one(&app.pool)
        .await
        .expect("claims");
    assert_eq!(claims.0, 0, "both runs gave the account back");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_worker_whose_run_was_taken_over_does_not_end_it(pool: PgPool) {
    // Arrange: the run's worker is held inside FNO's create.
    let app = ready_app(pool, 1).await;
    let account = seed_order(&app, "Stale Corp");
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");
    let operator = app.operator().await;
    let run = start_sync(&operator, &account).await;
    gate.wait_held().await;
    let (_, first_worker, first_token, _) = run_row(&app.pool, &run.run_id).await;

    // Act: its lease runs out and another worker claims the run.
    let successor = loop {
        sqlx::query(
            "UPDATE sync_runs SET lease_until = now() - interval '1 second' WHERE run_id = $1",
        )
        .bind(&run.run_id)
        .execute(&app.pool)
        .await
        .expect("expire the lease");
        if let Some(claimed) = runs::claim_run(&app.pool, "successor-worker", 30.0)
            .await
            .expect("claim")
        {
            break claimed;
        }
    };
    gate.open();
    let stopped = eventually(Duration::from_secs(30), || async {
        logs_of(&operator, &run.run_id)
            .await
            .into_iter()
            .find(|log| log.name == "Sync Run" && log.description.contains("took the run over"))
    })
    .await;

    // Assert: the run is still the successor's, running, not ended.
    assert_eq!(successor.run_id, run.run_id);
    assert!(successor.lease_token > first_token);
    assert!(
        stopped
            .description
            .contains(first_worker.as_deref().unwrap_or_default()),
        "{stopped:?}"
    );
    let (state, worker, token, ended) = run_row(&app.pool, &run.run_id).await;
    assert_eq!(state, "running");
    assert_eq!(worker.as_deref(), Some("successor-worker"));
    assert_eq!(token, successor.lease_token);
    assert!(!ended, "the stale worker did not end the run");
    let stale = runs::finish_run(
        &app.pool,
        &fnosync_server::domain::run::Lease {
            run_id: run.run_id.clone(),
            token: first_token,
        },
        fnosync_server::domain::run::RunState::Completed,
        "",
    )
    .await;
    assert!(
        matches!(stale, Err(fnosync_server::error::Error::LeaseLost { .. })),
        "{stale:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_lease_is_renewed_while_one_call_takes_longer_than_the_lease(pool: PgPool) {
    // Arrange: a lease of 5 s; FNO holds the entitlement create.
    let app = TestApp::ready_with_options(pool, |options| {
        options.workers = 1;
        options.run_lease_secs = 5;
    })
    .await;
    let account = seed_order(&app, "Slow Corp");
    let gate = app.fno.faults().close_gate("createSimpleEntitlement");
    let operator = app.operator().await;
    let run = start_sync(&operator, &account).await;
    gate.wait_held().await;
    let lease_at_hold: (chrono::DateTime<chrono::Utc>,) =
        sqlx::query_as("SELECT lease_until FROM sync_runs WHERE run_id = $1")
            .bind(&run.run_id)
            .fetch_one(&app.pool)
            .await
            .expect("lease");

    // Act: wait, with the call still held, until the lease has moved on
    // past the point where it would have run out.
    let renewed = eventually(Duration::from_secs(30), || async {
        let (until,): (chrono::DateTime<chrono::Utc>,) =
            sqlx::query_as("SELECT lease_until FROM sync_runs WHERE run_id = $1")
                .bind(&run.run_id)
                .fetch_one(&app.pool)
                .await
                .expect("lease");
        (until > lease_at_hold.0 + chrono::Duration::seconds(2)).then_some(until)
    })
    .await;
    let held_still = gate.held();
    gate.open();
    let ended = watch_until_end(&operator, run).await;

    // Assert
    assert!(renewed > lease_at_hold.0);
    assert_eq!(held_still, 1, "renewed while the one call was held");
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    let (_, _, token, _) = run_row(&app.pool, &ended.run_id).await;
    assert_eq!(token, 1, "never claimed by another worker");
}

/// Makes the next insert into `sync_links` fail once with `sqlstate`.
async fn fail_next_link_insert(pool: &PgPool, sqlstate: &str) {
    for statement in [
        "CREATE SEQUENCE link_fault_seq".to_string(),
        format!(
            "CREATE FUNCTION link_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF nextval('link_fault_seq') = 1 THEN \
             RAISE EXCEPTION 'injected database fault' USING ERRCODE = '{sqlstate}'; END IF; \
             RETURN NEW; END $$"
        ),
        "CREATE TRIGGER link_fault BEFORE INSERT ON sync_links FOR EACH STATEMENT EXECUTE FUNCTION link_fault()"
            .to_string(),
    ] {
        sqlx::query(&statement).execute(pool).await.expect("fault");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_run_interrupted_by_a_passing_database_error_is_queued_again_and_completes(pool: PgPool) {
    // Arrange: the first link the run records fails with a serialization failure.
    let app = ready_app(pool, 1).await;
    let account = seed_order(&app, "Blip Corp");
    fail_next_link_insert(&app.pool, "40001").await;
    let operator = app.operator().await;

    // Act
    let run = start_sync(&operator, &account).await;
    let ended = watch_until_end(&operator, run).await;

    // Assert
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    let logs = logs_of(&operator, &ended.run_id).await;
    assert!(
        logs.iter().any(|log| log.name == "Sync Run"
            && log
                .description
                .contains("a database error interrupted the run")),
        "{logs:#?}"
    );
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), 1);
    let (_, _, token, _) = run_row(&app.pool, &ended.run_id).await;
    assert_eq!(token, 2, "claimed again after the error");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_run_hit_by_a_permanent_database_error_fails_with_the_reason(pool: PgPool) {
    // Arrange: a check violation, which fails the same way whenever tried.
    let app = ready_app(pool, 1).await;
    let account = seed_order(&app, "Broken Corp");
    fail_next_link_insert(&app.pool, "23514").await;
    let operator = app.operator().await;

    // Act
    let run = start_sync(&operator, &account).await;
    let ended = watch_until_end(&operator, run).await;

    // Assert
    assert_eq!(ended.state, proto::SyncRunState::Failed as i32, "{ended:?}");
    let (_, _, token, _) = run_row(&app.pool, &ended.run_id).await;
    assert_eq!(token, 1, "not queued again");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_order_whose_create_may_still_be_in_flight_is_looked_up_after_it_could_land(
    pool: PgPool,
) {
    // Arrange: a run that died left the order's intent just now (its create
    // sent); fnosync waits 1 s for an answer, so a create lands within 7 s.
    let app = TestApp::ready_with_options(pool, |options| {
        options.workers = 1;
        options.http_timeout_secs = 1;
    })
    .await;
    let (account, opportunity, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "In Flight Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    sqlx::query(
        "INSERT INTO sync_links (sf_object, salesforce_id, fno_kind) VALUES ('Opportunity', $1, 'entitlement')",
    )
    .bind(&opportunity)
    .execute(&app.pool)
    .await
    .expect("intent");
    let operator = app.operator().await;

    // Act: while the run waits, the dead run's create lands in FNO.
    let run = start_sync(&operator, &account).await;
    eventually(Duration::from_secs(30), || async {
        logs_of(&operator, &run.run_id)
            .await
            .into_iter()
            .find(|log| log.description.contains("may still be under way in FNO"))
    })
    .await;
    app.fno.store().update(|state| {
        let line = fnosync_sandbox::fno::LineItem {
            activation_id: "ACT-LANDED".into(),
            order_id: Some(opportunity.clone()),
            order_line_number: Some(lines[0].clone()),
            number_of_copies: 2,
            ..Default::default()
        };
        state.entitlements.push(fnosync_sandbox::fno::Entitlement {
            entitlement_id: "ENT-LANDED".into(),
            state: "DRAFT".into(),
            line_items: vec![line],
            ..Default::default()
        });
    });
    let ended = watch_until_end(&operator, run).await;

    // Assert: the landed entitlement is adopted, none is made again.
    assert_completed(&ended, "");
    assert_eq!(app.fno.store().read(|s| s.entitlements.len()), 1);
    assert_eq!(app.fno.call_count("createSimpleEntitlement"), 0);
    let written = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    assert_eq!(
        written[fnosync_sandbox::salesforce::fields::ENTITLEMENT_ID],
        "ENT-LANDED"
    );
}
