//! `OverviewService`: licence, connections, schedule, last run and recent counts in one call.

use chrono::{Duration, Utc};
use fnosync_proto::v1 as pb;
use pb::overview_service_server::OverviewService;
use tonic::Request;

use super::{connections, convert, license, respond, ApiContext, RpcResult};
use crate::error::Result;
use crate::store::connections::System;
use crate::store::{event_sync, runs, schedules, tx_logs};

/// Serves `fnosync.v1.OverviewService`.
pub struct OverviewApi {
    ctx: ApiContext,
}

impl OverviewApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn overview(&self) -> Result<pb::GetOverviewResponse> {
        let since = Utc::now() - Duration::hours(24);
        let logs = tx_logs::count_logs_since(&self.ctx.pool, since).await?;
        Ok(pb::GetOverviewResponse {
            license: Some(license::license_info(&self.ctx).await?),
            fno: Some(connections::get_status(&self.ctx, System::Fno).await?),
            salesforce: Some(connections::get_status(&self.ctx, System::Salesforce).await?),
            schedule: schedules::get_schedule(&self.ctx.pool)
                .await?
                .map(convert::schedule),
            last_run: runs::latest_run(&self.ctx.pool)
                .await?
                .map(convert::sync_run),
            last_24_hours: Some(pb::RecentCounts {
                runs: runs::count_runs_since(&self.ctx.pool, since).await?,
                completed_logs: logs.completed,
                failed_logs: logs.failed,
                error_logs: logs.error,
            }),
            event_sync: Some(convert::event_sync(event_sync::get(&self.ctx.pool).await?)),
        })
    }
}

#[tonic::async_trait]
impl OverviewService for OverviewApi {
    async fn get_overview(
        &self,
        _request: Request<pb::GetOverviewRequest>,
    ) -> RpcResult<pb::GetOverviewResponse> {
        respond(self.overview().await)
    }
}
