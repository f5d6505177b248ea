//! A scheduled run also keeps the accounts and users of synced orders up to
//! date: an account or a contact a person edited is synced again, even when
//! none of its orders changed.

use fnosync_client::{proto, FnosyncClient};
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    create_daily_schedule, logs_of, make_schedule_due, next_scheduled_run, seed_sales_order,
    LineSpec, TestApp,
};
use serde_json::json;
use sqlx::PgPool;

const ACCOUNT_STEP: &str = "Account Creation/Update";

/// Runs the schedule once more and returns the run, which must complete.
async fn scheduled(pool: &PgPool, admin: &FnosyncClient, count: usize) -> proto::SyncRun {
    make_schedule_due(pool).await;
    let run = next_scheduled_run(admin, count).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    run
}

/// The records a run logged for `account` under `step`.
async fn logged(client: &FnosyncClient, run: &proto::SyncRun, step: &str, id: &str) -> usize {
    logs_of(client, &run.run_id)
        .await
        .iter()
        .filter(|log| log.name == step && log.salesforce_record_id == id)
        .count()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_edited_account_or_contact_of_synced_orders_is_synced_again(pool: PgPool) {
    // Arrange: an account with synced orders, and one with a contact but no
    // sales order; the first scheduled run syncs the first.
    let app = TestApp::ready(pool.clone()).await;
    let (synced, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Edit Corp" }),
        &[json!({ "FirstName": "Kim", "LastName": "Lee", "Email": "kim@edit.example" })],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    let prospect = app
        .salesforce
        .insert("Account", json!({ "Name": "Prospect Corp" }))
        .expect("account");
    let prospect_contact = app
        .salesforce
        .insert(
            "Contact",
            json!({ "AccountId": prospect, "FirstName": "Pat", "LastName": "Roe", "Email": "pat@prospect.example" }),
        )
        .expect("contact");
    let admin = app.admin().await;
    create_daily_schedule(&admin).await;
    scheduled(&pool, &admin, 1).await;
    assert_eq!(
        app.fno.store().account(&synced).expect("FNO account").name,
        "Edit Corp"
    );
    let contact = app
        .salesforce
        .find("Contact", "AccountId", &json!(synced))
        .into_iter()
        .next()
        .expect("contact");
    let contact_id = contact["Id"].as_str().expect("id").to_string();

    // Act: a person renames the account and changes the contact's e-mail,
    // and edits the contact of the account without orders.
    app.salesforce
        .update("Account", &synced, json!({ "Name": "Edit Corp Renamed" }))
        .expect("rename");
    app.salesforce
        .update(
            "Contact",
            &contact_id,
            json!({ "Email": "kim.lee@edit.example" }),
        )
        .expect("e-mail");
    app.salesforce
        .update(
            "Contact",
            &prospect_contact,
            json!({ "LastName": "Roe-Smith" }),
        )
        .expect("edit");
    let edited = scheduled(&pool, &admin, 2).await;
    let after = scheduled(&pool, &admin, 3).await;

    // Assert: the edits reached FNO in the run after them; nothing for the
    // account without orders; the run after that finds the same versions
    // again in its look-back and syncs nothing.
    let account = app.fno.store().account(&synced).expect("FNO account");
    assert_eq!(account.name, "Edit Corp Renamed");
    assert!(
        app.fno.store().user("kim.lee@edit.example").is_some(),
        "the user of the new e-mail"
    );
    assert_eq!(logged(&admin, &edited, ACCOUNT_STEP, &synced).await, 1);
    assert!(
        app.fno.store().account(&prospect).is_none(),
        "no sales order, nothing in FNO"
    );
    assert_eq!(logged(&admin, &edited, ACCOUNT_STEP, &prospect).await, 0);
    assert_eq!(
        logged(&admin, &after, ACCOUNT_STEP, &synced).await,
        0,
        "the versions synced are not synced again"
    );
}
