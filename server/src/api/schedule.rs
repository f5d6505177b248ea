//! `ScheduleService`: the scheduled sync `FNOSyncBatch`.

use chrono::Utc;
use fnosync_proto::v1 as pb;
use pb::schedule_service_server::ScheduleService;
use tonic::Request;

use super::convert;
use super::{respond, ApiContext, RpcResult};
use crate::domain::schedule::{Timing, SCHEDULE_NAME};
use crate::error::{Error, Result};
use crate::store::{idempotency, schedules};

/// Serves `fnosync.v1.ScheduleService`.
pub struct ScheduleApi {
    ctx: ApiContext,
}

/// The timing oneof of create and update requests, without the request type.
enum RequestedTiming<'a> {
    Daily(&'a pb::DailyTiming),
    Cron(&'a pb::CronTiming),
}

fn parse_timing(requested: Option<RequestedTiming<'_>>) -> Result<Timing> {
    let parsed = match requested {
        None => {
            return Err(Error::invalid(
                "timing",
                "set daily (time of day and zone) or cron (expression and zone)",
            ))
        }
        Some(RequestedTiming::Daily(daily)) => {
            Timing::daily(&daily.time_of_day, &daily.time_zone).map_err(|e| ("daily", e))
        }
        Some(RequestedTiming::Cron(cron)) => {
            Timing::cron(&cron.expression, &cron.time_zone).map_err(|e| ("cron", e))
        }
    };
    parsed.map_err(|(kind, e)| Error::invalid(format!("{kind}.{}", e.field), e.description))
}

fn next_fire(timing: &Timing) -> Result<chrono::DateTime<Utc>> {
    timing.next_fire_after(Utc::now()).ok_or_else(|| {
        Error::invalid(
            "timing",
            "never fires; choose a timing with a future fire time",
        )
    })
}

fn create_timing(request: &pb::CreateScheduleRequest) -> Option<RequestedTiming<'_>> {
    match request.timing.as_ref()? {
        pb::create_schedule_request::Timing::Daily(d) => Some(RequestedTiming::Daily(d)),
        pb::create_schedule_request::Timing::Cron(c) => Some(RequestedTiming::Cron(c)),
    }
}

fn update_timing(request: &pb::UpdateScheduleRequest) -> Option<RequestedTiming<'_>> {
    match request.timing.as_ref()? {
        pb::update_schedule_request::Timing::Daily(d) => Some(RequestedTiming::Daily(d)),
        pb::update_schedule_request::Timing::Cron(c) => Some(RequestedTiming::Cron(c)),
    }
}

impl ScheduleApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn create(
        &self,
        request: &pb::CreateScheduleRequest,
    ) -> Result<pb::CreateScheduleResponse> {
        let timing = parse_timing(create_timing(request))?;
        let record =
            schedules::insert_schedule(&self.ctx.pool, &timing, Some(next_fire(&timing)?)).await?;
        tracing::info!(next_fire = ?record.next_fire_at, "schedule created");
        Ok(pb::CreateScheduleResponse {
            schedule: Some(convert::schedule(record)),
        })
    }

    async fn update(&self, request: &pb::UpdateScheduleRequest) -> Result<pb::Schedule> {
        let timing = parse_timing(update_timing(request))?;
        let record =
            schedules::update_schedule_timing(&self.ctx.pool, &timing, Some(next_fire(&timing)?))
                .await?;
        tracing::info!(next_fire = ?record.next_fire_at, "schedule updated");
        Ok(convert::schedule(record))
    }

    async fn set_paused(&self, paused: bool) -> Result<pb::Schedule> {
        let current = schedules::get_schedule(&self.ctx.pool)
            .await?
            .ok_or_else(|| Error::not_found("schedule", SCHEDULE_NAME))?;
        let next = if paused {
            None
        } else {
            let timing = current.timing().ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("stored schedule timing does not parse"))
            })?;
            Some(next_fire(&timing)?)
        };
        let record = schedules::set_schedule_paused(&self.ctx.pool, paused, next).await?;
        tracing::info!(paused, "schedule state changed");
        Ok(convert::schedule(record))
    }
}

#[tonic::async_trait]
impl ScheduleService for ScheduleApi {
    async fn get_schedule(
        &self,
        _request: Request<pb::GetScheduleRequest>,
    ) -> RpcResult<pb::GetScheduleResponse> {
        let record = schedules::get_schedule(&self.ctx.pool)
            .await
            .map_err(tonic::Status::from)?;
        let record = record.ok_or_else(|| Error::not_found("schedule", SCHEDULE_NAME))?;
        respond(Ok(pb::GetScheduleResponse {
            schedule: Some(convert::schedule(record)),
        }))
    }

    async fn create_schedule(
        &self,
        request: Request<pb::CreateScheduleRequest>,
    ) -> RpcResult<pb::CreateScheduleResponse> {
        let request = request.into_inner();
        respond(
            idempotency::run_once(
                &self.ctx.pool,
                "CreateSchedule",
                &request.request_id,
                &request,
                || self.create(&request),
            )
            .await,
        )
    }

    async fn update_schedule(
        &self,
        request: Request<pb::UpdateScheduleRequest>,
    ) -> RpcResult<pb::UpdateScheduleResponse> {
        let schedule = self.update(&request.into_inner()).await;
        respond(schedule.map(|s| pb::UpdateScheduleResponse { schedule: Some(s) }))
    }

    async fn pause_schedule(
        &self,
        _request: Request<pb::PauseScheduleRequest>,
    ) -> RpcResult<pb::PauseScheduleResponse> {
        respond(
            self.set_paused(true)
                .await
                .map(|s| pb::PauseScheduleResponse { schedule: Some(s) }),
        )
    }

    async fn resume_schedule(
        &self,
        _request: Request<pb::ResumeScheduleRequest>,
    ) -> RpcResult<pb::ResumeScheduleResponse> {
        respond(
            self.set_paused(false)
                .await
                .map(|s| pb::ResumeScheduleResponse { schedule: Some(s) }),
        )
    }

    async fn delete_schedule(
        &self,
        _request: Request<pb::DeleteScheduleRequest>,
    ) -> RpcResult<pb::DeleteScheduleResponse> {
        let deleted = schedules::delete_schedule(&self.ctx.pool).await;
        respond(deleted.map(|()| pb::DeleteScheduleResponse {}))
    }
}
