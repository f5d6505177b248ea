//! `ScheduleService`: the scheduled sync `FNOSyncBatch`.

use chrono::Utc;
use fnosync_proto::v1 as pb;
use pb::schedule_service_server::ScheduleService;
use tonic::Request;

use super::convert;
use super::{respond, ApiContext, RpcResult};
use crate::domain::schedule::{Timing, SCHEDULE_NAME};
use crate::error::{Error, Result};
use crate::store::{event_sync, idempotency, schedules};
use crate::sync::events::gather::OBJECTS;

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

/// The objects of an UpdateEventSync request, each once, in the order given.
fn event_objects(requested: &[String]) -> Result<Vec<String>> {
    let mut objects: Vec<String> = Vec::new();
    for (index, object) in requested.iter().enumerate() {
        let object = object.trim();
        let Some(known) = OBJECTS.iter().find(|o| o.eq_ignore_ascii_case(object)) else {
            return Err(Error::invalid(
                format!("objects[{index}]"),
                format!(
                    "{object:?} has no change events fnosync syncs; choose among {}",
                    OBJECTS.join(", ")
                ),
            ));
        };
        if !objects.iter().any(|o| o == known) {
            objects.push(known.to_string());
        }
    }
    Ok(objects)
}

/// The Pub/Sub endpoint of an UpdateEventSync request: an `https` URL.
fn pubsub_url(requested: &str, current: String) -> Result<String> {
    let requested = requested.trim();
    if requested.is_empty() {
        return Ok(current);
    }
    match url::Url::parse(requested) {
        Ok(url) if url.scheme() == "https" && url.host_str().is_some() => {
            Ok(url.as_str().trim_end_matches('/').to_string())
        }
        _ => Err(Error::invalid(
            "pubsub_url",
            "give the Pub/Sub API endpoint as an https URL, e.g. https://api.pubsub.salesforce.com:7443",
        )),
    }
}

impl ScheduleApi {
    async fn update_event_sync(
        &self,
        request: &pb::UpdateEventSyncRequest,
    ) -> Result<pb::EventSync> {
        let objects = event_objects(&request.objects)?;
        let current = event_sync::get(&self.ctx.pool).await?;
        let url = pubsub_url(&request.pubsub_url, current.pubsub_url)?;
        if !objects.is_empty() {
            self.ctx.outbound.check_allowed(&url).await.map_err(|e| {
                Error::FailedPrecondition(format!(
                    "{e}: register a remote site for the Pub/Sub API endpoint first"
                ))
            })?;
        }
        let record = event_sync::update(&self.ctx.pool, &objects, &url).await?;
        tracing::info!(?objects, pubsub_url = %url, "event sync updated");
        Ok(convert::event_sync(record))
    }
}

#[tonic::async_trait]
impl ScheduleService for ScheduleApi {
    async fn get_event_sync(
        &self,
        _request: Request<pb::GetEventSyncRequest>,
    ) -> RpcResult<pb::GetEventSyncResponse> {
        let record = event_sync::get(&self.ctx.pool).await;
        respond(record.map(|r| pb::GetEventSyncResponse {
            event_sync: Some(convert::event_sync(r)),
        }))
    }

    async fn update_event_sync(
        &self,
        request: Request<pb::UpdateEventSyncRequest>,
    ) -> RpcResult<pb::UpdateEventSyncResponse> {
        let updated = self.update_event_sync(&request.into_inner()).await;
        respond(updated.map(|e| pb::UpdateEventSyncResponse {
            event_sync: Some(e),
        }))
    }

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
