//! Reads: the guide's account, stage filters, pagination, escaping, streamed
//! pages and describe.

use fnosync_server::salesforce::fields as f;
use fnosync_server::salesforce::{
    Condition, ExtraFields, Operator, ProductFilter, QueryOptions, Soql, SoqlBuilder,
};
use futures::TryStreamExt;
use serde_json::json;
use sqlx::PgPool;

use crate::harness::Harness;

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn the_guide_account_is_read_in_three_queries(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let account_id = h.id_of("Account", "Name", "SF-DemoAccount");
    h.sandbox.reset_counts();

    let accounts = client
        .read_accounts_with_contacts(std::slice::from_ref(&account_id), &ExtraFields::default())
        .await
        .expect("account read");
    let account = accounts.first().expect("account exists");
    let orders = client
        .read_sales_orders(
            std::slice::from_ref(&account_id),
            &["Closed Won".to_string()],
            &ExtraFields::default(),
        )
        .await
        .expect("orders read");
    let product_ids: Vec<String> = orders[0]
        .line_items
        .iter()
        .filter_map(|line| line.record.text("Product2Id").map(str::to_string))
        .collect();
    let products = client
        .read_products(&ProductFilter::Ids(product_ids))
        .await
        .expect("products read");

    assert_eq!(account.account.text("Name"), Some("SF-DemoAccount"));
    assert_eq!(account.contacts.len(), 1);
    assert_eq!(account.contacts[0].text("LastName"), Some("SF-TestUser"));
    assert_eq!(
        account.contacts[0].text("Email"),
        Some("SF-TestUser@mycompany.com")
    );
    assert_eq!(orders.len(), 1);
    assert_eq!(
        orders[0].opportunity.text("Name"),
        Some("SF-TestOpportunity")
    );
    assert_eq!(orders[0].line_items.len(), 1);
    let line = &orders[0].line_items[0];
    assert_eq!(line.quantity(), Some(10.0));
    assert_eq!(line.product_code(), Some("SF01demo"));
    assert_eq!(line.record.text(f::EXPIRATION_TERM_OPTION), Some("Months"));
    let product = line.product.as_ref().expect("product on the line");
    assert!(product.is_active && product.include_in_sync);
    assert_eq!(products.len(), 1);
    assert_eq!(products[0].product_code.as_deref(), Some("SF01demo"));
    assert_eq!(h.sandbox.call_count("oauth.token"), 1);
    assert_eq!(h.sandbox.call_count("query"), 3);
    assert_eq!(h.sandbox.call_count("query.more"), 0);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn opportunities_outside_the_stages_are_not_read(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let account_id = h.id_of("Account", "Name", "SF-DemoAccount");

    let orders = client
        .read_sales_orders(
            std::slice::from_ref(&account_id),
            &["Prospecting".to_string()],
            &ExtraFields::default(),
        )
        .await
        .expect("orders read");

    assert!(orders.is_empty());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_query_follows_next_records_url_over_every_page(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.insert_accounts("Paged", 450);
    let soql = SoqlBuilder::select(["Id", "Name"])
        .from("Account")
        .filter(fnosync_server::salesforce::Condition::like(
            "Name",
            fnosync_server::salesforce::soql::LikePattern::starts_with("Paged-"),
        ))
        .build()
        .expect("valid soql");
    let options = QueryOptions {
        batch_size: Some(200),
        include_deleted: false,
    };

    let records = client.query_with(&soql, &options).await.expect("all pages");

    assert_eq!(records.len(), 450);
    assert_eq!(records[449]["Name"], "Paged-0449");
    assert_eq!(h.sandbox.call_count("query"), 1);
    assert_eq!(h.sandbox.call_count("query.more"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_name_with_quote_and_backslash_is_found_and_an_injection_stays_data(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let obrien = h
        .sandbox
        .insert("Account", json!({"Name": r"O'Brien \ Sons"}))
        .expect("inserted");

    let found = client
        .find_accounts_by_name(r"O'Brien \ Sons")
        .await
        .expect("query accepted");
    let injected = client
        .find_accounts_by_name("x' OR Name != '")
        .await
        .expect("query accepted");

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, obrien);
    assert_eq!(found[0].text("Name"), Some(r"O'Brien \ Sons"));
    assert!(injected.is_empty());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn pages_can_be_streamed_one_call_at_a_time(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.insert_accounts("Streamed", 250);
    let soql = SoqlBuilder::select(["Id"])
        .from("Account")
        .filter(fnosync_server::salesforce::Condition::like(
            "Name",
            fnosync_server::salesforce::soql::LikePattern::starts_with("Streamed-"),
        ))
        .build()
        .expect("valid soql");
    let options = QueryOptions {
        batch_size: Some(200),
        include_deleted: false,
    };

    let pages: Vec<_> = client
        .query_pages(&soql, &options)
        .try_collect()
        .await
        .expect("pages");

    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].records.len(), 200);
    assert_eq!(pages[1].records.len(), 50);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn describe_finds_every_connector_field(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();

    let statuses = client.connector_schema_status().await.expect("described");
    let opportunity = client.describe("Opportunity").await.expect("described");

    assert_eq!(statuses.len(), 4);
    assert!(
        statuses.iter().all(|s| s.missing.is_empty()),
        "{statuses:?}"
    );
    let entitlement_id = opportunity
        .field(f::ENTITLEMENT_ID)
        .expect("connector field");
    assert_eq!(entitlement_id.field_type, "string");
    assert_eq!(opportunity.missing(&["FNO__Nope__c"]), vec!["FNO__Nope__c"]);
}

/// One query a name: the account named `{prefix}-{i:04}` for each `i` below `count`.
fn accounts_named(prefix: &str, count: usize) -> Vec<Soql> {
    (0..count)
        .map(|i| {
            SoqlBuilder::select(["Id", "Name"])
                .from("Account")
                .filter(Condition::compare(
                    "Name",
                    Operator::Eq,
                    format!("{prefix}-{i:04}").as_str(),
                ))
                .build()
                .expect("soql")
        })
        .collect()
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn several_queries_travel_five_to_a_composite_call_and_come_back_in_order(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let ids = h.insert_accounts("Packed", 7);
    let soqls = accounts_named("Packed", 7);
    h.sandbox.reset_counts();

    let rows = client
        .query_many(&soqls, |query, row| {
            Ok((query, row["Id"].as_str().unwrap_or_default().to_string()))
        })
        .await
        .expect("queries");

    assert_eq!(h.sandbox.call_count("composite"), 2, "five, then two");
    assert_eq!(h.sandbox.call_count("query"), 0);
    let expected: Vec<(usize, String)> = ids.into_iter().enumerate().collect();
    assert_eq!(rows, expected, "one row per query, in order");
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_packed_query_salesforce_refuses_fails_the_read_with_its_error(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let good = SoqlBuilder::select(["Id"])
        .from("Account")
        .build()
        .expect("soql");
    let bad = SoqlBuilder::select(["Id", "NoSuchField__c"])
        .from("Account")
        .build()
        .expect("soql");

    let error = client
        .query_many(&[good, bad], |_, row| Ok(row))
        .await
        .expect_err("the bad query fails the read");

    assert_eq!(error.error_code(), Some("INVALID_FIELD"), "{error}");
    assert_eq!(h.sandbox.call_count("composite"), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn packed_queries_go_up_to_the_handles_concurrency_at_once_and_come_back_in_order(
    pool: PgPool,
) {
    let h = Harness::start(pool).await;
    let client = h.client().with_concurrency(3);
    let ids = h.insert_accounts("Side", 15);
    let soqls = accounts_named("Side", 15);
    client.user_id().await.expect("logged in");
    h.sandbox.reset_counts();
    let gate = h.sandbox.faults().close_gate("composite");

    let read = tokio::spawn(async move {
        client
            .query_many(&soqls, |query, row| {
                Ok((query, row["Id"].as_str().unwrap_or_default().to_string()))
            })
            .await
    });
    // A handle that sent one call at a time would never have three held.
    tokio::time::timeout(std::time::Duration::from_secs(60), gate.wait_held_count(3))
        .await
        .expect("three calls under way at once");
    gate.open();
    let rows = read.await.expect("task").expect("queries");

    assert_eq!(gate.held(), 3, "the three calls were held side by side");
    assert_eq!(h.sandbox.call_count("composite"), 3);
    let expected: Vec<(usize, String)> = ids.into_iter().enumerate().collect();
    assert_eq!(rows, expected, "one row per query, in order");
}
