//! A replica killed with `kill -9` at each boundary of a page's stages, and
//! in the middle of its apply rounds, leaves FNO as a clean run does once
//! another replica has taken the run over: every account, user and
//! entitlement once, nothing lost, every ID written back. Each point is a
//! sandbox gate that holds the named call (after the calls that pass
//! first) until the replica is dead: no timing window.

use std::collections::BTreeMap;

use fnosync_client::proto;
use fnosync_sandbox::faults::{FaultSettings, Faults};
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    assert_completed, kill_and_take_over, logs_named, seed_sales_order, spawn_server_process,
    start_immediate, LineSpec, TestApp,
};
use serde_json::json;
use sqlx::PgPool;

/// Accounts changed in the window, each with one contact and one order of
/// two lines: two pages of 30, so each round of a page takes two FNO calls
/// (25 records per call).
const ACCOUNTS: usize = 60;
const PAGE_SIZE: &str = "30";
const STAMP: &str = "2026-01-15T12:00:00.000+0000";

/// The accounts seeded, and their opportunities, each with its line items.
fn seed(app: &TestApp) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut orders = BTreeMap::new();
    let mut accounts = Vec::new();
    for n in 1..=ACCOUNTS {
        let (account, opportunity, lines) = seed_sales_order(
            &app.salesforce,
            json!({ "Name": format!("Crash Point Corp {n}") }),
            &[json!({
                "FirstName": "Casey",
                "LastName": format!("Point{n}"),
                "Email": format!("casey.point{n}@example.com"),
            })],
            json!({}),
            &[
                LineSpec::permanent("SF01demo", 2.0),
                LineSpec::permanent("SF01demo", 3.0),
            ],
        );
        let stamp = |object: &str, id: &str| {
            app.salesforce
                .set_field(object, id, "SystemModstamp", json!(STAMP))
                .expect("stamp");
        };
        stamp("Opportunity", &opportunity);
        for line in &lines {
            stamp("OpportunityLineItem", line);
        }
        orders.insert(opportunity, lines);
        accounts.push(account);
    }
    (accounts, orders)
}

/// Runs an immediate sync of the seeded day on a replica, kills it with
/// `kill -9` while it is held at the gate `close` closes, lets a second
/// replica take the run over, and checks that FNO and Salesforce end as a
/// clean run leaves them.
async fn killed_while_held(
    pool: PgPool,
    close: impl FnOnce(&TestApp) -> fnosync_sandbox::faults::Gate,
) {
    // Arrange
    let app = TestApp::spawn_with_workers(pool, 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let (seeded_accounts, orders) = seed(&app);
    let (accounts_before, users_before) =
        app.fno.store().read(|s| (s.accounts.len(), s.users.len()));
    let gate = close(&app);
    let settings = [
        ("FNOSYNC_RUN_LEASE_SECS", "5"),
        ("FNOSYNC_HTTP_TIMEOUT_SECS", "2"),
        ("FNOSYNC_WORKERS", "1"),
        ("FNOSYNC_SYNC_PAGE_SIZE", PAGE_SIZE),
    ];
    let first = spawn_server_process(&app, &settings).await;
    let operator = app.operator().await;
    let run = start_immediate(
        &operator,
        proto::start_immediate_sync_request::Window::DateRange(proto::DateRange {
            start_date: "2026-01-15".into(),
            end_date: "2026-01-15".into(),
        }),
    )
    .await;

    // Act: kill the replica at the point, then let another take over.
    gate.wait_held().await;
    let (_second, ended) =
        kill_and_take_over(&app, first, &gate, &settings, &operator, &run.run_id).await;

    // Assert: as a clean run leaves it. (A page whose write-back landed
    // while its replica died is not read again by the run: the change query
    // leaves out what the integration user wrote, so the run may count
    // fewer accounts than were synced.)
    assert_completed(&ended, "account(s) changed");
    let (accounts, users, by_order) = app.fno.store().read(|s| {
        let mut by_order: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for entitlement in &s.entitlements {
            let order = entitlement
                .line_items
                .iter()
                .find_map(|line| line.order_id.clone())
                .unwrap_or_default();
            by_order
                .entry(order)
                .or_default()
                .push(entitlement.line_items.len());
        }
        (s.accounts.len(), s.users.len(), by_order)
    });
    assert_eq!(accounts - accounts_before, ACCOUNTS, "each account once");
    assert_eq!(users - users_before, ACCOUNTS, "each contact's user once");
    for opportunity in orders.keys() {
        assert_eq!(
            by_order.get(opportunity),
            Some(&vec![2]),
            "one entitlement with both lines for {opportunity}"
        );
        let written = app
            .salesforce
            .record("Opportunity", opportunity)
            .expect("opportunity");
        assert!(written[sf::ENTITLEMENT_ID].is_string(), "{written}");
    }
    let logged: std::collections::BTreeSet<String> =
        logs_named(&operator, &run.run_id, "Entitlement Creation/Update")
            .await
            .into_iter()
            .map(|log| log.salesforce_record_id)
            .collect();
    for opportunity in orders.keys() {
        assert!(
            logged.contains(opportunity),
            "the run logged the entitlement of {opportunity}"
        );
    }
    // The accounts' FNO IDs are written back by no other direction: a page
    // recorded before its write-back was sent has it sent by the takeover.
    for account in &seeded_accounts {
        let written = app.salesforce.record("Account", account).expect("account");
        assert!(written[sf::ACCOUNT_ID].is_string(), "{written}");
    }
    for line in orders.values().flatten() {
        let written = app
            .salesforce
            .record("OpportunityLineItem", line)
            .expect("line");
        assert!(written[sf::ACTIVATION_ID].is_string(), "{written}");
    }
}

fn fno(app: &TestApp) -> &Faults {
    app.fno.faults()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_after_the_read_before_any_write(pool: PgPool) {
    killed_while_held(pool, |app| fno(app).close_gate("createAccount")).await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_in_the_middle_of_the_accounts_round(pool: PgPool) {
    killed_while_held(pool, |app| fno(app).close_gate_after("createAccount", 1)).await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_between_the_accounts_and_the_users(pool: PgPool) {
    killed_while_held(pool, |app| fno(app).close_gate("createUser")).await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_in_the_middle_of_the_entitlements_round(pool: PgPool) {
    killed_while_held(pool, |app| {
        fno(app).close_gate_after("createSimpleEntitlement", 1)
    })
    .await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_during_the_write_back_after_the_entitlements(pool: PgPool) {
    killed_while_held(pool, |app| {
        app.salesforce.faults().close_gate("composite.sobjects")
    })
    .await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_after_the_record_with_a_write_back_that_never_lands(pool: PgPool) {
    // The first page's write-back is held, then fails once the replica is
    // dead: only the write-back the record left on the run can bring the
    // first page's IDs to Salesforce.
    killed_while_held(pool, |app| {
        app.salesforce.faults().set(FaultSettings {
            fail_next: 1,
            operation_filter: "composite.sobjects".into(),
            ..FaultSettings::default()
        });
        app.salesforce.faults().close_gate("composite.sobjects")
    })
    .await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killed_after_the_first_page_was_recorded(pool: PgPool) {
    // The first page's accounts take two create calls; the third is the
    // second page's, once the first is recorded and checkpointed.
    killed_while_held(pool, |app| fno(app).close_gate_after("createAccount", 2)).await;
}
