//! Retention: ended runs older than the retention period go with their
//! transaction logs, error logs and run accounts, and idempotency keys go
//! after theirs; a batch at a time, each batch a short transaction of its
//! own, so syncs writing meanwhile are never held up for long.

use chrono::{DateTime, Utc};

use crate::error::Result;

/// How long rows are kept.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Ended runs with their logs, counted from their end.
    pub runs_and_logs: chrono::Duration,
    /// Idempotency keys, counted from their first use.
    pub idempotency_keys: chrono::Duration,
}

/// What one batch removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Runs.
    pub runs: u64,
    /// Transaction logs (with their error logs).
    pub logs: u64,
    /// Idempotency keys.
    pub idempotency_keys: u64,
}

impl Purged {
    /// Tells whether the batch removed nothing (the purge is done for now).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Advisory lock key of the purge, so replicas do not purge side by side.
const PURGE_LOCK: i64 = 0x666e_6f73_7075_7267;

/// Runs looked at per batch.
const RUNS_PER_BATCH: i64 = 20;

/// Removes at most `batch` logs (with their error logs) of old ended runs,
/// the runs whose logs are then all gone, and at most `batch` old
/// idempotency keys. Nothing when another replica is purging.
pub async fn purge_batch(
    pool: &sqlx::PgPool,
    retention: &Retention,
    now: DateTime<Utc>,
    batch: i64,
) -> Result<Purged> {
    let mut tx = pool.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(PURGE_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        return Ok(Purged::default());
    }
    let runs: Vec<String> = sqlx::query_scalar(
        "SELECT run_id FROM sync_runs WHERE ended_at < $1 \
         AND state IN ('completed', 'completed_with_failures', 'failed', 'cancelled') \
         ORDER BY ended_at LIMIT $2",
    )
    .bind(now - retention.runs_and_logs)
    .bind(RUNS_PER_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let logs = sqlx::query(
        "WITH doomed AS (SELECT log_seq FROM transaction_logs WHERE task_id = ANY($1) \
                         ORDER BY log_seq LIMIT $2), \
              errors AS (DELETE FROM error_logs WHERE log_seq IN (SELECT log_seq FROM doomed)) \
         DELETE FROM transaction_logs WHERE log_seq IN (SELECT log_seq FROM doomed)",
    )
    .bind(&runs)
    .bind(batch)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let runs = if (logs as i64) < batch {
        sqlx::query(
            "DELETE FROM sync_runs r WHERE r.run_id = ANY($1) \
             AND NOT EXISTS (SELECT 1 FROM transaction_logs t WHERE t.task_id = r.run_id)",
        )
        .bind(&runs)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        0
    };
    let idempotency_keys = sqlx::query(
        "DELETE FROM idempotency_keys WHERE (method, request_id) IN \
         (SELECT method, request_id FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
    )
    .bind(now - retention.idempotency_keys)
    .bind(batch)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Purged {
        runs,
        logs,
        idempotency_keys,
    })
}
