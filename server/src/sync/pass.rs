//! The state of one run while it is carried out: the clients, the mappings
//! and filters read at its start, its logger and counters, and what the
//! current set of accounts passes from one stage to the next (the FNO
//! writes planned for the apply rounds, what FNO took and the write-back for
//! the record stage).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::lines::PartLookup;
use super::logger::{RunLogger, Step, StepStatus};
use super::mapping::Mappings;
use super::plan::PageWrites;
use super::read::Reader;
use super::to_record::PageRecord;
use super::SyncContext;
use crate::domain::filters::Filters;
use crate::domain::run::{Run, RunCounters};
use crate::error::Result;
use crate::fno::{FnoClient, FnoError};
use crate::retry::RetryPolicy;
use crate::salesforce::SalesforceClient;
use crate::store::runs;

/// Component names in error logs.
pub const FNO_COMPONENT: &str = "FNO";
/// Component name of Salesforce in error logs.
pub const SALESFORCE_COMPONENT: &str = "Salesforce";

/// The counters of a run and its last [`FnoClockMark`], shared by the
/// passes of its accounts.
#[derive(Debug, Default)]
pub struct Progress {
    total: AtomicI64,
    done: AtomicI64,
    failed: AtomicI64,
    budget_override: AtomicBool,
    last_saved: Mutex<Option<std::time::Instant>>,
    fno_clock: Mutex<Option<FnoClockMark>>,
}

/// A time FNO's clock had passed, as the run saw it: FNO created the
/// entitlement `entitlement_id` (its lines stamped `createdOnDateTime`)
/// before its answer reached the run at `answered`. FNO's clock was past
/// that stamp at `answered`, and is past it by as much more as has passed
/// here since, whatever this machine's clock says.
#[derive(Clone, Debug)]
pub struct FnoClockMark {
    /// When FNO's answer had reached the run.
    pub answered: std::time::Instant,
    /// An entitlement FNO created in that call.
    pub entitlement_id: String,
}

/// How often counting a record saves the counters (and renews the lease,
/// and reads an operator's cancel or resume); the run's end saves them too.
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl Progress {
    /// Starts from counters saved by an earlier worker of the run.
    pub fn resume(counters: RunCounters) -> Self {
        let progress = Self::default();
        progress.total.store(counters.total, Ordering::Relaxed);
        progress.done.store(counters.done, Ordering::Relaxed);
        progress.failed.store(counters.failed, Ordering::Relaxed);
        progress
    }
}

/// One run in progress (or one account of it, see [`Pass::fork`]).
pub struct Pass<'a> {
    /// The engine's context.
    pub ctx: &'a SyncContext,
    /// The run.
    pub run: &'a Run,
    /// Salesforce client.
    pub sf: SalesforceClient,
    /// FNO client.
    pub fno: FnoClient,
    /// Mappings read at the start.
    pub mappings: Mappings,
    /// Filters read at the start.
    pub filters: Filters,
    /// Retries of FNO reads and updates; its waits end when `stop` fires.
    pub retry: RetryPolicy,
    /// Transaction log writer.
    pub logger: RunLogger,
    /// FNO writes planned, sent with the page's others.
    pub planned: PageWrites,
    /// What FNO took, left to the page's record stage.
    pub to_record: PageRecord,
    /// The checkpoint of a scheduled or immediate run's page of changes,
    /// saved with the record of its last set of accounts.
    pub page_end: Option<serde_json::Value>,
    /// Fires when the server shuts down or an operator cancels the run:
    /// the run stops between records, and every wait of the run ends.
    pub stop: CancellationToken,
    /// Part numbers looked up in this run.
    pub parts: PartLookup,
    /// The end of the set recorded last (its write-back and the guard
    /// against edits hidden behind it), still under way while the next set
    /// is read and sent to FNO; see [`super::page`].
    pub previous: Option<SetEnd<'a>>,
    progress: Arc<Progress>,
}

/// How a page left its run.
#[derive(Debug)]
pub enum Flow {
    /// Done; the run goes on.
    GoOn,
    /// An operator or a shutdown stopped the run.
    Cancelled,
    /// Salesforce could not be read: the run fails with the reason.
    Failed(String),
}

/// The end of a recorded set, run beside the next set's read and FNO
/// rounds: how it left the run.
pub struct SetEnd<'a>(Mutex<EndFuture<'a>>);

type EndFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Flow>> + Send + 'a>>;

impl<'a> SetEnd<'a> {
    /// Holds `end` until it is awaited ([`Self::finish`]).
    pub fn new(end: impl std::future::Future<Output = Result<Flow>> + Send + 'a) -> Self {
        // In a mutex only so that a pass can be shared across threads; it
        // is taken out whole to be awaited.
        Self(Mutex::new(Box::pin(end)))
    }

    /// Runs the end to its finish.
    pub async fn finish(self) -> Result<Flow> {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner()).await
    }
}

impl<'a> Pass<'a> {
    /// Starts a pass; `progress` holds the run's counters.
    pub fn new(
        ctx: &'a SyncContext,
        run: &'a Run,
        clients: (SalesforceClient, FnoClient),
        (mappings, filters): (Mappings, Filters),
        logger: RunLogger,
        progress: Progress,
        shutdown: &CancellationToken,
    ) -> Self {
        let stop = shutdown.child_token();
        Self {
            logger,
            ctx,
            run,
            sf: clients
                .0
                .with_retry_policy(RetryPolicy::default().stopped_by(stop.clone()))
                .with_concurrency(ctx.concurrency),
            fno: clients.1.clone(),
            mappings,
            filters,
            retry: RetryPolicy::default().stopped_by(stop.clone()),
            planned: PageWrites::default(),
            to_record: PageRecord::default(),
            page_end: None,
            parts: PartLookup::new(clients.1, RetryPolicy::default().stopped_by(stop.clone()))
                .sharing(ctx.deployed_parts.clone()),
            stop,
            previous: None,
            progress: Arc::new(progress),
        }
    }

    /// A pass for one account of the same run, to run beside this one: it
    /// shares the clients, the counters and the look-up caches, and has its
    /// own planned writes and record (taken in by the page when it ends).
    pub fn fork(&self) -> Pass<'a> {
        Pass {
            ctx: self.ctx,
            run: self.run,
            sf: self.sf.clone(),
            fno: self.fno.clone(),
            mappings: self.mappings.clone(),
            filters: self.filters.clone(),
            retry: self.retry.clone(),
            logger: self.logger.clone(),
            planned: PageWrites::default(),
            to_record: PageRecord::default(),
            page_end: None,
            stop: self.stop.clone(),
            parts: self.parts.clone(),
            previous: None,
            progress: self.progress.clone(),
        }
    }

    /// A pass for the end of a recorded set ([`SetEnd`]): a [`Self::fork`]
    /// that gathers its own logs, which it records in its own transactions.
    pub fn fork_apart(&self) -> Pass<'a> {
        Pass {
            logger: self.logger.apart(),
            ..self.fork()
        }
    }

    /// What the read stage needs of the run.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            sf: &self.sf,
            mappings: &self.mappings,
            filters: &self.filters,
            page_size: self.ctx.page_size,
        }
    }

    /// Adds records the run will process.
    pub fn add_total(&mut self, records: i64) {
        self.progress.total.fetch_add(records, Ordering::Relaxed);
    }

    /// Returns the run's counters so far.
    pub fn counters(&self) -> RunCounters {
        RunCounters {
            total: self.progress.total.load(Ordering::Relaxed),
            done: self.progress.done.load(Ordering::Relaxed),
            failed: self.progress.failed.load(Ordering::Relaxed),
        }
    }

    /// Tells whether an operator cancelled the run or the server is stopping.
    pub fn is_cancelled(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Notes that FNO just answered a call that created `entitlement_id`
    /// (see [`FnoClockMark`]).
    pub fn note_fno_created(&self, entitlement_id: &str) {
        let mark = FnoClockMark {
            answered: std::time::Instant::now(),
            entitlement_id: entitlement_id.to_string(),
        };
        *self
            .progress
            .fno_clock
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(mark);
    }

    /// The last [`FnoClockMark`] of the run in this process, if it created
    /// an entitlement.
    pub fn fno_clock_mark(&self) -> Option<FnoClockMark> {
        self.progress
            .fno_clock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Tells whether an operator resumed the run past the Salesforce API budget floor.
    pub fn budget_overridden(&self) -> bool {
        self.progress.budget_override.load(Ordering::Relaxed)
    }

    /// Counts a record as done (and failed), saves progress and notes a cancel request.
    pub async fn record_done(&mut self, failed: bool) -> Result<()> {
        if let Some(remaining) = self.sf.api_remaining() {
            metrics::gauge!(crate::telemetry_metrics::SALESFORCE_BUDGET).set(remaining as f64);
        }
        self.progress.done.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.progress.failed.fetch_add(1, Ordering::Relaxed);
        }
        let due = {
            let mut last = self
                .progress
                .last_saved
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|at| at.elapsed() >= SAVE_EVERY);
            if due {
                *last = Some(std::time::Instant::now());
            }
            due
        };
        if !due {
            return Ok(());
        }
        self.save_progress(self.ctx.lease.as_secs_f64()).await
    }

    /// Writes the logs gathered so far and saves the counters: at the end of
    /// a page and of a run.
    pub async fn flush(&self) -> Result<()> {
        self.logger.flush().await?;
        self.save_progress(self.ctx.lease.as_secs_f64()).await
    }

    /// Counts a failure that happened after its record was counted done (the write-back).
    pub fn add_failure(&mut self) {
        self.progress.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Renews the lease and notes a cancel or resume request without counting a record.
    pub async fn record_progress_only(&mut self) -> Result<()> {
        self.save_progress(self.ctx.lease.as_secs_f64() + self.ctx.budget_check.as_secs_f64())
            .await
    }

    async fn save_progress(&self, lease_secs: f64) -> Result<()> {
        let requests = runs::record_progress(
            &self.ctx.pool,
            &self.run.lease(),
            self.counters(),
            lease_secs,
        )
        .await?;
        self.take_requests(requests);
        Ok(())
    }

    /// Acts on what operators asked, as read with the run's counters.
    pub fn take_requests(&self, requests: runs::Requests) {
        if requests.cancel {
            self.stop.cancel();
        }
        if requests.budget_override {
            self.progress.budget_override.store(true, Ordering::Relaxed);
        }
    }

    /// Logs a completed step.
    pub async fn completed(&self, name: &str, record_id: &str, description: String) -> Result<()> {
        self.logger
            .log(Step {
                name,
                record_id,
                description,
                status: StepStatus::Completed,
                error: None,
            })
            .await
            .map(drop)
    }

    /// Logs a failed step with its error log.
    pub async fn failed_step(
        &self,
        name: &str,
        record_id: &str,
        component: &str,
        reason: String,
        description: String,
    ) -> Result<()> {
        self.logger
            .log(Step {
                name,
                record_id,
                description: description.clone(),
                status: StepStatus::Failed,
                error: Some((component, reason, description)),
            })
            .await
            .map(drop)
    }

    /// Logs a failed FNO call: a data or API failure is Failed, anything else Error.
    pub async fn fno_failure(
        &self,
        name: &str,
        record_id: &str,
        error: &FnoError,
        sent: &str,
    ) -> Result<()> {
        let reason = error
            .fno_reason()
            .map(str::to_string)
            .unwrap_or_else(|| error.to_string());
        let status = match error {
            FnoError::Rejected { .. } | FnoError::MissingRole { .. } | FnoError::Fault { .. } => {
                StepStatus::Failed
            }
            _ => StepStatus::Error,
        };
        let description = format!("sent: {sent}\nreceived: {error}");
        self.logger
            .log(Step {
                name,
                record_id,
                description: description.clone(),
                status,
                error: Some((FNO_COMPONENT, reason, description)),
            })
            .await
            .map(drop)
    }
}
