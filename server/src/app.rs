//! Wires the server together: database, keys, TLS, the gRPC services with
//! authentication, health and reflection, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::transport::ServerTlsConfig;

use crate::api::{self, ApiContext};
use crate::auth::{AuthLayer, Authenticator, Role};
use crate::config::{LifecycleSettings, ServerOptions, Settings};
use crate::crypto::SecretBox;
use crate::health::{monitor_database, ServingHealth};
use crate::license::LicenseVerifier;
use crate::outbound::{build_http_client, OutboundHttp};
use crate::shutdown::CloseStreamsLayer;
use crate::store::notifications::{Notifications, RUN_CHANNEL};
use crate::store::retention::Retention;
use crate::store::tx_logs::LOG_CHANNEL;
use crate::store::{self, tokens};
use crate::sync::clients::SalesforceSessions;
use crate::sync::events::{run_event_sync, EventSettings};
use crate::sync::scheduler::run_scheduler;
use crate::sync::worker::run_worker;
use crate::sync::SyncContext;

/// A built server, bound to its address, not yet serving.
pub struct App {
    ctx: ApiContext,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    tls: Option<ServerTlsConfig>,
    lifecycle: LifecycleSettings,
    workers: usize,
    run_lease: Duration,
    scheduler_tick: Duration,
    budget_floor: u64,
    budget_check: Duration,
    sync_concurrency: usize,
    sync_page_size: u32,
    retention: Retention,
    purge_interval: Duration,
    in_flight: Duration,
    event_settings: EventSettings,
    event_subscriber: bool,
    deployed_parts: crate::sync::lines::DeployedParts,
}

impl App {
    /// Checks the keys, connects to PostgreSQL, applies migrations and binds the listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Configuration mistakes are reported before the database is touched.
        let keys = ServerKeys::from_options(&settings.server)?;
        let tls = crate::transport::load_server_tls(&settings.tls)?;
        let pool = store::connect(&settings.database).await?;
        crate::MIGRATOR
            .run(&pool)
            .await
            .context("failed to apply migrations")?;
        let mut app = Self::with_keys(pool, keys, &settings.server, settings.listen).await?;
        app.tls = tls;
        app.lifecycle = settings.lifecycle.clone();
        Ok(app)
    }

    /// Builds the server over an existing, migrated pool (tests use this).
    pub async fn from_pool(
        pool: PgPool,
        options: &ServerOptions,
        listen: SocketAddr,
    ) -> anyhow::Result<Self> {
        let keys = ServerKeys::from_options(options)?;
        Self::with_keys(pool, keys, options, listen).await
    }

    async fn with_keys(
        pool: PgPool,
        keys: ServerKeys,
        options: &ServerOptions,
        listen: SocketAddr,
    ) -> anyhow::Result<Self> {
        bootstrap_tokens(&pool, options).await?;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("failed to listen on {listen}"))?;
        let metrics_listener = match options.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("failed to listen on {address} for metrics"))?,
            ),
            None => None,
        };
        crate::telemetry_metrics::handle();
        let ctx = ApiContext {
            outbound: OutboundHttp::new(keys.http, pool.clone()),
            pool,
            secret_box: keys.secret_box,
            license_verifier: keys.license_verifier.clone(),
            notifications: Notifications::new(&[RUN_CHANNEL, LOG_CHANNEL]),
            tails: Default::default(),
            salesforce: SalesforceSessions::default(),
        };
        Ok(Self {
            ctx,
            listener,
            metrics_listener,
            tls: None,
            lifecycle: LifecycleSettings::default(),
            workers: options.workers,
            run_lease: Duration::from_secs(options.run_lease_secs.max(5)),
            scheduler_tick: Duration::from_millis(options.scheduler_tick_ms.max(10)),
            budget_floor: options.salesforce_budget_floor,
            budget_check: Duration::from_secs(options.budget_check_secs.max(1)),
            sync_concurrency: options.sync_concurrency.max(1),
            sync_page_size: options.sync_page_size.clamp(1, 2000),
            retention: Retention {
                runs_and_logs: chrono::Duration::days(options.retention_days.into()),
                idempotency_keys: chrono::Duration::hours(options.idempotency_key_hours.into()),
            },
            purge_interval: Duration::from_secs(options.purge_interval_secs.max(1)),
            in_flight: Duration::from_secs(2 * options.http_timeout_secs + 5),
            event_settings: EventSettings {
                tls: keys.pubsub_tls,
                channel: options.event_channel.clone(),
                debounce: Duration::from_millis(options.event_debounce_ms),
                max_wait: Duration::from_millis(
                    options.event_max_wait_ms.max(options.event_debounce_ms),
                ),
                tick: Duration::from_millis(options.scheduler_tick_ms.clamp(10, 1000)),
                verifier: keys.license_verifier.clone(),
            },
            event_subscriber: options.event_subscriber,
            deployed_parts: Default::default(),
        })
    }

    /// Returns the bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Builds the context of worker number `index`.
    pub fn sync_context(&self, index: usize) -> SyncContext {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "fnosync".into());
        SyncContext {
            pool: self.ctx.pool.clone(),
            secret_box: self.ctx.secret_box.clone(),
            outbound: self.ctx.outbound.clone(),
            notifications: self.ctx.notifications.clone(),
            worker_id: format!("{host}-{}-{index}", std::process::id()),
            lease: self.run_lease,
            budget_floor: self.budget_floor,
            budget_check: self.budget_check,
            concurrency: self.sync_concurrency,
            in_flight: self.in_flight,
            page_size: self.sync_page_size,
            salesforce: self.ctx.salesforce.clone(),
            deployed_parts: self.deployed_parts.clone(),
        }
    }

    /// Returns the address of the metrics listener, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// Returns the shared context of the services.
    pub fn context(&self) -> &ApiContext {
        &self.ctx
    }

    /// Serves until `shutdown` is cancelled. Then health reports NOT_SERVING,
    /// the listener stops accepting, open streams end with `UNAVAILABLE`, and
    /// calls and workers get the shutdown grace to finish.
    pub async fn run_until(mut self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        let health = ServingHealth::start(health_reporter, &self.ctx.pool).await;
        let routes = api::fnosync_routes(self.ctx.clone())
            .add_service(health_service)
            .add_service(reflection_builder().build_v1()?)
            .add_service(reflection_builder().build_v1alpha()?);
        if let Some(listener) = self.metrics_listener.take() {
            crate::telemetry_metrics::serve(listener, shutdown.clone())?;
        }
        let mut server = tonic::transport::Server::builder();
        let tls = self.tls.is_some();
        if let Some(config) = self.tls.take() {
            server = server
                .tls_config(config)
                .context("failed to configure TLS")?;
        }
        let tracker = self.spawn_background_tasks(&health, &shutdown);
        let closing_streams = CancellationToken::new();
        let stopped_accepting = stop_accepting(shutdown.clone(), health, closing_streams.clone());
        let grace = Duration::from_secs(self.lifecycle.shutdown_grace_secs);
        if !tls && !self.local_addr().ip().is_loopback() {
            tracing::warn!(
                address = %self.local_addr(),
                "the gRPC listener serves plaintext on a non-loopback address: API tokens and \
                 credentials cross the network in clear; set FNOSYNC_TLS_CERT and FNOSYNC_TLS_KEY, \
                 or listen on 127.0.0.1 behind a TLS-terminating proxy"
            );
        }
        tracing::info!(address = %self.local_addr(), tls, workers = self.workers, "fnosync is serving");
        let serving = server
            .layer(CloseStreamsLayer::new(closing_streams))
            .layer(AuthLayer::new(Authenticator::new(self.ctx.pool.clone())))
            .add_routes(routes)
            .serve_with_incoming_shutdown(TcpListenerStream::new(self.listener), stopped_accepting);
        drain(serving, tracker, &shutdown, grace).await
    }

    /// Spawns the workers, the scheduler, the metrics upkeep and the database
    /// monitor; they stop on `shutdown`.
    fn spawn_background_tasks(
        &self,
        health: &Arc<ServingHealth>,
        shutdown: &CancellationToken,
    ) -> TaskTracker {
        let tracker = TaskTracker::new();
        tracker.spawn(
            self.ctx
                .notifications
                .clone()
                .listen(self.ctx.pool.clone(), shutdown.clone()),
        );
        for index in 0..self.workers {
            let ctx = self.sync_context(index);
            tracker.spawn(run_worker(ctx, shutdown.clone()));
        }
        tracker.spawn(run_scheduler(
            self.ctx.pool.clone(),
            self.ctx.license_verifier.clone(),
            self.scheduler_tick,
            shutdown.clone(),
        ));
        if self.event_subscriber {
            tracker.spawn(run_event_sync(
                self.sync_context(self.workers),
                self.event_settings.clone(),
                shutdown.clone(),
            ));
        }
        tracker.spawn(crate::retention::run_purge(
            self.ctx.pool.clone(),
            self.retention,
            self.purge_interval,
            shutdown.clone(),
        ));
        tracker.spawn(crate::telemetry_metrics::run_upkeep(shutdown.clone()));
        let interval = Duration::from_millis(self.lifecycle.db_health_interval_ms.max(10));
        tracker.spawn(monitor_database(
            health.clone(),
            self.ctx.pool.clone(),
            interval,
            shutdown.clone(),
        ));
        tracker.close();
        tracker
    }
}

/// Resolves when `shutdown` fires, once health reports NOT_SERVING (so that
/// balancers turn away before the listener closes); then ends the open streams.
async fn stop_accepting(
    shutdown: CancellationToken,
    health: Arc<ServingHealth>,
    closing_streams: CancellationToken,
) {
    shutdown.cancelled().await;
    tracing::info!("shutting down: health reports NOT_SERVING and open streams end");
    health.set_stopping().await;
    closing_streams.cancel();
}

/// Serves until `shutdown`, then waits at most `grace` for open calls and
/// the background tasks. A server that fails on its own stops the tasks too.
async fn drain(
    serving: impl Future<Output = Result<(), tonic::transport::Error>>,
    tracker: TaskTracker,
    shutdown: &CancellationToken,
    grace: Duration,
) -> anyhow::Result<()> {
    tokio::pin!(serving);
    let ended_early = tokio::select! {
        biased;
        _ = shutdown.cancelled() => None,
        served = &mut serving => Some(served),
    };
    let deadline = tokio::time::Instant::now() + grace;
    let served = match ended_early {
        Some(served) => {
            shutdown.cancel();
            served
        }
        None => tokio::time::timeout_at(deadline, &mut serving)
            .await
            .unwrap_or_else(|_| {
                tracing::warn!("calls still open after the shutdown grace are cut off");
                Ok(())
            }),
    };
    if tokio::time::timeout_at(deadline, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "workers did not stop in time; their runs will be taken over after the lease"
        );
    }
    served.context("gRPC server failed")?;
    tracing::info!("fnosync stopped");
    Ok(())
}

/// The keys and clients the server derives from its options.
struct ServerKeys {
    secret_box: SecretBox,
    license_verifier: LicenseVerifier,
    http: reqwest::Client,
    pubsub_tls: tonic::transport::ClientTlsConfig,
}

/// The shortest bootstrap admin token the server takes.
const MIN_BOOTSTRAP_TOKEN_CHARS: usize = 32;

impl ServerKeys {
    fn from_options(options: &ServerOptions) -> anyhow::Result<Self> {
        let master_key = options.master_key.as_ref().context(
            "FNOSYNC_MASTER_KEY is not set: the server refuses to store secrets without it \
             (`fnosync master-key generate` makes one)",
        )?;
        anyhow::ensure!(
            options.retention_days >= 1,
            "FNOSYNC_RETENTION_DAYS is {}: keep runs and logs for 1 day at least",
            options.retention_days
        );
        anyhow::ensure!(
            options.idempotency_key_hours >= 24,
            "FNOSYNC_IDEMPOTENCY_KEY_HOURS is {}: idempotency keys are kept for 24 hours at least, \
             so a client's retry within a day is always recognised",
            options.idempotency_key_hours
        );
        if let Some(token) = &options.bootstrap_admin_token {
            let length = token.expose_secret().trim().chars().count();
            anyhow::ensure!(
                length >= MIN_BOOTSTRAP_TOKEN_CHARS,
                "FNOSYNC_BOOTSTRAP_ADMIN_TOKEN is {length} characters long: an admin token must \
                 have at least {MIN_BOOTSTRAP_TOKEN_CHARS} random characters"
            );
        }
        Ok(Self {
            secret_box: SecretBox::from_master_key(master_key).map_err(anyhow::Error::msg)?,
            license_verifier: LicenseVerifier::new(options.license_public_key.as_deref())
                .map_err(anyhow::Error::msg)?,
            http: build_http_client(
                &options.extra_ca_certs,
                Duration::from_secs(options.http_timeout_secs),
            )?,
            pubsub_tls: crate::transport::grpc_client_tls(&options.extra_ca_certs)?,
        })
    }
}

fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(fnosync_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// Registers the configured bootstrap token while no token exists, or says how to make one.
async fn bootstrap_tokens(pool: &PgPool, options: &ServerOptions) -> anyhow::Result<()> {
    if tokens::count_tokens(pool).await? > 0 {
        return Ok(());
    }
    match &options.bootstrap_admin_token {
        Some(token) => {
            tokens::insert_token(pool, "bootstrap", Role::Admin, token.expose_secret()).await?;
            tracing::info!(
                "registered the bootstrap admin token from FNOSYNC_BOOTSTRAP_ADMIN_TOKEN"
            );
        }
        None => tracing::warn!(
            "no API token exists yet: create the first admin token with \
             `fnosync token create --role admin --name NAME` (same FNOSYNC_DATABASE_URL), \
             or start with FNOSYNC_BOOTSTRAP_ADMIN_TOKEN set"
        ),
    }
    Ok(())
}
