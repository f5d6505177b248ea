//! Workers: each claims the next queued run (`FOR UPDATE SKIP LOCKED`, so
//! replicas never share one), carries it out and records how it ended. An
//! idle worker waits for a `fnosync_runs` notification or a short tick.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::engine;
use super::SyncContext;
use crate::error::Result;
use crate::store::runs;
use crate::telemetry_metrics::{LAST_SCHEDULED_SUCCESS, QUEUE_DEPTH, SYNC_RUNS};

/// What one step of a worker did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No run was waiting.
    Idle,
    /// A run was carried out and ended in `state`.
    Ran {
        /// The run's task ID.
        run_id: String,
        /// Its final state.
        state: String,
    },
}

/// How often an idle worker looks for runs when no notification comes.
const IDLE_TICK: Duration = Duration::from_secs(2);

/// Claims and carries out at most one run.
pub async fn run_once(ctx: &SyncContext, shutdown: &CancellationToken) -> Result<Outcome> {
    let lease_secs = ctx.lease.as_secs_f64();
    metrics::gauge!(QUEUE_DEPTH).set(runs::count_queued(&ctx.pool).await? as f64);
    let Some(run) = runs::claim_run(&ctx.pool, &ctx.worker_id, lease_secs).await? else {
        return Ok(Outcome::Idle);
    };
    let run_id = run.run_id.clone();
    let span = tracing::info_span!("sync_run", run_id = %run_id, kind = %run.kind);
    let result = tracing::Instrument::instrument(engine::execute(ctx, &run, shutdown), span).await;
    let (state, message) = match result {
        Ok(ended) => (ended.state, ended.message),
        Err(error) => {
            tracing::error!(run_id = %run_id, %error, "sync run failed");
            (
                "failed",
                format!("the run stopped on an unexpected error: {error}"),
            )
        }
    };
    if state == "cancelled" && shutdown.is_cancelled() {
        if let Some(released) = runs::release_run(&ctx.pool, &run_id).await? {
            tracing::info!(run_id = %run_id, "sync run queued again for another worker: this server is stopping");
            return Ok(Outcome::Ran {
                run_id,
                state: released.state,
            });
        }
    }
    let finished = runs::finish_run(&ctx.pool, &run_id, state, &message).await?;
    metrics::counter!(SYNC_RUNS, "kind" => finished.kind.clone(), "outcome" => state).increment(1);
    if finished.kind == "scheduled" && state == "completed" {
        metrics::gauge!(LAST_SCHEDULED_SUCCESS).set(chrono::Utc::now().timestamp() as f64);
    }
    tracing::info!(run_id = %run_id, state, done = finished.records_done, failed = finished.records_failed, "sync run ended");
    Ok(Outcome::Ran {
        run_id,
        state: state.to_string(),
    })
}

/// Runs a worker until `shutdown`: it carries out runs one after another and
/// waits for new ones when idle.
pub async fn run_worker(ctx: SyncContext, shutdown: CancellationToken) {
    let mut listener = match PgListener::connect_with(&ctx.pool).await {
        Ok(mut listener) => match listener.listen("fnosync_runs").await {
            Ok(()) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, "cannot listen for new runs; polling instead");
                None
            }
        },
        Err(error) => {
            tracing::warn!(%error, "cannot listen for new runs; polling instead");
            None
        }
    };
    while !shutdown.is_cancelled() {
        match run_once(&ctx, &shutdown).await {
            Ok(Outcome::Ran { .. }) => continue,
            Ok(Outcome::Idle) => {}
            Err(error) => tracing::warn!(%error, "worker step failed; retrying"),
        }
        let notified = async {
            match listener.as_mut() {
                Some(listener) => {
                    let _ = listener.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = notified => {}
            _ = tokio::time::sleep(IDLE_TICK) => {}
        }
    }
}
