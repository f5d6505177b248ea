use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{logs_of, sync_and_wait, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

fn demo_account_id(app: &TestApp) -> String {
    let found = app
        .salesforce
        .find("Account", "Name", &json!("SF-DemoAccount"));
    found[0]["Id"].as_str().expect("account id").to_string()
}

fn one_of(app: &TestApp, object: &str, field: &str, value: &str) -> Value {
    app.salesforce
        .find(object, field, &json!(value))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{object} {value}"))
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_guide_example_flow_creates_account_user_and_entitlement_and_writes_ids_back(
    pool: PgPool,
) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let account_id = demo_account_id(&app);

    // Act
    let run = sync_and_wait(&operator, &account_id).await;

    // Assert: the run and its logs.
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(run.records_failed, 0);
    assert!(run.records_done >= 4, "{run:?}");
    let logs = logs_of(&operator, &run.run_id).await;
    let failed: Vec<_> = logs
        .iter()
        .filter(|l| l.status != proto::TransactionStatus::Completed as i32)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    for step in [
        "Account Creation/Update",
        "Contact Creation/Update",
        "Entitlement Creation/Update",
        "Salesforce Update",
    ] {
        assert!(
            logs.iter().any(|l| l.name == step),
            "no {step} log in {logs:#?}"
        );
    }

    // FNO has the account (ID = Salesforce Account Id, CUSTOMER), the user and the entitlement.
    let store = app.fno.store();
    let account = store.account(&account_id).expect("FNO account");
    assert_eq!(account.name, "SF-DemoAccount");
    assert_eq!(account.account_type, "CUSTOMER");
    let user = store.user("sf-testuser@mycompany.com").expect("FNO user");
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Demo", "SF-TestUser")
    );
    let roles = &user
        .account_roles
        .iter()
        .find(|r| r.account_id == account_id)
        .expect("linked")
        .roles;
    assert!(roles.iter().any(|r| r == "Portal Admin User"), "{roles:?}");
    let opportunity = one_of(&app, "Opportunity", "Name", "SF-TestOpportunity");
    let entitlement_id = opportunity[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("Entitlement ID written back")
        .to_string();
    let entitlement = store.entitlement(&entitlement_id).expect("FNO entitlement");
    assert_eq!(entitlement.sold_to.as_deref(), Some(account_id.as_str()));
    assert_eq!(entitlement.state, "DRAFT");
    assert_eq!(entitlement.line_items.len(), 1);
    let line = &entitlement.line_items[0];
    assert_eq!(line.part_number.as_deref(), Some("SF01demo"));
    assert_eq!(line.number_of_copies, 10);
    assert_eq!(
        line.start_date_option.as_deref(),
        Some("DEFINE_ACTDATE_AT_FIRST_ACTIVATION")
    );

    // Salesforce has the IDs back.
    let sf_account = app
        .salesforce
        .record("Account", &account_id)
        .expect("account");
    assert_eq!(
        sf_account[sf::ACCOUNT_ID].as_str(),
        Some(account_id.as_str())
    );
    let sf_line = app
        .salesforce
        .records("OpportunityLineItem")
        .into_iter()
        .find(|l| l["OpportunityId"] == opportunity["Id"])
        .expect("line");
    assert_eq!(
        sf_line[sf::ACTIVATION_ID].as_str(),
        Some(line.activation_id.as_str())
    );
    assert_eq!(sf_line[sf::REMAINING_QUANTITY].as_f64(), Some(10.0));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_second_sync_of_an_unchanged_account_writes_nothing_to_fno(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let account_id = demo_account_id(&app);
    let first = sync_and_wait(&operator, &account_id).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let writes_before = app.fno.write_call_count();
    let sf_writes_before = app.salesforce.call_count("composite.sobjects");

    // Act
    let second = sync_and_wait(&operator, &account_id).await;

    // Assert
    assert_eq!(
        second.state,
        proto::SyncRunState::Completed as i32,
        "{second:?}"
    );
    assert_eq!(
        app.fno.write_call_count(),
        writes_before,
        "no FNO writes for an unchanged account"
    );
    assert_eq!(
        app.salesforce.call_count("composite.sobjects"),
        sf_writes_before,
        "nothing to write back"
    );
    let entitlements = app.fno.store().read(|state| state.entitlements.len());
    assert_eq!(entitlements, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_changed_quantity_updates_the_existing_entitlement(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let account_id = demo_account_id(&app);
    sync_and_wait(&operator, &account_id).await;
    let opportunity = one_of(&app, "Opportunity", "Name", "SF-TestOpportunity");
    let line = app
        .salesforce
        .records("OpportunityLineItem")
        .into_iter()
        .find(|l| l["OpportunityId"] == opportunity["Id"])
        .expect("line");
    let line_id = line["Id"].as_str().expect("id");
    app.salesforce
        .update("OpportunityLineItem", line_id, json!({ "Quantity": 25 }))
        .expect("update quantity");

    let run = sync_and_wait(&operator, &account_id).await;

    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let entitlements = app.fno.store().read(|state| state.entitlements.clone());
    assert_eq!(entitlements.len(), 1, "no second entitlement");
    assert_eq!(entitlements[0].line_items[0].number_of_copies, 25);
    let written = app
        .salesforce
        .record("OpportunityLineItem", line_id)
        .expect("line");
    assert_eq!(written[sf::REMAINING_QUANTITY].as_f64(), Some(25.0));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_closed_won_opportunity_without_line_items_is_no_sales_order(pool: PgPool) {
    // Arrange: one account whose only Closed Won opportunity has no line,
    // one with such an opportunity beside a real order.
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let (empty_only, empty_opportunity, _) = fnosync_tests::seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Empty Deal Corp" }),
        &[json!({ "FirstName": "Eve", "LastName": "Empty", "Email": "eve@empty.example" })],
        json!({}),
        &[],
    );
    let (mixed, order, _) = fnosync_tests::seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Mixed Deal Corp" }),
        &[],
        json!({}),
        &[fnosync_tests::LineSpec::permanent("SF01demo", 2.0)],
    );
    let _ = fnosync_tests::add_opportunity(&app.salesforce, &mixed, &[]);

    // Act
    let empty_run = sync_and_wait(&operator, &empty_only).await;
    let mixed_run = sync_and_wait(&operator, &mixed).await;

    // Assert: nothing in FNO for the account without a sales order.
    assert_eq!(
        empty_run.state,
        proto::SyncRunState::Completed as i32,
        "{empty_run:?}"
    );
    assert!(
        empty_run.message.contains("not synced"),
        "{}",
        empty_run.message
    );
    assert!(
        app.fno.store().account(&empty_only).is_none(),
        "no FNO account"
    );
    assert!(
        app.fno.store().user("eve@empty.example").is_none(),
        "no FNO user"
    );
    let logs = logs_of(&operator, &empty_run.run_id).await;
    assert!(
        logs.iter()
            .all(|l| l.salesforce_record_id != empty_opportunity),
        "the empty opportunity is not logged as an order: {logs:#?}"
    );
    // The other account's real order syncs; its empty opportunity fails nothing.
    assert_eq!(
        mixed_run.state,
        proto::SyncRunState::Completed as i32,
        "{mixed_run:?}"
    );
    let entitlements = app.fno.store().read(|state| state.entitlements.clone());
    let of_mixed: Vec<_> = entitlements
        .iter()
        .filter(|e| {
            e.line_items
                .iter()
                .any(|l| l.order_id.as_deref() == Some(order.as_str()))
        })
        .collect();
    assert_eq!(of_mixed.len(), 1);
    let logs = logs_of(&operator, &mixed_run.run_id).await;
    assert!(
        logs.iter()
            .all(|l| l.status == proto::TransactionStatus::Completed as i32),
        "{logs:#?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_sync_is_refused_when_the_account_has_no_sales_order_in_the_stages(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let admin = app.admin().await;
    admin
        .filters()
        .update_filters(proto::UpdateFiltersRequest {
            filters: Some(proto::Filters {
                pre_condition_stages: vec!["Negotiation/Review".into()],
                post_condition_state: proto::EntitlementState::Draft as i32,
                ..Default::default()
            }),
        })
        .await
        .expect("filters");
    let run = sync_and_wait(&admin, &demo_account_id(&app)).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32);
    assert!(run.message.contains("not synced"), "{}", run.message);
    assert_eq!(app.fno.write_call_count(), 0);
}
