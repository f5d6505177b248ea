//! Retention: the background purge removes ended runs older than the
//! retention with their logs, and old idempotency keys; recent rows stay.

use std::time::Duration;

use fnosync_server::MIGRATOR;
use fnosync_tests::{eventually, TestApp};
use sqlx::PgPool;

/// A run that ended `days_ago` days ago (or is still `running`), with
/// `logs` logs, every tenth with an error log, and one run account.
async fn seed_run(pool: &PgPool, run_id: &str, state: &str, days_ago: i32, logs: i32) {
    sqlx::query(
        "INSERT INTO sync_runs (run_id, kind, state, created_at, ended_at) \
         VALUES ($1, 'scheduled', $2, now() - make_interval(days => $3), \
                 CASE WHEN $2 = 'running' THEN NULL ELSE now() - make_interval(days => $3) END)",
    )
    .bind(run_id)
    .bind(state)
    .bind(days_ago)
    .execute(pool)
    .await
    .expect("run");
    sqlx::query(
        "INSERT INTO transaction_logs (task_id, name, status, created_at) \
         SELECT $1, 'Entitlement Creation/Update', 'completed', now() - make_interval(days => $2) \
         FROM generate_series(1, $3)",
    )
    .bind(run_id)
    .bind(days_ago)
    .bind(logs)
    .execute(pool)
    .await
    .expect("logs");
    sqlx::query(
        "INSERT INTO error_logs (log_seq, component, reason, task_id) \
         SELECT log_seq, 'FNO', 'refused', task_id FROM transaction_logs \
         WHERE task_id = $1 AND log_seq % 10 = 0",
    )
    .bind(run_id)
    .execute(pool)
    .await
    .expect("error logs");
    sqlx::query(
        "INSERT INTO sync_run_accounts (run_id, account_id) VALUES ($1, '001000000000001AAA')",
    )
    .bind(run_id)
    .execute(pool)
    .await
    .expect("run account");
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_purge_removes_old_runs_logs_and_keys_and_keeps_recent_ones(pool: PgPool) {
    // Arrange: an old ended run with more logs than one batch, an old run
    // still running, a recent run; an old and a recent idempotency key.
    seed_run(&pool, "20260801000000", "completed", 120, 2_500).await;
    seed_run(&pool, "20260802000000", "running", 119, 3).await;
    seed_run(&pool, "20261130000000", "failed", 1, 40).await;
    for (request_id, hours_ago) in [("old-request", 30), ("recent-request", 2)] {
        sqlx::query(
            "INSERT INTO idempotency_keys (method, request_id, request_hash, created_at) \
             VALUES ('SyncAccount', $1, '\\x00', now() - make_interval(hours => $2))",
        )
        .bind(request_id)
        .bind(hours_ago)
        .execute(&pool)
        .await
        .expect("key");
    }

    // Act: the server purges at start.
    let app = TestApp::spawn(pool.clone()).await;
    eventually(Duration::from_secs(60), || async {
        (count(
            &pool,
            "SELECT count(*) FROM sync_runs WHERE run_id = '20260801000000'",
        )
        .await
            == 0)
            .then_some(())
    })
    .await;

    // Assert
    let of = |run: &str, table: &str| {
        format!(
            "SELECT count(*) FROM {table} WHERE {} = '{run}'",
            if table == "transaction_logs" || table == "error_logs" {
                "task_id"
            } else {
                "run_id"
            }
        )
    };
    for table in ["transaction_logs", "error_logs", "sync_run_accounts"] {
        assert_eq!(
            count(&pool, &of("20260801000000", table)).await,
            0,
            "{table} of the old run"
        );
    }
    assert_eq!(
        count(&pool, &of("20260802000000", "transaction_logs")).await,
        3,
        "a running run stays"
    );
    assert_eq!(
        count(&pool, &of("20261130000000", "transaction_logs")).await,
        40
    );
    assert_eq!(count(&pool, &of("20261130000000", "error_logs")).await, 4);
    assert_eq!(
        count(&pool, &of("20261130000000", "sync_run_accounts")).await,
        1
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM sync_runs").await, 2);
    let keys: Vec<String> = sqlx::query_scalar("SELECT request_id FROM idempotency_keys")
        .fetch_all(&pool)
        .await
        .expect("keys");
    assert_eq!(keys, ["recent-request"]);
    app.stop().await;
}
