//! Writes the transaction logs of one run. Descriptions pass through
//! `redact` so that nothing that looks like a credential is stored. Logs are
//! gathered and written with the page they belong to when the engine
//! records it (see `record::record_page`), or on their own
//! ([`RunLogger::flush`]) for the run's notes outside pages.

use crate::error::Result;
use crate::store::tx_logs::{self, NewErrorLog, NewTxLog};
use crate::telemetry_metrics::SYNC_STEPS;

/// Step names of the transaction log (spec §9), one per kind of record.
pub mod steps {
    /// The run's own notes (taken over, resumed, changed while written back).
    pub const RUN_STEP: &str = "Sync Run";
    /// FNO accounts.
    pub const ACCOUNT_STEP: &str = "Account Creation/Update";
    /// FNO users of contacts.
    pub const CONTACT_STEP: &str = "Contact Creation/Update";
    /// Entitlements of opportunities.
    pub const ENTITLEMENT_STEP: &str = "Entitlement Creation/Update";
    /// Entitlement lines of opportunity line items.
    pub const LINE_STEP: &str = "LineItem Creation/Update";
    /// Renewal lines of a renewal opportunity.
    pub const RENEWAL_STEP: &str = "RenewalLineItem Creation";
    /// Write-backs to Salesforce, in both directions.
    pub const SALESFORCE_UPDATE_STEP: &str = "Salesforce Update";
    /// Pauses and resumes for the Salesforce API budget.
    pub const BUDGET_STEP: &str = "Salesforce API Budget";
    /// Orders lost or deleted after they synced, by the cancellation policy.
    pub const CANCELLATION_STEP: &str = "Entitlement Cancellation";
}

/// Outcome of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// It worked.
    Completed,
    /// An API issue, a data error or an external factor.
    Failed,
    /// An unexpected error.
    Error,
}

impl StepStatus {
    fn as_db(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Error => "error",
        }
    }
}

/// One step to log.
pub struct Step<'a> {
    /// Step name, e.g. `Account Creation/Update`.
    pub name: &'a str,
    /// The Salesforce record.
    pub record_id: &'a str,
    /// What was sent and received.
    pub description: String,
    /// Outcome.
    pub status: StepStatus,
    /// For failed and errored steps: (component, reason, full message).
    pub error: Option<(&'a str, String, String)>,
}

/// Writes the logs of one run; clones share the logs waiting to be written.
#[derive(Clone)]
pub struct RunLogger {
    pool: sqlx::PgPool,
    task_id: String,
    run_by: String,
    secrets: Vec<String>,
    waiting: std::sync::Arc<std::sync::Mutex<Vec<NewTxLog>>>,
}

impl RunLogger {
    /// Builds a logger for `task_id`; any of `secrets` is masked in descriptions and messages.
    pub fn new(pool: sqlx::PgPool, task_id: &str, run_by: &str, secrets: Vec<String>) -> Self {
        Self {
            pool,
            task_id: task_id.to_string(),
            run_by: run_by.to_string(),
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
            waiting: Default::default(),
        }
    }

    /// A logger of the same run that gathers its own logs: for work that
    /// runs beside the run's main line and records them in its own
    /// transactions (the end of a set, see `page::finish_set`).
    pub fn apart(&self) -> Self {
        Self {
            waiting: Default::default(),
            ..self.clone()
        }
    }

    /// Writes the logs gathered so far, in the order they were logged.
    pub async fn flush(&self) -> Result<()> {
        tx_logs::insert_logs(&self.pool, &self.take())
            .await
            .map(drop)
    }

    /// Takes the logs gathered so far, in the order they were logged, for
    /// the caller to write in its own transaction.
    pub fn take(&self) -> Vec<NewTxLog> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<NewTxLog>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gathers one step, written with the others at the next [`Self::flush`].
    pub async fn log(&self, step: Step<'_>) -> Result<()> {
        metrics::counter!(SYNC_STEPS, "step" => step.name.to_string(), "status" => step.status.as_db()).increment(1);
        let log = NewTxLog {
            task_id: self.task_id.clone(),
            name: step.name.to_string(),
            description: self.redact(&step.description),
            status: step.status.as_db(),
            run_by: self.run_by.clone(),
            salesforce_record_id: step.record_id.to_string(),
            error: step.error.map(|(component, reason, message)| NewErrorLog {
                component: component.to_string(),
                reason: self.redact(&reason),
                message: self.redact(&message),
            }),
        };
        self.lock().push(log);
        Ok(())
    }

    fn redact(&self, text: &str) -> String {
        let mut redacted = text.to_string();
        for secret in &self.secrets {
            redacted = redacted.replace(secret.as_str(), "********");
        }
        redacted
    }
}
