//! Writes: batched updates over composite calls, partial failures, row locks
//! and the single-record helpers.

use fnosync_server::salesforce::fields as f;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::harness::Harness;

/// Sets the FNO Account ID of `count` new accounts in one `update_records`
/// and checks every record; returns the (composite, collection) call counts.
async fn update_accounts(h: &Harness, count: usize) -> (u64, u64) {
    let ids = h.insert_accounts("Batch", count);
    let updates: Vec<(String, Value)> = ids
        .iter()
        .map(|id| (id.clone(), json!({ f::ACCOUNT_ID: format!("FNO-{id}") })))
        .collect();

    let results = h
        .client()
        .update_records("Account", updates)
        .await
        .expect("updates sent");

    assert_eq!(results.len(), count);
    assert!(results.iter().all(|r| r.success), "{results:?}");
    for (id, result) in ids.iter().zip(&results) {
        assert_eq!(&result.id, id);
        let record = h.sandbox.record("Account", id).expect("record");
        assert_eq!(record[f::ACCOUNT_ID], format!("FNO-{id}"));
    }
    (
        h.sandbox.call_count("composite"),
        h.sandbox.call_count("composite.sobjects"),
    )
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_update_of_201_records_takes_one_composite_call_of_two_collections(pool: PgPool) {
    let h = Harness::start(pool).await;

    let calls = update_accounts(&h, 201).await;

    assert_eq!(calls, (1, 0));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_update_of_1001_records_takes_a_composite_of_five_collections_and_a_collection(
    pool: PgPool,
) {
    let h = Harness::start(pool).await;

    let calls = update_accounts(&h, 1001).await;

    assert_eq!(calls, (1, 1));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn the_composite_calls_of_one_update_go_up_to_the_handles_concurrency_at_once(pool: PgPool) {
    let h = Harness::start(pool).await;
    let ids = h.insert_accounts("Wide", 2_500);
    let updates: Vec<(String, Value)> = ids
        .iter()
        .map(|id| (id.clone(), json!({ f::ACCOUNT_ID: format!("FNO-{id}") })))
        .collect();
    let client = h.client().with_concurrency(3);
    client.user_id().await.expect("logged in");
    h.sandbox.reset_counts();
    let gate = h.sandbox.faults().close_gate("composite");

    let update = tokio::spawn(async move { client.update_records("Account", updates).await });
    // A handle that sent one call at a time would never have three held.
    tokio::time::timeout(std::time::Duration::from_secs(60), gate.wait_held_count(3))
        .await
        .expect("three calls under way at once");
    gate.open();
    let results = update.await.expect("task").expect("updates sent");

    assert_eq!(gate.held(), 3, "the three calls were held side by side");
    assert_eq!(h.sandbox.call_count("composite"), 3, "1,000 records a call");
    assert_eq!(results.len(), ids.len());
    for (id, result) in ids.iter().zip(&results) {
        assert!(result.success, "{result:?}");
        assert_eq!(&result.id, id, "one result per record, in order");
        let record = h.sandbox.record("Account", id).expect("record");
        assert_eq!(record[f::ACCOUNT_ID], format!("FNO-{id}"));
    }
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_failed_record_does_not_stop_the_others(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let ids = h.insert_accounts("Mixed", 2);
    let updates = vec![
        (ids[0].clone(), json!({"Name": null})),
        (ids[1].clone(), json!({ f::ACCOUNT_ID: "FNO-1" })),
    ];

    let results = client
        .update_records("Account", updates)
        .await
        .expect("updates sent");

    assert!(!results[0].success);
    assert_eq!(results[0].id, ids[0]);
    assert!(!results[0].errors[0].status_code.is_empty());
    assert!(results[1].success);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn records_refused_with_a_row_lock_are_sent_again(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();
    let ids = h.insert_accounts("Locked", 3);
    h.sandbox.fail_next_writes_with_lock_row(1);
    let updates = ids
        .iter()
        .map(|id| (id.clone(), json!({ f::ACCOUNT_ID: "FNO-L" })))
        .collect();

    let results = client
        .update_records("Account", updates)
        .await
        .expect("updates sent");

    assert!(results.iter().all(|r| r.success), "{results:?}");
    assert_eq!(h.sandbox.call_count("composite.sobjects"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn single_record_helpers_create_read_update_and_delete(pool: PgPool) {
    let h = Harness::start(pool).await;
    let client = h.client();

    let id = client
        .create_record("Account", &json!({"Name": "Single"}))
        .await
        .expect("created");
    client
        .update_record("Account", &id, &json!({ f::ACCOUNT_ID: "FNO-S" }))
        .await
        .expect("updated");
    let read = client
        .get_record("Account", &id, &["Name", f::ACCOUNT_ID])
        .await
        .expect("read");
    client.delete_record("Account", &id).await.expect("deleted");
    let gone = client
        .get_record("Account", &id, &[])
        .await
        .expect_err("deleted");

    assert_eq!(read["Name"], "Single");
    assert_eq!(read[f::ACCOUNT_ID], "FNO-S");
    assert_eq!(gone.error_code(), Some("ENTITY_IS_DELETED"));
}
