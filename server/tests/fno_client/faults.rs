//! Faults: retried server errors, SOAP faults that are not retried, and a
//! create whose answer is lost.

use fnosync_sandbox::faults::FaultSettings;
use fnosync_server::fno::{FnoError, LineItemQuery, ServiceVersions};
use fnosync_server::retry::{Disposition, RetryPolicy};
use sqlx::PgPool;

use crate::harness::{account, entitlement, line, start_default};

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_500_is_retried_until_success(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.sandbox.faults().set(FaultSettings {
        fail_next: 1,
        ..FaultSettings::default()
    });
    let first = fno.client.verify_credentials().await.expect_err("500");
    assert_eq!(first.disposition(), Disposition::Retry, "{first}");
    fno.sandbox.faults().set(FaultSettings {
        fail_next: 1,
        failure_status: 503,
        ..FaultSettings::default()
    });
    fno.sandbox.reset_counts();
    RetryPolicy::immediate(3)
        .run(|| fno.client.verify_credentials())
        .await
        .expect("retried");
    assert_eq!(fno.sandbox.call_count("getAccountsQuery"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_soap_fault_for_a_bad_request_is_not_retried(pool: PgPool) {
    let fno = start_default(pool).await;
    let mut services = ServiceVersions::default();
    services.entitlement_order.namespace = "urn:v9.webservices.operations.flexnet.com".into();
    let misconfigured = fno.client.clone().with_services(services);
    let query = LineItemQuery::by_order("006OPP", None);
    let result = RetryPolicy::immediate(3)
        .run(|| misconfigured.find_line_items(&query))
        .await;
    let error = result.expect_err("fault");
    assert!(
        matches!(&error, FnoError::Fault { code, .. } if code.ends_with("Client")),
        "{error}"
    );
    assert_eq!(error.disposition(), Disposition::Fail);
    assert_eq!(
        fno.sandbox
            .call_count("searchEntitlementLineItemPropertiesRequest"),
        1
    );
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_create_whose_answer_is_lost_is_not_sent_twice(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let order = entitlement("001ACC", vec![line("SF01demo", 10, "006LOST", "00k1")]);
    fno.sandbox.faults().set(FaultSettings {
        malformed_next: 1,
        operation_filter: "createSimpleEntitlement".into(),
        ..FaultSettings::default()
    });
    let lookup = || async {
        let lines = fno
            .client
            .find_line_items(&LineItemQuery::by_order("006LOST", Some("00k1")))
            .await?;
        Ok::<_, FnoError>(
            lines
                .into_iter()
                .next()
                .and_then(|line| line.entitlement_id),
        )
    };
    let create = || async { Ok(fno.client.create_entitlement(&order).await?.entitlement_id) };
    let id = RetryPolicy::immediate(3)
        .create_with_lookup(lookup, create)
        .await
        .expect("created once");
    assert_eq!(fno.sandbox.call_count("createSimpleEntitlement"), 1);
    let entitlements = fno.sandbox.store().read(|state| state.entitlements.len());
    assert_eq!(entitlements, 1);
    assert!(fno.sandbox.store().entitlement(&id).is_some());
}
