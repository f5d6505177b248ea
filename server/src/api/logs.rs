//! `TransactionLogService`: listing, reading and tailing transaction logs.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fnosync_proto::v1 as pb;
use futures::Stream;
use pb::transaction_log_service_server::TransactionLogService;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::convert::{self, from_timestamp, lookup_db, LOG_STATUSES};
use super::{respond, ApiContext, RpcResult};
use crate::auth::principal;
use crate::error::{Error, Result};
use crate::store::page_token;
use crate::store::tx_logs::{self, LogFilter};

/// Serves `fnosync.v1.TransactionLogService`.
pub struct LogsApi {
    ctx: ApiContext,
}

/// Most log tails one token may have open at once.
pub const MAX_TAILS_PER_TOKEN: usize = 8;

/// The log tails open in this process, per token name.
#[derive(Clone, Default)]
pub struct OpenTails(Arc<Mutex<HashMap<String, usize>>>);

/// One open tail, counted until it is dropped (when its stream ends or the
/// client goes away).
pub struct TailSlot {
    tails: OpenTails,
    token: String,
}

impl OpenTails {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a new tail of `token`, refused past [`MAX_TAILS_PER_TOKEN`].
    pub fn open(&self, token: &str) -> Result<TailSlot> {
        let mut open = self.lock();
        let count = open.entry(token.to_string()).or_default();
        if *count >= MAX_TAILS_PER_TOKEN {
            return Err(Error::ResourceExhausted(format!(
                "token {token:?} has {MAX_TAILS_PER_TOKEN} log tails open, the most one token \
                 may have: close one before opening another"
            )));
        }
        *count += 1;
        Ok(TailSlot {
            tails: self.clone(),
            token: token.to_string(),
        })
    }
}

impl Drop for TailSlot {
    fn drop(&mut self) {
        let mut open = self.tails.lock();
        if let Some(count) = open.get_mut(&self.token) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.token);
            }
        }
    }
}

/// Logs read per query while tailing.
const TAIL_BATCH: i64 = 500;

/// How long a following tail waits for a notification before it looks anyway
/// (a safety net for a dropped listener connection).
const TAIL_SAFETY_INTERVAL: Duration = Duration::from_secs(5);

fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn parse_log_number(field: &str, text: &str) -> Result<i64> {
    tx_logs::parse_log_number(text)
        .ok_or_else(|| Error::invalid(field, format!("{text:?} is not a log number like TL-00042")))
}

impl LogsApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn list(
        &self,
        request: pb::ListTransactionLogsRequest,
    ) -> Result<pb::ListTransactionLogsResponse> {
        let limit = page_token::page_size(request.page_size)?;
        let filter = LogFilter {
            task_id: non_empty(&request.task_id),
            status: lookup_db(&LOG_STATUSES, request.status),
            name: non_empty(&request.name),
            salesforce_record_id: non_empty(&request.salesforce_record_id),
            start: from_timestamp("start_time", request.start_time.as_ref())?,
            end: from_timestamp("end_time", request.end_time.as_ref())?,
        };
        let before = page_token::decode(&request.page_token)?
            .map(|key| {
                key.parse::<i64>().map_err(|_| {
                    Error::invalid("page_token", "is not a token from a previous response")
                })
            })
            .transpose()?;
        let mut records = tx_logs::list_logs(&self.ctx.pool, &filter, before, limit + 1).await?;
        let next_page_token = if records.len() as i64 > limit {
            records.truncate(limit as usize);
            records
                .last()
                .map(|r| page_token::encode(&r.log_seq.to_string()))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(pb::ListTransactionLogsResponse {
            transaction_logs: records.into_iter().map(convert::transaction_log).collect(),
            next_page_token,
        })
    }
}

type TailStream =
    Pin<Box<dyn Stream<Item = Result<pb::TailTransactionLogsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl TransactionLogService for LogsApi {
    async fn list_transaction_logs(
        &self,
        request: Request<pb::ListTransactionLogsRequest>,
    ) -> RpcResult<pb::ListTransactionLogsResponse> {
        respond(self.list(request.into_inner()).await)
    }

    async fn get_transaction_log(
        &self,
        request: Request<pb::GetTransactionLogRequest>,
    ) -> RpcResult<pb::GetTransactionLogResponse> {
        let seq = parse_log_number("log_number", &request.into_inner().log_number)?;
        let record = tx_logs::get_log(&self.ctx.pool, seq).await;
        respond(record.map(|r| pb::GetTransactionLogResponse {
            transaction_log: Some(convert::transaction_log(r)),
        }))
    }

    type TailTransactionLogsStream = TailStream;

    async fn tail_transaction_logs(
        &self,
        request: Request<pb::TailTransactionLogsRequest>,
    ) -> RpcResult<Self::TailTransactionLogsStream> {
        let slot = self.ctx.tails.open(&principal(&request)?.name)?;
        let request = request.into_inner();
        let after = match non_empty(&request.after_log_number) {
            Some(text) => parse_log_number("after_log_number", &text)?,
            None => 0,
        };
        let filter = LogFilter {
            task_id: non_empty(&request.task_id),
            status: lookup_db(&LOG_STATUSES, request.status),
            salesforce_record_id: non_empty(&request.salesforce_record_id),
            ..LogFilter::default()
        };
        // Wait for announcements before the first read, so no log written
        // in between is missed.
        let announced = request
            .follow
            .then(|| self.ctx.notifications.subscribe(tx_logs::LOG_CHANNEL));
        let state = TailState {
            pool: self.ctx.pool.clone(),
            filter,
            after,
            announced,
            buffer: Default::default(),
            _slot: slot,
        };
        let stream = tail_stream(state);
        Ok(Response::new(Box::pin(stream)))
    }
}

struct TailState {
    pool: sqlx::PgPool,
    filter: LogFilter,
    after: i64,
    /// Following: moves when new logs are announced.
    announced: Option<watch::Receiver<u64>>,
    buffer: std::collections::VecDeque<tx_logs::TxLogRecord>,
    _slot: TailSlot,
}

/// Streams logs after `after` in order; following, waits for new ones.
fn tail_stream(
    state: TailState,
) -> impl Stream<Item = Result<pb::TailTransactionLogsResponse, Status>> + Send {
    futures::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        loop {
            if let Some(record) = state.buffer.pop_front() {
                state.after = record.log_seq;
                let item = pb::TailTransactionLogsResponse {
                    transaction_log: Some(convert::transaction_log(record)),
                };
                return Some((Ok(item), Some(state)));
            }
            match tx_logs::logs_after(&state.pool, &state.filter, state.after, TAIL_BATCH).await {
                Err(error) => return Some((Err(Status::from(error)), None)),
                Ok(records) if records.is_empty() => {
                    let announced = state.announced.as_mut()?;
                    // Either an announcement or the safety interval: both lead to a new read.
                    if let Ok(Err(_)) =
                        tokio::time::timeout(TAIL_SAFETY_INTERVAL, announced.changed()).await
                    {
                        return None;
                    }
                }
                Ok(records) => state.buffer.extend(records),
            }
        }
    })
}
