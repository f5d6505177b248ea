//! What `grpc.health.v1` reports: SERVING for the whole server ("") and each
//! fnosync service while PostgreSQL answers and the server is not stopping,
//! NOT_SERVING otherwise. A background task pings the pool to keep it current.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use crate::api::SERVICE_NAMES;

/// How long one database ping may take before the database counts as unreachable.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// The health statuses of the server, derived from the database and shutdown.
pub struct ServingHealth {
    reporter: HealthReporter,
    // One lock orders the updates, so a ping that ends after a shutdown began
    // cannot report SERVING again.
    state: Mutex<HealthState>,
}

struct HealthState {
    database_up: bool,
    stopping: bool,
    reported: Option<ServingStatus>,
}

impl ServingHealth {
    /// Pings the database once and reports the result, before anything is served.
    pub async fn start(reporter: HealthReporter, pool: &PgPool) -> Arc<Self> {
        let health = Arc::new(Self {
            reporter,
            state: Mutex::new(HealthState {
                database_up: false,
                stopping: false,
                reported: None,
            }),
        });
        health.set_database_up(ping_database(pool).await).await;
        health
    }

    /// Records whether the database answered; logs when that changes.
    pub async fn set_database_up(&self, up: bool) {
        let mut state = self.state.lock().await;
        if state.database_up != up && state.reported.is_some() {
            if up {
                tracing::info!("the database answers again; health reports SERVING");
            } else {
                tracing::error!("the database does not answer; health reports NOT_SERVING");
            }
        }
        state.database_up = up;
        self.publish(&mut state).await;
    }

    /// Reports NOT_SERVING for good: the server is stopping.
    pub async fn set_stopping(&self) {
        let mut state = self.state.lock().await;
        state.stopping = true;
        self.publish(&mut state).await;
    }

    /// Sends the status to the health service when it changed (each send wakes every watcher).
    async fn publish(&self, state: &mut HealthState) {
        let status = if state.database_up && !state.stopping {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        if state.reported == Some(status) {
            return;
        }
        for name in SERVICE_NAMES.into_iter().chain([""]) {
            self.reporter.set_service_status(name, status).await;
        }
        state.reported = Some(status);
    }
}

/// Returns whether the database answers a trivial query within `PING_TIMEOUT`.
pub async fn ping_database(pool: &PgPool) -> bool {
    let ping = sqlx::query("SELECT 1").execute(pool);
    match tokio::time::timeout(PING_TIMEOUT, ping).await {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => {
            tracing::debug!(%error, "database ping failed");
            false
        }
        Err(_) => {
            tracing::debug!("database ping timed out");
            false
        }
    }
}

/// Pings the database every `interval` and reports the outcome until `shutdown`.
pub async fn monitor_database(
    health: Arc<ServingHealth>,
    pool: PgPool,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        let up = tokio::select! {
            _ = shutdown.cancelled() => return,
            up = ping_database(&pool) => up,
        };
        health.set_database_up(up).await;
    }
}
