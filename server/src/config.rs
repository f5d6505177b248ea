//! Static settings from flags and environment. Everything an administrator
//! changes at run time (connections, mappings, schedules…) lives in PostgreSQL.

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;

/// Log output format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Settings of `fnosync serve`.
#[derive(clap::Args, Clone, Debug)]
pub struct Settings {
    /// Address the gRPC server listens on.
    #[arg(long, env = "FNOSYNC_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseSettings,

    #[command(flatten)]
    pub server: ServerOptions,

    #[command(flatten)]
    pub tls: TlsSettings,

    #[command(flatten)]
    pub lifecycle: LifecycleSettings,
}

/// TLS of the gRPC listener. Without a certificate it speaks plaintext, which
/// suits loopback; the metrics listener always speaks plaintext.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct TlsSettings {
    /// Certificate chain (PEM) the gRPC listener presents; needs `--tls-key`.
    #[arg(long, env = "FNOSYNC_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of the `--tls-cert` certificate.
    #[arg(long, env = "FNOSYNC_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// CA certificates (PEM); when set, clients must present a certificate signed by one of them.
    #[arg(long, env = "FNOSYNC_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<PathBuf>,
}

/// Default of `--db-health-interval-ms`.
pub const DEFAULT_DB_HEALTH_INTERVAL_MS: u64 = 5000;
/// Default of `--shutdown-grace-secs`.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 20;

/// How the server watches its database for the health service, and how long it may take to stop.
#[derive(clap::Args, Clone, Debug)]
pub struct LifecycleSettings {
    /// How often the server checks that PostgreSQL answers, in milliseconds;
    /// health reports NOT_SERVING while it does not.
    #[arg(long, env = "FNOSYNC_DB_HEALTH_INTERVAL_MS", default_value_t = DEFAULT_DB_HEALTH_INTERVAL_MS)]
    pub db_health_interval_ms: u64,

    /// Seconds a shutdown waits for calls, streams and workers to end before the server exits anyway.
    #[arg(long, env = "FNOSYNC_SHUTDOWN_GRACE_SECS", default_value_t = DEFAULT_SHUTDOWN_GRACE_SECS)]
    pub shutdown_grace_secs: u64,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        Self {
            db_health_interval_ms: DEFAULT_DB_HEALTH_INTERVAL_MS,
            shutdown_grace_secs: DEFAULT_SHUTDOWN_GRACE_SECS,
        }
    }
}

/// Settings of the server that do not concern where it listens or its database.
#[derive(clap::Args, Clone, Debug)]
pub struct ServerOptions {
    /// Key that encrypts stored secrets: 32 bytes, base64 or hex (`fnosync master-key generate` makes one).
    #[arg(long, env = "FNOSYNC_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<SecretString>,

    /// Ed25519 public key (32 bytes, base64 or hex) that verifies licence keys.
    #[arg(long, env = "FNOSYNC_LICENSE_PUBLIC_KEY")]
    pub license_public_key: Option<String>,

    /// Token that is registered as an admin token named `bootstrap` when no token exists yet.
    #[arg(long, env = "FNOSYNC_BOOTSTRAP_ADMIN_TOKEN", hide_env_values = true)]
    pub bootstrap_admin_token: Option<SecretString>,

    /// Extra CA certificates (PEM files) that outbound HTTPS calls trust, comma-separated.
    #[arg(long, env = "FNOSYNC_EXTRA_CA_CERTS", value_delimiter = ',')]
    pub extra_ca_certs: Vec<PathBuf>,

    /// Timeout of one outbound HTTP call, in seconds.
    #[arg(long, env = "FNOSYNC_HTTP_TIMEOUT_SECS", default_value_t = 30)]
    pub http_timeout_secs: u64,

    /// Address of the Prometheus `/metrics` listener, e.g. `127.0.0.1:9464`; none when unset.
    #[arg(long, env = "FNOSYNC_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,

    /// Sync workers in this process (0 serves the API only).
    #[arg(long, env = "FNOSYNC_WORKERS", default_value_t = 2)]
    pub workers: usize,

    /// Salesforce API requests to leave untouched each day: a scheduled or
    /// immediate run pauses when fewer remain, and goes on when the budget is back.
    #[arg(long, env = "FNOSYNC_SALESFORCE_BUDGET_FLOOR", default_value_t = 1000)]
    pub salesforce_budget_floor: u64,

    /// How often a paused run checks the Salesforce API budget again, in seconds.
    #[arg(long, env = "FNOSYNC_BUDGET_CHECK_SECS", default_value_t = 300)]
    pub budget_check_secs: u64,

    /// How often the scheduler checks whether the scheduled sync is due, in milliseconds.
    #[arg(long, env = "FNOSYNC_SCHEDULER_TICK_MS", default_value_t = 1000)]
    pub scheduler_tick_ms: u64,

    /// Seconds a claimed run stays with its worker without progress before another may take it over.
    #[arg(long, env = "FNOSYNC_RUN_LEASE_SECS", default_value_t = 60)]
    pub run_lease_secs: u64,

    /// Accounts a scheduled or immediate run syncs at the same time.
    #[arg(long, env = "FNOSYNC_SYNC_CONCURRENCY", default_value_t = 4)]
    pub sync_concurrency: usize,

    /// Changed Salesforce records a scheduled or immediate run reads per page;
    /// the run checkpoints after each page, and its memory is bounded by it.
    #[arg(long, env = "FNOSYNC_SYNC_PAGE_SIZE", default_value_t = 2000)]
    pub sync_page_size: u32,

    /// Days ended runs are kept with their transaction and error logs.
    #[arg(long, env = "FNOSYNC_RETENTION_DAYS", default_value_t = 90)]
    pub retention_days: u32,

    /// Hours an idempotency key is kept (a repeated request within them gets
    /// the first answer); 24 at least.
    #[arg(long, env = "FNOSYNC_IDEMPOTENCY_KEY_HOURS", default_value_t = 24)]
    pub idempotency_key_hours: u32,

    /// How often the purge of what is older than the retention runs, in seconds.
    #[arg(long, env = "FNOSYNC_PURGE_INTERVAL_SECS", default_value_t = 3600)]
    pub purge_interval_secs: u64,

    /// How long after the last change event the runs of the gathered
    /// events are queued, in milliseconds: the events of one account
    /// gathered together start one run.
    #[arg(long, env = "FNOSYNC_EVENT_DEBOUNCE_MS", default_value_t = 500)]
    pub event_debounce_ms: u64,

    /// How long after the first gathered change event their runs are queued
    /// at the latest while events keep coming, in milliseconds (never less
    /// than the debounce): longer means fewer calls per order in a burst of
    /// deals and more latency. Events that name 25 accounts (an FNO create's
    /// records) are queued at once.
    #[arg(long, env = "FNOSYNC_EVENT_MAX_WAIT_MS", default_value_t = 3000)]
    pub event_max_wait_ms: u64,

    /// The channel change events are taken from: `/data/ChangeEvents` (every
    /// object selected for Change Data Capture) or a custom channel
    /// `/data/<Name>__chn` that has the enabled objects as members. A channel
    /// whose opportunity and contact events are enriched with `AccountId`
    /// spares each event run the Salesforce query that finds the accounts
    /// of closed deals.
    #[arg(long, env = "FNOSYNC_EVENT_CHANNEL", default_value = STANDARD_EVENT_CHANNEL, value_parser = event_channel)]
    pub event_channel: String,

    /// Whether this process may hold the change-event subscription (one
    /// replica holds it at a time, another takes over when it stops).
    #[arg(long, env = "FNOSYNC_EVENT_SUBSCRIBER", default_value_t = true, action = clap::ArgAction::Set)]
    pub event_subscriber: bool,
}

/// The change event channel of every object selected for Change Data Capture.
pub const STANDARD_EVENT_CHANNEL: &str = "/data/ChangeEvents";

/// Checks `--event-channel`: the standard channel or a custom `/data/<Name>__chn`.
fn event_channel(text: &str) -> Result<String, String> {
    let custom = text
        .strip_prefix("/data/")
        .and_then(|name| name.strip_suffix("__chn"))
        .is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if text == STANDARD_EVENT_CHANNEL || custom {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a change event channel: use /data/ChangeEvents or a custom channel /data/<Name>__chn"
        ))
    }
}

/// How to reach PostgreSQL.
#[derive(clap::Args, Clone, Debug)]
pub struct DatabaseSettings {
    /// PostgreSQL URL, e.g. `postgres://fnosync@localhost/fnosync`.
    #[arg(
        long = "database-url",
        env = "FNOSYNC_DATABASE_URL",
        hide_env_values = true
    )]
    pub url: SecretString,

    /// Largest number of pooled database connections.
    #[arg(long, env = "FNOSYNC_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
}

/// Settings that apply to every subcommand.
#[derive(clap::Args, Clone, Debug)]
pub struct LogSettings {
    /// Log format.
    #[arg(
        long,
        env = "FNOSYNC_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_channel_is_the_standard_one_or_a_custom_one() {
        for channel in [
            "/data/ChangeEvents",
            "/data/Fnosync__chn",
            "/data/Sales_Sync__chn",
        ] {
            assert_eq!(event_channel(channel).as_deref(), Ok(channel));
        }
        for channel in [
            "/data/OpportunityChangeEvent",
            "/data/__chn",
            "Fnosync__chn",
            "/data/Fno sync__chn",
            "/event/Fnosync__e",
        ] {
            let error = event_channel(channel).expect_err(channel);
            assert!(error.contains("/data/<Name>__chn"), "{error}");
        }
    }
}
