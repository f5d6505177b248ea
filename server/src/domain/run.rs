//! Sync runs as the engine and the API see them: their kind, their state
//! and their counters, with the names the database stores them under.
//! `store::runs` maps its rows to and from these; no I/O here.

use chrono::{DateTime, Utc};

/// What started a run, and so what it syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunKind {
    /// One account, asked for by an operator or a platform.
    OneTime,
    /// Everything changed since the schedule's watermark.
    Scheduled,
    /// Everything changed in a window, asked for by an operator.
    Immediate,
    /// The accounts named by Salesforce change events.
    Event,
    /// The records that failed in an earlier run.
    Retry,
}

impl RunKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::OneTime,
        Self::Scheduled,
        Self::Immediate,
        Self::Event,
        Self::Retry,
    ];

    /// The name the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneTime => "one_time",
            Self::Scheduled => "scheduled",
            Self::Immediate => "immediate",
            Self::Event => "event",
            Self::Retry => "retry",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether the run syncs a window of changes (page by page, with checkpoints).
    pub fn is_batch(self) -> bool {
        matches!(self, Self::Scheduled | Self::Immediate)
    }
}

/// Where a run is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunState {
    /// Waiting for a worker.
    Queued,
    /// A worker carries it out.
    Running,
    /// Waiting for the Salesforce API budget.
    Paused,
    /// Ended with every record synced.
    Completed,
    /// Ended with some records failed (see the transaction logs).
    CompletedWithFailures,
    /// Ended without syncing (the reason is in the message).
    Failed,
    /// Ended by an operator (or, for good, by a shutdown).
    Cancelled,
}

impl RunState {
    /// Every state.
    pub const ALL: [Self; 7] = [
        Self::Queued,
        Self::Running,
        Self::Paused,
        Self::Completed,
        Self::CompletedWithFailures,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The name the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::CompletedWithFailures => "completed_with_failures",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }

    /// Whether the run has ended for good.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::CompletedWithFailures | Self::Failed | Self::Cancelled
        )
    }
}

/// How far a run got: records to process, processed, and failed among them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounters {
    /// Records the run will process.
    pub total: i64,
    /// Records processed.
    pub done: i64,
    /// Records that failed (counted in `done` too).
    pub failed: i64,
}

/// How a run ended.
#[derive(Clone, Debug)]
pub struct Ended {
    /// Final state.
    pub state: RunState,
    /// Why, or a note on what happened.
    pub message: String,
}

impl Ended {
    /// The run failed as a whole.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            state: RunState::Failed,
            message: message.into(),
        }
    }

    /// The run was cancelled between records.
    pub fn cancelled() -> Self {
        Self {
            state: RunState::Cancelled,
            message: "cancelled by an operator or a shutdown".into(),
        }
    }

    /// The run completed with a note.
    pub fn completed_with(message: impl Into<String>) -> Self {
        Self {
            state: RunState::Completed,
            message: message.into(),
        }
    }

    /// Completed, or completed with failures, from the counters.
    pub fn from_counters(RunCounters { done, failed, .. }: RunCounters) -> Self {
        if failed > 0 {
            Self {
                state: RunState::CompletedWithFailures,
                message: format!("{failed} of {done} records failed; see the transaction logs"),
            }
        } else {
            Self::completed_with(format!("{done} records synced"))
        }
    }
}

/// A run as stored.
#[derive(Clone, Debug)]
pub struct Run {
    /// Task ID.
    pub run_id: String,
    /// What started it.
    pub kind: RunKind,
    /// Where it is.
    pub state: RunState,
    /// One-time: the account.
    pub account_id: String,
    /// Event: the accounts the change events named; retry: the accounts of
    /// the records it retries, once read.
    pub account_ids: Vec<String>,
    /// Retry: the run whose failed records it syncs again.
    pub retry_of: String,
    /// Immediate: window start.
    pub window_start: Option<DateTime<Utc>>,
    /// Immediate: window end.
    pub window_end: Option<DateTime<Utc>>,
    /// How far it got.
    pub counters: RunCounters,
    /// Who started it.
    pub requested_by: String,
    /// Why it failed or paused, or how it ended.
    pub message: String,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Started at.
    pub started_at: Option<DateTime<Utc>>,
    /// Ended at.
    pub ended_at: Option<DateTime<Utc>>,
    /// Scheduled and immediate runs: where the last worker got to.
    pub checkpoint: Option<serde_json::Value>,
    /// Grows by one at each claim: the claiming worker's fence.
    pub lease_token: i64,
}

impl Run {
    /// The lease its worker holds the run with, as claimed.
    pub fn lease(&self) -> Lease {
        Lease {
            run_id: self.run_id.clone(),
            token: self.lease_token,
        }
    }
}

/// A worker's hold on a run: every write of the run's state carries it and
/// is refused once another worker has claimed the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The run.
    pub run_id: String,
    /// The token of the claim.
    pub token: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_read_back_their_stored_names() {
        for kind in RunKind::ALL {
            assert_eq!(RunKind::parse(kind.as_str()), Some(kind));
        }
        for state in RunState::ALL {
            assert_eq!(RunState::parse(state.as_str()), Some(state));
        }
        assert_eq!(RunKind::parse("weekly"), None);
        assert_eq!(RunState::parse("done"), None);
    }

    #[test]
    fn only_ended_states_are_terminal() {
        let terminal: Vec<RunState> = RunState::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                RunState::Completed,
                RunState::CompletedWithFailures,
                RunState::Failed,
                RunState::Cancelled
            ]
        );
    }
}
