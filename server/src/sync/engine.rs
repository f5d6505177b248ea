//! Carries out one run: builds the clients from the stored connections,
//! reads mappings and filters once, and hands over to the run's kind.

use tokio_util::sync::CancellationToken;

use super::clients::{stored_fno_client, stored_salesforce_client, stored_secrets};
use super::logger::RunLogger;
use super::mapping::Mappings;
use super::pass::{Pass, Progress};
use super::{batch, crm_to_fno, SyncContext};
use crate::error::Result;
use crate::store::filters;
use crate::store::runs::RunRecord;

/// How a run ended.
#[derive(Clone, Debug)]
pub struct Ended {
    /// Final state name.
    pub state: &'static str,
    /// Why, or a note on what happened.
    pub message: String,
}

impl Ended {
    /// The run failed as a whole.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            state: "failed",
            message: message.into(),
        }
    }

    /// The run was cancelled between records.
    pub fn cancelled() -> Self {
        Self {
            state: "cancelled",
            message: "cancelled by an operator or a shutdown".into(),
        }
    }

    /// The run completed with a note.
    pub fn completed_with(message: impl Into<String>) -> Self {
        Self {
            state: "completed",
            message: message.into(),
        }
    }

    /// Completed, or completed with failures, from the counters (total, done, failed).
    pub fn from_counters((_, done, failed): (i64, i64, i64)) -> Self {
        if failed > 0 {
            Self {
                state: "completed_with_failures",
                message: format!("{failed} of {done} records failed; see the transaction logs"),
            }
        } else {
            Self::completed_with(format!("{done} records synced"))
        }
    }
}

/// Carries out `run` until it ends or `shutdown` fires.
pub async fn execute(
    ctx: &SyncContext,
    run: &RunRecord,
    shutdown: &CancellationToken,
) -> Result<Ended> {
    let sf = match stored_salesforce_client(&ctx.pool, &ctx.secret_box, &ctx.outbound).await {
        Ok(client) => client,
        Err(error) => return Ok(Ended::failed(error.to_string())),
    };
    let fno = match stored_fno_client(&ctx.pool, &ctx.secret_box, &ctx.outbound).await {
        Ok(client) => client,
        Err(error) => return Ok(Ended::failed(error.to_string())),
    };
    let secrets = stored_secrets(&ctx.pool, &ctx.secret_box).await?;
    let mappings = Mappings::load(&ctx.pool).await?;
    let filters = filters::get_filters(&ctx.pool).await?;
    // A batch run taken over from its checkpoint keeps its counters; the
    // accounts it already synced are skipped.
    let progress = match (&run.checkpoint, run.kind.as_str()) {
        (Some(_), "scheduled" | "immediate") => {
            Progress::resume((run.records_total, run.records_done, run.records_failed))
        }
        _ => Progress::default(),
    };
    let logger = RunLogger::new(ctx.pool.clone(), &run.run_id, &run.requested_by, secrets);
    let mut pass = Pass::new(
        ctx,
        run,
        (sf, fno),
        (mappings, filters),
        logger,
        progress,
        shutdown,
    );
    let ended = match run.kind.as_str() {
        "one_time" => crm_to_fno::sync_account(&mut pass).await?,
        _ => batch::sync_window(&mut pass).await?,
    };
    pass.flush().await?;
    Ok(ended)
}
