use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_mappings, logs_of, seed_sales_order, sync_and_wait, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;

fn contact(first: &str, last: &str, email: Option<&str>) -> serde_json::Value {
    let mut value = json!({ "FirstName": first, "LastName": last });
    if let Some(email) = email {
        value["Email"] = json!(email);
    }
    value
}

fn failed_reasons(logs: &[proto::TransactionLog], record_id: &str) -> Vec<String> {
    logs.iter()
        .filter(|l| {
            l.salesforce_record_id == record_id
                && l.status != proto::TransactionStatus::Completed as i32
        })
        .map(|l| {
            l.error_log
                .as_ref()
                .map(|e| e.reason.clone())
                .unwrap_or_default()
        })
        .collect()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn lines_that_break_a_rule_fail_with_their_reason_and_valid_lines_go_on(pool: PgPool) {
    // Arrange: one valid line and one line per broken rule.
    let app = TestApp::ready(pool).await;
    app.salesforce
        .update(
            "Product2",
            app.salesforce
                .find("Product2", "ProductCode", &json!("GC3020"))[0]["Id"]
                .as_str()
                .expect("id"),
            json!({ sf::INCLUDE_IN_SYNC: true }),
        )
        .expect("include GC3020");
    let mismatch = app.salesforce.insert("Product2", json!({ "Name": "Demo lower", "ProductCode": "sf01DEMO", "IsActive": true, sf::INCLUDE_IN_SYNC: true })).expect("product");
    let book = app
        .salesforce
        .find("Pricebook2", "Name", &json!("Standard Price Book"))[0]["Id"]
        .clone();
    app.salesforce.insert("PricebookEntry", json!({ "Pricebook2Id": book, "Product2Id": mismatch, "UnitPrice": 1.0, "IsActive": true })).expect("entry");
    let lines = [
        LineSpec::permanent("SF01demo", 5.0),
        LineSpec::permanent("GC1040", 1.0), // excluded from sync in Salesforce
        LineSpec::permanent("GC3020", 1.0), // not deployed in FNO
        LineSpec::permanent("SL9020", 1.0), // unknown to FNO
        LineSpec::permanent("sf01DEMO", 1.0), // Product Code differs from the part number in case
        LineSpec {
            product_code: "SF01demo",
            quantity: 2.0,
            fields: json!({ sf::START_DATE_OPTION: "Specify value now", sf::EXPIRATION_DATE_OPTION: "Permanent" }),
        },
        LineSpec {
            product_code: "SF01demo",
            quantity: 2.0,
            fields: json!({ sf::START_DATE_OPTION: "Use First Activation Date", sf::EXPIRATION_DATE_OPTION: "Specify Duration", sf::EXPIRATION_TERM: 3 }),
        },
    ];
    let (account_id, opportunity_id, line_ids) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Rules Corp" }),
        &[],
        json!({}),
        &lines,
    );

    // Act
    let run = sync_and_wait(&app.operator().await, &account_id).await;

    // Assert
    assert_eq!(
        run.state,
        proto::SyncRunState::CompletedWithFailures as i32,
        "{run:?}"
    );
    assert_eq!(run.records_failed, 6, "{run:?}");
    let logs = logs_of(&app.viewer().await, &run.run_id).await;
    let expectations = [
        (1, "Include in FlexNet Operations Sync"),
        (2, "not deployed"),
        (3, "FNO has no product with part number \"SL9020\""),
        (4, "does not equal the FNO part number \"SF01demo\" exactly"),
        (5, "FNO__Start_Date__c: is required"),
        (6, "FNO__Expiration_Term_Option__c"),
    ];
    for (index, expected) in expectations {
        let reasons = failed_reasons(&logs, &line_ids[index]);
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "line {index}: {reasons:?}"
        );
    }
    let opportunity = app
        .salesforce
        .record("Opportunity", &opportunity_id)
        .expect("opportunity");
    let entitlement_id = opportunity[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("entitlement written back");
    let entitlement = app
        .fno
        .store()
        .entitlement(entitlement_id)
        .expect("entitlement");
    assert_eq!(
        entitlement.line_items.len(),
        1,
        "only the valid line is sent"
    );
    assert_eq!(
        entitlement.line_items[0].part_number.as_deref(),
        Some("SF01demo")
    );
    assert!(entitlement.line_items[0].is_permanent);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_contact_without_email_fails_with_fno_reason_and_the_others_sync(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let contacts = [
        contact("Ada", "Lovelace", Some("Ada@Example.com")),
        contact("No", "Mail", None),
    ];
    let (account_id, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Contacts Corp" }),
        &contacts,
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let run = sync_and_wait(&app.operator().await, &account_id).await;
    assert_eq!(
        run.state,
        proto::SyncRunState::CompletedWithFailures as i32,
        "{run:?}"
    );
    assert!(
        app.fno.store().user("ada@example.com").is_some(),
        "user name is the lower-cased e-mail"
    );
    let logs = logs_of(&app.viewer().await, &run.run_id).await;
    let failed: Vec<_> = logs
        .iter()
        .filter(|l| {
            l.name == "Contact Creation/Update"
                && l.status == proto::TransactionStatus::Failed as i32
        })
        .collect();
    assert_eq!(failed.len(), 1, "{logs:#?}");
    let reason = &failed[0].error_log.as_ref().expect("error log").reason;
    assert!(
        reason.starts_with("9999:The value of this required field is missing"),
        "{reason}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_the_portal_admin_role_user_creation_fails_and_says_so(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    app.fno
        .store()
        .update(|state| state.roles.retain(|role| role.name != "Portal Admin User"));
    let (account_id, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Roles Corp" }),
        &[contact("Grace", "Hopper", Some("grace@example.com"))],
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let run = sync_and_wait(&app.operator().await, &account_id).await;
    let logs = logs_of(&app.viewer().await, &run.run_id).await;
    let user_log = logs
        .iter()
        .find(|l| l.name == "Contact Creation/Update")
        .expect("contact log");
    assert_eq!(user_log.status, proto::TransactionStatus::Failed as i32);
    let error = user_log.error_log.as_ref().expect("error log");
    assert!(
        format!("{} {}", error.reason, error.message).contains("Portal Admin User"),
        "{error:?}"
    );
    assert!(app.fno.store().user("grace@example.com").is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn entitlement_state_follows_the_opportunity_then_the_post_condition(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let admin = app.admin().await;
    app.deploy_closed_won().await;
    let line = [LineSpec::permanent("SF01demo", 1.0)];
    let (blank, blank_opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Blank State" }),
        &[],
        json!({}),
        &line,
    );
    let (draft, draft_opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Draft State" }),
        &[],
        json!({ sf::ENTITLEMENT_STATE: "Draft" }),
        &line,
    );
    for account in [&blank, &draft] {
        let run = sync_and_wait(&admin, account).await;
        assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    }
    let state_of = |opportunity: &str| {
        let record = app
            .salesforce
            .record("Opportunity", opportunity)
            .expect("opportunity");
        let id = record[sf::ENTITLEMENT_ID]
            .as_str()
            .expect("entitlement id")
            .to_string();
        app.fno.store().entitlement(&id).expect("entitlement").state
    };
    assert_eq!(
        state_of(&blank_opportunity),
        "DEPLOYED",
        "blank state takes the post-condition"
    );
    assert_eq!(
        state_of(&draft_opportunity),
        "DRAFT",
        "the opportunity's own state wins"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sold_to_accounts_are_created_and_own_the_entitlement(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let customer = app
        .salesforce
        .insert(
            "Account",
            json!({ "Name": "End Customer", sf::ACCOUNT_TYPE: "End User" }),
        )
        .expect("customer");
    app.salesforce
        .insert(
            "Contact",
            json!({ "AccountId": customer, "FirstName": "Eli", "LastName": "End", "Email": "Eli@End.example" }),
        )
        .expect("end customer's contact");
    let (partner, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Partner Inc", sf::ACCOUNT_TYPE: "Channel Partner" }),
        &[contact("Pam", "Partner", Some("pam@partner.example"))],
        json!({ sf::SOLD_TO_ACCOUNT: customer }),
        &[LineSpec::permanent("SF01demo", 3.0)],
    );
    let run = sync_and_wait(&app.operator().await, &partner).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let store = app.fno.store();
    assert_eq!(
        store.account(&partner).expect("partner").account_type,
        "CHANNEL_PARTNER"
    );
    assert_eq!(
        store.account(&customer).expect("customer").account_type,
        "CUSTOMER"
    );
    let record = app
        .salesforce
        .record("Opportunity", &opportunity)
        .expect("opportunity");
    let entitlement = store
        .entitlement(record[sf::ENTITLEMENT_ID].as_str().expect("id"))
        .expect("entitlement");
    assert_eq!(entitlement.sold_to.as_deref(), Some(customer.as_str()));
    assert_eq!(
        entitlement.channel_partners.len(),
        1,
        "the partner is recorded"
    );
    assert_eq!(entitlement.channel_partners[0].account_id, partner);
    // Each side's contacts are users of their own account: the end
    // customer's are the people who activate the licences.
    let user_account = |name: &str| {
        store
            .user(name)
            .unwrap_or_else(|| panic!("FNO user {name}"))
            .account_roles
            .iter()
            .map(|r| r.account_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(user_account("eli@end.example"), vec![customer.clone()]);
    assert_eq!(user_account("pam@partner.example"), vec![partner.clone()]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_edited_and_a_cleared_mapping_change_what_the_next_sync_sends(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let admin = app.admin().await;
    admin
        .mapping()
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: proto::SalesforceObject::Account as i32,
            fno_field: "description".into(),
            sf_field: "Website".into(),
        })
        .await
        .expect("re-point");
    admin
        .mapping()
        .delete_field_mapping(proto::DeleteFieldMappingRequest {
            sf_object: proto::SalesforceObject::Account as i32,
            fno_field: "city".into(),
        })
        .await
        .expect("clear");
    let (account_id, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Mapped Corp", "Description": "not sent", "Website": "https://mapped.example", "ShippingCity": "Berlin" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let run = sync_and_wait(&admin, &account_id).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let account = app.fno.store().account(&account_id).expect("account");
    assert_eq!(
        account.description.as_deref(),
        Some("https://mapped.example")
    );
    assert_eq!(
        account.address.city, None,
        "the cleared mapping sends nothing"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_renewal_opportunity_renews_the_lines_of_the_renewed_entitlement(pool: PgPool) {
    // Arrange: the guide's order is synced, then renewed by a second opportunity.
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let account = app.demo_account_id();
    let original = app
        .salesforce
        .find("Opportunity", "Name", &json!("SF-TestOpportunity"))[0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    sync_and_wait(&operator, &account).await;
    let entitlement_id = app
        .salesforce
        .record("Opportunity", &original)
        .expect("opp")[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("id")
        .to_string();
    let original_line = app
        .fno
        .store()
        .entitlement(&entitlement_id)
        .expect("entitlement")
        .line_items[0]
        .activation_id
        .clone();
    let renewal_line = LineSpec {
        product_code: "SF01demo",
        quantity: 10.0,
        fields: json!({
            sf::START_DATE_OPTION: "Use First Activation Date",
            sf::EXPIRATION_DATE_OPTION: "Specify Duration",
            sf::EXPIRATION_TERM: 1,
            sf::EXPIRATION_TERM_OPTION: "Years",
        }),
    };
    let renewal = fnosync_tests::add_opportunity(&app.salesforce, &account, &[renewal_line]);
    app.salesforce
        .update(
            "Opportunity",
            &renewal,
            json!({ sf::RENEWED_OPPORTUNITY: original }),
        )
        .expect("renews");

    // Act
    let run = sync_and_wait(&operator, &account).await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let logs = logs_of(&app.viewer().await, &run.run_id).await;
    assert!(
        logs.iter().any(|l| l.name == "RenewalLineItem Creation"
            && l.status == proto::TransactionStatus::Completed as i32),
        "{logs:#?}"
    );
    assert_eq!(
        app.fno.store().read(|s| s.entitlements.len()),
        1,
        "no new entitlement"
    );
    let lines = app
        .fno
        .store()
        .entitlement(&entitlement_id)
        .expect("entitlement")
        .line_items;
    let renewed = lines
        .iter()
        .find(|l| l.parent_line_item.as_deref() == Some(original_line.as_str()))
        .expect("renewal line");
    assert_eq!(
        app.salesforce
            .record("Opportunity", &renewal)
            .expect("renewal")[sf::ENTITLEMENT_ID],
        json!(entitlement_id)
    );
    let sf_line = app
        .salesforce
        .find("OpportunityLineItem", "OpportunityId", &json!(renewal))[0]
        .clone();
    assert_eq!(sf_line[sf::ACTIVATION_ID], json!(renewed.activation_id));

    let writes = app.fno.write_call_count();
    sync_and_wait(&operator, &account).await;
    assert_eq!(app.fno.write_call_count(), writes, "a renewal is sent once");
}

fn renewal_line() -> LineSpec {
    LineSpec {
        product_code: "SF01demo",
        quantity: 10.0,
        fields: json!({
            sf::START_DATE_OPTION: "Use First Activation Date",
            sf::EXPIRATION_DATE_OPTION: "Specify Duration",
            sf::EXPIRATION_TERM: 1,
            sf::EXPIRATION_TERM_OPTION: "Years",
        }),
    }
}

/// Adds to `account` an opportunity that renews `renewed`; returns its Id.
fn add_renewal(app: &TestApp, account: &str, renewed: &str) -> String {
    let renewal = fnosync_tests::add_opportunity(&app.salesforce, account, &[renewal_line()]);
    app.salesforce
        .update(
            "Opportunity",
            &renewal,
            json!({ sf::RENEWED_OPPORTUNITY: renewed }),
        )
        .expect("renews");
    renewal
}

/// The activation ID FNO gave the line that renews `parent`, if any.
fn renewal_of(app: &TestApp, parent: &str) -> Vec<String> {
    app.fno.store().read(|s| {
        s.entitlements
            .iter()
            .flat_map(|e| e.line_items.iter())
            .filter(|l| l.parent_line_item.as_deref() == Some(parent))
            .map(|l| l.activation_id.clone())
            .collect()
    })
}

fn activation_of_first_line(app: &TestApp, opportunity: &str) -> String {
    app.salesforce
        .find("OpportunityLineItem", "OpportunityId", &json!(opportunity))[0][sf::ACTIVATION_ID]
        .as_str()
        .expect("activation ID written back")
        .to_string()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_renewals_of_a_page_are_sent_together_and_written_back(pool: PgPool) {
    // Arrange: three accounts' orders synced by one immediate run, then each renewed.
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let window = proto::start_immediate_sync_request::Window::LastHours(1);
    let orders: Vec<(String, String)> = (1..=3)
        .map(|n| {
            let (account, opportunity, _) = seed_sales_order(
                &app.salesforce,
                json!({ "Name": format!("Renewing Corp {n}") }),
                &[],
                json!({}),
                &[LineSpec::permanent("SF01demo", 2.0)],
            );
            (account, opportunity)
        })
        .collect();
    let first = fnosync_tests::start_immediate(&operator, window.clone()).await;
    let first = fnosync_tests::watch_until_end(&operator, first).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let parents: Vec<String> = orders
        .iter()
        .map(|(_, opportunity)| activation_of_first_line(&app, opportunity))
        .collect();
    let renewals: Vec<String> = orders
        .iter()
        .map(|(account, opportunity)| add_renewal(&app, account, opportunity))
        .collect();
    let calls = app.fno.call_count("renewLicense");

    // Act
    let run = fnosync_tests::start_immediate(&operator, window.clone()).await;
    let run = fnosync_tests::watch_until_end(&operator, run).await;

    // Assert: one call renewed the three lines, each written back to its line item.
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        app.fno.call_count("renewLicense") - calls,
        1,
        "one call for the page"
    );
    for (parent, renewal) in parents.iter().zip(&renewals) {
        let renewed = renewal_of(&app, parent);
        assert_eq!(renewed.len(), 1, "{parent} renewed once: {renewed:?}");
        assert_eq!(activation_of_first_line(&app, renewal), renewed[0]);
    }
    let again = fnosync_tests::start_immediate(&operator, window).await;
    let again = fnosync_tests::watch_until_end(&operator, again).await;
    assert_eq!(
        again.state,
        proto::SyncRunState::Completed as i32,
        "{again:?}"
    );
    assert_eq!(
        app.fno.call_count("renewLicense") - calls,
        1,
        "renewed lines are not sent again"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_renewal_whose_answer_was_lost_is_found_in_fno_and_not_renewed_twice(pool: PgPool) {
    // Arrange: the guide's order is synced; FNO renews the renewal's line
    // but its answer never reaches fnosync.
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let account = app.demo_account_id();
    let original = app
        .salesforce
        .find("Opportunity", "Name", &json!("SF-TestOpportunity"))[0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    sync_and_wait(&operator, &account).await;
    let parent = activation_of_first_line(&app, &original);
    let renewal = add_renewal(&app, &account, &original);
    app.fno
        .faults()
        .set(fnosync_sandbox::faults::FaultSettings {
            drop_next: 1,
            operation_filter: "renewLicense".into(),
            ..Default::default()
        });
    let lost = sync_and_wait(&operator, &account).await;
    assert_ne!(
        lost.state,
        proto::SyncRunState::Completed as i32,
        "{lost:?}"
    );
    assert_eq!(renewal_of(&app, &parent).len(), 1, "FNO renewed the line");
    // The intent of the renewal is older than a call can be under way.
    sqlx::query(
        "UPDATE sync_links SET updated_at = now() - interval '1 hour' WHERE salesforce_id = $1",
    )
    .bind(&renewal)
    .execute(&app.pool)
    .await
    .expect("age the intent");
    let calls = app.fno.call_count("renewLicense");

    // Act
    let run = sync_and_wait(&operator, &account).await;

    // Assert: the renewal FNO made is adopted and written back, none is made again.
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(app.fno.call_count("renewLicense"), calls, "not sent again");
    let renewed = renewal_of(&app, &parent);
    assert_eq!(renewed.len(), 1, "{renewed:?}");
    assert_eq!(activation_of_first_line(&app, &renewal), renewed[0]);
    assert_eq!(
        app.salesforce
            .record("Opportunity", &renewal)
            .expect("renewal")[sf::ENTITLEMENT_ID],
        app.salesforce
            .record("Opportunity", &original)
            .expect("original")[sf::ENTITLEMENT_ID]
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_fixed_mapping_is_refused_with_its_reason_and_the_others_reach_fno(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let admin = app.admin().await;
    let lines = field_mappings(&admin, proto::SalesforceObject::OpportunityLineItem).await;
    let reason_of = |field: &str| {
        lines
            .iter()
            .find(|m| m.fno_field == field)
            .map(|m| m.fixed_reason.clone())
            .expect(field)
    };

    // Act: a fixed mapping is re-pointed and cleared; two that drive what
    // is sent are pointed at fields of their own.
    let repointed = admin
        .mapping()
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: proto::SalesforceObject::OpportunityLineItem as i32,
            fno_field: "partNumber".into(),
            sf_field: "Description".into(),
        })
        .await
        .expect_err("part number is fixed");
    let cleared = admin
        .mapping()
        .delete_field_mapping(proto::DeleteFieldMappingRequest {
            sf_object: proto::SalesforceObject::Opportunity as i32,
            fno_field: "entitlementId".into(),
        })
        .await
        .expect_err("the entitlement ID is FNO's");
    for (object, fno_field, sf_field) in [
        (proto::SalesforceObject::Contact, "status", "Title"),
        (
            proto::SalesforceObject::OpportunityLineItem,
            "licenseModel",
            "Description",
        ),
    ] {
        admin
            .mapping()
            .update_field_mapping(proto::UpdateFieldMappingRequest {
                sf_object: object as i32,
                fno_field: fno_field.into(),
                sf_field: sf_field.into(),
            })
            .await
            .expect("editable");
    }
    let (account_id, opportunity_id, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Fixed Corp" }),
        &[
            json!({ "FirstName": "Ida", "LastName": "Fix", "Email": "ida@fixed.example", "Title": "Inactive" }),
        ],
        json!({}),
        &[LineSpec {
            product_code: "SF01demo",
            quantity: 1.0,
            fields: json!({
                "Description": "Draft Trial",
                sf::START_DATE_OPTION: "Use First Activation Date",
                sf::EXPIRATION_DATE_OPTION: "Permanent",
            }),
        }],
    );
    let run = sync_and_wait(&admin, &account_id).await;

    // Assert
    assert!(reason_of("partNumber").contains("Product Code"));
    assert!(reason_of("licenseModel").is_empty());
    assert!(reason_of("description").is_empty());
    assert_eq!(repointed.code(), tonic::Code::FailedPrecondition);
    assert!(
        repointed
            .message()
            .contains("OpportunityLineItem.partNumber is not editable"),
        "{repointed:?}"
    );
    assert_eq!(cleared.code(), tonic::Code::FailedPrecondition);
    assert!(cleared.message().contains("FNO assigns"), "{cleared:?}");
    let user = app.fno.store().user("ida@fixed.example").expect("user");
    assert_eq!(user.status, "Inactive", "the mapped status is sent");
    // The line names the licence model the mapping reads (one FNO has in
    // draft), and FNO refuses it with its reason: the product's own
    // deployed model would have been taken without it.
    assert_eq!(
        run.state,
        proto::SyncRunState::CompletedWithFailures as i32,
        "{run:?}"
    );
    let logs = logs_of(&app.viewer().await, &run.run_id).await;
    let reasons = failed_reasons(&logs, &opportunity_id);
    assert!(
        reasons.iter().any(|r| r.contains("Draft Trial")),
        "{reasons:?}"
    );
}

// One row per editable mapping: the object, the FNO field, the Salesforce
// field it is re-pointed at and the value that field holds.
type Repoint = (
    proto::SalesforceObject,
    &'static str,
    &'static str,
    &'static str,
);

const ACCOUNT_REPOINTS: &[Repoint] = &[
    (ACCOUNT, "accountName", "AccountNumber", "Mapped Name Ltd"),
    (ACCOUNT, "accountID", "Phone", "ACC-MAPPED-42"),
    (
        ACCOUNT,
        "description",
        "Website",
        "https://described.example",
    ),
    (ACCOUNT, "address1", "ShippingStreet", "1 Ship Street"),
    (ACCOUNT, "address2", "BillingStreet", "2 Bill Street"),
    (ACCOUNT, "city", "BillingCity", "Billtown"),
    (ACCOUNT, "state", "BillingState", "Billstate"),
    (ACCOUNT, "zipcode", "BillingPostalCode", "B-1234"),
    (ACCOUNT, "country", "BillingCountry", "Billland"),
    (ACCOUNT, "region", "ShippingCountry", "Shipregion"),
    (ACCOUNT, "accountType", "Type", "Channel Partner"),
];

const CONTACT_REPOINTS: &[Repoint] = &[
    (CONTACT, "firstName", "LastName", "Zed"),
    (CONTACT, "lastName", "FirstName", "Ann"),
    (
        CONTACT,
        "emailAddress",
        "Description",
        "mapped.user@example.com",
    ),
    (CONTACT, "displayName", "Title", "Shown Name"),
    // Never deleted, so never opted out: the contact's own opt-out no longer counts.
    (CONTACT, "optIn", "IsDeleted", "false"),
    (CONTACT, "phoneNumber", "Fax", "+1 555 0101"),
    (CONTACT, "faxNumber", "Phone", "+1 555 0202"),
    (CONTACT, "street", "MailingCity", "Street From City"),
    (CONTACT, "city", "MailingStreet", "City From Street"),
    (CONTACT, "state", "MailingCountry", "State From Country"),
    (CONTACT, "zipcode", "MailingState", "Z-99"),
    (CONTACT, "country", "MailingPostalCode", "Country From Zip"),
    (CONTACT, "locale", "Salutation", "fr_FR"),
    (CONTACT, "timezone", "MobilePhone", "Europe/Paris"),
];

const ORDER_REPOINTS: &[Repoint] = &[
    (
        OPPORTUNITY,
        "description",
        "FNO__Ship_To_Mail__c",
        "Mail As Description",
    ),
    (
        OPPORTUNITY,
        "shipToAddress",
        "Description",
        "Description As Address",
    ),
    (OPPORTUNITY, "shipToEmail", "Name", "ship.name@example.com"),
    (LINE, "description", "ServiceDate", "2027-02-01"),
];

const ACCOUNT: proto::SalesforceObject = proto::SalesforceObject::Account;
const CONTACT: proto::SalesforceObject = proto::SalesforceObject::Contact;
const OPPORTUNITY: proto::SalesforceObject = proto::SalesforceObject::Opportunity;
const LINE: proto::SalesforceObject = proto::SalesforceObject::OpportunityLineItem;

// The Salesforce fields of `object` in `repoints`, with their values.
fn source_values(repoints: &[Repoint], object: proto::SalesforceObject) -> serde_json::Value {
    let mut record = serde_json::Map::new();
    for &(of, _, sf_field, value) in repoints {
        if of == object && sf_field != "IsDeleted" {
            record.insert(sf_field.to_string(), json!(value));
        }
    }
    serde_json::Value::Object(record)
}

// Each FNO field in `sent` holds the value of the field it was re-pointed at.
fn assert_sent(repoints: &[Repoint], sent: &[(&str, Option<String>)]) {
    for (field, value) in sent {
        let wanted = repoints.iter().find(|r| r.1 == *field).expect(field).3;
        assert_eq!(value.as_deref(), Some(wanted), "{field}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_editable_mapping_drives_the_value_fno_gets(pool: PgPool) {
    // Arrange: every editable default mapping is re-pointed at a field of its
    // own (the contact's status and the line's licence model are shown by
    // the fixed-mapping test above).
    let app = TestApp::ready(pool).await;
    let admin = app.admin().await;
    let repoints: Vec<Repoint> = [ACCOUNT_REPOINTS, CONTACT_REPOINTS, ORDER_REPOINTS].concat();
    let mut editable = Vec::new();
    for object in [ACCOUNT, CONTACT, OPPORTUNITY, LINE] {
        editable.extend(
            field_mappings(&admin, object)
                .await
                .into_iter()
                .filter(|m| m.fixed_reason.is_empty())
                .map(|m| (object, m.fno_field)),
        );
    }
    for &(object, fno_field, sf_field, _) in &repoints {
        admin
            .mapping()
            .update_field_mapping(proto::UpdateFieldMappingRequest {
                sf_object: object as i32,
                fno_field: fno_field.into(),
                sf_field: sf_field.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("{fno_field} <- {sf_field}: {e:?}"));
    }
    let mut account = source_values(&repoints, ACCOUNT);
    account["Name"] = json!("Salesforce Name Inc");
    let mut person = source_values(&repoints, CONTACT);
    person["Email"] = json!("salesforce.email@example.com");
    person["HasOptedOutOfEmail"] = json!(true);
    let mut line = source_values(&repoints, LINE);
    line[sf::START_DATE_OPTION] = json!("Use First Activation Date");
    line[sf::EXPIRATION_DATE_OPTION] = json!("Permanent");
    let (_, opportunity_id, _) = seed_sales_order(
        &app.salesforce,
        account,
        &[person],
        source_values(&repoints, OPPORTUNITY),
        &[LineSpec {
            product_code: "SF01demo",
            quantity: 2.0,
            fields: line,
        }],
    );
    let account_id = app
        .salesforce
        .record("Opportunity", &opportunity_id)
        .expect("opportunity")["AccountId"]
        .as_str()
        .expect("account")
        .to_string();

    // Act
    let run = sync_and_wait(&admin, &account_id).await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let mut covered: Vec<(proto::SalesforceObject, String)> = repoints
        .iter()
        .map(|&(object, fno_field, _, _)| (object, fno_field.to_string()))
        .chain([
            (CONTACT, "status".to_string()),
            (LINE, "licenseModel".to_string()),
        ])
        .collect();
    covered.sort_by(|a, b| (a.0 as i32, &a.1).cmp(&(b.0 as i32, &b.1)));
    editable.sort_by(|a, b| (a.0 as i32, &a.1).cmp(&(b.0 as i32, &b.1)));
    assert_eq!(editable, covered, "every editable mapping is re-pointed");

    let store = app.fno.store();
    let fno_account = store
        .account("ACC-MAPPED-42")
        .expect("the mapped account ID");
    let address = &fno_account.address;
    let account_sent = [
        ("accountName", Some(fno_account.name.clone())),
        ("description", fno_account.description.clone()),
        ("address1", address.address1.clone()),
        ("address2", address.address2.clone()),
        ("city", address.city.clone()),
        ("state", address.state.clone()),
        ("zipcode", address.zipcode.clone()),
        ("country", address.country.clone()),
        ("region", address.region.clone()),
    ];
    assert_sent(ACCOUNT_REPOINTS, &account_sent);
    assert!(
        fno_account
            .account_type
            .to_ascii_uppercase()
            .contains("PARTNER"),
        "accountType: {}",
        fno_account.account_type
    );

    let user = store
        .user("mapped.user@example.com")
        .expect("the mapped e-mail");
    let user_sent = [
        ("firstName", Some(user.first_name.clone())),
        ("lastName", Some(user.last_name.clone())),
        ("displayName", user.display_name.clone()),
        ("phoneNumber", user.phone_number.clone()),
        ("faxNumber", user.fax_number.clone()),
        ("street", user.street.clone()),
        ("city", user.city.clone()),
        ("state", user.state.clone()),
        ("zipcode", user.zipcode.clone()),
        ("country", user.country.clone()),
        ("locale", user.locale.clone()),
        ("timezone", user.timezone.clone()),
    ];
    assert_sent(CONTACT_REPOINTS, &user_sent);
    assert_eq!(
        user.opt_in,
        Some(true),
        "optIn follows IsDeleted, not the opt-out"
    );
    assert!(
        user.account_roles
            .iter()
            .any(|r| r.account_id == "ACC-MAPPED-42"),
        "{:?}",
        user.account_roles
    );

    let entitlement_id = app
        .salesforce
        .record("Opportunity", &opportunity_id)
        .expect("opportunity")[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("written back")
        .to_string();
    let entitlement = store.entitlement(&entitlement_id).expect("entitlement");
    assert_eq!(
        entitlement.description.as_deref(),
        Some("Mail As Description")
    );
    assert_eq!(
        entitlement.ship_to_address.as_deref(),
        Some("Description As Address")
    );
    assert_eq!(
        entitlement.ship_to_email.as_deref(),
        Some("ship.name@example.com")
    );
    assert_eq!(entitlement.sold_to.as_deref(), Some("ACC-MAPPED-42"));
    assert_eq!(
        entitlement.line_items[0].description.as_deref(),
        Some("2027-02-01")
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_part_number_found_deployed_is_not_asked_for_again_by_the_next_run(pool: PgPool) {
    // Arrange: the guide's order synced (its part number looked up), then a
    // second account orders the same product.
    let app = TestApp::ready(pool).await;
    let operator = app.operator().await;
    let first = sync_and_wait(&operator, &app.demo_account_id()).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let (account, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Same Product Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    app.fno.reset_counts();

    // Act
    let run = sync_and_wait(&operator, &account).await;

    // Assert: the entitlement is made without asking FNO about the part number.
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(app.fno.call_count("createSimpleEntitlement"), 1);
    assert_eq!(
        app.fno.call_count("getProductsQuery"),
        0,
        "{:?}",
        app.fno.counts()
    );
}
