//! Fires the scheduled sync `FNOSyncBatch`. Firing is one transaction: the
//! schedule row is locked (`SKIP LOCKED`, so replicas do not wait on each
//! other), its next fire time moved on and the run queued. The row's next
//! fire time is only due once, so each fire time gives exactly one run,
//! however many replicas tick; fires missed while no replica ran give one
//! run at start-up, not one per missed fire.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::domain::schedule::{Timing, SCHEDULE_NAME};
use crate::error::Result;
use crate::store::runs::{self, NewRun, RunRecord};

/// Queues the scheduled run when the schedule is due; returns it.
pub async fn fire_if_due(pool: &sqlx::PgPool) -> Result<Option<RunRecord>> {
    let mut tx = pool.begin().await?;
    let due: Option<(String, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT timing_kind, time_of_day, cron_expression, time_zone FROM schedules \
         WHERE name = $1 AND NOT paused AND next_fire_at <= now() FOR UPDATE SKIP LOCKED",
    )
    .bind(SCHEDULE_NAME)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((kind, time_of_day, expression, zone)) = due else {
        return Ok(None);
    };
    let timing = match kind.as_str() {
        "daily" => Timing::daily(time_of_day.as_deref().unwrap_or_default(), &zone),
        _ => Timing::cron(expression.as_deref().unwrap_or_default(), &zone),
    };
    let next = timing.ok().and_then(|t| t.next_fire_after(Utc::now()));
    sqlx::query("UPDATE schedules SET last_fire_at = now(), next_fire_at = $2 WHERE name = $1")
        .bind(SCHEDULE_NAME)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    let new_run = NewRun {
        kind: "scheduled",
        account_id: "",
        window: None,
        requested_by: SCHEDULE_NAME,
    };
    let run = runs::insert_run_on(&mut tx, &new_run).await?;
    tx.commit().await?;
    tracing::info!(run_id = %run.run_id, next_fire = ?next, "scheduled sync fired");
    Ok(Some(run))
}

/// Checks the schedule every `tick` until `shutdown`.
pub async fn run_scheduler(pool: sqlx::PgPool, tick: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(error) = fire_if_due(&pool).await {
            tracing::warn!(%error, "scheduler tick failed; retrying");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(tick) => {}
        }
    }
}

/// Reads the watermark of the scheduled sync.
pub async fn watermark(pool: &sqlx::PgPool) -> Result<Option<chrono::DateTime<Utc>>> {
    let row: Option<(Option<chrono::DateTime<Utc>>,)> =
        sqlx::query_as("SELECT watermark FROM schedules WHERE name = $1")
            .bind(SCHEDULE_NAME)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(w,)| w))
}

/// Moves the watermark to `to` after a successful scheduled run.
pub async fn advance_watermark(pool: &sqlx::PgPool, to: chrono::DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE schedules SET watermark = GREATEST(COALESCE(watermark, $2), $2) WHERE name = $1",
    )
    .bind(SCHEDULE_NAME)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(())
}
