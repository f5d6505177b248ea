//! The Salesforce sandbox: a local HTTPS server speaking the Salesforce REST
//! API (OAuth token and SOAP login, versions, limits, SOQL query/queryAll,
//! sObject CRUD and upsert, describe, composite and collections, the Tooling
//! API's change event channels) and the Pub/Sub API with the change events
//! of its writes, over an
//! in-memory org seeded with the product guide's example, with fault
//! switches and a sandbox-only admin API. Start it with `SalesforceSandbox::start`.

pub mod admin;
pub mod auth;
pub mod change_events;
pub mod channels;
pub mod clock;
pub mod collections;
pub mod composite;
pub mod cursors;
pub mod derive;
pub mod describe;
pub mod errors;
pub mod fields;
pub mod ids;
pub mod limits;
pub mod login;
pub mod objects;
pub mod pubsub;
pub mod query;
pub mod rest;
pub mod routes;
pub mod schema;
pub mod seed;
pub mod sobjects;
pub mod soql;
pub mod state;
pub mod store;
pub mod validate;
pub mod write;

mod sandbox;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use sandbox::SalesforceSandbox;

/// Start-up options of the Salesforce sandbox.
#[derive(clap::Args, Clone, Debug)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long = "salesforce-listen", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Address of the Pub/Sub API (change events over gRPC); port 0 picks a free port.
    #[arg(long = "salesforce-pubsub-listen", default_value = "127.0.0.1:0")]
    pub pubsub_listen: SocketAddr,
    /// JSON seed file to load instead of the product guide's example.
    #[arg(long = "salesforce-seed", env = "FNOSYNC_SANDBOX_SALESFORCE_SEED")]
    pub seed: Option<PathBuf>,
    /// Start with no records at all (users and clients stay).
    #[arg(long = "salesforce-empty")]
    pub empty: bool,
    /// Idle lifetime of sessions, in seconds.
    #[arg(long = "salesforce-session-timeout-secs", default_value_t = 7200)]
    pub session_timeout_secs: u64,
    /// Daily API request allocation.
    #[arg(long = "salesforce-api-daily-max", default_value_t = limits::DEFAULT_DAILY_MAX)]
    pub api_daily_max: u64,
    /// PEM certificate (or public key) that verifies JWT-bearer assertions of the default client.
    #[arg(
        long = "salesforce-jwt-cert",
        env = "FNOSYNC_SANDBOX_SALESFORCE_JWT_CERT"
    )]
    pub jwt_cert: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            pubsub_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: None,
            empty: false,
            session_timeout_secs: auth::DEFAULT_SESSION_TIMEOUT.as_secs(),
            api_daily_max: limits::DEFAULT_DAILY_MAX,
            jwt_cert: None,
        }
    }
}
