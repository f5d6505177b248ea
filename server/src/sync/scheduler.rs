//! Fires the scheduled sync `FNOSyncBatch`. Firing is one transaction: the
//! schedule row is locked (`SKIP LOCKED`, so replicas do not wait on each
//! other), its next fire time moved on and the run queued. The row's next
//! fire time is only due once, so each fire time gives exactly one run,
//! however many replicas tick; fires missed while no replica ran give one
//! run at start-up, not one per missed fire.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::domain::run::{Run, RunKind};
use crate::domain::schedule::SCHEDULE_NAME;
use crate::error::Result;
use crate::license::{check, LicenseCheck, LicenseState, LicenseVerifier};
use crate::store::licenses;
use crate::store::runs::{self, NewRun};
use crate::store::schedules;
use crate::telemetry_metrics::SCHEDULE_HELD;

/// How the stored licence stands today: scheduled and event-driven runs
/// start only while it is valid.
pub async fn stored_licence(
    db: impl sqlx::PgExecutor<'_>,
    verifier: &LicenseVerifier,
) -> Result<LicenseCheck> {
    let stored = licenses::get_license(db).await?;
    Ok(check(
        verifier,
        stored
            .as_ref()
            .map(|l| (l.license_key.as_str(), l.expiry_date)),
        Utc::now().date_naive(),
    ))
}

/// Queues the scheduled run when the schedule is due and the licence valid; returns it.
pub async fn fire_if_due(pool: &sqlx::PgPool, verifier: &LicenseVerifier) -> Result<Option<Run>> {
    let mut tx = pool.begin().await?;
    let Some(schedule) = schedules::lock_due(&mut tx).await? else {
        return Ok(None);
    };
    let licence = stored_licence(&mut *tx, verifier).await?;
    if licence.state != LicenseState::Valid {
        let reason = format!(
            "due, but scheduled syncs do not run without a valid licence: {}",
            licence.message
        );
        if schedules::set_held(&mut tx, Some(&reason)).await? {
            tracing::warn!(%reason, "the scheduled sync does not fire");
        }
        tx.commit().await?;
        metrics::gauge!(SCHEDULE_HELD).set(1.0);
        return Ok(None);
    }
    if schedule.held_reason.is_some() {
        tracing::info!("the licence is valid again: the scheduled sync fires");
    }
    metrics::gauge!(SCHEDULE_HELD).set(0.0);
    let next = match schedule.timing() {
        Some(timing) => timing.next_fire_after(Utc::now()),
        None => {
            tracing::error!(
                kind = %schedule.timing_kind,
                "the stored schedule cannot be read; it fires now and not again until it is set anew"
            );
            None
        }
    };
    schedules::record_fire(&mut tx, next).await?;
    let new_run = NewRun {
        kind: RunKind::Scheduled,
        account_id: "",
        account_ids: &[],
        retry_of: "",
        window: None,
        requested_by: SCHEDULE_NAME,
    };
    let run = runs::insert_run_on(&mut tx, &new_run).await?;
    tx.commit().await?;
    tracing::info!(run_id = %run.run_id, next_fire = ?next, "scheduled sync fired");
    Ok(Some(run))
}

/// Checks the schedule every `tick` until `shutdown`.
pub async fn run_scheduler(
    pool: sqlx::PgPool,
    verifier: LicenseVerifier,
    tick: Duration,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(error) = fire_if_due(&pool, &verifier).await {
            tracing::warn!(%error, "scheduler tick failed; retrying");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(tick) => {}
        }
    }
}
