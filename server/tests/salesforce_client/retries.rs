//! Retries of failed calls and the API budget.

use fnosync_sandbox::faults::FaultSettings;
use fnosync_server::salesforce::{ProductFilter, SalesforceError, SoqlBuilder};
use sqlx::PgPool;

use crate::harness::Harness;

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_503_is_retried_and_the_query_succeeds(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    client.verify_credentials().await.expect("logged in");
    h.sandbox.set_faults(FaultSettings {
        fail_next: 1,
        failure_status: 503,
        operation_filter: "query".into(),
        ..FaultSettings::default()
    });

    let products = client
        .read_products(&ProductFilter::All)
        .await
        .expect("retried to success");

    assert!(products
        .iter()
        .any(|p| p.product_code.as_deref() == Some("SF01demo")));
    assert_eq!(h.sandbox.call_count("query"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn the_first_log_in_of_a_run_is_retried_after_a_dropped_connection(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.sandbox.set_faults(FaultSettings {
        drop_next: 1,
        operation_filter: "oauth.token".into(),
        ..FaultSettings::default()
    });

    let user = client.user_id().await.expect("retried to success");

    assert!(user.is_some_and(|id| id.starts_with("005")));
    assert_eq!(h.sandbox.call_count("oauth.token"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_bad_query_is_not_retried_and_keeps_the_error_code(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let soql = SoqlBuilder::select(["Id", "Bogus__c"])
        .from("Account")
        .build()
        .expect("valid syntax");

    let error = client.query(&soql).await.expect_err("unknown field");

    assert_eq!(error.error_code(), Some("INVALID_FIELD"));
    assert_eq!(h.sandbox.call_count("query"), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn the_remaining_budget_is_read_from_the_limit_header(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.sandbox.set_api_limit(1000, 500);

    client.limits().await.expect("limits read");

    assert_eq!(client.api_budget(), Some((501, 1000)));
    assert_eq!(client.api_remaining(), Some(499));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_exhausted_budget_is_reported_and_not_retried(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    h.sandbox.set_api_limit(10, 10);

    let error = client.limits().await.expect_err("limit reached");

    assert!(
        matches!(error, SalesforceError::BudgetExhausted { .. }),
        "{error:?}"
    );
    assert_eq!(h.sandbox.call_count("limits"), 1);
    assert_eq!(client.api_remaining(), Some(0));
}
