//! The schedule of the scheduled sync (at most one row, `FNOSyncBatch`).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::schedule::{Timing, SCHEDULE_NAME};
use crate::error::{Error, Result};

/// The stored schedule.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScheduleRecord {
    /// Job name.
    pub name: String,
    /// `daily` or `cron`.
    pub timing_kind: String,
    /// Daily: `HH:MM`.
    pub time_of_day: Option<String>,
    /// Cron: the expression.
    pub cron_expression: Option<String>,
    /// IANA zone.
    pub time_zone: String,
    /// Paused schedules do not fire.
    pub paused: bool,
    /// Last fire.
    pub last_fire_at: Option<DateTime<Utc>>,
    /// Next fire; `None` while paused.
    pub next_fire_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Why it did not fire when it was due; `None` while it fires.
    pub held_reason: Option<String>,
}

impl ScheduleRecord {
    /// Rebuilds the timing from the stored columns.
    pub fn timing(&self) -> Option<Timing> {
        match self.timing_kind.as_str() {
            "daily" => Timing::daily(self.time_of_day.as_deref()?, &self.time_zone).ok(),
            "cron" => Timing::cron(self.cron_expression.as_deref()?, &self.time_zone).ok(),
            _ => None,
        }
    }
}

const COLUMNS: &str = "name, timing_kind, time_of_day, cron_expression, time_zone, paused, \
                       last_fire_at, next_fire_at, created_at, updated_at, held_reason";

struct TimingColumns {
    kind: &'static str,
    time_of_day: Option<String>,
    cron_expression: Option<String>,
    time_zone: String,
}

fn timing_columns(timing: &Timing) -> TimingColumns {
    match timing {
        Timing::Daily {
            time_of_day,
            time_zone,
        } => TimingColumns {
            kind: "daily",
            time_of_day: Some(time_of_day.format("%H:%M").to_string()),
            cron_expression: None,
            time_zone: time_zone.name().to_string(),
        },
        Timing::Cron {
            expression,
            time_zone,
        } => TimingColumns {
            kind: "cron",
            time_of_day: None,
            cron_expression: Some(expression.clone()),
            time_zone: time_zone.name().to_string(),
        },
    }
}

/// Reads the schedule, if one exists.
pub async fn get_schedule(db: impl PgExecutor<'_>) -> Result<Option<ScheduleRecord>> {
    Ok(sqlx::query_as::<_, ScheduleRecord>(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE name = $1"
    ))
    .bind(SCHEDULE_NAME)
    .fetch_optional(db)
    .await?)
}

/// Creates the schedule; an existing one is `AlreadyExists`.
pub async fn insert_schedule(
    db: impl PgExecutor<'_>,
    timing: &Timing,
    next_fire_at: Option<DateTime<Utc>>,
) -> Result<ScheduleRecord> {
    let columns = timing_columns(timing);
    sqlx::query_as::<_, ScheduleRecord>(&format!(
        "INSERT INTO schedules (name, timing_kind, time_of_day, cron_expression, time_zone, next_fire_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(SCHEDULE_NAME)
    .bind(columns.kind)
    .bind(columns.time_of_day)
    .bind(columns.cron_expression)
    .bind(columns.time_zone)
    .bind(next_fire_at)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| {
        Error::AlreadyExists(format!(
            "the schedule {SCHEDULE_NAME} exists already; use UpdateSchedule to change it"
        ))
    })
}

/// Replaces the timing and the next fire time.
pub async fn update_schedule_timing(
    db: impl PgExecutor<'_>,
    timing: &Timing,
    next_fire_at: Option<DateTime<Utc>>,
) -> Result<ScheduleRecord> {
    let columns = timing_columns(timing);
    sqlx::query_as::<_, ScheduleRecord>(&format!(
        "UPDATE schedules SET timing_kind = $2, time_of_day = $3, cron_expression = $4, \
         time_zone = $5, next_fire_at = CASE WHEN paused THEN NULL ELSE $6 END, updated_at = now() \
         WHERE name = $1 RETURNING {COLUMNS}"
    ))
    .bind(SCHEDULE_NAME)
    .bind(columns.kind)
    .bind(columns.time_of_day)
    .bind(columns.cron_expression)
    .bind(columns.time_zone)
    .bind(next_fire_at)
    .fetch_optional(db)
    .await?
    .ok_or_else(missing)
}

/// Pauses or resumes the schedule and sets its next fire time.
pub async fn set_schedule_paused(
    db: impl PgExecutor<'_>,
    paused: bool,
    next_fire_at: Option<DateTime<Utc>>,
) -> Result<ScheduleRecord> {
    sqlx::query_as::<_, ScheduleRecord>(&format!(
        "UPDATE schedules SET paused = $2, next_fire_at = $3, updated_at = now() \
         WHERE name = $1 RETURNING {COLUMNS}"
    ))
    .bind(SCHEDULE_NAME)
    .bind(paused)
    .bind(next_fire_at)
    .fetch_optional(db)
    .await?
    .ok_or_else(missing)
}

/// Deletes the schedule; none is `NotFound`.
pub async fn delete_schedule(db: impl PgExecutor<'_>) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM schedules WHERE name = $1")
        .bind(SCHEDULE_NAME)
        .execute(db)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(missing());
    }
    Ok(())
}

fn missing() -> Error {
    Error::not_found("schedule", SCHEDULE_NAME)
}

/// Locks the schedule when it is due and not paused, in the caller's
/// transaction; `None` when it is not due, or another replica holds it
/// (`SKIP LOCKED`: replicas do not wait on each other).
pub async fn lock_due(db: &mut sqlx::PgConnection) -> Result<Option<ScheduleRecord>> {
    Ok(sqlx::query_as::<_, ScheduleRecord>(&format!(
        "SELECT {COLUMNS} FROM schedules \
         WHERE name = $1 AND NOT paused AND next_fire_at <= now() FOR UPDATE SKIP LOCKED"
    ))
    .bind(SCHEDULE_NAME)
    .fetch_optional(db)
    .await?)
}

/// Notes why the due schedule does not fire (`None`: it fires again);
/// `true` when that changed.
pub async fn set_held(db: &mut sqlx::PgConnection, reason: Option<&str>) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE schedules SET held_reason = $2 WHERE name = $1 AND held_reason IS DISTINCT FROM $2",
    )
    .bind(SCHEDULE_NAME)
    .bind(reason)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Notes that the schedule fired now and fires next at `next`.
pub async fn record_fire(db: &mut sqlx::PgConnection, next: Option<DateTime<Utc>>) -> Result<()> {
    sqlx::query(
        "UPDATE schedules SET last_fire_at = now(), next_fire_at = $2, held_reason = NULL \
         WHERE name = $1",
    )
    .bind(SCHEDULE_NAME)
    .bind(next)
    .execute(db)
    .await?;
    Ok(())
}

/// The watermarks of the scheduled sync, each on its own system's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Watermarks {
    /// The end of the window of the last run without failures (Salesforce
    /// modification times are read against it).
    pub salesforce: Option<DateTime<Utc>>,
    /// The newest FNO `lastModifiedDateTime` that run read.
    pub fno: Option<DateTime<Utc>>,
}

/// Reads the watermarks of the scheduled sync.
pub async fn watermarks(db: impl PgExecutor<'_>) -> Result<Watermarks> {
    type Row = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let row: Option<Row> =
        sqlx::query_as("SELECT watermark, fno_watermark FROM schedules WHERE name = $1")
            .bind(SCHEDULE_NAME)
            .fetch_optional(db)
            .await?;
    Ok(row
        .map(|(salesforce, fno)| Watermarks { salesforce, fno })
        .unwrap_or_default())
}

/// Moves the watermarks forward to `to` (never back; an unset one stays).
pub async fn advance_watermarks(db: impl PgExecutor<'_>, to: Watermarks) -> Result<()> {
    sqlx::query(
        "UPDATE schedules SET \
         watermark = GREATEST(watermark, $2), fno_watermark = GREATEST(fno_watermark, $3) \
         WHERE name = $1",
    )
    .bind(SCHEDULE_NAME)
    .bind(to.salesforce)
    .bind(to.fno)
    .execute(db)
    .await?;
    Ok(())
}
