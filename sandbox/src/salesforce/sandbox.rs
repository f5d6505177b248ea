//! `SalesforceSandbox`: starts the server and offers tests a direct handle
//! on its state (records, faults, sessions, limits, counters, clock).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use anyhow::Context;
use serde_json::{Map, Value};

use super::admin::{self, SalesforceFaults};
use super::auth::{Auth, ClientConfig, DEFAULT_CLIENT_ID};
use super::change_events::{ChangeEvents, EventFaults};
use super::clock::Clock;
use super::cursors::Cursors;
use super::errors::ApiError;
use super::limits::ApiLimits;
use super::pubsub::{self, PubSubServerHandle};
use super::seed::{self, Seed};
use super::state::{App, AppState};
use super::store::{is_deleted, Store};
use super::write::object_def;
use super::{routes, Options};
use crate::faults::{FaultSettings, Faults};
use crate::tls::SandboxCa;
use crate::web::{serve_https, RunningServer};

/// A running Salesforce sandbox.
pub struct SalesforceSandbox {
    server: RunningServer,
    pubsub: PubSubServerHandle,
    app: App,
}

fn build_state(options: &Options) -> anyhow::Result<App> {
    let seed = match &options.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read the seed {}", path.display()))?;
            serde_json::from_str::<Seed>(&text)
                .with_context(|| format!("failed to parse the seed {}", path.display()))?
        }
        None => Seed::default(),
    };
    let clock = Arc::new(Clock::default());
    let users = seed.users_or_default();
    let auth = Auth::new(
        clock.clone(),
        users,
        seed.clients_or_default(),
        Duration::from_secs(options.session_timeout_secs),
    );
    if let Some(path) = &options.jwt_cert {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the JWT certificate {}", path.display()))?;
        let mut client = auth
            .client(DEFAULT_CLIENT_ID)
            .unwrap_or_else(super::auth::default_client);
        client.jwt_certificate = Some(pem);
        auth.upsert_client(client);
    }
    // Seeded records were made by the org's administrator, not by a user who logs in.
    let mut store = Store::new(clock.clone(), super::auth::org_admin_user_id());
    if options.seed.is_some() {
        seed::load_records(&mut store, &seed)?;
    } else if !options.empty {
        seed::load_default(&mut store)?;
    }
    // The seed is where the org's history starts: no change events for it.
    store.take_captured();
    Ok(Arc::new(AppState {
        store: RwLock::new(store),
        auth,
        limits: ApiLimits::new(options.api_daily_max),
        faults: Faults::default(),
        cursors: Cursors::default(),
        clock,
        lock_row_failures: AtomicU32::new(0),
        url: OnceLock::new(),
        events: ChangeEvents::default(),
        pubsub_url: OnceLock::new(),
    }))
}

impl SalesforceSandbox {
    /// Starts the sandbox over HTTPS with a certificate signed by `ca`.
    pub async fn start(options: Options, ca: Arc<SandboxCa>) -> anyhow::Result<Self> {
        let app = build_state(&options)?;
        let server = serve_https(routes::router(app.clone()), options.listen, &ca).await?;
        let _ = app.url.set(server.url());
        let pubsub = pubsub::serve(app.clone(), options.pubsub_listen, &ca).await?;
        let _ = app.pubsub_url.set(pubsub.url());
        Ok(Self {
            server,
            pubsub,
            app,
        })
    }

    /// Returns the base URL, e.g. `https://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Returns the Pub/Sub API's endpoint, e.g. `https://127.0.0.1:43124`.
    pub fn pubsub_url(&self) -> String {
        self.pubsub.url()
    }

    /// Returns the org id (the Pub/Sub API's `tenantid`).
    pub fn org_id(&self) -> String {
        self.app.auth.org_id.clone()
    }

    /// Returns the change event switches (gaps, overflow, retention).
    pub fn event_faults(&self) -> EventFaults {
        self.app.events.faults()
    }

    /// Sets the change event switches.
    pub fn set_event_faults(&self, faults: &EventFaults) {
        self.app.events.set_faults(faults);
    }

    /// Ends every open Pub/Sub subscription stream.
    pub fn drop_event_streams(&self) {
        self.app.events.drop_streams();
    }

    /// Returns the newest change event's replay id in hex, as fnosync's
    /// `EventSync.last_replay_id` shows a replay id.
    pub fn latest_replay_id_hex(&self) -> String {
        self.latest_replay_id()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Follows the number of open Pub/Sub subscription streams.
    pub fn watch_event_streams(&self) -> tokio::sync::watch::Receiver<usize> {
        self.app.events.watch_streams()
    }

    /// Returns the newest change event's replay id (empty when none yet).
    pub fn latest_replay_id(&self) -> Vec<u8> {
        super::change_events::replay_bytes(self.app.events.latest())
    }

    /// Stops the sandbox.
    pub async fn shutdown(self) {
        self.pubsub.shutdown().await;
        self.server.shutdown().await;
    }

    /// Creates a record with the REST rules (as `POST sobjects/{object}`); returns its id.
    pub fn insert(&self, object: &str, fields: Value) -> Result<String, ApiError> {
        self.app.write().insert(object, &as_object(fields)?)
    }

    /// Updates a record with the REST rules (as `PATCH sobjects/{object}/{id}`).
    pub fn update(&self, object: &str, id: &str, fields: Value) -> Result<(), ApiError> {
        self.app.write().update(object, id, &as_object(fields)?)
    }

    /// Creates the custom channel `name` (`<Name>__chn`) with `members`
    /// (each an object and the fields its events are enriched with), as an
    /// administrator does through the Tooling API; returns its topic.
    pub fn create_channel(
        &self,
        name: &str,
        members: &[(&str, &[&str])],
    ) -> Result<String, ApiError> {
        let channels = &self.app.events.channels;
        let metadata = serde_json::json!({"channelType": "data", "label": name});
        channels.create(
            "PlatformEventChannel",
            &serde_json::json!({"FullName": name, "Metadata": metadata}),
        )?;
        for (object, fields) in members {
            let entity = format!("{object}ChangeEvent");
            let enriched: Vec<Value> = fields
                .iter()
                .map(|field| serde_json::json!({ "name": field }))
                .collect();
            let metadata = serde_json::json!({
                "eventChannel": name, "selectedEntity": entity, "enrichedFields": enriched,
            });
            let full_name = format!("{}_{entity}", name.replace("__", "_"));
            channels.create(
                "PlatformEventChannelMember",
                &serde_json::json!({"FullName": full_name, "Metadata": metadata}),
            )?;
        }
        Ok(format!("/data/{name}"))
    }

    /// Deletes a record (as `DELETE sobjects/{object}/{id}`).
    pub fn delete(&self, object: &str, id: &str) -> Result<(), ApiError> {
        self.app.write().delete(object, id)
    }

    /// Returns a live record with every field, or `None`.
    pub fn record(&self, object: &str, id: &str) -> Option<Value> {
        let def = object_def(object).ok()?;
        let store = self.app.read();
        store
            .live_record(def, id)
            .ok()
            .map(|r| Value::Object(r.clone()))
    }

    /// Returns every live record of `object`, oldest first.
    pub fn records(&self, object: &str) -> Vec<Value> {
        let Ok(def) = object_def(object) else {
            return Vec::new();
        };
        let store = self.app.read();
        store
            .table(def.name)
            .filter(|r| !is_deleted(r))
            .map(|r| Value::Object(r.clone()))
            .collect()
    }

    /// Returns the live records of `object` whose `field` equals `value` (text ignores case).
    pub fn find(&self, object: &str, field: &str, value: &Value) -> Vec<Value> {
        let matches = |v: &Value| match (v, value) {
            (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        self.records(object)
            .into_iter()
            .filter(|r| r.get(field).is_some_and(matches))
            .collect()
    }

    /// Sets a field as the platform would, bypassing the REST checks (read-only fields too).
    pub fn set_field(
        &self,
        object: &str,
        id: &str,
        field: &str,
        value: Value,
    ) -> Result<(), ApiError> {
        let def = object_def(object)?;
        self.app.write().set_field(def.name, id, field, value);
        Ok(())
    }

    /// Returns the fault switches.
    pub fn faults(&self) -> &Faults {
        &self.app.faults
    }

    /// Sets the shared fault switches.
    pub fn set_faults(&self, settings: FaultSettings) {
        self.app.faults.set(settings);
    }

    /// Makes the next `n` write requests fail with `UNABLE_TO_LOCK_ROW`.
    pub fn fail_next_writes_with_lock_row(&self, n: u32) {
        self.app.lock_row_failures.store(n, Ordering::Relaxed);
    }

    /// Returns all switches, as `GET /__sandbox/faults` shows them.
    pub fn fault_switches(&self) -> SalesforceFaults {
        admin::faults(&self.app)
    }

    /// Ends every session now; the next REST call gets 401 `INVALID_SESSION_ID`.
    pub fn expire_sessions(&self) {
        self.app.auth.expire_all();
    }

    /// Sets the idle lifetime of sessions.
    pub fn set_session_timeout(&self, timeout: Duration) {
        self.app.auth.set_timeout(timeout);
    }

    /// Opens a session for the first configured user and returns its token
    /// (as a log-in would; for clients handed a session id).
    pub fn issue_token(&self) -> String {
        let user = self
            .app
            .auth
            .users()
            .first()
            .map(|u| u.username.clone())
            .unwrap_or_default();
        let (user, id) = self
            .app
            .auth
            .user(&user)
            .expect("the sandbox has at least one user");
        self.app.auth.open_session(&user.username, &id)
    }

    /// Moves the sandbox's clock forward (session expiry, timestamps, TODAY).
    pub fn advance_clock(&self, by: Duration) {
        self.app.clock.advance(by);
    }

    /// Sets the daily API allocation and how much of it is used.
    pub fn set_api_limit(&self, max: u64, used: u64) {
        self.app.limits.set(max, used);
    }

    /// Returns `(used, max)` of the daily API allocation.
    pub fn api_usage(&self) -> (u64, u64) {
        self.app.limits.usage()
    }

    /// Returns how often `operation` was called (e.g. `query`, `sobject.update`).
    pub fn call_count(&self, operation: &str) -> u64 {
        self.app.faults.count(operation)
    }

    /// Returns every operation's call count.
    pub fn call_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.app.faults.counts()
    }

    /// Sets every call counter back to zero.
    pub fn reset_counts(&self) {
        self.app.faults.reset_counts();
    }

    /// Adds or replaces a connected app (e.g. one with a JWT certificate).
    pub fn add_client(&self, client: ClientConfig) {
        self.app.auth.upsert_client(client);
    }

    /// Dumps the whole org as a seed.
    pub fn dump_seed(&self) -> Seed {
        admin::dump_seed(&self.app)
    }

    /// Replaces every record with the seed's.
    pub fn load_seed(&self, seed: &Seed) -> anyhow::Result<()> {
        admin::replace_with_seed(&self.app, seed)
    }
}

fn as_object(fields: Value) -> Result<Map<String, Value>, ApiError> {
    match fields {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::json_parser("a record must be a JSON object")),
    }
}
