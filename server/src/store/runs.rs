//! Sync runs: one row per run, keyed by its task ID.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::error::{Error, Result};

/// A stored run.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRecord {
    /// Task ID.
    pub run_id: String,
    /// `one_time`, `scheduled` or `immediate`.
    pub kind: String,
    /// State name as stored.
    pub state: String,
    /// One-time: the account.
    pub account_id: String,
    /// Immediate: window start.
    pub window_start: Option<DateTime<Utc>>,
    /// Immediate: window end.
    pub window_end: Option<DateTime<Utc>>,
    /// Records to process.
    pub records_total: i64,
    /// Records processed.
    pub records_done: i64,
    /// Records failed.
    pub records_failed: i64,
    /// Who started it.
    pub requested_by: String,
    /// Why it failed or paused.
    pub message: String,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Started at.
    pub started_at: Option<DateTime<Utc>>,
    /// Ended at.
    pub ended_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "run_id, kind, state, account_id, window_start, window_end, records_total, \
                       records_done, records_failed, requested_by, message, created_at, \
                       started_at, ended_at";

/// Reads one run; unknown is `NotFound`.
pub async fn get_run(db: impl PgExecutor<'_>, run_id: &str) -> Result<RunRecord> {
    sqlx::query_as::<_, RunRecord>(&format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE run_id = $1"
    ))
    .bind(run_id)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::not_found("sync run", run_id))
}

/// Filters of `list_runs`.
#[derive(Clone, Debug, Default)]
pub struct RunFilter {
    /// Only this kind.
    pub kind: Option<&'static str>,
    /// Only this state.
    pub state: Option<&'static str>,
    /// Only runs whose task ID sorts before this one (the page cursor).
    pub before_run_id: Option<String>,
}

/// Lists runs newest first; task IDs sort by start time.
pub async fn list_runs(
    db: impl PgExecutor<'_>,
    filter: &RunFilter,
    limit: i64,
) -> Result<Vec<RunRecord>> {
    Ok(sqlx::query_as::<_, RunRecord>(&format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE ($1::text IS NULL OR kind = $1) \
         AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR run_id < $3) \
         ORDER BY run_id DESC LIMIT $4"
    ))
    .bind(filter.kind)
    .bind(filter.state)
    .bind(filter.before_run_id.as_deref())
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Returns the newest run, if any.
pub async fn latest_run(db: impl PgExecutor<'_>) -> Result<Option<RunRecord>> {
    Ok(sqlx::query_as::<_, RunRecord>(&format!(
        "SELECT {COLUMNS} FROM sync_runs ORDER BY run_id DESC LIMIT 1"
    ))
    .fetch_optional(db)
    .await?)
}

/// Counts runs queued since `since`.
pub async fn count_runs_since(db: impl PgExecutor<'_>, since: DateTime<Utc>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE created_at >= $1")
            .bind(since)
            .fetch_one(db)
            .await?,
    )
}
