//! fnosync: a gRPC service that keeps Salesforce and FlexNet Operations in step.
//! This crate holds the server: configuration, the PostgreSQL store, the gRPC
//! API and the outbound HTTP layer. The binary in `main.rs` only wires it up.

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod fno;
pub mod health;
pub mod license;
pub mod outbound;
pub mod retention;
pub mod retry;
pub mod salesforce;
pub mod shutdown;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod telemetry_metrics;
pub mod transport;

/// The schema migrations in `migrations/`, applied by `fnosync migrate` and at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
