//! The sandbox's shared state: records, auth, limits, faults, query cursors
//! and the write-fault switch, behind one `Arc` handed to every handler.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::auth::Auth;
use super::clock::Clock;
use super::cursors::Cursors;
use super::limits::ApiLimits;
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
    pub fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.write_as(&super::auth::org_admin_user_id())
    }

    /// Locks the store for writing by a session's user: records it creates or
    /// changes carry `user_id` in `CreatedById` / `LastModifiedById`.
    pub fn write_as(&self, user_id: &str) -> RwLockWriteGuard<'_, Store> {
        let mut store = self.store.write().unwrap_or_else(|p| p.into_inner());
        if store.user_id != user_id {
            store.user_id = user_id.to_string();
        }
        store
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
