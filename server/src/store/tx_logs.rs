//! Transaction logs and their error logs. Log numbers are `TL-` plus the
//! sequence, error numbers `EL-` plus theirs, both zero-padded to five digits.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::error::{Error, Result};

/// A stored log joined with its error log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TxLogRecord {
    /// Sequence behind the log number.
    pub log_seq: i64,
    /// Task ID of the run.
    pub task_id: String,
    /// Step name.
    pub name: String,
    /// What was sent and received.
    pub description: String,
    /// `completed`, `failed` or `error`.
    pub status: String,
    /// Who ran the sync.
    pub run_by: String,
    /// The Salesforce record.
    pub salesforce_record_id: String,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// Error log sequence.
    pub error_seq: Option<i64>,
    /// Error log component.
    pub component: Option<String>,
    /// Error log reason.
    pub reason: Option<String>,
    /// Error log message.
    pub error_message: Option<String>,
}

/// Formats a log sequence as its log number.
pub fn log_number(seq: i64) -> String {
    format!("TL-{seq:05}")
}

/// Formats an error sequence as its error number.
pub fn error_number(seq: i64) -> String {
    format!("EL-{seq:05}")
}

/// Parses a log number (`TL-07231`, or the bare number) into its sequence.
pub fn parse_log_number(text: &str) -> Option<i64> {
    let digits = text.trim().strip_prefix("TL-").unwrap_or(text.trim());
    digits.parse().ok().filter(|n: &i64| *n > 0)
}

const SELECT: &str = "SELECT l.log_seq, l.task_id, l.name, l.description, l.status, l.run_by, \
     l.salesforce_record_id, l.created_at, e.error_seq, e.component, e.reason, \
     e.message AS error_message \
     FROM transaction_logs l LEFT JOIN error_logs e ON e.log_seq = l.log_seq";

/// Filters of `list_logs` and `logs_after`.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Only this task.
    pub task_id: Option<String>,
    /// Only this status.
    pub status: Option<&'static str>,
    /// Name contains (case-insensitive).
    pub name: Option<String>,
    /// Only this record.
    pub salesforce_record_id: Option<String>,
    /// Written at or after.
    pub start: Option<DateTime<Utc>>,
    /// Written before.
    pub end: Option<DateTime<Utc>>,
}

/// Lists logs newest first, below the cursor sequence when given.
pub async fn list_logs(
    db: impl PgExecutor<'_>,
    filter: &LogFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<TxLogRecord>> {
    Ok(sqlx::query_as::<_, TxLogRecord>(&format!(
        "{SELECT} WHERE ($1::text IS NULL OR l.task_id = $1) AND ($2::text IS NULL OR l.status = $2) \
         AND ($3::text IS NULL OR l.name ILIKE '%' || $3 || '%') \
         AND ($4::text IS NULL OR l.salesforce_record_id = $4) \
         AND ($5::timestamptz IS NULL OR l.created_at >= $5) \
         AND ($6::timestamptz IS NULL OR l.created_at < $6) \
         AND ($7::bigint IS NULL OR l.log_seq < $7) ORDER BY l.log_seq DESC LIMIT $8"
    ))
    .bind(filter.task_id.as_deref())
    .bind(filter.status)
    .bind(filter.name.as_deref().map(escape_like))
    .bind(filter.salesforce_record_id.as_deref())
    .bind(filter.start)
    .bind(filter.end)
    .bind(before_seq)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The Salesforce records a run failed on: those with a failed or errored
/// log in it.
pub async fn failed_records(db: impl PgExecutor<'_>, task_id: &str) -> Result<Vec<String>> {
    let records: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT salesforce_record_id FROM transaction_logs \
         WHERE task_id = $1 AND status <> 'completed' AND salesforce_record_id <> '' \
         ORDER BY salesforce_record_id",
    )
    .bind(task_id)
    .fetch_all(db)
    .await?;
    Ok(records.into_iter().map(|(id,)| id).collect())
}

/// Lists logs oldest first after `after_seq`, for tailing.
pub async fn logs_after(
    db: impl PgExecutor<'_>,
    filter: &LogFilter,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<TxLogRecord>> {
    Ok(sqlx::query_as::<_, TxLogRecord>(&format!(
        "{SELECT} WHERE l.log_seq > $1 AND ($2::text IS NULL OR l.task_id = $2) \
         AND ($3::text IS NULL OR l.status = $3) \
         AND ($5::text IS NULL OR l.salesforce_record_id = $5) ORDER BY l.log_seq LIMIT $4"
    ))
    .bind(after_seq)
    .bind(filter.task_id.as_deref())
    .bind(filter.status)
    .bind(limit)
    .bind(filter.salesforce_record_id.as_deref())
    .fetch_all(db)
    .await?)
}

/// Reads one log with its error log; unknown is `NotFound`.
pub async fn get_log(db: impl PgExecutor<'_>, seq: i64) -> Result<TxLogRecord> {
    sqlx::query_as::<_, TxLogRecord>(&format!("{SELECT} WHERE l.log_seq = $1"))
        .bind(seq)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::not_found("transaction log", log_number(seq)))
}

/// Logs per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LogCounts {
    /// Completed steps.
    pub completed: i64,
    /// Failed steps (API issues, data errors, external factors).
    pub failed: i64,
    /// Unexpected errors.
    pub error: i64,
}

/// Counts logs per status written since `since`.
pub async fn count_logs_since(db: impl PgExecutor<'_>, since: DateTime<Utc>) -> Result<LogCounts> {
    Ok(sqlx::query_as::<_, LogCounts>(
        "SELECT count(*) FILTER (WHERE status = 'completed') AS completed, \
         count(*) FILTER (WHERE status = 'failed') AS failed, \
         count(*) FILTER (WHERE status = 'error') AS error \
         FROM transaction_logs WHERE created_at >= $1",
    )
    .bind(since)
    .fetch_one(db)
    .await?)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The error log of a failed or errored step.
#[derive(Clone, Debug)]
pub struct NewErrorLog {
    /// Where it happened.
    pub component: String,
    /// Short reason, e.g. FNO's reason string.
    pub reason: String,
    /// Full message.
    pub message: String,
}

/// A log to write.
#[derive(Clone, Debug)]
pub struct NewTxLog {
    /// Task ID of the run.
    pub task_id: String,
    /// Step name.
    pub name: String,
    /// What was sent and received, secrets removed.
    pub description: String,
    /// `completed`, `failed` or `error`.
    pub status: &'static str,
    /// Who ran the sync.
    pub run_by: String,
    /// The Salesforce record.
    pub salesforce_record_id: String,
    /// Set for failed and errored steps.
    pub error: Option<NewErrorLog>,
}

/// The channel on which every new log's sequence is announced.
pub const LOG_CHANNEL: &str = "fnosync_tx_logs";

/// Writes one log (and its error log) and announces it; see [`insert_logs`].
pub async fn insert_log(pool: &sqlx::PgPool, log: &NewTxLog) -> Result<i64> {
    let seq = insert_logs(pool, std::slice::from_ref(log)).await?;
    Ok(seq.unwrap_or_default())
}

/// Inserts logs (with their error logs) in one transaction, in order, in
/// three statements whatever their number: their sequences are drawn at once
/// and given out in order, then the logs and the error logs are inserted as
/// sets. Log numbers are taken under a transaction-scoped lock (one per
/// call, not per log), so they become visible in order: a tailer that has
/// seen `TL-n` can never later find a smaller number appear. The tails are
/// notified once. Returns the sequence of the last one.
pub async fn insert_logs(pool: &sqlx::PgPool, logs: &[NewTxLog]) -> Result<Option<i64>> {
    if logs.is_empty() {
        return Ok(None);
    }
    let mut tx = pool.begin().await?;
    let last = insert_logs_on(&mut tx, logs).await?;
    tx.commit().await?;
    Ok(last)
}

/// [`insert_logs`] inside the caller's transaction: the logs become visible
/// (and the tails are told) when it commits.
pub async fn insert_logs_on(tx: &mut sqlx::PgConnection, logs: &[NewTxLog]) -> Result<Option<i64>> {
    if logs.is_empty() {
        return Ok(None);
    }
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('fnosync.transaction_logs'))")
        .execute(&mut *tx)
        .await?;
    let mut seqs: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('transaction_logs', 'log_seq')) \
         FROM generate_series(1, $1)",
    )
    .bind(logs.len() as i64)
    .fetch_all(&mut *tx)
    .await?;
    seqs.sort_unstable();
    let column = |get: fn(&NewTxLog) -> &str| -> Vec<&str> { logs.iter().map(get).collect() };
    sqlx::query(
        "INSERT INTO transaction_logs (log_seq, task_id, name, description, status, run_by, salesforce_record_id) \
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])",
    )
    .bind(&seqs)
    .bind(column(|l| &l.task_id))
    .bind(column(|l| &l.name))
    .bind(column(|l| &l.description))
    .bind(column(|l| l.status))
    .bind(column(|l| &l.run_by))
    .bind(column(|l| &l.salesforce_record_id))
    .execute(&mut *tx)
    .await?;
    let errors: Vec<(i64, &NewTxLog, &NewErrorLog)> = seqs
        .iter()
        .zip(logs)
        .filter_map(|(&seq, log)| log.error.as_ref().map(|error| (seq, log, error)))
        .collect();
    if !errors.is_empty() {
        let text = |get: &dyn Fn(&NewTxLog, &NewErrorLog) -> String| -> Vec<String> {
            errors
                .iter()
                .map(|(_, log, error)| get(log, error))
                .collect()
        };
        sqlx::query(
            "INSERT INTO error_logs (log_seq, component, reason, message, salesforce_record_id, task_id) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])",
        )
        .bind(errors.iter().map(|(seq, _, _)| *seq).collect::<Vec<i64>>())
        .bind(text(&|_, e| e.component.clone()))
        .bind(text(&|_, e| e.reason.clone()))
        .bind(text(&|_, e| e.message.clone()))
        .bind(text(&|l, _| l.salesforce_record_id.clone()))
        .bind(text(&|l, _| l.task_id.clone()))
        .execute(&mut *tx)
        .await?;
    }
    let last = seqs.last().copied().unwrap_or_default();
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(LOG_CHANNEL)
        .bind(last.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(Some(last))
}
