//! Keeps a run within the Salesforce org's daily API budget: when fewer
//! requests than the floor remain, the run pauses (state `paused`, with a log
//! saying why) and checks again now and then, holding its lease; it goes on
//! when the budget is back (at Salesforce's daily reset, or when an
//! administrator raises the limit) or stops when it is cancelled.

use tokio::time::sleep;

use super::pass::{Pass, SALESFORCE_COMPONENT};
use crate::error::Result;
use crate::store::runs;

/// Step name of budget pauses.
pub const BUDGET_STEP: &str = "Salesforce API Budget";

/// Waits while the remaining budget is under the floor; `false` when the run
/// was cancelled meanwhile.
pub async fn wait_for_budget(pass: &mut Pass<'_>) -> Result<bool> {
    let floor = pass.ctx.budget_floor;
    let Some(remaining) = pass.sf.api_remaining() else {
        return Ok(true);
    };
    if remaining >= floor {
        return Ok(true);
    }
    let message = format!("paused: {remaining} Salesforce API requests left today, under the floor of {floor}; the run goes on when the budget is back");
    pass.failed_step(
        BUDGET_STEP,
        "",
        SALESFORCE_COMPONENT,
        format!("API budget under the floor ({remaining} < {floor})"),
        message.clone(),
    )
    .await?;
    let lease = pass.ctx.lease.as_secs_f64() + pass.ctx.budget_check.as_secs_f64();
    runs::set_paused(&pass.ctx.pool, &pass.run.run_id, true, &message, lease).await?;
    tracing::warn!(run_id = %pass.run.run_id, remaining, floor, "run paused for the salesforce api budget");
    loop {
        tokio::select! {
            _ = pass.shutdown.cancelled() => return Ok(false),
            _ = sleep(pass.ctx.budget_check) => {}
        }
        // One cheap call refreshes the reading (and extends the lease).
        let _ = pass.sf.limits().await;
        pass.record_progress_only().await?;
        let remaining = pass.sf.api_remaining().unwrap_or(u64::MAX);
        if pass.is_cancelled() {
            return Ok(false);
        }
        if remaining >= floor {
            runs::set_paused(
                &pass.ctx.pool,
                &pass.run.run_id,
                false,
                "",
                pass.ctx.lease.as_secs_f64(),
            )
            .await?;
            pass.completed(
                BUDGET_STEP,
                "",
                format!("resumed: {remaining} Salesforce API requests left today"),
            )
            .await?;
            return Ok(true);
        }
        runs::set_paused(&pass.ctx.pool, &pass.run.run_id, true, &message, lease).await?;
    }
}
