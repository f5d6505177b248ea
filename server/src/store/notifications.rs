//! One PostgreSQL `LISTEN` per process, fanned out to everyone waiting: the
//! workers wait for new runs, following log tails for new logs. Each channel
//! is a counter that moves on every notification (and on every reconnect, as
//! notifications may have been missed meanwhile); a waiter only learns that
//! something happened and reads the database itself, so no waiter holds a
//! connection or buffers notifications.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The channel on which new runs are announced.
pub const RUN_CHANNEL: &str = "fnosync_runs";

/// How long the listener waits before it connects again after losing its connection.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// The channels a process listens to, each with its counter.
#[derive(Clone)]
pub struct Notifications {
    channels: Arc<HashMap<&'static str, watch::Sender<u64>>>,
}

impl Notifications {
    /// Counters for `channels`; nothing is heard until [`Self::listen`] runs.
    pub fn new(channels: &[&'static str]) -> Self {
        Self {
            channels: Arc::new(
                channels
                    .iter()
                    .map(|channel| (*channel, watch::channel(0).0))
                    .collect(),
            ),
        }
    }

    /// A waiter of `channel`: `changed()` resolves after the next
    /// notification. Subscribe before reading, so nothing announced after the
    /// read is missed.
    pub fn subscribe(&self, channel: &str) -> watch::Receiver<u64> {
        match self.channels.get(channel) {
            Some(sender) => sender.subscribe(),
            None => watch::channel(0).1,
        }
    }

    fn bump_all(&self) {
        for sender in self.channels.values() {
            sender.send_modify(|count| *count += 1);
        }
    }

    /// Listens to every channel on one connection until `shutdown`,
    /// connecting again when the connection is lost.
    pub async fn listen(self, pool: sqlx::PgPool, shutdown: CancellationToken) {
        let channels: Vec<&str> = self.channels.keys().copied().collect();
        while !shutdown.is_cancelled() {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for notifications; trying again");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(RECONNECT_PAUSE) => continue,
                    }
                }
            };
            if let Err(error) = listener.listen_all(channels.iter().copied()).await {
                tracing::warn!(%error, "cannot listen for notifications; trying again");
                continue;
            }
            // Anything announced while not listening is read now.
            self.bump_all();
            loop {
                let received = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    received = listener.try_recv() => received,
                };
                match received {
                    Ok(Some(notification)) => {
                        if let Some(sender) = self.channels.get(notification.channel()) {
                            sender.send_modify(|count| *count += 1);
                        }
                    }
                    // The connection was lost: listen again on a new one.
                    Ok(None) => {
                        self.bump_all();
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "lost the notification listener; listening again");
                        self.bump_all();
                        break;
                    }
                }
            }
        }
    }
}
