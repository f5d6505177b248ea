use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tokio_stream::StreamExt;
use tonic::Code;

/// Writes runs and logs directly, as the sync engine does.
async fn seed_runs_and_logs(pool: &PgPool) {
    for (run_id, state) in [
        ("20250716055138", "completed"),
        ("20250716055139", "completed_with_failures"),
        ("20250716055139-2", "failed"),
    ] {
        sqlx::query("INSERT INTO sync_runs (run_id, kind, state, account_id) VALUES ($1, 'one_time', $2, '001a500001xOYkQAAW')")
            .bind(run_id)
            .bind(state)
            .execute(pool)
            .await
            .expect("run");
    }
    for (task, name, status) in [
        ("20250716055138", "Account Creation/Update", "completed"),
        ("20250716055138", "Contact Creation/Update", "completed"),
        ("20250716055139", "LineItem Creation/Update", "failed"),
        ("20250716055139", "Salesforce Update", "completed"),
    ] {
        insert_log(pool, task, name, status).await;
    }
}

/// Writes a log through the engine's writer, which also announces it.
async fn insert_log(pool: &PgPool, task: &str, name: &str, status: &'static str) -> i64 {
    use fnosync_server::store::tx_logs::{insert_log, NewErrorLog, NewTxLog};
    let error = (status == "failed").then(|| NewErrorLog {
        component: "FNO EntitlementOrderService".into(),
        reason: "9999:The value of this required field is missing".into(),
        message: "partNumber".into(),
    });
    let log = NewTxLog {
        task_id: task.into(),
        name: name.into(),
        description: "sent and received".into(),
        status,
        run_by: "test-admin".into(),
        salesforce_record_id: "00k5g000001xYzAAAQ".into(),
        error,
    };
    insert_log(pool, &log).await.expect("log")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn runs_are_listed_newest_first_page_by_page(pool: PgPool) {
    seed_runs_and_logs(&pool).await;
    let app = TestApp::spawn(pool).await;
    let mut sync = app.viewer().await.sync();
    let first = sync
        .list_sync_runs(proto::ListSyncRunsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .expect("page 1")
        .into_inner();
    let ids: Vec<_> = first.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["20250716055139-2", "20250716055139"]);
    let second = sync
        .list_sync_runs(proto::ListSyncRunsRequest {
            page_size: 2,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .expect("page 2")
        .into_inner();
    assert_eq!(second.runs.len(), 1);
    assert!(second.next_page_token.is_empty());

    let failed = sync
        .list_sync_runs(proto::ListSyncRunsRequest {
            state: proto::SyncRunState::Failed as i32,
            ..Default::default()
        })
        .await
        .expect("filter")
        .into_inner();
    assert_eq!(failed.runs.len(), 1);
    let run = sync
        .get_sync_run(proto::GetSyncRunRequest {
            run_id: "20250716055138".into(),
        })
        .await
        .expect("get")
        .into_inner()
        .run
        .expect("run");
    assert_eq!(run.state, proto::SyncRunState::Completed as i32);
    let missing = sync
        .get_sync_run(proto::GetSyncRunRequest {
            run_id: "nope".into(),
        })
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), Code::NotFound);
    let bad_page = sync
        .list_sync_runs(proto::ListSyncRunsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect_err("too big");
    assert_eq!(field_violations(&bad_page)[0].0, "page_size");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn logs_are_filtered_paged_and_opened_with_their_error_log(pool: PgPool) {
    seed_runs_and_logs(&pool).await;
    let app = TestApp::spawn(pool).await;
    let mut logs = app.viewer().await.logs();
    let failed = logs
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            status: proto::TransactionStatus::Failed as i32,
            ..Default::default()
        })
        .await
        .expect("failed")
        .into_inner()
        .transaction_logs;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].log_number, "TL-00003");
    let by_name = logs
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            name: "creation".into(),
            ..Default::default()
        })
        .await
        .expect("name")
        .into_inner()
        .transaction_logs;
    assert_eq!(by_name.len(), 3);
    let page = logs
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            page_size: 3,
            ..Default::default()
        })
        .await
        .expect("page")
        .into_inner();
    assert_eq!(page.transaction_logs[0].log_number, "TL-00004");
    let rest = logs
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            page_size: 3,
            page_token: page.next_page_token,
            ..Default::default()
        })
        .await
        .expect("rest")
        .into_inner();
    assert_eq!(rest.transaction_logs.len(), 1);
    assert_eq!(rest.transaction_logs[0].log_number, "TL-00001");

    let opened = logs
        .get_transaction_log(proto::GetTransactionLogRequest {
            log_number: "TL-00003".into(),
        })
        .await
        .expect("get")
        .into_inner()
        .transaction_log
        .expect("log");
    let error = opened.error_log.expect("error log");
    assert_eq!(error.error_number, "EL-00001");
    assert_eq!(
        error.reason,
        "9999:The value of this required field is missing"
    );
    let bad = logs
        .get_transaction_log(proto::GetTransactionLogRequest {
            log_number: "TL-x".into(),
        })
        .await
        .expect_err("bad number");
    assert_eq!(field_violations(&bad)[0].0, "log_number");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn tailing_resumes_after_a_log_number_and_follows_new_logs(pool: PgPool) {
    seed_runs_and_logs(&pool).await;
    let app = TestApp::spawn(pool.clone()).await;
    let mut logs = app.viewer().await.logs();
    let resumed: Vec<String> = logs
        .tail_transaction_logs(proto::TailTransactionLogsRequest {
            after_log_number: "TL-00002".into(),
            ..Default::default()
        })
        .await
        .expect("tail")
        .into_inner()
        .map(|item| item.expect("item").transaction_log.expect("log").log_number)
        .collect()
        .await;
    assert_eq!(resumed, ["TL-00003", "TL-00004"]);

    let mut followed = logs
        .tail_transaction_logs(proto::TailTransactionLogsRequest {
            after_log_number: "TL-00004".into(),
            follow: true,
            ..Default::default()
        })
        .await
        .expect("follow")
        .into_inner();
    let seq = insert_log(
        &pool,
        "20250716055139-2",
        "Entitlement Creation/Update",
        "completed",
    )
    .await;
    let next = followed
        .next()
        .await
        .expect("a new log")
        .expect("ok")
        .transaction_log
        .expect("log");
    assert_eq!(next.log_number, format!("TL-{seq:05}"));
    assert_eq!(next.name, "Entitlement Creation/Update");
}

/// Opens a following tail of every log with `client`.
async fn follow(
    client: &fnosync_client::FnosyncClient,
) -> tonic::Streaming<proto::TailTransactionLogsResponse> {
    client
        .logs()
        .tail_transaction_logs(proto::TailTransactionLogsRequest {
            follow: true,
            ..Default::default()
        })
        .await
        .expect("follow")
        .into_inner()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn more_followers_than_database_connections_all_follow_a_sync_to_its_end(pool: PgPool) {
    // Arrange: twelve following tails; the server's pool has five connections.
    let app = TestApp::ready(pool).await;
    let (viewer, operator) = (app.viewer().await, app.operator().await);
    let mut tails = Vec::new();
    for n in 0..12 {
        tails.push(follow(if n % 2 == 0 { &viewer } else { &operator }).await);
    }

    // Act
    let run = fnosync_tests::sync_and_wait(&operator, &app.demo_account_id()).await;
    let expected: Vec<String> = fnosync_tests::logs_of(&operator, &run.run_id)
        .await
        .into_iter()
        .map(|log| log.log_number)
        .rev()
        .collect();
    let mut seen = Vec::new();
    for tail in &mut tails {
        let mut numbers = Vec::new();
        while numbers.len() < expected.len() {
            let item = tokio::time::timeout(std::time::Duration::from_secs(30), tail.next())
                .await
                .expect("the tail goes on")
                .expect("open")
                .expect("ok");
            numbers.push(item.transaction_log.expect("log").log_number);
        }
        seen.push(numbers);
    }

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert!(expected.len() >= 3, "{expected:?}");
    for numbers in seen {
        assert_eq!(numbers, expected, "every tail saw every log, in order");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn one_token_may_hold_eight_tails_and_a_closed_one_frees_its_place(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let viewer = app.viewer().await;
    let mut tails = Vec::new();
    for _ in 0..8 {
        tails.push(follow(&viewer).await);
    }

    // Act
    let ninth = viewer
        .logs()
        .tail_transaction_logs(proto::TailTransactionLogsRequest {
            follow: true,
            ..Default::default()
        })
        .await
        .expect_err("a ninth tail");
    let other_token = follow(&app.operator().await).await;
    drop(tails.pop());
    let again = fnosync_tests::eventually(std::time::Duration::from_secs(10), || async {
        viewer
            .logs()
            .tail_transaction_logs(proto::TailTransactionLogsRequest {
                follow: true,
                ..Default::default()
            })
            .await
            .ok()
    })
    .await;

    // Assert
    assert_eq!(ninth.code(), Code::ResourceExhausted, "{ninth:?}");
    assert!(ninth.message().contains("close one"), "{ninth:?}");
    drop((other_token, again, tails));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn logs_written_as_one_set_keep_their_order_and_each_error_its_own_log(pool: PgPool) {
    use fnosync_server::store::tx_logs::{insert_logs, NewErrorLog, NewTxLog};
    // Arrange: a set of logs, every third one failed with a reason of its own.
    let logs: Vec<NewTxLog> = (0..50)
        .map(|n| NewTxLog {
            task_id: "20250716055140".into(),
            name: format!("step {n}"),
            description: format!("record {n}"),
            status: if n % 3 == 1 { "failed" } else { "completed" },
            run_by: "test-admin".into(),
            salesforce_record_id: format!("006{n:012}"),
            error: (n % 3 == 1).then(|| NewErrorLog {
                component: "FNO".into(),
                reason: format!("reason {n}"),
                message: format!("message {n}"),
            }),
        })
        .collect();
    seed_runs_and_logs(&pool).await;
    sqlx::query("INSERT INTO sync_runs (run_id, kind, state, account_id) VALUES ('20250716055140', 'one_time', 'running', '001a500001xOYkQAAW')")
        .execute(&pool)
        .await
        .expect("run");

    // Act
    let last = insert_logs(&pool, &logs)
        .await
        .expect("logs")
        .expect("last");

    // Assert: consecutive numbers after the earlier log, in the order given,
    // each error log under the log it was given with.
    type Row = (i64, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT l.log_seq, l.name, l.salesforce_record_id, e.reason, e.salesforce_record_id \
         FROM transaction_logs l LEFT JOIN error_logs e ON e.log_seq = l.log_seq \
         WHERE l.task_id = '20250716055140' ORDER BY l.log_seq",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 50);
    assert_eq!(rows.last().map(|r| r.0), Some(last));
    for (n, (seq, name, record, reason, error_record)) in rows.into_iter().enumerate() {
        assert_eq!(seq, last - 49 + n as i64, "log {n} is out of sequence");
        assert_eq!(name, format!("step {n}"));
        let failed = n % 3 == 1;
        assert_eq!(reason, failed.then(|| format!("reason {n}")), "log {n}");
        assert_eq!(error_record, failed.then_some(record), "log {n}");
    }
}
