//! Fault switches and per-operation call counters shared by both sandboxes.
//! A handler calls `Faults::enter(operation)` first: it counts the call, waits
//! the configured latency, and says whether to fail, drop or garble this call.
//! A gate (`Faults::close_gate`, or `close_gate_after` to let the first
//! calls through) holds the calls of an operation until the test that
//! closed it opens it, and tells the test when a call is held: the way to
//! act "while a call is in flight" without timing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use std::time::Duration;
use tokio::sync::watch;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// What the switches are set to. Every field defaults to "no fault".
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultSettings {
    /// Added latency per call, in milliseconds (only for calls the filter admits).
    pub latency_ms: u64,
    /// Share of calls (0.0 to 1.0) that fail with `failure_status`.
    pub failure_rate: f64,
    /// The next N calls fail with `failure_status`, then calls succeed again.
    pub fail_next: u32,
    /// The first N calls the filter admits are served before `drop_next`,
    /// `malformed_next`, `oversized_next`, `nested_next` and `fail_next` apply.
    pub pass_first: u32,
    /// HTTP status of injected failures (500 or 503); 500 when 0.
    pub failure_status: u16,
    /// The next N calls drop the connection without a complete response.
    pub drop_next: u32,
    /// The next N calls get a malformed (truncated) response body.
    pub malformed_next: u32,
    /// The next N calls get a well-formed answer larger than any client
    /// should read ([`OVERSIZED_BODY_BYTES`]).
    pub oversized_next: u32,
    /// The next N calls get an answer nested [`NESTED_DEPTH`] levels deep.
    pub nested_next: u32,
    /// Share of calls (0.0 to 1.0) that get one fault picked at random among
    /// HTTP 500, HTTP 503, a dropped connection and a stall of `stall_ms`.
    pub chaos_rate: f64,
    /// How long a stalled call waits before it is served (the write, if any,
    /// then happens after the client may have given up); 30,000 when 0.
    pub stall_ms: u64,
    /// Only calls whose operation name contains this text are affected; all when empty.
    pub operation_filter: String,
}

/// The fault a handler must act out for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    /// Serve the call normally.
    None,
    /// Answer with this HTTP status and the system's own error shape.
    Fail(u16),
    /// Close the connection without a complete response.
    Drop,
    /// Answer with a truncated, unparseable body.
    Malformed,
    /// Answer with a body of [`OVERSIZED_BODY_BYTES`].
    Oversized,
    /// Answer with elements or arrays nested [`NESTED_DEPTH`] levels deep.
    Nested,
}

impl Injected {
    /// The name the fault is counted under; `None` serves normally.
    fn kind(self) -> Option<&'static str> {
        Some(match self {
            Self::None => return None,
            Self::Fail(500) => "HTTP 500",
            Self::Fail(503) => "HTTP 503",
            Self::Fail(_) => "HTTP error",
            Self::Drop => "dropped connection",
            Self::Malformed => "malformed answer",
            Self::Oversized => "oversized answer",
            Self::Nested => "nested answer",
        })
    }
}

/// Size of an oversized answer: 80 MiB, past the 64 MiB a careful client reads.
pub const OVERSIZED_BODY_BYTES: usize = 80 * 1024 * 1024;

/// Depth of a nested answer: deep enough to overflow a recursive reader's stack.
pub const NESTED_DEPTH: usize = 200_000;

/// An oversized answer: `open`, then blanks up to [`OVERSIZED_BODY_BYTES`], then `close`.
pub fn oversized_body(open: &str, close: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(OVERSIZED_BODY_BYTES);
    body.extend_from_slice(open.as_bytes());
    body.resize(OVERSIZED_BODY_BYTES - close.len(), b' ');
    body.extend_from_slice(close.as_bytes());
    body
}

/// A nested answer: `open` and `close` repeated [`NESTED_DEPTH`] times around `inner`.
pub fn nested_body(open: &str, inner: &str, close: &str) -> String {
    format!(
        "{}{inner}{}",
        open.repeat(NESTED_DEPTH),
        close.repeat(NESTED_DEPTH)
    )
}

/// A closed gate: how many calls it lets through first, how many it holds,
/// and whether it is open.
struct GateState {
    pass_first: Mutex<u64>,
    held: watch::Sender<u64>,
    open: watch::Sender<bool>,
}

impl GateState {
    /// Whether this call is held: it is, once the first calls went through.
    fn holds_next(&self) -> bool {
        let mut left = self
            .pass_first
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *left > 0 {
            *left -= 1;
            return false;
        }
        true
    }
}

/// The test's side of a gate closed on an operation.
pub struct Gate {
    state: Arc<GateState>,
}

impl Gate {
    /// Waits until the gate holds at least one call.
    pub async fn wait_held(&self) {
        let mut held = self.state.held.subscribe();
        // The sender lives in the gate itself, so the wait cannot end early.
        let _ = held.wait_for(|count| *count > 0).await;
    }

    /// Waits until the gate holds (or held) at least `calls` calls: the way
    /// to see that calls are under way side by side.
    pub async fn wait_held_count(&self, calls: u64) {
        let mut held = self.state.held.subscribe();
        let _ = held.wait_for(|count| *count >= calls).await;
    }

    /// How many calls the gate holds (or held) so far.
    pub fn held(&self) -> u64 {
        *self.state.held.borrow()
    }

    /// Lets the held calls, and every later one, go on.
    pub fn open(&self) {
        self.state.open.send_replace(true);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open();
    }
}

/// Fault switches and call counters of one sandbox.
#[derive(Default)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
    counts: Mutex<BTreeMap<String, u64>>,
    injected: Mutex<BTreeMap<&'static str, u64>>,
    gates: Mutex<Vec<(String, Arc<GateState>)>>,
}

impl Faults {
    /// Closes a gate on every operation whose name is `operation`: such calls
    /// are counted, then held until the returned gate is opened (or dropped).
    pub fn close_gate(&self, operation: &str) -> Gate {
        self.close_gate_after(operation, 0)
    }

    /// Closes a gate on `operation` that lets its next `passed` calls through
    /// and holds every later one: the way to stop a run at its n-th call.
    pub fn close_gate_after(&self, operation: &str, passed: u64) -> Gate {
        let state = Arc::new(GateState {
            pass_first: Mutex::new(passed),
            held: watch::channel(0).0,
            open: watch::channel(false).0,
        });
        self.lock_gates()
            .push((operation.to_string(), state.clone()));
        Gate { state }
    }

    /// Counts a call of `operation`, holds it at a closed gate, waits the
    /// configured latency and decides its fault.
    pub async fn enter(&self, operation: &str) -> Injected {
        *self.lock_counts().entry(operation.to_string()).or_default() += 1;
        let gates: Vec<Arc<GateState>> = self
            .lock_gates()
            .iter()
            .filter(|(name, _)| name == operation)
            .map(|(_, state)| state.clone())
            .collect();
        for gate in gates {
            if *gate.open.borrow() || !gate.holds_next() {
                continue;
            }
            let mut open = gate.open.subscribe();
            gate.held.send_modify(|count| *count += 1);
            let _ = open.wait_for(|open| *open).await;
        }
        let (latency, injected) = self.decide(operation);
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if let Some(kind) = injected.kind() {
            self.note_injected(kind);
        }
        injected
    }

    /// Counts a fault of `kind` acted out (a sandbox's own kinds too).
    pub fn note_injected(&self, kind: &'static str) {
        *self.lock_injected().entry(kind).or_default() += 1;
    }

    /// Returns how many faults of each kind were acted out since start or
    /// the last [`Self::reset_counts`].
    pub fn injected(&self) -> BTreeMap<&'static str, u64> {
        self.lock_injected().clone()
    }

    fn lock_injected(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, u64>> {
        self.injected
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn decide(&self, operation: &str) -> (u64, Injected) {
        let mut settings = self.lock_settings();
        if !settings.operation_filter.is_empty() && !operation.contains(&settings.operation_filter)
        {
            return (0, Injected::None);
        }
        let latency = settings.latency_ms;
        if settings.pass_first > 0 {
            settings.pass_first -= 1;
            return (latency, Injected::None);
        }
        let status = if settings.failure_status == 0 {
            500
        } else {
            settings.failure_status
        };
        let injected = if settings.drop_next > 0 {
            settings.drop_next -= 1;
            Injected::Drop
        } else if settings.malformed_next > 0 {
            settings.malformed_next -= 1;
            Injected::Malformed
        } else if settings.oversized_next > 0 {
            settings.oversized_next -= 1;
            Injected::Oversized
        } else if settings.nested_next > 0 {
            settings.nested_next -= 1;
            Injected::Nested
        } else if settings.fail_next > 0 {
            settings.fail_next -= 1;
            Injected::Fail(status)
        } else if settings.failure_rate > 0.0
            && rand::thread_rng().gen::<f64>() < settings.failure_rate
        {
            Injected::Fail(status)
        } else if settings.chaos_rate > 0.0 && rand::thread_rng().gen::<f64>() < settings.chaos_rate
        {
            match rand::thread_rng().gen_range(0..4) {
                0 => Injected::Fail(500),
                1 => Injected::Fail(503),
                2 => Injected::Drop,
                _ => {
                    self.note_injected("stalled call");
                    let stall = if settings.stall_ms == 0 {
                        30_000
                    } else {
                        settings.stall_ms
                    };
                    return (latency + stall, Injected::None);
                }
            }
        } else {
            Injected::None
        };
        (latency, injected)
    }

    /// Returns the switches as they are now.
    pub fn settings(&self) -> FaultSettings {
        self.lock_settings().clone()
    }

    /// Replaces the switches.
    pub fn set(&self, settings: FaultSettings) {
        *self.lock_settings() = settings;
    }

    /// Returns how often each operation was called since start or the last reset.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.lock_counts().clone()
    }

    /// Returns how often `operation` was called.
    pub fn count(&self, operation: &str) -> u64 {
        self.lock_counts().get(operation).copied().unwrap_or(0)
    }

    /// Sets every counter back to zero, the faults acted out too.
    pub fn reset_counts(&self) {
        self.lock_counts().clear();
        self.lock_injected().clear();
    }

    fn lock_gates(&self) -> std::sync::MutexGuard<'_, Vec<(String, Arc<GateState>)>> {
        self.gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_settings(&self) -> std::sync::MutexGuard<'_, FaultSettings> {
        self.settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_gate_holds_its_operation_until_it_is_opened() {
        let faults = Arc::new(Faults::default());
        let gate = faults.close_gate("createAccount");
        let held = {
            let faults = faults.clone();
            tokio::spawn(async move { faults.enter("createAccount").await })
        };

        gate.wait_held().await;
        assert_eq!(faults.enter("createUser").await, Injected::None);
        assert!(!held.is_finished());
        gate.open();

        assert_eq!(held.await.expect("call ends"), Injected::None);
        assert_eq!(gate.held(), 1);
        assert_eq!(faults.count("createAccount"), 1);
    }

    #[tokio::test]
    async fn a_gate_after_two_calls_holds_the_third() {
        let faults = Arc::new(Faults::default());
        let gate = faults.close_gate_after("createSimpleEntitlement", 2);
        assert_eq!(
            faults.enter("createSimpleEntitlement").await,
            Injected::None
        );
        assert_eq!(
            faults.enter("createSimpleEntitlement").await,
            Injected::None
        );
        assert_eq!(gate.held(), 0);
        let third = {
            let faults = faults.clone();
            tokio::spawn(async move { faults.enter("createSimpleEntitlement").await })
        };

        gate.wait_held().await;
        assert!(!third.is_finished());
        gate.open();

        assert_eq!(third.await.expect("call ends"), Injected::None);
        assert_eq!(gate.held(), 1);
        assert_eq!(faults.count("createSimpleEntitlement"), 3);
    }

    #[tokio::test]
    async fn fail_next_fails_exactly_that_many_calls() {
        let faults = Faults::default();
        faults.set(FaultSettings {
            fail_next: 2,
            failure_status: 503,
            ..FaultSettings::default()
        });
        assert_eq!(faults.enter("query").await, Injected::Fail(503));
        assert_eq!(faults.enter("query").await, Injected::Fail(503));
        assert_eq!(faults.enter("query").await, Injected::None);
        assert_eq!(faults.count("query"), 3);
    }

    #[tokio::test]
    async fn operation_filter_spares_other_operations() {
        let faults = Faults::default();
        faults.set(FaultSettings {
            drop_next: 1,
            operation_filter: "createEntitlement".into(),
            ..FaultSettings::default()
        });
        assert_eq!(faults.enter("getUsersQuery").await, Injected::None);
        assert_eq!(
            faults.enter("createSimpleEntitlement").await,
            Injected::None
        );
        assert_eq!(
            faults.enter("createEntitlementLineItem").await,
            Injected::Drop
        );
    }
}
