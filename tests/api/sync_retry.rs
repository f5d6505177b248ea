use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    logs_of, seed_sales_order, start_immediate, watch_until_end, LineSpec, TestApp,
};
use proto::start_immediate_sync_request::Window;
use serde_json::json;
use sqlx::PgPool;
use tonic::Code;

async fn retry(
    client: &FnosyncClient,
    run_id: &str,
) -> Result<proto::RetryFailedRecordsResponse, tonic::Status> {
    client
        .sync()
        .retry_failed_records(proto::RetryFailedRecordsRequest {
            run_id: run_id.into(),
            request_id: String::new(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Every log of one Salesforce record, across runs, oldest first.
async fn attempts(client: &FnosyncClient, record_id: &str) -> Vec<(String, i32)> {
    let mut logs = client
        .logs()
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            salesforce_record_id: record_id.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("logs")
        .into_inner()
        .transaction_logs;
    logs.reverse();
    logs.into_iter().map(|l| (l.task_id, l.status)).collect()
}

const FAILED: i32 = proto::TransactionStatus::Failed as i32;
const COMPLETED: i32 = proto::TransactionStatus::Completed as i32;

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_retry_syncs_only_the_records_that_failed_once_their_cause_is_fixed(pool: PgPool) {
    // Arrange: one account whose line's product is not deployed in FNO and
    // whose contact has no e-mail, and one account that syncs cleanly.
    let app = TestApp::ready(pool).await;
    let undeployed = app
        .salesforce
        .find("Product2", "ProductCode", &json!("GC3020"))[0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    app.salesforce
        .update(
            "Product2",
            &undeployed,
            json!({ sf::INCLUDE_IN_SYNC: true }),
        )
        .expect("include GC3020");
    let (failing, failing_order, failing_lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Retry Corp" }),
        &[json!({ "FirstName": "No", "LastName": "Mail" })],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 2.0),
            LineSpec::permanent("GC3020", 3.0),
        ],
    );
    let (steady, steady_order, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Steady Corp" }),
        &[json!({ "FirstName": "Sam", "LastName": "Steady", "Email": "sam@steady.example" })],
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let contact = app.salesforce.find("Contact", "AccountId", &json!(failing))[0]["Id"]
        .as_str()
        .expect("contact")
        .to_string();
    let operator = app.operator().await;
    let first = start_immediate(&operator, Window::LastHours(1)).await;
    let first = watch_until_end(&operator, first).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::CompletedWithFailures as i32,
        "{first:?}"
    );
    assert_eq!(first.records_failed, 2, "{first:?}");
    let entitlement_id = app
        .salesforce
        .record("Opportunity", &failing_order)
        .expect("order")[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("entitlement written back")
        .to_string();
    assert_eq!(
        app.fno
            .store()
            .entitlement(&entitlement_id)
            .expect("entitlement")
            .line_items
            .len(),
        1
    );

    // The operator fixes the causes: the product is deployed in FNO and the
    // contact gets an e-mail in Salesforce.
    app.fno.store().update(|state| {
        for product in state
            .products
            .iter_mut()
            .filter(|p| p.name == "GenWatt Propane 100kW")
        {
            product.state = "DEPLOYED".into();
        }
    });
    app.salesforce
        .update(
            "Contact",
            &contact,
            json!({ "Email": "no.mail@retry.example" }),
        )
        .expect("fix the contact");

    // Act
    let response = retry(&operator, &first.run_id).await.expect("retry");
    let retried = watch_until_end(&operator, response.run.clone().expect("run")).await;

    // Assert: a retry run linked to the first, of the failing account only.
    assert_eq!(response.failed_records, 2, "{response:?}");
    assert_eq!(retried.kind, proto::SyncKind::Retry as i32);
    assert_eq!(retried.retry_of, first.run_id);
    assert_eq!(
        retried.state,
        proto::SyncRunState::Completed as i32,
        "{retried:?}"
    );
    assert_eq!(retried.account_ids, std::slice::from_ref(&failing));
    let entitlement = app
        .fno
        .store()
        .entitlement(&entitlement_id)
        .expect("entitlement");
    let mut parts: Vec<_> = entitlement
        .line_items
        .iter()
        .filter_map(|l| l.part_number.clone())
        .collect();
    parts.sort();
    assert_eq!(
        parts,
        ["GC3020", "SF01demo"],
        "the failed line is added to the same entitlement"
    );
    assert!(
        app.fno.store().user("no.mail@retry.example").is_some(),
        "the contact became a user"
    );
    let viewer = app.viewer().await;
    let logs = logs_of(&viewer, &retried.run_id).await;
    for record in [&steady, &steady_order] {
        assert!(
            logs.iter().all(|l| &l.salesforce_record_id != record),
            "the account that synced cleanly is not synced again: {logs:#?}"
        );
    }
    // The logs of a record show every attempt.
    assert_eq!(
        attempts(&viewer, &contact).await,
        [
            (first.run_id.clone(), FAILED),
            (retried.run_id.clone(), COMPLETED)
        ]
    );
    assert_eq!(
        attempts(&viewer, &failing_lines[1]).await[0],
        (first.run_id.clone(), FAILED)
    );
    let order_logs = attempts(&viewer, &failing_order).await;
    assert!(
        order_logs.contains(&(retried.run_id.clone(), COMPLETED)),
        "the entitlement update of the retry: {order_logs:?}"
    );

    // Nothing is left to retry: neither the retry nor the first run again.
    let again = retry(&operator, &retried.run_id)
        .await
        .expect_err("nothing failed");
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert!(
        again.message().contains("no failed record"),
        "{}",
        again.message()
    );
    let twice = retry(&operator, &first.run_id)
        .await
        .expect_err("retried already");
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(
        twice.message().contains(&retried.run_id),
        "{}",
        twice.message()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_retry_needs_the_operator_role_and_an_ended_run_with_failures(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let (account, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Clean Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let operator = app.operator().await;
    let clean = fnosync_tests::sync_and_wait(&operator, &account).await;
    assert_eq!(
        clean.state,
        proto::SyncRunState::Completed as i32,
        "{clean:?}"
    );

    let refused = retry(&operator, &clean.run_id)
        .await
        .expect_err("nothing failed");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("no failed record"),
        "{}",
        refused.message()
    );
    let unknown = retry(&operator, "20200101000000")
        .await
        .expect_err("unknown run");
    assert_eq!(unknown.code(), Code::NotFound);
    let viewer = retry(&app.viewer().await, &clean.run_id)
        .await
        .expect_err("viewer");
    assert_eq!(viewer.code(), Code::PermissionDenied);
    let runs = operator
        .sync()
        .list_sync_runs(proto::ListSyncRunsRequest {
            kind: proto::SyncKind::Retry as i32,
            ..Default::default()
        })
        .await
        .expect("runs")
        .into_inner()
        .runs;
    assert!(runs.is_empty(), "no retry run was queued: {runs:?}");
}
