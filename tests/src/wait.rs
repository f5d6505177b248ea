//! Waiting helpers: polling until a condition holds, and slowing a sandbox
//! call so a test can act while a run is inside it.

/// Polls `check` every 50 ms until it returns `Some`, failing after `limit`.
pub async fn eventually<T, F, Fut>(limit: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Makes calls of `operation` wait `millis` in a sandbox, so a test can act
/// while a run is inside that call.
pub fn slow_down(faults: &fnosync_sandbox::faults::Faults, operation: &str, millis: u64) {
    faults.set(fnosync_sandbox::faults::FaultSettings {
        latency_ms: millis,
        operation_filter: operation.into(),
        ..Default::default()
    });
}

/// Waits until a sandbox counter shows at least one call.
pub async fn wait_until_called(count: impl Fn() -> u64) {
    eventually(std::time::Duration::from_secs(30), || async {
        (count() > 0).then_some(())
    })
    .await;
}
