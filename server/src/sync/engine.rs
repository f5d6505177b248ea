//! Carries out one run: builds the clients from the stored connections,
//! reads mappings and filters once, and hands over to the run's kind.

use tokio_util::sync::CancellationToken;

use super::clients::{stored_fno_client, stored_secrets};
use super::logger::RunLogger;
use super::mapping::Mappings;
use super::pass::{Pass, Progress};
use super::{batch, page, record, retry, SyncContext};
use crate::domain::run::{Ended, Run, RunKind};
use crate::error::Result;
use crate::store::filters;

/// Carries out `run` until it ends or `shutdown` fires.
pub async fn execute(ctx: &SyncContext, run: &Run, shutdown: &CancellationToken) -> Result<Ended> {
    let sf = match ctx
        .salesforce
        .client(&ctx.pool, &ctx.secret_box, &ctx.outbound)
        .await
    {
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
    let progress = match &run.checkpoint {
        Some(_) if run.kind.is_batch() => Progress::resume(run.counters),
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
    // A worker that died after recording a page and before its write-back
    // left that write-back on the run: it goes first.
    record::send_pending_write_back(&mut pass).await?;
    let ended = match run.kind {
        RunKind::OneTime => page::sync_account(&mut pass).await?,
        RunKind::Scheduled | RunKind::Immediate => batch::sync_window(&mut pass).await?,
        RunKind::Event => batch::sync_named_accounts(&mut pass).await?,
        RunKind::Retry => retry::sync_failed_records(&mut pass).await?,
    };
    pass.flush().await?;
    Ok(ended)
}
