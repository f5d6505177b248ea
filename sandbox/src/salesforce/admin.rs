//! The sandbox-only admin API under `/__sandbox/`: fault switches, call
//! counters, session expiry, API allocation, seed dump/load, and the change
//! event switches (gaps, overflow, retention, dropped streams). It needs
//! no session and is not part of Salesforce's API.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::change_events::EventFaults;
use super::seed::{self, Seed};
use super::state::{App, AppState};
use crate::faults::FaultSettings;

/// Fault switches as the admin API shows them: the shared switches plus
/// the Salesforce-only `UNABLE_TO_LOCK_ROW` counter.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SalesforceFaults {
    /// Latency, failures, drops, garbling and the operation filter.
    #[serde(flatten)]
    pub settings: FaultSettings,
    /// The next N write requests fail with `UNABLE_TO_LOCK_ROW`.
    #[serde(default)]
    pub unable_to_lock_row_next: u32,
}

/// The daily API allocation as the admin API shows and sets it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LimitSettings {
    /// Allocation.
    pub max: u64,
    /// Requests counted so far.
    pub used: u64,
}

/// Builds the admin routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/__sandbox/faults", get(get_faults).put(put_faults))
        .route("/__sandbox/counts", get(counts))
        .route("/__sandbox/reset-counts", post(reset_counts))
        .route("/__sandbox/expire-sessions", post(expire_sessions))
        .route("/__sandbox/limits", get(get_limits).put(put_limits))
        .route("/__sandbox/dump", get(dump))
        .route("/__sandbox/seed", post(load_seed))
        .route("/__sandbox/events", get(get_events).put(put_events))
        .route("/__sandbox/events/drop-streams", post(drop_streams))
}

async fn get_events(State(app): State<App>) -> Json<EventFaults> {
    Json(app.events.faults())
}

async fn put_events(State(app): State<App>, Json(body): Json<EventFaults>) -> Json<EventFaults> {
    app.events.set_faults(&body);
    Json(app.events.faults())
}

async fn drop_streams(State(app): State<App>) -> StatusCode {
    app.events.drop_streams();
    StatusCode::NO_CONTENT
}

/// Returns the fault switches.
pub fn faults(app: &AppState) -> SalesforceFaults {
    SalesforceFaults {
        settings: app.faults.settings(),
        unable_to_lock_row_next: app.lock_row_failures.load(Ordering::Relaxed),
    }
}

/// Sets the fault switches.
pub fn set_faults(app: &AppState, faults: SalesforceFaults) {
    app.faults.set(faults.settings);
    app.lock_row_failures
        .store(faults.unable_to_lock_row_next, Ordering::Relaxed);
}

async fn get_faults(State(app): State<App>) -> Json<SalesforceFaults> {
    Json(faults(&app))
}

async fn put_faults(
    State(app): State<App>,
    Json(body): Json<SalesforceFaults>,
) -> Json<SalesforceFaults> {
    set_faults(&app, body);
    Json(faults(&app))
}

async fn counts(State(app): State<App>) -> Response {
    Json(app.faults.counts()).into_response()
}

async fn reset_counts(State(app): State<App>) -> StatusCode {
    app.faults.reset_counts();
    StatusCode::NO_CONTENT
}

async fn expire_sessions(State(app): State<App>) -> StatusCode {
    app.auth.expire_all();
    StatusCode::NO_CONTENT
}

async fn get_limits(State(app): State<App>) -> Json<LimitSettings> {
    let (used, max) = app.limits.usage();
    Json(LimitSettings { max, used })
}

async fn put_limits(
    State(app): State<App>,
    Json(body): Json<LimitSettings>,
) -> Json<LimitSettings> {
    app.limits.set(body.max, body.used);
    Json(body)
}

/// Returns the whole state as a seed.
pub fn dump_seed(app: &AppState) -> Seed {
    seed::dump(&app.read(), app.auth.users(), app.auth.clients())
}

async fn dump(State(app): State<App>) -> Json<Seed> {
    Json(dump_seed(&app))
}

/// Replaces every record (and users/clients when given) with `seed`'s.
pub fn replace_with_seed(app: &AppState, seed: &Seed) -> anyhow::Result<()> {
    let mut store = app.write();
    store.clear();
    seed::load_records(&mut store, seed)?;
    // A seed is a new org history, not a set of changes.
    store.take_captured();
    app.events.clear();
    if !seed.users.is_empty() || !seed.clients.is_empty() {
        app.auth
            .configure(seed.users_or_default(), seed.clients_or_default());
    }
    Ok(())
}

async fn load_seed(State(app): State<App>, Json(body): Json<Seed>) -> Response {
    match replace_with_seed(&app, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, format!("{error:#}")).into_response(),
    }
}
