//! The background purge: every `interval`, removes what is older than the
//! retention settings, in batches (see [`crate::store::retention`]), until
//! nothing is left to remove; each replica runs it, one at a time.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::retention::{purge_batch, Purged, Retention};

/// Logs (and idempotency keys) removed per batch.
const BATCH: i64 = 1_000;

/// The pause between two batches, so the purge never crowds out the syncs.
const BETWEEN_BATCHES: Duration = Duration::from_millis(50);

/// Purges now and every `interval` until `shutdown`.
pub async fn run_purge(
    pool: sqlx::PgPool,
    retention: Retention,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        let mut total = Purged::default();
        loop {
            match purge_batch(&pool, &retention, chrono::Utc::now(), BATCH).await {
                Ok(purged) if purged.is_empty() => break,
                Ok(purged) => {
                    total.runs += purged.runs;
                    total.logs += purged.logs;
                    total.idempotency_keys += purged.idempotency_keys;
                }
                Err(error) => {
                    tracing::warn!(%error, "the purge of old runs and logs failed; trying again later");
                    break;
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(BETWEEN_BATCHES) => {}
            }
        }
        if !total.is_empty() {
            tracing::info!(
                runs = total.runs,
                logs = total.logs,
                idempotency_keys = total.idempotency_keys,
                "purged what is older than the retention"
            );
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
