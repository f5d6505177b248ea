//! The PostgreSQL store: one module per aggregate, all SQL of the server.
//! Functions take a pool or a transaction from the caller; none decides policy.

pub mod claims;
pub mod connections;
pub mod event_sync;
pub mod filters;
pub mod idempotency;
pub mod layouts;
pub mod licenses;
pub mod links;
pub mod mappings;
pub mod notifications;
pub mod page_token;
pub mod products;
pub mod remote_sites;
pub mod retention;
pub mod run_accounts;
pub mod runs;
pub mod schedules;
pub mod seen;
pub mod tokens;
pub mod tx_logs;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Connection;
use sqlx::PgPool;

use crate::config::DatabaseSettings;

/// Tells whether a database error may pass when tried again: the connection
/// was lost or could not be had, the server is restarting, or the statement
/// lost a serialization or deadlock race. Anything else (a constraint, a
/// bad statement) fails the same way again.
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || matches!(
                    &*code,
                    "40001" | "40P01" | "53300" | "57P01" | "57P02" | "57P03"
                )
        }),
        _ => false,
    }
}

/// Opens a connection pool; fails fast when PostgreSQL cannot be reached.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = settings
        .url
        .expose_secret()
        .parse()
        .map_err(|e| anyhow::anyhow!("FNOSYNC_DATABASE_URL is not a PostgreSQL URL: {e}"))?;
    let pool = PgPoolOptions::new()
        .max_connections(settings.db_max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        // A page's set of logs or links grows the buffers of the connection
        // that sends it; they go back to their usual size when it returns
        // to the pool, so idle connections do not each keep the largest
        // statement they ever carried.
        .after_release(|conn, _| {
            Box::pin(async move {
                conn.shrink_buffers();
                Ok(true)
            })
        })
        .connect_with(options.application_name("fnosync"))
        .await
        .map_err(|e| anyhow::anyhow!("failed to connect to PostgreSQL: {e}"))?;
    Ok(pool)
}
