//! Keeps a run within the Salesforce org's daily API budget: when fewer
//! requests than the floor remain, the run pauses (state `paused`, with a log
//! saying why) and checks again now and then, holding its lease; it goes on
//! when the budget is back (at Salesforce's daily reset, or when an
//! administrator raises the limit) or stops when it is cancelled.

use super::logger::steps::BUDGET_STEP;
use tokio::time::sleep;

use super::pass::{Pass, SALESFORCE_COMPONENT};
use crate::domain::run::RunKind;
use crate::error::Result;
use crate::store::runs;

/// How often a paused run reads operators' requests.
const REQUEST_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Tells whether the run should pause: the last reading of the remaining
/// budget is under the floor and no operator resumed the run past it. The
/// one-time sync of an account (a page of one account) does not pause.
pub fn under_floor(pass: &Pass<'_>) -> bool {
    pass.run.kind != RunKind::OneTime
        && !pass.budget_overridden()
        && pass
            .sf
            .api_remaining()
            .is_some_and(|remaining| remaining < pass.ctx.budget_floor)
}

/// Waits while the remaining budget is under the floor; `false` when the run
/// was cancelled meanwhile. An operator's resume ends the wait and lets the
/// run go on under the floor.
pub async fn wait_for_budget(pass: &mut Pass<'_>) -> Result<bool> {
    let floor = pass.ctx.budget_floor;
    if !under_floor(pass) {
        return Ok(true);
    }
    let remaining = pass.sf.api_remaining().unwrap_or_default();
    let message = format!("paused: {remaining} Salesforce API requests left today, under the floor of {floor}; the run goes on when the budget is back");
    pass.failed_step(
        BUDGET_STEP,
        "",
        SALESFORCE_COMPONENT,
        format!("API budget under the floor ({remaining} < {floor})"),
        message.clone(),
    )
    .await?;
    pass.logger.flush().await?;
    let lease = pass.ctx.lease.as_secs_f64() + pass.ctx.budget_check.as_secs_f64();
    runs::set_paused(&pass.ctx.pool, &pass.run.lease(), true, &message, lease).await?;
    tracing::warn!(run_id = %pass.run.run_id, remaining, floor, "run paused for the salesforce api budget");
    let mut last_reading = tokio::time::Instant::now();
    loop {
        // Operators' requests (cancel, resume) are read every second; the
        // budget itself every `budget_check`, with one cheap call.
        tokio::select! {
            _ = pass.stop.cancelled() => return Ok(false),
            _ = sleep(REQUEST_CHECK.min(pass.ctx.budget_check)) => {}
        }
        pass.record_progress_only().await?;
        if pass.is_cancelled() {
            return Ok(false);
        }
        if last_reading.elapsed() >= pass.ctx.budget_check {
            if let Err(error) = pass.sf.limits().await {
                tracing::warn!(%error, "cannot read the Salesforce API budget; the last reading stands");
            }
            last_reading = tokio::time::Instant::now();
        }
        let remaining = pass.sf.api_remaining().unwrap_or(u64::MAX);
        let resumed = pass.budget_overridden();
        if remaining >= floor || resumed {
            runs::set_paused(
                &pass.ctx.pool,
                &pass.run.lease(),
                false,
                "",
                pass.ctx.lease.as_secs_f64(),
            )
            .await?;
            let note = if resumed && remaining < floor {
                format!("resumed by an operator with {remaining} Salesforce API requests left today, under the floor of {floor}; the run no longer pauses for the budget")
            } else {
                format!("resumed: {remaining} Salesforce API requests left today")
            };
            pass.completed(BUDGET_STEP, "", note).await?;
            return Ok(true);
        }
        runs::set_paused(&pass.ctx.pool, &pass.run.lease(), true, &message, lease).await?;
    }
}
