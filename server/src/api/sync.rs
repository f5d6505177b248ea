//! `SyncService`: starting, reading, cancelling and watching sync runs. A
//! start is refused before anything is queued when the licence is not valid
//! or a connection is not verified.

use std::pin::Pin;
use std::time::Duration;

use chrono::Utc;
use chrono_tz::Tz;
use fnosync_proto::v1 as pb;
use futures::Stream;
use pb::sync_service_server::SyncService;
use tonic::{Request, Response, Status};

use super::convert::{self, lookup_db, RUN_KINDS, RUN_STATES};
use super::product::validate_salesforce_id;
use super::sync_window::immediate_window;
use super::{connections, license, respond, ApiContext, RpcResult};
use crate::auth::principal;
use crate::domain::run::{Run, RunKind, RunState};
use crate::error::{Error, Result};
use crate::store::{idempotency, page_token, runs, schedules, tx_logs};

/// Serves `fnosync.v1.SyncService`.
pub struct SyncApi {
    ctx: ApiContext,
}

/// How often `WatchSyncRun` re-reads a run that has not ended.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

impl SyncApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn require_ready(&self) -> Result<()> {
        license::require_valid_license(&self.ctx).await?;
        connections::require_verified_connections(&self.ctx).await
    }

    async fn schedule_zone(&self) -> Result<Tz> {
        let schedule = schedules::get_schedule(&self.ctx.pool).await?;
        Ok(schedule
            .and_then(|s| s.timing())
            .map(|t| t.time_zone())
            .unwrap_or(Tz::UTC))
    }

    /// Queues the retry of an ended run with failed records, unless a retry
    /// of it is under way or has synced them all; the retried run's row is
    /// locked meanwhile, so two requests at once queue one retry.
    async fn queue_retry(
        &self,
        run_id: &str,
        requested_by: &str,
    ) -> Result<pb::RetryFailedRecordsResponse> {
        let mut tx = self.ctx.pool.begin().await?;
        let retried = runs::lock_run(&mut tx, run_id).await?;
        if !retried.state.is_terminal() {
            return Err(Error::FailedPrecondition(format!(
                "run {run_id} has not ended ({}); wait for it, or cancel it, before retrying its failed records",
                retried.state.as_str()
            )));
        }
        match runs::latest_retry_of(&mut *tx, run_id).await? {
            Some(retry) if !retry.state.is_terminal() => {
                return Err(Error::FailedPrecondition(format!(
                    "run {run_id} is being retried by run {} ({}); wait for that run to end",
                    retry.run_id,
                    retry.state.as_str()
                )));
            }
            Some(retry) if retry.state == RunState::Completed => {
                return Err(Error::FailedPrecondition(format!(
                    "nothing left to retry: run {} synced the failed records of run {run_id}",
                    retry.run_id
                )));
            }
            _ => {}
        }
        let failed = tx_logs::failed_records(&mut *tx, run_id).await?;
        if failed.is_empty() {
            let why = if retried.state == RunState::Failed {
                format!(
                    "; it failed as a whole ({}): start a new sync instead",
                    retried.message
                )
            } else {
                String::new()
            };
            return Err(Error::FailedPrecondition(format!(
                "run {run_id} has no failed record to retry{why}"
            )));
        }
        let new_run = runs::NewRun {
            kind: RunKind::Retry,
            account_id: "",
            account_ids: &[],
            retry_of: run_id,
            window: None,
            requested_by,
        };
        let run = runs::insert_run_on(&mut tx, &new_run).await?;
        tx.commit().await?;
        tracing::info!(run_id = %run.run_id, retry_of = run_id, records = failed.len(), "retry queued");
        Ok(pb::RetryFailedRecordsResponse {
            run: Some(convert::sync_run(run)),
            failed_records: i32::try_from(failed.len()).unwrap_or(i32::MAX),
        })
    }

    async fn list(&self, request: pb::ListSyncRunsRequest) -> Result<pb::ListSyncRunsResponse> {
        let limit = page_token::page_size(request.page_size)?;
        let filter = runs::RunFilter {
            kind: lookup_db(&RUN_KINDS, request.kind),
            state: lookup_db(&RUN_STATES, request.state),
            before_run_id: page_token::decode(&request.page_token)?,
        };
        let mut records = runs::list_runs(&self.ctx.pool, &filter, limit + 1).await?;
        let next_page_token = if records.len() as i64 > limit {
            records.truncate(limit as usize);
            records
                .last()
                .map(|r| page_token::encode(&r.run_id))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(pb::ListSyncRunsResponse {
            runs: records.into_iter().map(convert::sync_run).collect(),
            next_page_token,
        })
    }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchSyncRunResponse, Status>> + Send>>;

#[tonic::async_trait]
impl SyncService for SyncApi {
    async fn sync_account(
        &self,
        request: Request<pb::SyncAccountRequest>,
    ) -> RpcResult<pb::SyncAccountResponse> {
        let requested_by = principal(&request)?.name.clone();
        let request = request.into_inner();
        let account_id = request.account_id.trim();
        validate_salesforce_id(account_id, "001", "Account")
            .map_err(|e| Error::invalid("account_id", e))?;
        self.require_ready().await?;
        let queue = || async {
            let new_run = runs::NewRun {
                kind: RunKind::OneTime,
                account_id,
                account_ids: &[],
                retry_of: "",
                window: None,
                requested_by: &requested_by,
            };
            let run = runs::insert_run(&self.ctx.pool, &new_run).await?;
            tracing::info!(run_id = %run.run_id, account_id, "one-time sync queued");
            Ok(pb::SyncAccountResponse {
                run: Some(convert::sync_run(run)),
            })
        };
        respond(
            idempotency::run_once(
                &self.ctx.pool,
                "SyncAccount",
                &request.request_id,
                &request,
                queue,
            )
            .await,
        )
    }

    async fn start_immediate_sync(
        &self,
        request: Request<pb::StartImmediateSyncRequest>,
    ) -> RpcResult<pb::StartImmediateSyncResponse> {
        let requested_by = principal(&request)?.name.clone();
        let request = request.into_inner();
        let zone = self.schedule_zone().await?;
        let window = immediate_window(request.window.as_ref(), zone, Utc::now())?;
        self.require_ready().await?;
        let queue = || async {
            let new_run = runs::NewRun {
                kind: RunKind::Immediate,
                account_id: "",
                account_ids: &[],
                retry_of: "",
                window: Some(window),
                requested_by: &requested_by,
            };
            let run = runs::insert_run(&self.ctx.pool, &new_run).await?;
            tracing::info!(run_id = %run.run_id, "immediate sync queued");
            Ok(pb::StartImmediateSyncResponse {
                run: Some(convert::sync_run(run)),
            })
        };
        respond(
            idempotency::run_once(
                &self.ctx.pool,
                "StartImmediateSync",
                &request.request_id,
                &request,
                queue,
            )
            .await,
        )
    }

    async fn get_sync_run(
        &self,
        request: Request<pb::GetSyncRunRequest>,
    ) -> RpcResult<pb::GetSyncRunResponse> {
        let run = runs::get_run(&self.ctx.pool, &request.into_inner().run_id).await;
        respond(run.map(|r| pb::GetSyncRunResponse {
            run: Some(convert::sync_run(r)),
        }))
    }

    async fn list_sync_runs(
        &self,
        request: Request<pb::ListSyncRunsRequest>,
    ) -> RpcResult<pb::ListSyncRunsResponse> {
        respond(self.list(request.into_inner()).await)
    }

    async fn cancel_sync_run(
        &self,
        request: Request<pb::CancelSyncRunRequest>,
    ) -> RpcResult<pb::CancelSyncRunResponse> {
        let run_id = request.into_inner().run_id;
        let run = runs::get_run(&self.ctx.pool, &run_id).await?;
        if run.state.is_terminal() {
            return Err(Error::FailedPrecondition(format!(
                "run {} has ended ({}); nothing to cancel",
                run.run_id,
                run.state.as_str()
            ))
            .into());
        }
        let run = runs::request_cancel(&self.ctx.pool, &run_id).await;
        respond(run.map(|r| pb::CancelSyncRunResponse {
            run: Some(convert::sync_run(r)),
        }))
    }

    async fn resume_sync_run(
        &self,
        request: Request<pb::ResumeSyncRunRequest>,
    ) -> RpcResult<pb::ResumeSyncRunResponse> {
        let run_id = request.into_inner().run_id;
        let run = runs::request_resume(&self.ctx.pool, &run_id).await;
        respond(run.map(|r| pb::ResumeSyncRunResponse {
            run: Some(convert::sync_run(r)),
        }))
    }

    async fn retry_failed_records(
        &self,
        request: Request<pb::RetryFailedRecordsRequest>,
    ) -> RpcResult<pb::RetryFailedRecordsResponse> {
        let requested_by = principal(&request)?.name.clone();
        let request = request.into_inner();
        let run_id = request.run_id.trim();
        if run_id.is_empty() {
            return Err(Error::invalid("run_id", "give the task ID of the run to retry").into());
        }
        runs::get_run(&self.ctx.pool, run_id).await?;
        self.require_ready().await?;
        let queue = || async { self.queue_retry(run_id, &requested_by).await };
        respond(
            idempotency::run_once(
                &self.ctx.pool,
                "RetryFailedRecords",
                &request.request_id,
                &request,
                queue,
            )
            .await,
        )
    }

    async fn plan_sync(
        &self,
        request: Request<pb::PlanSyncRequest>,
    ) -> RpcResult<pb::PlanSyncResponse> {
        let request = request.into_inner();
        let zone = self.schedule_zone().await?;
        let scope = super::sync_plan::scope_of(request, zone)?;
        self.require_ready().await?;
        respond(super::sync_plan::plan_sync(&self.ctx, scope).await)
    }

    type WatchSyncRunStream = WatchStream;

    async fn watch_sync_run(
        &self,
        request: Request<pb::WatchSyncRunRequest>,
    ) -> RpcResult<Self::WatchSyncRunStream> {
        let run_id = request.into_inner().run_id;
        let first = runs::get_run(&self.ctx.pool, &run_id).await?;
        let pool = self.ctx.pool.clone();
        let stream = async_stream_of_runs(pool, first);
        Ok(Response::new(Box::pin(stream)))
    }
}

/// Streams a run each time it changes, until it ends or the client leaves.
fn async_stream_of_runs(
    pool: sqlx::PgPool,
    first: Run,
) -> impl Stream<Item = Result<pb::WatchSyncRunResponse, Status>> + Send {
    futures::stream::unfold(Some((pool, first, true)), |state| async move {
        let (pool, last, is_first) = state?;
        if is_first {
            let next = (!last.state.is_terminal()).then(|| (pool, last.clone(), false));
            let item = pb::WatchSyncRunResponse {
                run: Some(convert::sync_run(last)),
            };
            return Some((Ok(item), next));
        }
        loop {
            tokio::time::sleep(WATCH_INTERVAL).await;
            match runs::get_run(&pool, &last.run_id).await {
                Err(error) => return Some((Err(Status::from(error)), None)),
                Ok(current)
                    if current.counters.done != last.counters.done
                        || current.state != last.state =>
                {
                    let next = (!current.state.is_terminal())
                        .then(|| (pool.clone(), current.clone(), false));
                    let item = pb::WatchSyncRunResponse {
                        run: Some(convert::sync_run(current)),
                    };
                    return Some((Ok(item), next));
                }
                Ok(_) => continue,
            }
        }
    })
}
