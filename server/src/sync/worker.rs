//! Workers: each claims the next queued run (`FOR UPDATE SKIP LOCKED`, so
//! replicas never share one), carries it out and records how it ended. An
//! idle worker waits for a new run to be announced (see
//! [`crate::store::notifications`]) or a short tick.

use super::logger::steps::RUN_STEP;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::engine;
use super::logger::{RunLogger, Step, StepStatus};
use super::SyncContext;
use crate::domain::run::{Run, RunKind, RunState};
use crate::error::{Error, Result};
use crate::store::notifications::RUN_CHANNEL;
use crate::store::{self, claims, runs};
use crate::telemetry_metrics::{LAST_SCHEDULED_SUCCESS, QUEUE_DEPTH, SYNC_RUNS};

/// What one step of a worker did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No run was waiting.
    Idle,
    /// Another worker claimed the run while this one carried it out: this
    /// one stopped and left the run to it.
    TakenOver {
        /// The run's task ID.
        run_id: String,
    },
    /// A run was carried out and ended in `state`.
    Ran {
        /// The run's task ID.
        run_id: String,
        /// Its final state.
        state: RunState,
    },
}

/// How often an idle worker looks for runs when no notification comes.
const IDLE_TICK: Duration = Duration::from_secs(2);

/// Claims and carries out at most one run. A heartbeat renews the run's
/// lease while it is carried out; when another worker has claimed the run
/// meanwhile, the run stops between records and this worker writes nothing
/// more of its state.
pub async fn run_once(ctx: &SyncContext, shutdown: &CancellationToken) -> Result<Outcome> {
    let lease_secs = ctx.lease.as_secs_f64();
    metrics::gauge!(QUEUE_DEPTH).set(runs::count_queued(&ctx.pool).await? as f64);
    let Some(run) = runs::claim_run(&ctx.pool, &ctx.worker_id, lease_secs).await? else {
        return Ok(Outcome::Idle);
    };
    let run_id = run.run_id.clone();
    let lease = run.lease();
    let span = tracing::info_span!("sync_run", run_id = %run_id, kind = run.kind.as_str());
    let stop = shutdown.child_token();
    let result = tokio::select! {
        result = tracing::Instrument::instrument(engine::execute(ctx, &run, &stop), span) => result,
        never = heartbeat(ctx, &lease, &stop) => match never {},
    };
    let (state, message) = match result {
        Ok(ended) => (ended.state, ended.message),
        Err(Error::LeaseLost { .. }) => return taken_over(ctx, &run).await,
        Err(Error::Db(cause)) if store::is_transient(&cause) && run.lease_token < MAX_CLAIMS => {
            tracing::warn!(run_id = %run_id, error = %cause, "database error in a sync run; queued again");
            let message = format!(
                "a database error interrupted the run ({cause}); queued again to go on from its checkpoint"
            );
            return requeue(ctx, &run, &message).await;
        }
        Err(error) => {
            tracing::error!(run_id = %run_id, %error, "sync run failed");
            (
                RunState::Failed,
                format!("the run stopped on an unexpected error: {error}"),
            )
        }
    };
    if state == RunState::Cancelled && shutdown.is_cancelled() {
        tracing::info!(run_id = %run_id, "sync run stopped: this server is stopping");
        let message = "stopped by a server shutdown; queued again to go on from its checkpoint";
        if let outcome @ Outcome::Ran { .. } = requeue(ctx, &run, message).await? {
            return Ok(outcome);
        }
    }
    let finished = match runs::finish_run(&ctx.pool, &lease, state, &message).await {
        Ok(finished) => finished,
        Err(Error::LeaseLost { .. }) => return taken_over(ctx, &run).await,
        Err(error) => return Err(error),
    };
    claims::release_all(&ctx.pool, &run_id).await?;
    metrics::counter!(SYNC_RUNS, "kind" => finished.kind.as_str(), "outcome" => state.as_str())
        .increment(1);
    if finished.kind == RunKind::Scheduled && state == RunState::Completed {
        metrics::gauge!(LAST_SCHEDULED_SUCCESS).set(chrono::Utc::now().timestamp() as f64);
    }
    tracing::info!(
        run_id = %run_id,
        state = state.as_str(),
        done = finished.counters.done,
        failed = finished.counters.failed,
        "sync run ended"
    );
    Ok(Outcome::Ran { run_id, state })
}

/// Claims of one run after which a database error fails it rather than
/// queueing it again.
const MAX_CLAIMS: i64 = 5;

/// Puts the run back in the queue with its checkpoint and `message`, noted
/// in its log; `Idle` when an operator asked to cancel it (the caller ends it).
async fn requeue(ctx: &SyncContext, run: &Run, message: &str) -> Result<Outcome> {
    match runs::release_run(&ctx.pool, &run.lease(), message).await {
        Ok(Some(released)) => {
            note(ctx, run, message).await?;
            Ok(Outcome::Ran {
                run_id: released.run_id,
                state: released.state,
            })
        }
        Ok(None) => Ok(Outcome::Idle),
        Err(Error::LeaseLost { .. }) => taken_over(ctx, run).await,
        Err(error) => Err(error),
    }
}

/// Writes one completed `Sync Run` log of the run.
async fn note(ctx: &SyncContext, run: &Run, note: &str) -> Result<()> {
    let logger = RunLogger::new(ctx.pool.clone(), &run.run_id, &run.requested_by, Vec::new());
    logger
        .log(Step {
            name: RUN_STEP,
            record_id: "",
            description: note.to_string(),
            status: StepStatus::Completed,
            error: None,
        })
        .await?;
    logger.flush().await
}

/// Notes in the run's log that this worker lost it and stopped.
async fn taken_over(ctx: &SyncContext, run: &Run) -> Result<Outcome> {
    let note = format!(
        "worker {} stopped: another worker took the run over after this one's lease ran out",
        ctx.worker_id
    );
    tracing::warn!(run_id = %run.run_id, worker = %ctx.worker_id, "sync run taken over by another worker; this worker stopped it");
    self::note(ctx, run, &note).await?;
    Ok(Outcome::TakenOver {
        run_id: run.run_id.clone(),
    })
}

/// Renews the run's lease every third of its length until the run ends;
/// when an operator cancelled the run or another worker has claimed it,
/// stops it (`stop`, which also ends any wait of the run) and waits for it
/// to wind down. A failed renewal (the database away) is tried again at
/// the next beat.
async fn heartbeat(
    ctx: &SyncContext,
    lease: &crate::domain::run::Lease,
    stop: &CancellationToken,
) -> std::convert::Infallible {
    let beat = ctx.lease / 3;
    loop {
        tokio::select! {
            _ = stop.cancelled() => std::future::pending::<()>().await,
            _ = tokio::time::sleep(beat) => {}
        }
        match runs::renew_lease(&ctx.pool, lease, ctx.lease.as_secs_f64()).await {
            Ok(false) => {}
            Ok(true) => {
                tracing::info!(run_id = %lease.run_id, "an operator cancelled the run; stopping it");
                stop.cancel();
            }
            Err(Error::LeaseLost { .. }) => {
                tracing::warn!(run_id = %lease.run_id, "the run's lease was lost to another worker; stopping it");
                stop.cancel();
            }
            Err(error) => {
                tracing::warn!(run_id = %lease.run_id, %error, "cannot renew the run's lease; trying again")
            }
        }
    }
}

/// Runs a worker until `shutdown`: it carries out runs one after another and
/// waits for new ones when idle.
pub async fn run_worker(ctx: SyncContext, shutdown: CancellationToken) {
    let mut announced = ctx.notifications.subscribe(RUN_CHANNEL);
    while !shutdown.is_cancelled() {
        match run_once(&ctx, &shutdown).await {
            Ok(Outcome::Ran { .. } | Outcome::TakenOver { .. }) => continue,
            Ok(Outcome::Idle) => {}
            Err(error) => tracing::warn!(%error, "worker step failed; retrying"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = announced.changed() => {}
            _ = tokio::time::sleep(IDLE_TICK) => {}
        }
    }
}
