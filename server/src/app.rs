//! Wires the server together: database, keys, the gRPC services with
//! authentication, health and reflection, and graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{self, ApiContext};
use crate::auth::{AuthLayer, Authenticator, Role};
use crate::config::{ServerOptions, Settings};
use crate::crypto::SecretBox;
use crate::license::LicenseVerifier;
use crate::outbound::{build_http_client, OutboundHttp};
use crate::store::{self, tokens};
use crate::sync::scheduler::run_scheduler;
use crate::sync::worker::run_worker;
use crate::sync::SyncContext;

/// How long shutdown waits for workers to checkpoint and stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// A built server, bound to its address, not yet serving.
pub struct App {
    ctx: ApiContext,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    workers: usize,
    run_lease: Duration,
    scheduler_tick: Duration,
    budget_floor: u64,
    budget_check: Duration,
}

impl App {
    /// Checks the keys, connects to PostgreSQL, applies migrations and binds the listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Configuration mistakes are reported before the database is touched.
        let keys = ServerKeys::from_options(&settings.server)?;
        let pool = store::connect(&settings.database).await?;
        crate::MIGRATOR
            .run(&pool)
            .await
            .context("failed to apply migrations")?;
        Self::with_keys(pool, keys, &settings.server, settings.listen).await
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
            license_verifier: keys.license_verifier,
        };
        Ok(Self {
            ctx,
            listener,
            metrics_listener,
            workers: options.workers,
            run_lease: Duration::from_secs(options.run_lease_secs.max(5)),
            scheduler_tick: Duration::from_millis(options.scheduler_tick_ms.max(10)),
            budget_floor: options.salesforce_budget_floor,
            budget_check: Duration::from_secs(options.budget_check_secs.max(1)),
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
            worker_id: format!("{host}-{}-{index}", std::process::id()),
            lease: self.run_lease,
            budget_floor: self.budget_floor,
            budget_check: self.budget_check,
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

    /// Serves until `shutdown` is cancelled, then drains in-flight calls.
    pub async fn run_until(mut self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        let reflection_v1 = reflection_builder().build_v1()?;
        let reflection_v1alpha = reflection_builder().build_v1alpha()?;
        let routes = api::fnosync_routes(self.ctx.clone())
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);
        for name in api::SERVICE_NAMES.into_iter().chain([""]) {
            health_reporter
                .set_service_status(name, tonic_health::ServingStatus::Serving)
                .await;
        }
        if let Some(listener) = self.metrics_listener.take() {
            crate::telemetry_metrics::serve(listener, shutdown.clone())?;
        }
        let tracker = TaskTracker::new();
        for index in 0..self.workers {
            let ctx = self.sync_context(index);
            tracker.spawn(run_worker(ctx, shutdown.clone()));
        }
        tracker.spawn(run_scheduler(
            self.ctx.pool.clone(),
            self.scheduler_tick,
            shutdown.clone(),
        ));
        tracker.close();
        tracing::info!(address = %self.local_addr(), workers = self.workers, "fnosync is serving");
        let incoming = TcpListenerStream::new(self.listener);
        let stopping = shutdown.clone();
        let reporter = health_reporter.clone();
        tokio::spawn(async move {
            stopping.cancelled().await;
            for name in api::SERVICE_NAMES.into_iter().chain([""]) {
                reporter
                    .set_service_status(name, tonic_health::ServingStatus::NotServing)
                    .await;
            }
        });
        tonic::transport::Server::builder()
            .layer(AuthLayer::new(Authenticator::new(self.ctx.pool.clone())))
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
            .await
            .context("gRPC server failed")?;
        if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "workers did not stop in time; their runs will be taken over after the lease"
            );
        }
        tracing::info!("fnosync stopped");
        Ok(())
    }
}

/// The keys and clients the server derives from its options.
struct ServerKeys {
    secret_box: SecretBox,
    license_verifier: LicenseVerifier,
    http: reqwest::Client,
}

impl ServerKeys {
    fn from_options(options: &ServerOptions) -> anyhow::Result<Self> {
        let master_key = options.master_key.as_ref().context(
            "FNOSYNC_MASTER_KEY is not set: the server refuses to store secrets without it \
             (`fnosync master-key generate` makes one)",
        )?;
        Ok(Self {
            secret_box: SecretBox::from_master_key(master_key).map_err(anyhow::Error::msg)?,
            license_verifier: LicenseVerifier::new(options.license_public_key.as_deref())
                .map_err(anyhow::Error::msg)?,
            http: build_http_client(
                &options.extra_ca_certs,
                Duration::from_secs(options.http_timeout_secs),
            )?,
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
