//! Sync runs: one row per run, keyed by its task ID.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::notifications::RUN_CHANNEL;
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
    /// Scheduled and immediate runs: where the last worker got to.
    pub checkpoint: Option<serde_json::Value>,
    /// Grows by one at each claim: the claiming worker's fence.
    pub lease_token: i64,
}

impl RunRecord {
    /// The lease its worker holds the run with, as claimed.
    pub fn lease(&self) -> Lease {
        Lease {
            run_id: self.run_id.clone(),
            token: self.lease_token,
        }
    }
}

/// A worker's hold on a run: every write of the run's state carries it and
/// is refused ([`Error::LeaseLost`]) once another worker has claimed the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The run.
    pub run_id: String,
    /// The token of the claim.
    pub token: i64,
}

impl Lease {
    fn lost(&self) -> Error {
        Error::LeaseLost {
            run_id: self.run_id.clone(),
        }
    }
}

const COLUMNS: &str = "run_id, kind, state, account_id, window_start, window_end, records_total, \
                       records_done, records_failed, requested_by, message, created_at, \
                       started_at, ended_at, checkpoint, lease_token";

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

/// A run to queue.
pub struct NewRun<'a> {
    /// `one_time`, `scheduled` or `immediate`.
    pub kind: &'static str,
    /// One-time: the account.
    pub account_id: &'a str,
    /// Immediate: the window.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Who asked.
    pub requested_by: &'a str,
}

/// Makes the task ID of a run queued at `now`: `YYYYMMDDhhmmss` in UTC, with
/// `-2`, `-3`… when runs start in the same second (these sort after the first).
pub fn task_id(now: DateTime<Utc>, attempt: u32) -> String {
    let base = now.format("%Y%m%d%H%M%S").to_string();
    if attempt <= 1 {
        base
    } else {
        format!("{base}-{attempt}")
    }
}

/// Queues a run under a fresh task ID and wakes the workers.
pub async fn insert_run(pool: &sqlx::PgPool, run: &NewRun<'_>) -> Result<RunRecord> {
    let mut connection = pool.acquire().await?;
    insert_run_on(&mut connection, run).await
}

/// Queues a run on a connection or in a transaction of the caller; inside a
/// transaction the workers are woken when it commits.
pub async fn insert_run_on(db: &mut sqlx::PgConnection, run: &NewRun<'_>) -> Result<RunRecord> {
    let now = Utc::now();
    for attempt in 1..=1000 {
        let inserted = sqlx::query_as::<_, RunRecord>(&format!(
            "INSERT INTO sync_runs (run_id, kind, account_id, window_start, window_end, requested_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id) DO NOTHING RETURNING {COLUMNS}"
        ))
        .bind(task_id(now, attempt))
        .bind(run.kind)
        .bind(run.account_id)
        .bind(run.window.map(|w| w.0))
        .bind(run.window.map(|w| w.1))
        .bind(run.requested_by)
        .fetch_optional(&mut *db)
        .await?;
        if let Some(record) = inserted {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(RUN_CHANNEL)
                .bind(&record.run_id)
                .execute(&mut *db)
                .await?;
            return Ok(record);
        }
    }
    Err(Error::Internal(anyhow::anyhow!(
        "no free task ID in this second"
    )))
}

/// Claims the oldest queued run, or a running one whose worker's lease ran
/// out, for `worker_id` until `lease_secs` from now.
pub async fn claim_run(
    pool: &sqlx::PgPool,
    worker_id: &str,
    lease_secs: f64,
) -> Result<Option<RunRecord>> {
    Ok(sqlx::query_as::<_, RunRecord>(&format!(
        "UPDATE sync_runs SET state = 'running', started_at = COALESCE(started_at, now()), \
         worker_id = $1, lease_until = now() + make_interval(secs => $2), \
         lease_token = lease_token + 1 \
         WHERE run_id = (SELECT run_id FROM sync_runs \
             WHERE state = 'queued' OR (state IN ('running', 'paused') AND lease_until < now()) \
             ORDER BY created_at, run_id LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING {COLUMNS}"
    ))
    .bind(worker_id)
    .bind(lease_secs)
    .fetch_optional(pool)
    .await?)
}

/// What operators asked of a running run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requests {
    /// Stop between records (also when the run is no longer this worker's).
    pub cancel: bool,
    /// Go on although the Salesforce API budget is under the floor.
    pub budget_override: bool,
}

/// Records progress and extends the lease; tells what operators asked.
pub async fn record_progress(
    pool: &sqlx::PgPool,
    lease: &Lease,
    progress: (i64, i64, i64),
    lease_secs: f64,
) -> Result<Requests> {
    let row: Option<(bool, bool)> = sqlx::query_as(
        "UPDATE sync_runs SET records_total = $3, records_done = $4, records_failed = $5, \
         lease_until = GREATEST(lease_until, now() + make_interval(secs => $6)) \
         WHERE run_id = $1 AND lease_token = $2 RETURNING cancel_requested, budget_override",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(progress.0)
    .bind(progress.1)
    .bind(progress.2)
    .bind(lease_secs)
    .fetch_optional(pool)
    .await?;
    let (cancel, budget_override) = row.ok_or_else(|| lease.lost())?;
    Ok(Requests {
        cancel,
        budget_override,
    })
}

/// Extends the lease of a run its worker still holds: the heartbeat of a
/// run in progress, whatever its records are doing.
pub async fn renew_lease(pool: &sqlx::PgPool, lease: &Lease, lease_secs: f64) -> Result<()> {
    let renewed = sqlx::query(
        "UPDATE sync_runs SET lease_until = GREATEST(lease_until, now() + make_interval(secs => $3)) \
         WHERE run_id = $1 AND lease_token = $2 AND state IN ('running', 'paused')",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(lease_secs)
    .execute(pool)
    .await?;
    fenced(renewed, lease)
}

fn fenced(done: sqlx::postgres::PgQueryResult, lease: &Lease) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(lease.lost());
    }
    Ok(())
}

/// Saves a run's checkpoint while its worker holds the lease.
pub async fn save_checkpoint(
    pool: &sqlx::PgPool,
    lease: &Lease,
    checkpoint: &serde_json::Value,
) -> Result<()> {
    let saved =
        sqlx::query("UPDATE sync_runs SET checkpoint = $3 WHERE run_id = $1 AND lease_token = $2")
            .bind(&lease.run_id)
            .bind(lease.token)
            .bind(checkpoint)
            .execute(pool)
            .await?;
    fenced(saved, lease)
}

/// Of `accounts`, returns those the run has already synced.
pub async fn accounts_done(
    pool: &sqlx::PgPool,
    run_id: &str,
    accounts: &[String],
) -> Result<std::collections::HashSet<String>> {
    let done: Vec<(String,)> = sqlx::query_as(
        "SELECT account_id FROM sync_run_accounts WHERE run_id = $1 AND account_id = ANY($2)",
    )
    .bind(run_id)
    .bind(accounts)
    .fetch_all(pool)
    .await?;
    Ok(done.into_iter().map(|(id,)| id).collect())
}

/// Notes accounts as synced in the run, each with whether it failed, in one
/// statement, while its worker holds the lease.
pub async fn mark_accounts_done(
    pool: &sqlx::PgPool,
    lease: &Lease,
    accounts: &[(String, bool)],
) -> Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let (ids, failed): (Vec<String>, Vec<bool>) = accounts.iter().cloned().unzip();
    let marked = sqlx::query(
        "INSERT INTO sync_run_accounts (run_id, account_id, failed) \
         SELECT $1, account_id, failed FROM unnest($3::text[], $4::bool[]) AS a(account_id, failed) \
         WHERE EXISTS (SELECT 1 FROM sync_runs WHERE run_id = $1 AND lease_token = $2) \
         ON CONFLICT (run_id, account_id) DO UPDATE SET failed = EXCLUDED.failed, done_at = now()",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(&ids)
    .bind(&failed)
    .execute(pool)
    .await?;
    fenced(marked, lease)
}

/// Counts the accounts the run synced and those it could not.
pub async fn count_accounts(pool: &sqlx::PgPool, run_id: &str) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE failed) FROM sync_run_accounts WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await?)
}

/// Lets a run paused for the Salesforce API budget go on under the floor.
/// Only a paused run can be resumed.
pub async fn request_resume(pool: &sqlx::PgPool, run_id: &str) -> Result<RunRecord> {
    let resumed = sqlx::query_as::<_, RunRecord>(&format!(
        "UPDATE sync_runs SET budget_override = TRUE WHERE run_id = $1 AND state = 'paused' \
         RETURNING {COLUMNS}"
    ))
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    match resumed {
        Some(run) => Ok(run),
        None => {
            let run = get_run(pool, run_id).await?;
            Err(Error::FailedPrecondition(format!(
                "run {run_id} is {}, not paused: only a run paused for the Salesforce API budget can be resumed",
                run.state
            )))
        }
    }
}

/// Puts a run its worker stopped (for a shutdown, or on a database error
/// that may pass) back in the queue with `message`, with its checkpoint, for
/// a worker to go on with; `None` when an operator asked to cancel it (it
/// then ends cancelled). Its account claims go with the lease.
pub async fn release_run(
    pool: &sqlx::PgPool,
    lease: &Lease,
    message: &str,
) -> Result<Option<RunRecord>> {
    let released = sqlx::query_as::<_, RunRecord>(&format!(
        "UPDATE sync_runs SET state = 'queued', worker_id = NULL, lease_until = NULL, message = $3 \
         WHERE run_id = $1 AND lease_token = $2 AND NOT cancel_requested RETURNING {COLUMNS}"
    ))
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(message)
    .fetch_optional(pool)
    .await?;
    if released.is_some() {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(RUN_CHANNEL)
            .bind(&lease.run_id)
            .execute(pool)
            .await?;
    }
    if released.is_none() && get_run(pool, &lease.run_id).await?.lease_token != lease.token {
        return Err(lease.lost());
    }
    Ok(released)
}

/// Ends a run in a final state with a message, while its worker holds the
/// lease; its account claims end with it.
pub async fn finish_run(
    pool: &sqlx::PgPool,
    lease: &Lease,
    state: &str,
    message: &str,
) -> Result<RunRecord> {
    sqlx::query_as::<_, RunRecord>(&format!(
        "UPDATE sync_runs SET state = $3, message = $4, ended_at = now(), lease_until = NULL \
         WHERE run_id = $1 AND lease_token = $2 RETURNING {COLUMNS}"
    ))
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(state)
    .bind(message)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| lease.lost())
}

/// Asks a run to stop: a queued run is cancelled at once, a running one
/// between records. Returns the run as it is after the request.
pub async fn request_cancel(pool: &sqlx::PgPool, run_id: &str) -> Result<RunRecord> {
    sqlx::query_as::<_, RunRecord>(&format!(
        "UPDATE sync_runs SET cancel_requested = TRUE, \
         state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END, \
         ended_at = CASE WHEN state = 'queued' THEN now() ELSE ended_at END \
         WHERE run_id = $1 RETURNING {COLUMNS}"
    ))
    .bind(run_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::not_found("sync run", run_id))
}

/// Marks a running run paused (or running again) with a message, and
/// extends its lease, while its worker holds the lease.
pub async fn set_paused(
    pool: &sqlx::PgPool,
    lease: &Lease,
    paused: bool,
    message: &str,
    lease_secs: f64,
) -> Result<()> {
    let set = sqlx::query(
        "UPDATE sync_runs SET state = $3, message = $4, \
         lease_until = GREATEST(lease_until, now() + make_interval(secs => $5)) \
         WHERE run_id = $1 AND lease_token = $2",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(if paused { "paused" } else { "running" })
    .bind(message)
    .bind(lease_secs)
    .execute(pool)
    .await?;
    fenced(set, lease)
}

/// Counts the runs waiting for a worker.
pub async fn count_queued(pool: &sqlx::PgPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE state = 'queued'")
            .fetch_one(pool)
            .await?,
    )
}
