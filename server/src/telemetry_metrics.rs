//! Prometheus metrics: one recorder for the process, served as text on
//! `/metrics` from a separate HTTP listener. Metric names are constants here.

use std::net::SocketAddr;

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
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
/// Unix time of the last scheduled run that completed.
pub const LAST_SCHEDULED_SUCCESS: &str = "fnosync_last_scheduled_success_timestamp_seconds";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder once and returns its handle.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // A recorder installed by an embedding program keeps precedence.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
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
