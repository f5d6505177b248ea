//! Prometheus metrics: one recorder for the process, served as text on
//! `/metrics` from a separate HTTP listener. Metric names are constants here.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

/// RPCs answered, by method and gRPC code.
pub const RPC_REQUESTS: &str = "fnosync_rpc_requests_total";
/// RPC latency in seconds, by method.
pub const RPC_DURATION: &str = "fnosync_rpc_duration_seconds";
/// Sync runs ended, by kind and outcome.
pub const SYNC_RUNS: &str = "fnosync_sync_runs_total";
/// Sync steps logged, by step name (object) and status.
pub const SYNC_STEPS: &str = "fnosync_sync_steps_total";
/// Salesforce API requests left today, from the latest answer.
pub const SALESFORCE_BUDGET: &str = "fnosync_salesforce_api_remaining";
/// Runs waiting for a worker.
pub const QUEUE_DEPTH: &str = "fnosync_job_queue_depth";
/// Gauge: 1 while the due schedule does not fire for want of a valid licence, else 0.
pub const SCHEDULE_HELD: &str = "fnosync_schedule_held";
/// Unix time of the last scheduled run that completed.
pub const LAST_SCHEDULED_SUCCESS: &str = "fnosync_last_scheduled_success_timestamp_seconds";
/// Gauge: 1 while this process's change-event stream is open, else 0.
pub const EVENT_SYNC_CONNECTED: &str = "fnosync_event_sync_connected";
/// Gauge: seconds from the commit of the last processed change event to its processing.
pub const EVENT_SYNC_LAG: &str = "fnosync_event_sync_lag_seconds";
/// Change events received, by outcome (`queued`, `coalesced`, `own`, `ignored`).
pub const EVENT_SYNC_EVENTS: &str = "fnosync_event_sync_events_total";
/// Fallbacks of event sync to an immediate sync, by reason.
pub const EVENT_SYNC_FALLBACKS: &str = "fnosync_event_sync_fallbacks_total";
/// Requests sent to Salesforce or FNO, by system and operation.
pub const REMOTE_CALLS: &str = "fnosync_remote_api_calls_total";
/// Requests to Salesforce or FNO that failed (transport, HTTP status, fault,
/// unreadable answer), by system and operation.
pub const REMOTE_ERRORS: &str = "fnosync_remote_api_errors_total";
/// Latency of requests to Salesforce or FNO in seconds, by system and operation.
pub const REMOTE_DURATION: &str = "fnosync_remote_api_duration_seconds";

/// Upper bounds (seconds) of the `REMOTE_DURATION` buckets: a quick REST
/// call takes tens of milliseconds, a large FNO write several seconds.
const REMOTE_DURATION_BUCKETS: &[f64] = &[0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The `system` label of Salesforce calls.
pub const SYSTEM_SALESFORCE: &str = "salesforce";
/// The `system` label of FNO calls.
pub const SYSTEM_FNO: &str = "fno";

/// Records one request sent to `system`: counts it, counts it as an error
/// when it failed, and records how long it took since `started`.
pub fn record_remote_call(
    system: &'static str,
    operation: &'static str,
    started: Instant,
    succeeded: bool,
) {
    let labels = [("system", system), ("operation", operation)];
    metrics::counter!(REMOTE_CALLS, &labels).increment(1);
    if !succeeded {
        metrics::counter!(REMOTE_ERRORS, &labels).increment(1);
    }
    metrics::histogram!(REMOTE_DURATION, &labels).record(started.elapsed().as_secs_f64());
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder once and returns its handle.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            // Remote latency is a histogram, not a summary, so replicas can be aggregated.
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(REMOTE_DURATION.to_string()),
                    REMOTE_DURATION_BUCKETS,
                )
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // A recorder installed by an embedding program keeps precedence.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// How often the recorder folds the latency samples it holds into their
/// buckets when nothing scrapes `/metrics` (a scrape folds them too).
const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the recorded latency samples into their buckets every
/// [`UPKEEP_INTERVAL`] until `shutdown`: without it, a server nobody scrapes
/// keeps every sample of every remote call and RPC it ever made.
pub async fn run_upkeep(shutdown: CancellationToken) {
    let handle = handle();
    let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => handle.run_upkeep(),
        }
    }
}

/// Serves `/metrics` on `listener` until `shutdown`; returns the bound address.
pub fn serve(
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<SocketAddr> {
    let handle = handle();
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
    );
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "metrics listener stopped");
        }
    });
    tracing::info!(address = %addr, "metrics are served on /metrics");
    Ok(addr)
}
