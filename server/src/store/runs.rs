//! Sync runs: one row per run, keyed by its task ID.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::notifications::RUN_CHANNEL;
use crate::domain::run::{Lease, Run, RunCounters, RunKind, RunState};
use crate::error::{Error, Result};

/// A row of `sync_runs`, as read; see [`Run`] for what it means.
#[derive(sqlx::FromRow)]
struct RunRow {
    run_id: String,
    kind: String,
    state: String,
    account_id: String,
    account_ids: Vec<String>,
    retry_of: String,
    window_start: Option<DateTime<Utc>>,
    window_end: Option<DateTime<Utc>>,
    records_total: i64,
    records_done: i64,
    records_failed: i64,
    requested_by: String,
    message: String,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    checkpoint: Option<serde_json::Value>,
    lease_token: i64,
}

impl TryFrom<RunRow> for Run {
    type Error = Error;

    fn try_from(row: RunRow) -> Result<Self> {
        let unknown = |what: &str, name: &str| {
            Error::Internal(anyhow::anyhow!(
                "sync run {} has an unknown {what} {name:?}",
                row.run_id
            ))
        };
        let kind = RunKind::parse(&row.kind).ok_or_else(|| unknown("kind", &row.kind))?;
        let state = RunState::parse(&row.state).ok_or_else(|| unknown("state", &row.state))?;
        Ok(Run {
            kind,
            state,
            counters: RunCounters {
                total: row.records_total,
                done: row.records_done,
                failed: row.records_failed,
            },
            run_id: row.run_id,
            account_id: row.account_id,
            account_ids: row.account_ids,
            retry_of: row.retry_of,
            window_start: row.window_start,
            window_end: row.window_end,
            requested_by: row.requested_by,
            message: row.message,
            created_at: row.created_at,
            started_at: row.started_at,
            ended_at: row.ended_at,
            checkpoint: row.checkpoint,
            lease_token: row.lease_token,
        })
    }
}

/// The error of a write refused because another worker claimed the run.
fn lost(lease: &Lease) -> Error {
    Error::LeaseLost {
        run_id: lease.run_id.clone(),
    }
}

fn one(row: RunRow) -> Result<Run> {
    Run::try_from(row)
}

fn maybe(row: Option<RunRow>) -> Result<Option<Run>> {
    row.map(Run::try_from).transpose()
}

const COLUMNS: &str =
    "run_id, kind, state, account_id, account_ids, retry_of, window_start, window_end, records_total, \
                       records_done, records_failed, requested_by, message, created_at, \
                       started_at, ended_at, checkpoint, lease_token";

/// Reads one run; unknown is `NotFound`.
pub async fn get_run(db: impl PgExecutor<'_>, run_id: &str) -> Result<Run> {
    sqlx::query_as::<_, RunRow>(&format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE run_id = $1"
    ))
    .bind(run_id)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::not_found("sync run", run_id))
    .and_then(one)
}

/// Filters of `list_runs`.
#[derive(Clone, Debug, Default)]
pub struct RunFilter {
    /// Only this kind.
    pub kind: Option<RunKind>,
    /// Only this state.
    pub state: Option<RunState>,
    /// Only runs whose task ID sorts before this one (the page cursor).
    pub before_run_id: Option<String>,
}

/// Lists runs newest first; task IDs sort by start time.
pub async fn list_runs(
    db: impl PgExecutor<'_>,
    filter: &RunFilter,
    limit: i64,
) -> Result<Vec<Run>> {
    sqlx::query_as::<_, RunRow>(&format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE ($1::text IS NULL OR kind = $1) \
         AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR run_id < $3) \
         ORDER BY run_id DESC LIMIT $4"
    ))
    .bind(filter.kind.map(RunKind::as_str))
    .bind(filter.state.map(RunState::as_str))
    .bind(filter.before_run_id.as_deref())
    .bind(limit)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(one)
    .collect()
}

/// Returns the newest run, if any.
pub async fn latest_run(db: impl PgExecutor<'_>) -> Result<Option<Run>> {
    maybe(
        sqlx::query_as::<_, RunRow>(&format!(
            "SELECT {COLUMNS} FROM sync_runs ORDER BY run_id DESC LIMIT 1"
        ))
        .fetch_optional(db)
        .await?,
    )
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
    /// What starts it.
    pub kind: RunKind,
    /// One-time: the account.
    pub account_id: &'a str,
    /// Event: the accounts.
    pub account_ids: &'a [String],
    /// Retry: the run retried.
    pub retry_of: &'a str,
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
pub async fn insert_run(pool: &sqlx::PgPool, run: &NewRun<'_>) -> Result<Run> {
    let mut connection = pool.acquire().await?;
    insert_run_on(&mut connection, run).await
}

/// Queues a run on a connection or in a transaction of the caller; inside a
/// transaction the workers are woken when it commits.
pub async fn insert_run_on(db: &mut sqlx::PgConnection, run: &NewRun<'_>) -> Result<Run> {
    let now = Utc::now();
    for attempt in 1..=1000 {
        let inserted = sqlx::query_as::<_, RunRow>(&format!(
            "INSERT INTO sync_runs (run_id, kind, account_id, account_ids, window_start, window_end, requested_by, retry_of) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id) DO NOTHING RETURNING {COLUMNS}"
        ))
        .bind(task_id(now, attempt))
        .bind(run.kind.as_str())
        .bind(run.account_id)
        .bind(run.account_ids)
        .bind(run.window.map(|w| w.0))
        .bind(run.window.map(|w| w.1))
        .bind(run.requested_by)
        .bind(run.retry_of)
        .fetch_optional(&mut *db)
        .await?;
        if let Some(record) = inserted {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(RUN_CHANNEL)
                .bind(&record.run_id)
                .execute(&mut *db)
                .await?;
            return one(record);
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
) -> Result<Option<Run>> {
    maybe(
        sqlx::query_as::<_, RunRow>(&format!(
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
        .await?,
    )
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
    db: impl PgExecutor<'_>,
    lease: &Lease,
    counters: RunCounters,
    lease_secs: f64,
) -> Result<Requests> {
    let row: Option<(bool, bool)> = sqlx::query_as(
        "UPDATE sync_runs SET records_total = $3, records_done = $4, records_failed = $5, \
         lease_until = GREATEST(lease_until, now() + make_interval(secs => $6)) \
         WHERE run_id = $1 AND lease_token = $2 RETURNING cancel_requested, budget_override",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(counters.total)
    .bind(counters.done)
    .bind(counters.failed)
    .bind(lease_secs)
    .fetch_optional(db)
    .await?;
    let (cancel, budget_override) = row.ok_or_else(|| lost(lease))?;
    Ok(Requests {
        cancel,
        budget_override,
    })
}

/// Extends the lease of a run its worker still holds: the heartbeat of a
/// run in progress, whatever its records are doing. Tells whether an
/// operator asked to cancel the run.
pub async fn renew_lease(pool: &sqlx::PgPool, lease: &Lease, lease_secs: f64) -> Result<bool> {
    let renewed: Option<(bool,)> = sqlx::query_as(
        "UPDATE sync_runs SET lease_until = GREATEST(lease_until, now() + make_interval(secs => $3)) \
         WHERE run_id = $1 AND lease_token = $2 AND state IN ('running', 'paused') \
         RETURNING cancel_requested",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(lease_secs)
    .fetch_optional(pool)
    .await?;
    renewed.map(|(cancel,)| cancel).ok_or_else(|| lost(lease))
}

pub(super) fn fenced(done: sqlx::postgres::PgQueryResult, lease: &Lease) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(lost(lease));
    }
    Ok(())
}

/// Saves a run's checkpoint while its worker holds the lease.
pub async fn save_checkpoint(
    db: impl PgExecutor<'_>,
    lease: &Lease,
    checkpoint: &serde_json::Value,
) -> Result<()> {
    let saved =
        sqlx::query("UPDATE sync_runs SET checkpoint = $3 WHERE run_id = $1 AND lease_token = $2")
            .bind(&lease.run_id)
            .bind(lease.token)
            .bind(checkpoint)
            .execute(db)
            .await?;
    fenced(saved, lease)
}

/// Saves (`Some`, as JSON) or clears (`None`) the write-back a run recorded
/// and has not sent yet, while its worker holds the lease.
pub async fn set_pending_write_back<T: serde::Serialize + Sync + ?Sized>(
    db: impl PgExecutor<'_>,
    lease: &Lease,
    write_back: Option<&T>,
) -> Result<()> {
    let saved = sqlx::query(
        "UPDATE sync_runs SET pending_write_back = $3 WHERE run_id = $1 AND lease_token = $2",
    )
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(write_back.map(sqlx::types::Json))
    .execute(db)
    .await?;
    fenced(saved, lease)
}

/// The write-back a run recorded and did not send: its worker died (or
/// lost the run) after the record and before the write-back was done.
pub async fn pending_write_back(
    db: impl PgExecutor<'_>,
    run_id: &str,
) -> Result<Option<serde_json::Value>> {
    let pending: Option<Option<serde_json::Value>> =
        sqlx::query_scalar("SELECT pending_write_back FROM sync_runs WHERE run_id = $1")
            .bind(run_id)
            .fetch_optional(db)
            .await?;
    Ok(pending.flatten())
}

/// Notes the accounts a run syncs, once it knows them, while its worker
/// holds the lease.
pub async fn set_account_ids(
    pool: &sqlx::PgPool,
    lease: &Lease,
    accounts: &[String],
) -> Result<()> {
    let saved =
        sqlx::query("UPDATE sync_runs SET account_ids = $3 WHERE run_id = $1 AND lease_token = $2")
            .bind(&lease.run_id)
            .bind(lease.token)
            .bind(accounts)
            .execute(pool)
            .await?;
    fenced(saved, lease)
}

/// Reads one run and locks its row until the transaction ends; unknown is
/// `NotFound`.
pub async fn lock_run(db: &mut sqlx::PgConnection, run_id: &str) -> Result<Run> {
    sqlx::query_as::<_, RunRow>(&format!(
        "SELECT {COLUMNS} FROM sync_runs WHERE run_id = $1 FOR UPDATE"
    ))
    .bind(run_id)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::not_found("sync run", run_id))
    .and_then(one)
}

/// The newest retry of `run_id`, if any.
pub async fn latest_retry_of(db: impl PgExecutor<'_>, run_id: &str) -> Result<Option<Run>> {
    maybe(
        sqlx::query_as::<_, RunRow>(&format!(
            "SELECT {COLUMNS} FROM sync_runs WHERE retry_of = $1 ORDER BY created_at DESC, run_id DESC LIMIT 1"
        ))
        .bind(run_id)
        .fetch_optional(db)
        .await?,
    )
}

/// Lets a run paused for the Salesforce API budget go on under the floor.
/// Only a paused run can be resumed.
pub async fn request_resume(pool: &sqlx::PgPool, run_id: &str) -> Result<Run> {
    let resumed = sqlx::query_as::<_, RunRow>(&format!(
        "UPDATE sync_runs SET budget_override = TRUE WHERE run_id = $1 AND state = 'paused' \
         RETURNING {COLUMNS}"
    ))
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    match resumed {
        Some(run) => one(run),
        None => {
            let run = get_run(pool, run_id).await?;
            Err(Error::FailedPrecondition(format!(
                "run {run_id} is {}, not paused: only a run paused for the Salesforce API budget can be resumed",
                run.state.as_str()
            )))
        }
    }
}

/// Puts a run its worker stopped (for a shutdown, or on a database error
/// that may pass) back in the queue with `message`, with its checkpoint, for
/// a worker to go on with; `None` when an operator asked to cancel it (it
/// then ends cancelled). Its account claims go with the lease.
pub async fn release_run(pool: &sqlx::PgPool, lease: &Lease, message: &str) -> Result<Option<Run>> {
    let released = sqlx::query_as::<_, RunRow>(&format!(
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
        return Err(lost(lease));
    }
    maybe(released)
}

/// Ends a run in a final state with a message, while its worker holds the
/// lease; its account claims end with it.
pub async fn finish_run(
    pool: &sqlx::PgPool,
    lease: &Lease,
    state: RunState,
    message: &str,
) -> Result<Run> {
    sqlx::query_as::<_, RunRow>(&format!(
        "UPDATE sync_runs SET state = $3, message = $4, ended_at = now(), lease_until = NULL \
         WHERE run_id = $1 AND lease_token = $2 RETURNING {COLUMNS}"
    ))
    .bind(&lease.run_id)
    .bind(lease.token)
    .bind(state.as_str())
    .bind(message)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| lost(lease))
    .and_then(one)
}

/// Asks a run to stop: a queued run is cancelled at once, a running one
/// between records. Returns the run as it is after the request.
pub async fn request_cancel(pool: &sqlx::PgPool, run_id: &str) -> Result<Run> {
    sqlx::query_as::<_, RunRow>(&format!(
        "UPDATE sync_runs SET cancel_requested = TRUE, \
         state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END, \
         ended_at = CASE WHEN state = 'queued' THEN now() ELSE ended_at END \
         WHERE run_id = $1 RETURNING {COLUMNS}"
    ))
    .bind(run_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::not_found("sync run", run_id))
    .and_then(one)
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
    .bind(
        if paused {
            RunState::Paused
        } else {
            RunState::Running
        }
        .as_str(),
    )
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
