//! Deadlines and retries of idempotent calls. Only failures that prove the
//! call did not take effect are retried.

use std::future::Future;
use std::time::Duration;

use tonic::{Code, Status};

/// Wraps a message in a request with a deadline.
pub fn request<T>(message: T, timeout: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(timeout);
    request
}

/// Tells whether a failed call may be retried: the server was unreachable or
/// overloaded, so the call did not take effect.
pub fn is_retryable(status: &Status) -> bool {
    matches!(status.code(), Code::Unavailable | Code::ResourceExhausted)
}

/// Runs an idempotent call up to `attempts` times with exponential backoff,
/// retrying only failures that `is_retryable` admits. Use it for reads and for
/// creates that carry a `request_id`.
pub async fn retry_idempotent<T, F, Fut>(attempts: u32, mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(status) if attempt < attempts && is_retryable(&status) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retry_stops_at_the_first_non_retryable_failure() {
        let mut calls = 0;
        let result: Result<(), Status> = retry_idempotent(5, || {
            calls += 1;
            async { Err(Status::invalid_argument("bad")) }
        })
        .await;
        assert_eq!(result.expect_err("fails").code(), Code::InvalidArgument);
        assert_eq!(calls, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_retries_unavailable_until_success() {
        let mut calls = 0;
        let result = retry_idempotent(5, || {
            calls += 1;
            let outcome = if calls < 3 {
                Err(Status::unavailable("down"))
            } else {
                Ok(calls)
            };
            async move { outcome }
        })
        .await;
        assert_eq!(result.expect("succeeds"), 3);
    }
}
