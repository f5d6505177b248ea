//! The FlexNet Operations sandbox: FNO's SOAP 1.1 web services (UserAcct v3,
//! UserOrg v1, EntitlementOrder v4, ProductPackaging v2, FlexnetAuthentication
//! v1) over HTTPS with an in-memory tenant, FNO's batch limits and business
//! rules, fault switches, call counters and a small sandbox-only admin API.

mod account_query;
mod accounts;
mod admin;
pub mod attributes;
mod auth;
mod dialect;
mod entitlement_query;
mod entitlements;
mod http;
mod line_ops;
mod line_query;
mod lines;
pub mod model;
mod order_model;
mod products;
pub mod query;
pub mod registry;
pub mod seed;
mod service;
pub mod soap;
pub mod state;
pub mod store;
mod user_query;
mod users;
mod wsdl;
pub mod xml;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post};

use crate::faults::Faults;
use crate::tls::SandboxCa;
use crate::web::{serve_https, RunningServer};

pub use order_model::{Entitlement, LineItem};
pub use seed::SeedOptions;
pub use service::{MAX_QUERY_BATCH, MAX_WRITE_RECORDS, MISSING_FIELD};
pub use state::FnoState;
pub use store::{ActivateError, FnoStore};

/// Start-up options of the FNO sandbox.
#[derive(clap::Args, Clone, Debug)]
#[group(id = "fno_options")]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        id = "fno_listen",
        long = "fno-listen",
        env = "FNOSYNC_SANDBOX_FNO_LISTEN",
        default_value = "127.0.0.1:0"
    )]
    pub listen: SocketAddr,
    /// JSON seed to load instead of the default tenant (the format of `GET /__sandbox/dump`).
    #[arg(id = "fno_seed", long = "fno-seed", env = "FNOSYNC_SANDBOX_FNO_SEED")]
    pub seed: Option<PathBuf>,
    /// Web-service user accepted by HTTP Basic and the SOAP header.
    #[arg(id = "fno_user", long = "fno-user", env = "FNOSYNC_SANDBOX_FNO_USER", default_value = seed::DEFAULT_USER)]
    pub user: String,
    /// Password of that user.
    #[arg(id = "fno_password", long = "fno-password", env = "FNOSYNC_SANDBOX_FNO_PASSWORD", default_value = seed::DEFAULT_PASSWORD)]
    pub password: String,
    /// Exact name of the seeded portal admin role.
    #[arg(id = "fno_portal_admin_role", long = "fno-portal-admin-role", env = "FNOSYNC_SANDBOX_FNO_PORTAL_ADMIN_ROLE", default_value = seed::DEFAULT_PORTAL_ADMIN_ROLE)]
    pub portal_admin_role: String,
    /// Seed no portal admin role (user creation with it then fails).
    #[arg(
        id = "fno_without_portal_admin_role",
        long = "fno-without-portal-admin-role",
        env = "FNOSYNC_SANDBOX_FNO_WITHOUT_PORTAL_ADMIN_ROLE"
    )]
    pub without_portal_admin_role: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: None,
            user: seed::DEFAULT_USER.into(),
            password: seed::DEFAULT_PASSWORD.into(),
            portal_admin_role: seed::DEFAULT_PORTAL_ADMIN_ROLE.into(),
            without_portal_admin_role: false,
        }
    }
}

impl Options {
    fn seed_options(&self) -> SeedOptions {
        SeedOptions {
            user: self.user.clone(),
            password: self.password.clone(),
            portal_admin_role: self.portal_admin_role.clone(),
            without_portal_admin_role: self.without_portal_admin_role,
        }
    }
}

/// State shared by the request handlers.
pub(crate) struct Shared {
    store: FnoStore,
    faults: Arc<Faults>,
}

impl Shared {
    fn write_call_count(&self) -> u64 {
        self.faults
            .counts()
            .iter()
            .filter(|(operation, _)| registry::is_write(operation))
            .map(|(_, count)| count)
            .sum()
    }
}

/// A running FNO sandbox.
pub struct FnoSandbox {
    server: RunningServer,
    shared: Arc<Shared>,
}

impl FnoSandbox {
    /// Starts the sandbox over HTTPS with a certificate signed by `ca`.
    pub async fn start(options: Options, ca: Arc<SandboxCa>) -> anyhow::Result<Self> {
        let seed_options = options.seed_options();
        let state = match &options.seed {
            Some(path) => seed::load_seed(path, &seed_options)?,
            None => seed::default_state(&seed_options, chrono::Utc::now()),
        };
        let shared = Arc::new(Shared {
            store: FnoStore::new(state),
            faults: Arc::new(Faults::default()),
        });
        let router = axum::Router::new()
            .route("/flexnet/services", get(http::list_services))
            .route("/flexnet/services/", get(http::list_services))
            .route(
                "/flexnet/services/{*path}",
                post(http::post_service).get(http::get_service),
            )
            .merge(admin::routes())
            .with_state(shared.clone());
        let server = serve_https(router, options.listen, &ca).await?;
        Ok(Self { server, shared })
    }

    /// Returns the base URL, e.g. `https://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Returns the endpoint of a service, e.g. `service_url("v4/EntitlementOrderService")`.
    pub fn service_url(&self, path: &str) -> String {
        format!("{}/flexnet/services/{path}", self.url())
    }

    /// Returns the tenant, to seed and inspect it directly.
    pub fn store(&self) -> &FnoStore {
        &self.shared.store
    }

    /// Returns the fault switches and call counters.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Returns how often SOAP operation `operation` was called (e.g. `createSimpleEntitlement`).
    pub fn call_count(&self, operation: &str) -> u64 {
        self.shared.faults.count(operation)
    }

    /// Returns the calls per operation.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.faults.counts()
    }

    /// Returns the number of calls of mutating operations (creates, updates, links, state changes, renewals).
    pub fn write_call_count(&self) -> u64 {
        self.shared.write_call_count()
    }

    /// Sets every call counter back to zero.
    pub fn reset_counts(&self) {
        self.shared.faults.reset_counts();
    }

    /// Stops the sandbox.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
