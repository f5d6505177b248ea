//! Event-driven sync: its settings and the subscriber's state (one row).
//! The replay id moves only in the transaction that queues the runs its
//! events caused (see [`record_batch`]).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::error::Result;

/// The stored settings and state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventSyncRecord {
    /// Objects whose change events start syncs; empty: disabled.
    pub objects: Vec<String>,
    /// The Pub/Sub API endpoint.
    pub pubsub_url: String,
    /// The replay id of the last event whose runs were queued.
    pub replay_id: Option<Vec<u8>>,
    /// Commit time of the last processed event.
    pub last_commit: Option<DateTime<Utc>>,
    /// Events received.
    pub events_received: i64,
    /// Events folded into a run with another event of the same account.
    pub events_coalesced: i64,
    /// Events of fnosync's own writes, not synced again.
    pub own_events: i64,
    /// Event runs queued.
    pub runs_queued: i64,
    /// Times the subscriber fell back to an immediate sync.
    pub fallbacks: i64,
    /// Why it last fell back.
    pub last_fallback: String,
    /// When it last fell back.
    pub last_fallback_at: Option<DateTime<Utc>>,
    /// The worker that holds the subscription.
    pub holder: String,
    /// Whether the holder's stream is open.
    pub connected: bool,
    /// When the holder last reported.
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Why the subscriber could not subscribe, last time it could not.
    pub last_error: String,
    /// When event sync was last enabled.
    pub enabled_at: Option<DateTime<Utc>>,
    /// Last change of the settings.
    pub updated_at: DateTime<Utc>,
    /// The channel the holder subscribed to last.
    pub channel: String,
    /// Changed records read again through REST to find their accounts.
    pub records_read_again: i64,
}

/// How long after the holder's last report its stream still counts as open
/// (the holder reports every few seconds; one that died stops reporting).
pub const STALE_AFTER: chrono::Duration = chrono::Duration::seconds(30);

impl EventSyncRecord {
    /// Whether change events start syncs.
    pub fn enabled(&self) -> bool {
        !self.objects.is_empty()
    }

    /// Whether the holder's stream is open as of `now`: it said so, and
    /// reported since [`STALE_AFTER`].
    pub fn is_connected(&self, now: DateTime<Utc>) -> bool {
        self.connected
            && self
                .heartbeat_at
                .is_some_and(|beat| now - beat < STALE_AFTER)
    }
}

const COLUMNS: &str = "objects, pubsub_url, replay_id, last_commit, events_received, \
                       events_coalesced, own_events, runs_queued, fallbacks, last_fallback, \
                       last_fallback_at, holder, connected, heartbeat_at, last_error, \
                       enabled_at, updated_at, channel, records_read_again";

/// Reads the settings and state.
pub async fn get(db: impl PgExecutor<'_>) -> Result<EventSyncRecord> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM event_sync"))
        .fetch_one(db)
        .await?)
}

/// Sets the objects and the endpoint. Enabling from disabled notes the time
/// (a first subscription starts there); a changed endpoint forgets the
/// replay id, which belongs to the old one.
pub async fn update(
    db: impl PgExecutor<'_>,
    objects: &[String],
    pubsub_url: &str,
) -> Result<EventSyncRecord> {
    Ok(sqlx::query_as(&format!(
        "UPDATE event_sync SET objects = $1, pubsub_url = $2, updated_at = now(), \
         enabled_at = CASE WHEN cardinality(objects) = 0 AND cardinality($1::text[]) > 0 \
                      THEN now() ELSE enabled_at END, \
         replay_id = CASE WHEN pubsub_url = $2 THEN replay_id END \
         RETURNING {COLUMNS}"
    ))
    .bind(objects)
    .bind(pubsub_url)
    .fetch_one(db)
    .await?)
}

/// What a processed batch of events adds to the state.
#[derive(Clone, Debug, Default)]
pub struct BatchRecord {
    /// The replay id of the batch's last event.
    pub replay_id: Vec<u8>,
    /// The newest commit time among its events.
    pub last_commit: Option<DateTime<Utc>>,
    /// Events in the batch.
    pub received: i64,
    /// Events folded into a run with another.
    pub coalesced: i64,
    /// Events of fnosync's own writes.
    pub own: i64,
    /// Runs queued for it.
    pub runs: i64,
    /// Records read again to find their accounts.
    pub read_again: i64,
}

/// Moves the replay id past a batch and counts it, in the caller's
/// transaction with the runs the batch queued; `false` (nothing written)
/// when `holder` no longer holds the subscription.
pub async fn record_batch(
    db: impl PgExecutor<'_>,
    holder: &str,
    batch: &BatchRecord,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE event_sync SET replay_id = $1, \
         last_commit = GREATEST(last_commit, $2), \
         events_received = events_received + $3, events_coalesced = events_coalesced + $4, \
         own_events = own_events + $5, runs_queued = runs_queued + $6, \
         records_read_again = records_read_again + $7, heartbeat_at = now() \
         WHERE holder = $8",
    )
    .bind(&batch.replay_id)
    .bind(batch.last_commit)
    .bind(batch.received)
    .bind(batch.coalesced)
    .bind(batch.own)
    .bind(batch.runs)
    .bind(batch.read_again)
    .bind(holder)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Counts a fallback to an immediate sync, with its reason; the stored
/// replay id is forgotten (the stream starts again from the latest event).
pub async fn record_fallback(db: impl PgExecutor<'_>, reason: &str) -> Result<()> {
    sqlx::query(
        "UPDATE event_sync SET fallbacks = fallbacks + 1, last_fallback = $1, \
         last_fallback_at = now(), replay_id = NULL, last_commit = now()",
    )
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Notes now as the position of a first stream, which starts from the latest event.
pub async fn start_from_now(db: impl PgExecutor<'_>) -> Result<()> {
    sqlx::query("UPDATE event_sync SET last_commit = COALESCE(last_commit, now())")
        .execute(db)
        .await?;
    Ok(())
}

/// Notes that `holder` is alive with its stream open.
pub async fn heartbeat(db: impl PgExecutor<'_>, holder: &str) -> Result<()> {
    sqlx::query("UPDATE event_sync SET heartbeat_at = now() WHERE holder = $1")
        .bind(holder)
        .execute(db)
        .await?;
    Ok(())
}

/// Reports that `holder` holds the subscription with no stream open, and
/// why (empty when nothing went wrong).
pub async fn report_unsubscribed(
    db: impl PgExecutor<'_>,
    holder: &str,
    last_error: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE event_sync SET holder = $1, connected = false, last_error = $2, heartbeat_at = now()",
    )
    .bind(holder)
    .bind(last_error)
    .execute(db)
    .await?;
    Ok(())
}

/// Reports that `holder` subscribed to `channel`: its stream is open.
pub async fn report_subscribed(db: impl PgExecutor<'_>, holder: &str, channel: &str) -> Result<()> {
    sqlx::query(
        "UPDATE event_sync SET holder = $1, connected = true, last_error = '', channel = $2, \
         heartbeat_at = now()",
    )
    .bind(holder)
    .bind(channel)
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(connected: bool, heartbeat_at: Option<DateTime<Utc>>) -> EventSyncRecord {
        EventSyncRecord {
            objects: vec!["Opportunity".into()],
            pubsub_url: String::new(),
            replay_id: None,
            last_commit: None,
            events_received: 0,
            events_coalesced: 0,
            own_events: 0,
            runs_queued: 0,
            fallbacks: 0,
            last_fallback: String::new(),
            last_fallback_at: None,
            holder: "a".into(),
            connected,
            heartbeat_at,
            last_error: String::new(),
            enabled_at: None,
            updated_at: Utc::now(),
            channel: String::new(),
            records_read_again: 0,
        }
    }

    #[test]
    fn a_stream_counts_as_open_only_while_its_holder_reports() {
        let now = Utc::now();
        assert!(record(true, Some(now - chrono::Duration::seconds(5))).is_connected(now));
        assert!(!record(true, Some(now - STALE_AFTER)).is_connected(now));
        assert!(!record(true, None).is_connected(now));
        assert!(!record(false, Some(now)).is_connected(now));
    }
}
