//! Retries of Salesforce calls that are safe to repeat (reads and idempotent
//! writes such as PATCH updates): exponential backoff with full jitter, and
//! only for failures whose disposition is `Retry`.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tracing::warn;

use super::error::{Disposition, SalesforceError};

/// How often and how patiently to retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Returns the backoff ceiling before retry number `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Returns a random delay in `[0, ceiling]` ("full jitter"), so that
    /// callers failing together do not retry together.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }

    /// Runs `call` until it succeeds, fails for good, or the attempts run out.
    pub async fn run<T, F, Fut>(&self, operation: &str, mut call: F) -> Result<T, SalesforceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SalesforceError>>,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Err(error)
                    if error.disposition() == Disposition::Retry && attempt < self.max_attempts =>
                {
                    let delay = self.delay(attempt);
                    warn!(operation, attempt, delay_ms = delay.as_millis() as u64, %error, "salesforce call failed, retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn unavailable() -> SalesforceError {
        SalesforceError::from_response(
            "query",
            503,
            br#"[{"message":"Server is temporarily unavailable.","errorCode":"SERVER_UNAVAILABLE"}]"#,
        )
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    #[test]
    fn the_ceiling_doubles_up_to_the_maximum() {
        let policy = RetryPolicy::default();

        assert_eq!(policy.ceiling(1), Duration::from_millis(250));
        assert_eq!(policy.ceiling(2), Duration::from_millis(500));
        assert_eq!(policy.ceiling(3), Duration::from_secs(1));
        assert_eq!(policy.ceiling(40), Duration::from_secs(8));
        for retry in 1..6 {
            assert!(policy.delay(retry) <= policy.ceiling(retry));
        }
    }

    #[tokio::test]
    async fn a_retryable_failure_is_retried_until_success() {
        let calls = AtomicU32::new(0);

        let outcome = fast()
            .run("query", || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(unavailable())
                } else {
                    Ok(7)
                }
            })
            .await;

        assert_eq!(outcome.expect("third attempt succeeds"), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn attempts_run_out() {
        let calls = AtomicU32::new(0);

        let outcome: Result<(), _> = fast()
            .run("query", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable())
            })
            .await;

        assert!(outcome.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_permanent_failure_is_not_retried() {
        let calls = AtomicU32::new(0);

        let outcome: Result<(), _> = fast()
            .run("query", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(SalesforceError::from_response(
                    "query",
                    400,
                    br#"[{"message":"unexpected token: FROM","errorCode":"MALFORMED_QUERY"}]"#,
                ))
            })
            .await;

        assert!(outcome.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
