//! The sandbox's shared state: records, auth, limits, faults, query cursors
//! and the write-fault switch, behind one `Arc` handed to every handler.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::auth::Auth;
use super::change_events::{ChangeEvents, Origin};
use super::clock::Clock;
use super::cursors::Cursors;
use super::limits::ApiLimits;
use super::rest::Ctx;
use super::store::Store;
use crate::faults::Faults;

/// Everything a request may touch.
pub struct AppState {
    /// Records.
    pub store: RwLock<Store>,
    /// Users, clients and sessions.
    pub auth: Auth,
    /// Daily API request counter.
    pub limits: ApiLimits,
    /// Fault switches and call counters.
    pub faults: Faults,
    /// Open query cursors.
    pub cursors: Cursors,
    /// Clock shared by sessions and timestamps.
    pub clock: Arc<Clock>,
    /// Write requests still to fail with `UNABLE_TO_LOCK_ROW`.
    pub lock_row_failures: AtomicU32,
    /// Base URL once the server listens.
    pub url: OnceLock<String>,
    /// Change events of the selected objects (Change Data Capture).
    pub events: ChangeEvents,
    /// URL of the Pub/Sub API once it listens.
    pub pubsub_url: OnceLock<String>,
}

/// The store locked for writing; the changes made through it are published
/// as one transaction's change events when it is dropped.
pub struct StoreWriter<'a> {
    guard: RwLockWriteGuard<'a, Store>,
    app: &'a AppState,
}

impl Deref for StoreWriter<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.guard
    }
}

impl DerefMut for StoreWriter<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.guard
    }
}

impl Drop for StoreWriter<'_> {
    fn drop(&mut self) {
        let captured = self.guard.take_captured();
        if captured.is_empty() {
            return;
        }
        let origin = Origin {
            user_id: self.guard.user_id.clone(),
            change_origin: self.guard.origin.clone(),
        };
        self.app.events.publish(&self.app.clock, &origin, captured);
    }
}

/// Shared handle on the state.
pub type App = Arc<AppState>;

impl AppState {
    /// Locks the store for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the store for writing; the writes are attributed to the org's
    /// administrator (seeds and edits made "in the UI" by a test or an operator).
    pub fn write(&self) -> StoreWriter<'_> {
        self.write_as(&super::auth::org_admin_user_id(), "")
    }

    /// Locks the store for writing by a REST caller: records it creates or
    /// changes carry its user in `CreatedById` / `LastModifiedById`, and
    /// their change events its API and client id.
    pub fn write_by(&self, ctx: &Ctx) -> StoreWriter<'_> {
        self.write_as(&ctx.user_id, &ctx.origin)
    }

    /// Locks the store for writing by `user_id` through `origin`.
    fn write_as(&self, user_id: &str, origin: &str) -> StoreWriter<'_> {
        let mut store = self.store.write().unwrap_or_else(|p| p.into_inner());
        // Writes made before this one and not published (a seed) are not events.
        store.take_captured();
        if store.user_id != user_id {
            store.user_id = user_id.to_string();
        }
        if store.origin != origin {
            store.origin = origin.to_string();
        }
        StoreWriter {
            guard: store,
            app: self,
        }
    }

    /// Consumes one `UNABLE_TO_LOCK_ROW` failure if any is pending.
    pub fn take_lock_row_failure(&self) -> bool {
        let taken = self
            .lock_row_failures
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        if taken {
            self.faults.note_injected("UNABLE_TO_LOCK_ROW");
        }
        taken
    }
}
