//! The one retry policy of outbound calls, Salesforce's and FNO's alike:
//! attempts, exponential backoff with full jitter, and waits that end early
//! when the server shuts down or the run is cancelled. Adapters only classify
//! their failures ([`Classified`]); what to do about them is decided here.
//!
//! Creates are not idempotent: a create whose answer was lost may have taken
//! effect. [`RetryPolicy::create_with_lookup`] asks first before every
//! attempt, so a create is sent again only when the remote side confirms it
//! does not have the object.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;
use tracing::warn;

/// What a caller may do about a failed call, as the adapter that made it
/// classifies the failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Transient: the same call may succeed after a pause.
    Retry,
    /// Permanent for this call: sending it again gives the same answer.
    Fail,
}

/// A failure an adapter has classified.
pub trait Classified: Display {
    /// Says whether the same call may succeed when sent again.
    fn disposition(&self) -> Disposition;
}

/// How often and how patiently a call is retried, and what stops the waits.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry; doubled each retry.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Ends every wait early (shutdown, or an operator's cancel of the run):
    /// the call then fails with the error it had.
    pub stop: CancellationToken,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            stop: CancellationToken::new(),
        }
    }
}

impl RetryPolicy {
    /// A policy without waiting, for tests.
    pub fn immediate(max_attempts: u32) -> Self {
        Self {
            max_attempts,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            ..Self::default()
        }
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The same policy, its waits ended early by `stop`.
    pub fn stopped_by(self, stop: CancellationToken) -> Self {
        Self { stop, ..self }
    }

    /// Returns the backoff ceiling before retry number `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Returns the wait before retry number `retry`: a random time up to the
    /// ceiling ("full jitter"), so that callers failing together do not
    /// retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }

    /// Waits before retry number `retry`; `false` when `stop` fired first.
    pub async fn pause(&self, retry: u32) -> bool {
        if self.stop.is_cancelled() {
            return false;
        }
        tokio::select! {
            _ = self.stop.cancelled() => false,
            _ = tokio::time::sleep(self.backoff(retry)) => true,
        }
    }

    /// Waits before the next attempt when the error is transient, attempts
    /// are left and nothing stopped the wait (counting `attempt` up);
    /// otherwise hands the error back.
    pub async fn wait_or_give_up<E: Classified>(
        &self,
        error: E,
        attempt: &mut u32,
    ) -> Result<(), E> {
        if error.disposition() != Disposition::Retry || *attempt >= self.max_attempts.max(1) {
            return Err(error);
        }
        warn!(attempt = *attempt, %error, "call failed, retrying");
        if !self.pause(*attempt).await {
            return Err(error);
        }
        *attempt += 1;
        Ok(())
    }

    /// Runs `call` until it succeeds, fails for good, or the attempts run
    /// out. For reads and idempotent writes (updates, state changes).
    pub async fn run<T, E, F, Fut>(&self, mut call: F) -> Result<T, E>
    where
        E: Classified,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(error) => self.wait_or_give_up(error, &mut attempt).await?,
            }
        }
    }

    /// Creates an object safely under retries: before each attempt `lookup`
    /// asks whether the object exists (after a create whose answer was lost)
    /// and returns it if so; only otherwise is `create` sent.
    pub async fn create_with_lookup<T, E, L, LFut, C, CFut>(
        &self,
        mut lookup: L,
        mut create: C,
    ) -> Result<T, E>
    where
        E: Classified,
        L: FnMut() -> LFut,
        LFut: Future<Output = Result<Option<T>, E>>,
        C: FnMut() -> CFut,
        CFut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 1;
        loop {
            let outcome = match lookup().await {
                Ok(Some(existing)) => Ok(existing),
                Ok(None) => create().await,
                Err(error) => Err(error),
            };
            match outcome {
                Ok(value) => return Ok(value),
                Err(error) => self.wait_or_give_up(error, &mut attempt).await?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[derive(Debug)]
    struct Failure(Disposition);

    impl Display for Failure {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }

    impl Classified for Failure {
        fn disposition(&self) -> Disposition {
            self.0
        }
    }

    const TRANSIENT: Failure = Failure(Disposition::Retry);
    const PERMANENT: Failure = Failure(Disposition::Fail);

    #[tokio::test]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = RetryPolicy::immediate(3)
            .run(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(TRANSIENT),
                    _ => Ok("done"),
                }
            })
            .await;
        assert_eq!(result.expect("success"), "done");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn attempts_are_bounded() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = RetryPolicy::immediate(3)
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(TRANSIENT)
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = RetryPolicy::immediate(5)
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(PERMANENT)
            })
            .await;
        assert_eq!(result.expect_err("permanent").0, Disposition::Fail);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_stop_ends_the_backoff_and_the_call_fails_with_its_error() {
        // A backoff of an hour: only the stop can end it.
        let stop = CancellationToken::new();
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(3_600),
            max_delay: Duration::from_secs(3_600),
            stop: stop.clone(),
        };
        let calls = AtomicU32::new(0);
        let call = policy.run(|| async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                stop.cancel();
            }
            Err::<(), _>(TRANSIENT)
        });
        let result = tokio::time::timeout(Duration::from_secs(30), call)
            .await
            .expect("the stop ends the wait");
        assert_eq!(result.expect_err("stopped").0, Disposition::Retry);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_create_whose_answer_was_lost_is_found_instead_of_sent_again() {
        let creates = AtomicU32::new(0);
        let created = std::sync::Mutex::new(None::<&str>);
        let result = RetryPolicy::immediate(3)
            .create_with_lookup(
                || async { Ok::<_, Failure>(*created.lock().expect("lock")) },
                || async {
                    creates.fetch_add(1, Ordering::SeqCst);
                    // The create takes effect but its answer is lost.
                    *created.lock().expect("lock") = Some("ENT-1");
                    Err(TRANSIENT)
                },
            )
            .await;
        assert_eq!(result.expect("found"), "ENT-1");
        assert_eq!(creates.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn backoff_grows_exponentially_within_the_ceiling() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1_000),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.ceiling(1), Duration::from_millis(100));
        assert_eq!(policy.ceiling(3), Duration::from_millis(400));
        assert_eq!(policy.ceiling(40), Duration::from_millis(1_000));
        for _ in 0..50 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(3) <= Duration::from_millis(400));
            assert!(policy.backoff(9) <= Duration::from_millis(1_000));
        }
    }
}
