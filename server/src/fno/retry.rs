//! Retries of FNO calls with exponential backoff and full jitter, bounded in
//! attempts, for failures whose `Disposition` is `Retry` only.
//!
//! Creates are not idempotent: a create whose answer was lost may have taken
//! effect. They are never retried blindly: `create_with_lookup` runs the
//! look-up (by account ID, user name, or orderId/orderLineNumber for
//! entitlements) before every attempt, so a create is re-sent only when FNO
//! confirms that the object does not exist.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tracing::warn;

use super::error::{Disposition, FnoError};

/// How often and how patiently a call is retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry; doubled each retry.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
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
        }
    }

    /// Returns the wait before retry number `retry` (1-based): a random time up to the ceiling.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_delay);
        if ceiling.is_zero() {
            return ceiling;
        }
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }
}

/// Runs `call` until it succeeds, fails permanently, or the attempts are used up.
/// Use it for reads and idempotent writes (updates, state changes, links).
pub async fn with_backoff<T, F, Fut>(policy: &RetryPolicy, mut call: F) -> Result<T, FnoError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, FnoError>>,
{
    let attempts = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) => wait_or_give_up(policy, error, &mut attempt, attempts).await?,
        }
    }
}

/// Waits before the next attempt when the error is transient and attempts are
/// left (counting `attempt` up); otherwise hands the error back.
pub async fn wait_or_give_up(
    policy: &RetryPolicy,
    error: FnoError,
    attempt: &mut u32,
    attempts: u32,
) -> Result<(), FnoError> {
    if error.disposition() != Disposition::Retry || *attempt >= attempts {
        return Err(error);
    }
    warn!(attempt = *attempt, %error, "fno call failed, retrying");
    tokio::time::sleep(policy.backoff(*attempt)).await;
    *attempt += 1;
    Ok(())
}

/// Creates an object safely under retries: before each attempt `lookup` asks
/// FNO whether the object exists (e.g. after a create whose answer was lost)
/// and returns it if so; only otherwise is `create` sent.
pub async fn create_with_lookup<T, L, LFut, C, CFut>(
    policy: &RetryPolicy,
    mut lookup: L,
    mut create: C,
) -> Result<T, FnoError>
where
    L: FnMut() -> LFut,
    LFut: Future<Output = Result<Option<T>, FnoError>>,
    C: FnMut() -> CFut,
    CFut: Future<Output = Result<T, FnoError>>,
{
    let attempts = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        let outcome = match lookup().await {
            Ok(Some(existing)) => Ok(existing),
            Ok(None) => create().await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(value) => return Ok(value),
            Err(error) => wait_or_give_up(policy, error, &mut attempt, attempts).await?,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn retryable() -> FnoError {
        FnoError::Http {
            operation: "getUsersQuery",
            status: 503,
            detail: String::new(),
        }
    }

    fn permanent() -> FnoError {
        FnoError::Rejected {
            operation: "createUser",
            reason: "9999:no".into(),
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = with_backoff(&RetryPolicy::immediate(3), || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(retryable()),
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
        let result: Result<(), _> = with_backoff(&RetryPolicy::immediate(3), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(retryable())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_backoff(&RetryPolicy::immediate(5), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(permanent())
        })
        .await;
        assert!(matches!(result, Err(FnoError::Rejected { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_create_whose_answer_was_lost_is_found_instead_of_sent_again() {
        let creates = AtomicU32::new(0);
        let created = std::sync::Mutex::new(None::<&str>);
        let result = create_with_lookup(
            &RetryPolicy::immediate(3),
            || async { Ok(*created.lock().expect("lock")) },
            || async {
                creates.fetch_add(1, Ordering::SeqCst);
                // The create takes effect but its answer is lost.
                *created.lock().expect("lock") = Some("ENT-1");
                Err(retryable())
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
        };
        for _ in 0..50 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(3) <= Duration::from_millis(400));
            assert!(policy.backoff(9) <= Duration::from_millis(1_000));
        }
    }
}
