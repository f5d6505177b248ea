//! Changed orders whose entitlements FNO has: the page's updates go in
//! batched rounds (headers, changed lines, new lines, states), and a record
//! FNO refuses fails its order alone.

use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{seed_sales_order, start_immediate, watch_until_end, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;

async fn sync_last_hour(client: &fnosync_client::FnosyncClient) -> proto::SyncRun {
    let run = start_immediate(
        client,
        proto::start_immediate_sync_request::Window::LastHours(1),
    )
    .await;
    watch_until_end(client, run).await
}

fn line_of(app: &TestApp, line_id: &str) -> serde_json::Value {
    app.salesforce
        .find("OpportunityLineItem", "Id", &json!(line_id))
        .into_iter()
        .next()
        .expect("the line")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn changed_orders_are_updated_in_batched_rounds_and_a_refused_line_fails_its_order_alone(
    pool: PgPool,
) {
    // Arrange: 30 deployed orders of one line (5 copies) synced; then FNO
    // activates 3 copies of the first order's line.
    let app = TestApp::ready(pool).await;
    app.deploy_closed_won().await;
    let orders: Vec<(String, String, String)> = (0..30)
        .map(|n| {
            let (account, opportunity, lines) = seed_sales_order(
                &app.salesforce,
                json!({ "Name": format!("Update Corp {n:02}") }),
                &[],
                json!({}),
                &[LineSpec::permanent("SF01demo", 5.0)],
            );
            (account, opportunity, lines[0].clone())
        })
        .collect();
    let operator = app.operator().await;
    let first = sync_last_hour(&operator).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let activation = |line: &str| {
        line_of(&app, line)[sf::ACTIVATION_ID]
            .as_str()
            .expect("activation ID written back")
            .to_string()
    };
    app.fno
        .store()
        .activate(&activation(&orders[0].2), 3)
        .expect("activate");

    // Act: every line gets another quantity (the first one below what FNO
    // shows as fulfilled), and the last order gets a second opportunity line.
    for (n, (_, _, line)) in orders.iter().enumerate() {
        let quantity = if n == 0 { 2 } else { 6 + n as i64 };
        app.salesforce
            .update("OpportunityLineItem", line, json!({ "Quantity": quantity }))
            .expect("quantity");
    }
    let (last_opportunity, last_line) = (&orders[29].1, &orders[29].2);
    let added_line = add_line(&app, last_opportunity);
    app.fno.reset_counts();
    let second = sync_last_hour(&operator).await;

    // Assert: one refused order, the other 29 updated, in batched calls.
    assert_eq!(
        second.state,
        proto::SyncRunState::CompletedWithFailures as i32,
        "{second:?}"
    );
    let calls = app.fno.counts();
    let count = |operation: &str| calls.get(operation).copied().unwrap_or(0);
    assert_eq!(
        count("updateSimpleEntitlement"),
        2,
        "30 headers in calls of 25: {calls:?}"
    );
    assert_eq!(
        count("updateEntitlementLineItem"),
        2,
        "30 lines in calls of 25: {calls:?}"
    );
    assert_eq!(
        count("createEntitlementLineItem"),
        1,
        "one new line: {calls:?}"
    );
    assert_eq!(
        count("setEntitlementState"),
        2,
        "29 states in calls of 25: {calls:?}"
    );
    let fno_line = |line: &str| {
        app.fno
            .store()
            .line_item(&activation(line))
            .expect("the FNO line")
    };
    let refused = fno_line(&orders[0].2);
    assert_eq!(refused.number_of_copies, 5, "FNO kept the refused line");
    for (n, (_, _, line)) in orders.iter().enumerate().skip(1) {
        assert_eq!(
            fno_line(line).number_of_copies,
            6 + n as i64,
            "line of order {n}"
        );
    }
    let added = fno_line(&added_line);
    assert_eq!(added.number_of_copies, 4);
    assert_eq!(added.order_id.as_deref(), Some(last_opportunity.as_str()));
    assert_eq!(
        line_of(&app, &added_line)[sf::REMAINING_QUANTITY],
        json!(4.0),
        "the new line's copies written back"
    );
    assert_eq!(
        fno_line(last_line).order_id.as_deref(),
        Some(last_opportunity.as_str())
    );

    let logs =
        fnosync_tests::logs_named(&operator, &second.run_id, "Entitlement Creation/Update").await;
    let failed: Vec<_> = logs
        .iter()
        .filter(|l| l.status != proto::TransactionStatus::Completed as i32)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].salesforce_record_id, orders[0].1);
    assert!(
        failed[0]
            .description
            .contains("lower than the fulfilled count"),
        "FNO's reason is logged: {:?}",
        failed[0]
    );
    let updated = logs
        .iter()
        .filter(|l| l.description.starts_with("updated "))
        .count();
    assert_eq!(updated, 29, "{logs:#?}");

    // The next run sends only what is still different: the refused line.
    app.fno.reset_counts();
    let third = sync_last_hour(&operator).await;
    let calls = app.fno.counts();
    let count = |operation: &str| calls.get(operation).copied().unwrap_or(0);
    assert_eq!(
        count("updateEntitlementLineItem"),
        1,
        "{calls:?} ({third:?})"
    );
    assert_eq!(count("createEntitlementLineItem"), 0, "{calls:?}");
    assert_eq!(fno_line(&orders[0].2).number_of_copies, 5);
}

/// Adds a line of 4 copies to an opportunity synced before; returns its Id.
fn add_line(app: &TestApp, opportunity: &str) -> String {
    let product = app
        .salesforce
        .find("Product2", "ProductCode", &json!("SF01demo"));
    let product_id = product
        .iter()
        .find(|p| p["ProductCode"] == json!("SF01demo"))
        .expect("product")["Id"]
        .clone();
    let entry = app
        .salesforce
        .find("PricebookEntry", "Product2Id", &product_id)[0]["Id"]
        .clone();
    app.salesforce
        .insert(
            "OpportunityLineItem",
            json!({
                "OpportunityId": opportunity,
                "PricebookEntryId": entry,
                "Quantity": 4,
                "UnitPrice": 100,
                "FNO__Start_Date_Option__c": "Use First Activation Date",
                "FNO__Expiration_Date_Option__c": "Permanent",
            }),
        )
        .expect("line")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_line_whose_product_changed_replaces_its_fno_line(pool: PgPool) {
    // Arrange: an order of two lines synced, one of them a GC1060.
    let app = TestApp::ready(pool).await;
    let product = app
        .salesforce
        .find("Product2", "ProductCode", &json!("GC1060"))[0]["Id"]
        .as_str()
        .expect("product")
        .to_string();
    app.salesforce
        .update("Product2", &product, json!({ sf::INCLUDE_IN_SYNC: true }))
        .expect("include");
    let (_, opportunity, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Swap Corp" }),
        &[],
        json!({}),
        &[
            LineSpec::permanent("GC1060", 2.0),
            LineSpec::permanent("SF01demo", 1.0),
        ],
    );
    let operator = app.operator().await;
    let first = sync_last_hour(&operator).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let old_activation = line_of(&app, &lines[0])[sf::ACTIVATION_ID]
        .as_str()
        .expect("activation id")
        .to_string();
    let entitlement_id = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("order")[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("entitlement id")
        .to_string();

    // Act: the line's product now carries another FNO part number.
    app.salesforce
        .update("Product2", &product, json!({ "ProductCode": "GC1020" }))
        .expect("recode");
    app.salesforce
        .update("OpportunityLineItem", &lines[0], json!({ "Quantity": 3.0 }))
        .expect("touch");
    let swapped = sync_last_hour(&operator).await;

    // Assert: the old line is OBSOLETE, a new GC1020 line replaces it, and
    // Salesforce shows the new activation ID.
    assert_eq!(
        swapped.state,
        proto::SyncRunState::Completed as i32,
        "{swapped:?}"
    );
    let entitlement = app
        .fno
        .store()
        .entitlement(&entitlement_id)
        .expect("entitlement");
    let old = entitlement
        .line_items
        .iter()
        .find(|l| l.activation_id == old_activation)
        .expect("old line kept");
    assert_eq!(old.state, "OBSOLETE");
    assert_eq!(
        old.part_number.as_deref(),
        Some("GC1060"),
        "not changed in place"
    );
    let new_activation = line_of(&app, &lines[0])[sf::ACTIVATION_ID]
        .as_str()
        .expect("activation id")
        .to_string();
    assert_ne!(new_activation, old_activation);
    let new = entitlement
        .line_items
        .iter()
        .find(|l| l.activation_id == new_activation)
        .expect("new line");
    assert_eq!(new.part_number.as_deref(), Some("GC1020"));
    assert_eq!(new.number_of_copies, 3);
    assert_eq!(
        entitlement.line_items.len(),
        3,
        "the other line is untouched"
    );
    let logs = fnosync_tests::logs_named(&app.viewer().await, &swapped.run_id, "LineItem").await;
    assert!(
        logs.iter().any(|l| l.salesforce_record_id == lines[0]
            && l.description
                .contains("product changed from GC1060 to GC1020")),
        "{logs:#?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_changed_sold_to_account_is_sent_as_an_update_of_the_same_entitlement(pool: PgPool) {
    // Arrange: a partner's order sold to one end customer, synced.
    let app = TestApp::ready(pool).await;
    let end_customer = |name: &str| {
        app.salesforce
            .insert(
                "Account",
                json!({ "Name": name, sf::ACCOUNT_TYPE: "End User" }),
            )
            .expect("end customer")
    };
    let (first, second) = (
        end_customer("First Customer"),
        end_customer("Second Customer"),
    );
    let (_, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Reseller Inc", sf::ACCOUNT_TYPE: "Channel Partner" }),
        &[],
        json!({ sf::SOLD_TO_ACCOUNT: first }),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let operator = app.operator().await;
    let synced = sync_last_hour(&operator).await;
    assert_eq!(
        synced.state,
        proto::SyncRunState::Completed as i32,
        "{synced:?}"
    );
    let entitlement_id = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("order")[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("entitlement id")
        .to_string();

    // Act
    app.salesforce
        .update(
            "Opportunity",
            &opportunity,
            json!({ sf::SOLD_TO_ACCOUNT: second }),
        )
        .expect("re-sell");
    let moved = sync_last_hour(&operator).await;

    // Assert
    assert_eq!(
        moved.state,
        proto::SyncRunState::Completed as i32,
        "{moved:?}"
    );
    let store = app.fno.store();
    let entitlement = store.entitlement(&entitlement_id).expect("entitlement");
    assert_eq!(entitlement.sold_to.as_deref(), Some(second.as_str()));
    assert!(
        store.account(&second).is_some(),
        "the new end customer is in FNO"
    );
    assert_eq!(
        app.salesforce
            .record("Opportunity", &opportunity)
            .expect("order")[sf::ENTITLEMENT_ID],
        json!(entitlement_id),
        "the same entitlement, not a second one"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_one_time_sync_reads_the_lines_of_its_synced_orders_in_one_call(pool: PgPool) {
    // Arrange: an account with three deployed orders synced; FNO then
    // activates copies of a line of each.
    let app = TestApp::ready(pool).await;
    app.deploy_closed_won().await;
    let (account, first, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Three Orders Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 5.0)],
    );
    let mut opportunities = vec![first];
    for _ in 0..2 {
        let more = fnosync_tests::add_opportunity(
            &app.salesforce,
            &account,
            &[LineSpec::permanent("SF01demo", 5.0)],
        );
        app.salesforce
            .update("Opportunity", &more, json!({ "StageName": "Closed Won" }))
            .expect("won");
        opportunities.push(more);
    }
    let operator = app.operator().await;
    let synced = fnosync_tests::sync_and_wait(&operator, &account).await;
    assert_eq!(
        synced.state,
        proto::SyncRunState::Completed as i32,
        "{synced:?}"
    );
    let lines: Vec<serde_json::Value> = opportunities
        .iter()
        .map(|o| {
            app.salesforce
                .find("OpportunityLineItem", "OpportunityId", &json!(o))[0]
                .clone()
        })
        .collect();
    for (n, line) in lines.iter().enumerate() {
        let activation = line[sf::ACTIVATION_ID].as_str().expect("activation ID");
        app.fno
            .store()
            .activate(activation, n as i64 + 1)
            .expect("activate");
    }
    app.fno.reset_counts();

    // Act
    let run = fnosync_tests::sync_and_wait(&operator, &account).await;

    // Assert: one read of the account's lines, every remaining quantity written back.
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        app.fno.call_count("getEntitlementLineItemPropertiesQuery"),
        1,
        "{:?}",
        app.fno.counts()
    );
    for (n, line) in lines.iter().enumerate() {
        let id = line["Id"].as_str().expect("id");
        assert_eq!(
            line_of(&app, id)[sf::REMAINING_QUANTITY].as_f64(),
            Some(5.0 - (n as f64 + 1.0)),
            "line {n}"
        );
    }
}
