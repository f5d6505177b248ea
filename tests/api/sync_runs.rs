//! What a sync run sends and shows: the API calls of a larger account, custom
//! attributes of each type, the log tail during a run, and cancelling a run.

use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{logs_of, seed_sales_order, sync_and_wait, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;
use tokio_stream::StreamExt;

use crate::sync_faults::{entitlement_count, seed_simple};

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_account_with_3_contacts_5_orders_and_20_lines_takes_few_api_calls(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let contacts: Vec<_> = (1..=3)
        .map(|i| json!({ "FirstName": format!("User{i}"), "LastName": "Bulk", "Email": format!("user{i}@bulk.example") }))
        .collect();
    let lines: Vec<_> = (1..=4)
        .map(|i| LineSpec::permanent("SF01demo", f64::from(i)))
        .collect();
    let (account, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Bulk Corp" }),
        &contacts,
        json!({}),
        &lines,
    );
    for _ in 0..4 {
        fnosync_tests::add_opportunity(&app.salesforce, &account, &lines);
    }
    app.salesforce.reset_counts();
    app.fno.reset_counts();

    // Act
    let run = sync_and_wait(&app.operator().await, &account).await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(run.records_total, 1 + 3 + 5 + 20);
    let sf_calls: u64 = app.salesforce.call_counts().values().sum();
    let fno_calls: u64 = app.fno.counts().values().sum();
    assert_eq!(
        app.salesforce.call_count("composite"),
        1,
        "one composite call of two queries: account with contacts, orders with lines"
    );
    assert_eq!(app.salesforce.call_count("query"), 0);
    assert_eq!(
        app.salesforce.call_count("composite.sobjects"),
        1,
        "one write-back call for 26 records"
    );
    assert!(
        sf_calls <= 3,
        "Salesforce calls (log-in, read, write-back): {:?}",
        app.salesforce.call_counts()
    );
    // One create call for the account, one for its users and one for its
    // orders (up to 25 a call), whatever their number; no look-up by order on
    // the normal path; part numbers are looked up once each.
    assert_eq!(app.fno.call_count("createAccount"), 1);
    assert_eq!(
        app.fno.call_count("createUser"),
        1,
        "three users in one call"
    );
    assert_eq!(
        app.fno.call_count("createSimpleEntitlement"),
        1,
        "five entitlements in one call"
    );
    assert_eq!(
        app.fno.call_count("getEntitlementLineItemPropertiesQuery"),
        0
    );
    assert_eq!(app.fno.write_call_count(), 3);
    assert!(fno_calls <= 3 + 2, "FNO calls: {:?}", app.fno.counts());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn custom_attributes_of_each_type_reach_fno_and_inactive_ones_are_refused(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let mut mapping = app.admin().await.mapping();
    for (name, entity, data_type, field) in [
        (
            "Region_Code",
            proto::EntityType::Account,
            proto::AttributeDataType::Text,
            "Website",
        ),
        (
            "Contract_Notes",
            proto::EntityType::Entitlement,
            proto::AttributeDataType::LongText,
            "Description",
        ),
        (
            "Seats_Purchased",
            proto::EntityType::EntitlementLine,
            proto::AttributeDataType::Number,
            "Quantity",
        ),
        (
            "Renewal_Date",
            proto::EntityType::EntitlementLine,
            proto::AttributeDataType::Date,
            "ServiceDate",
        ),
    ] {
        mapping
            .create_custom_attribute(proto::CreateCustomAttributeRequest {
                custom_attribute: Some(proto::CustomAttribute {
                    name: name.into(),
                    entity_type: entity as i32,
                    data_type: data_type as i32,
                    active: true,
                    sf_field: field.into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .expect(name);
    }
    let line = LineSpec {
        product_code: "SF01demo",
        quantity: 7.0,
        fields: json!({
            sf::START_DATE_OPTION: "Use First Activation Date",
            sf::EXPIRATION_DATE_OPTION: "Permanent",
            "ServiceDate": "2027-01-15",
        }),
    };
    let (account, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Attr Corp", "Website": "EMEA" }),
        &[],
        json!({ "Description": "three-year deal" }),
        &[line],
    );
    let run = sync_and_wait(&app.operator().await, &account).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let store = app.fno.store();
    let attributes = |values: &[fnosync_sandbox::fno::model::AttributeValue]| format!("{values:?}");
    let fno_account = store.account(&account).expect("account");
    assert!(
        attributes(&fno_account.custom_attributes).contains("EMEA"),
        "{:?}",
        fno_account.custom_attributes
    );
    let record = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    let entitlement = store
        .entitlement(record[sf::ENTITLEMENT_ID].as_str().expect("id"))
        .expect("entitlement");
    assert!(attributes(&entitlement.custom_attributes).contains("three-year deal"));
    let line_attributes = attributes(&entitlement.line_items[0].custom_attributes);
    assert!(
        line_attributes.contains('7') && line_attributes.contains("2027-01-15"),
        "{line_attributes}"
    );

    // An attribute that is inactive in FNO is refused by FNO, with its reason logged.
    mapping
        .create_custom_attribute(proto::CreateCustomAttributeRequest {
            custom_attribute: Some(proto::CustomAttribute {
                name: "Legacy_Account_Code".into(),
                entity_type: proto::EntityType::Account as i32,
                data_type: proto::AttributeDataType::Text as i32,
                active: true,
                sf_field: "Website".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("register");
    let refused = sync_and_wait(&app.operator().await, &account).await;
    assert_eq!(
        refused.state,
        proto::SyncRunState::Failed as i32,
        "{refused:?}"
    );
    let logs = logs_of(&app.viewer().await, &refused.run_id).await;
    let account_log = logs
        .iter()
        .find(|l| l.name == "Account Creation/Update")
        .expect("account log");
    assert!(
        account_log
            .error_log
            .as_ref()
            .is_some_and(|e| e.reason.contains("Legacy_Account_Code")),
        "{account_log:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_tail_sees_every_log_of_a_run_in_order_and_resumes_without_gaps(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let viewer = app.viewer().await;
    let mut tail = viewer
        .logs()
        .tail_transaction_logs(proto::TailTransactionLogsRequest {
            follow: true,
            ..Default::default()
        })
        .await
        .expect("tail")
        .into_inner();
    let (account, _) = seed_simple(&app, "Tail Corp");
    let run = sync_and_wait(&app.operator().await, &account).await;
    let mut expected: Vec<String> = logs_of(&viewer, &run.run_id)
        .await
        .into_iter()
        .map(|l| l.log_number)
        .collect();
    expected.reverse();
    assert!(expected.len() >= 4, "{expected:?}");
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        let log = tail
            .next()
            .await
            .expect("stream open")
            .expect("ok")
            .transaction_log
            .expect("log");
        seen.push(log.log_number);
    }
    assert_eq!(seen, expected);

    let resume_after = expected[1].clone();
    let resumed: Vec<String> = viewer
        .logs()
        .tail_transaction_logs(proto::TailTransactionLogsRequest {
            after_log_number: resume_after,
            ..Default::default()
        })
        .await
        .expect("resume")
        .into_inner()
        .map(|item| item.expect("ok").transaction_log.expect("log").log_number)
        .collect()
        .await;
    assert_eq!(resumed, expected[2..].to_vec());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_cancelled_run_stops_between_records(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let (account, _) = seed_simple(&app, "Cancel Corp");
    let gate = app.fno.faults().close_gate("createAccount");
    let operator = app.operator().await;
    let run = fnosync_tests::start_sync(&operator, &account).await;
    gate.wait_held().await;
    let cancelled = operator
        .sync()
        .cancel_sync_run(proto::CancelSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect("cancel")
        .into_inner()
        .run
        .expect("run");
    assert_eq!(cancelled.run_id, run.run_id);
    gate.open();
    let last = fnosync_tests::watch_until_end(&operator, cancelled).await;
    assert_eq!(
        last.state,
        proto::SyncRunState::Cancelled as i32,
        "{last:?}"
    );
    assert!(last.records_done < last.records_total, "{last:?}");
    assert_eq!(
        entitlement_count(&app),
        0,
        "no entitlement after the cancel"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn runs_share_one_salesforce_session_until_the_connection_changes(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let (account, _) = seed_simple(&app, "Session Corp");
    let operator = app.operator().await;
    app.salesforce.reset_counts();

    // Act: two runs with a plan and a checked mapping between them, then the
    // connection is set again, then a third run.
    let first = sync_and_wait(&operator, &account).await;
    operator
        .sync()
        .plan_sync(proto::PlanSyncRequest {
            scope: Some(proto::plan_sync_request::Scope::AccountId(account.clone())),
        })
        .await
        .expect("plan");
    app.admin()
        .await
        .mapping()
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: proto::SalesforceObject::Account as i32,
            fno_field: "city".into(),
            sf_field: "BillingCity".into(),
        })
        .await
        .expect("mapping checked against describe");
    let second = sync_and_wait(&operator, &account).await;
    let logins_before_change = app.salesforce.call_count("oauth.token");
    app.admin()
        .await
        .admin()
        .set_salesforce_connection(app.salesforce_connection())
        .await
        .expect("connection set again");
    let verified_logins = app.salesforce.call_count("oauth.token") - logins_before_change;
    let third = sync_and_wait(&operator, &account).await;

    // Assert
    for run in [&first, &second, &third] {
        assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    }
    assert_eq!(
        logins_before_change, 1,
        "the plan, the mapping check and the second run used the first run's session"
    );
    assert_eq!(
        app.salesforce.call_count("oauth.token") - logins_before_change - verified_logins,
        1,
        "a changed connection gets a new session"
    );
}
