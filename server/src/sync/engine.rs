//! Carries out one run. The steps of a one-time sync live in `crm_to_fno`.

use tokio_util::sync::CancellationToken;

use super::SyncContext;
use crate::error::Result;
use crate::store::runs::RunRecord;

/// How a run ended.
#[derive(Clone, Debug)]
pub struct Ended {
    /// Final state name.
    pub state: &'static str,
    /// Why, when it did not complete.
    pub message: String,
}

/// Carries out `run` until it ends or `shutdown` fires.
pub async fn execute(
    _ctx: &SyncContext,
    run: &RunRecord,
    _shutdown: &CancellationToken,
) -> Result<Ended> {
    Ok(Ended {
        state: "failed",
        message: format!(
            "{} syncs are not available in this version",
            run.kind.replace('_', "-")
        ),
    })
}
