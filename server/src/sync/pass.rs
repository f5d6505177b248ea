//! The state of one run while it is carried out: the clients, the mappings
//! and filters read at its start, its logger, counters and the pending
//! write-back to Salesforce.

use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::logger::{RunLogger, Step, StepStatus};
use super::mapping::Mappings;
use super::SyncContext;
use crate::domain::filters::Filters;
use crate::error::Result;
use crate::fno::{FnoClient, FnoError, RetryPolicy};
use crate::salesforce::{RecordUpdate, SalesforceClient};
use crate::store::runs::{self, RunRecord};

/// Component names in error logs.
pub const FNO_COMPONENT: &str = "FNO";
/// Component name of Salesforce in error logs.
pub const SALESFORCE_COMPONENT: &str = "Salesforce";

/// One run in progress.
pub struct Pass<'a> {
    /// The engine's context.
    pub ctx: &'a SyncContext,
    /// The run.
    pub run: &'a RunRecord,
    /// Salesforce client.
    pub sf: SalesforceClient,
    /// FNO client.
    pub fno: FnoClient,
    /// Mappings read at the start.
    pub mappings: Mappings,
    /// Filters read at the start.
    pub filters: Filters,
    /// Retries of FNO reads and updates.
    pub retry: RetryPolicy,
    /// Transaction log writer.
    pub logger: RunLogger,
    /// Salesforce fields to write back at the end.
    pub write_back: Vec<RecordUpdate>,
    /// Stops the run between records.
    pub shutdown: &'a CancellationToken,
    /// FNO part numbers looked up in this run by Product Code: FNO's spelling
    /// and whether deployed; `None` when FNO has none.
    pub part_numbers: std::collections::HashMap<String, Option<(String, bool)>>,
    /// Lines created in this run: Salesforce line Id to (activation ID, copies).
    pub fresh_lines: std::collections::HashMap<String, (String, i64)>,
    /// Every FNO part number with whether its product is deployed, read once when needed.
    pub all_parts: Option<Vec<(String, bool)>>,
    total: i64,
    done: i64,
    failed: i64,
    cancelled: bool,
}

impl<'a> Pass<'a> {
    /// Starts a pass.
    pub fn new(
        ctx: &'a SyncContext,
        run: &'a RunRecord,
        clients: (SalesforceClient, FnoClient),
        mappings: Mappings,
        filters: Filters,
        shutdown: &'a CancellationToken,
    ) -> Self {
        Self {
            logger: RunLogger::new(ctx.pool.clone(), &run.run_id, &run.requested_by, Vec::new()),
            ctx,
            run,
            sf: clients.0,
            fno: clients.1,
            mappings,
            filters,
            retry: RetryPolicy::default(),
            write_back: Vec::new(),
            shutdown,
            part_numbers: Default::default(),
            all_parts: None,
            fresh_lines: Default::default(),
            total: 0,
            done: 0,
            failed: 0,
            cancelled: false,
        }
    }

    /// Adds records the run will process.
    pub fn add_total(&mut self, records: i64) {
        self.total += records;
    }

    /// Returns (total, done, failed).
    pub fn counters(&self) -> (i64, i64, i64) {
        (self.total, self.done, self.failed)
    }

    /// Tells whether an operator cancelled the run or the server is stopping.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled || self.shutdown.is_cancelled()
    }

    /// Counts a record as done (and failed), saves progress and notes a cancel request.
    pub async fn record_done(&mut self, failed: bool) -> Result<()> {
        if let Some(remaining) = self.sf.api_remaining() {
            metrics::gauge!(crate::telemetry_metrics::SALESFORCE_BUDGET).set(remaining as f64);
        }
        self.done += 1;
        if failed {
            self.failed += 1;
        }
        let lease = self.ctx.lease.as_secs_f64();
        let counters = self.counters();
        let cancel = runs::record_progress(
            &self.ctx.pool,
            &self.run.run_id,
            &self.ctx.worker_id,
            counters,
            lease,
        )
        .await?;
        self.cancelled |= cancel;
        Ok(())
    }

    /// Counts a failure that happened after its record was counted done (the write-back).
    pub fn add_failure(&mut self) {
        self.failed += 1;
    }

    /// Renews the lease and notes a cancel request without counting a record.
    pub async fn record_progress_only(&mut self) -> Result<()> {
        let lease = self.ctx.lease.as_secs_f64() + self.ctx.budget_check.as_secs_f64();
        let counters = self.counters();
        let cancel = runs::record_progress(
            &self.ctx.pool,
            &self.run.run_id,
            &self.ctx.worker_id,
            counters,
            lease,
        )
        .await?;
        self.cancelled |= cancel;
        Ok(())
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

/// Hashes what is sent for a record, to tell later whether it changed.
pub fn fingerprint(sent: &impl std::fmt::Debug) -> String {
    hex::encode(Sha256::digest(format!("{sent:?}").as_bytes()))
}
