//! `TestApp`: the real server on a free loopback port over the test's database,
//! with both sandboxes, a token of each role and a clean shutdown.

use std::net::SocketAddr;

use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::SalesforceSandbox;
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::app::App;
use fnosync_server::auth::Role;
use fnosync_server::config::ServerOptions;
use fnosync_server::crypto;
use fnosync_server::license::LicenseIssuer;
use fnosync_server::store::tokens;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::FNO_PASSWORD;

/// A running server with a token of each role.
pub struct TestApp {
    /// The server's address.
    pub addr: SocketAddr,
    /// The test's database.
    pub pool: PgPool,
    /// Token with the admin role.
    pub admin_token: String,
    /// Token with the operator role.
    pub operator_token: String,
    /// Token with the viewer role.
    pub viewer_token: String,
    /// Signs licence keys the server accepts.
    pub license_issuer: LicenseIssuer,
    /// The master key the server encrypts secrets with.
    pub master_key: String,
    /// Address of the server's `/metrics` listener.
    pub metrics_addr: SocketAddr,
    /// The Salesforce sandbox the server may reach.
    pub salesforce: SalesforceSandbox,
    /// The FNO sandbox the server may reach.
    pub fno: FnoSandbox,
    _ca_file: tempfile::NamedTempFile,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts the server over `pool` (already migrated by `#[sqlx::test]`).
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with_workers(pool, 1).await
    }

    /// Starts the server with both sandboxes connected and a valid licence:
    /// ready to sync.
    pub async fn ready(pool: PgPool) -> Self {
        let app = Self::spawn(pool).await;
        app.connect_sandboxes().await;
        app.submit_license().await;
        app
    }

    /// Starts the server with options changed by `tune`, both sandboxes
    /// connected and a valid licence: ready to sync.
    pub async fn ready_with_options(pool: PgPool, tune: impl FnOnce(&mut ServerOptions)) -> Self {
        let app = Self::spawn_with_options(pool, tune).await;
        app.connect_sandboxes().await;
        app.submit_license().await;
        app
    }

    /// Sets the filters so that Closed Won deals become DEPLOYED
    /// entitlements (only deployed lines can be activated).
    pub async fn deploy_closed_won(&self) {
        let policy = fnosync_client::proto::CancellationPolicy::Unspecified;
        self.deploy_closed_won_cancelling(policy).await;
    }

    /// Sets the filters as [`TestApp::deploy_closed_won`] does, with the
    /// cancellation policy `policy`.
    pub async fn deploy_closed_won_cancelling(
        &self,
        policy: fnosync_client::proto::CancellationPolicy,
    ) {
        self.admin()
            .await
            .filters()
            .update_filters(fnosync_client::proto::UpdateFiltersRequest {
                filters: Some(fnosync_client::proto::Filters {
                    pre_condition_stages: vec!["Closed Won".into()],
                    post_condition_state: fnosync_client::proto::EntitlementState::Deployed as i32,
                    cancellation_policy: policy as i32,
                }),
            })
            .await
            .expect("filters");
    }

    /// Starts the server with `workers` sync workers (0: the API only, so
    /// that server processes started by the test carry out the runs and
    /// hold the change-event subscription).
    pub async fn spawn_with_workers(pool: PgPool, workers: usize) -> Self {
        Self::spawn_with_options(pool, |options| {
            options.workers = workers;
            options.event_subscriber = workers > 0;
        })
        .await
    }

    /// Starts the server with options changed by `tune` (one worker by default).
    pub async fn spawn_with_options(pool: PgPool, tune: impl FnOnce(&mut ServerOptions)) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            fnosync_server::telemetry::init(fnosync_server::config::LogFormat::Text);
        }
        let license_issuer = LicenseIssuer::generate();
        let ca = SandboxCa::generate().expect("sandbox CA");
        let ca_file = tempfile::NamedTempFile::new().expect("CA file");
        ca.write_ca_pem(ca_file.path()).expect("write CA");
        let salesforce = SalesforceSandbox::start(Default::default(), ca.clone())
            .await
            .expect("salesforce sandbox");
        let fno_options = fnosync_sandbox::fno::Options {
            password: FNO_PASSWORD.into(),
            ..Default::default()
        };
        let fno = FnoSandbox::start(fno_options, ca)
            .await
            .expect("fno sandbox");
        let master_key = crypto::generate_key();
        let mut options = ServerOptions {
            master_key: Some(master_key.clone().into()),
            license_public_key: Some(license_issuer.public_key()),
            bootstrap_admin_token: None,
            extra_ca_certs: vec![ca_file.path().to_path_buf()],
            http_timeout_secs: 10,
            workers: 1,
            run_lease_secs: 30,
            scheduler_tick_ms: 100,
            salesforce_budget_floor: 100,
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            budget_check_secs: 1,
            sync_concurrency: 4,
            sync_page_size: 200,
            retention_days: 90,
            idempotency_key_hours: 24,
            purge_interval_secs: 3600,
            event_debounce_ms: 200,
            event_max_wait_ms: 2000,
            event_channel: fnosync_server::config::STANDARD_EVENT_CHANNEL.into(),
            event_subscriber: true,
        };
        tune(&mut options);
        let mut role_tokens = Vec::new();
        for role in [Role::Admin, Role::Operator, Role::Viewer] {
            let token = tokens::generate_token();
            tokens::insert_token(&pool, &format!("test-{}", role.as_str()), role, &token)
                .await
                .expect("insert token");
            role_tokens.push(token);
        }
        let app = App::from_pool(
            pool.clone(),
            &options,
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .expect("build app");
        let addr = app.local_addr();
        let metrics_addr = app.metrics_addr().expect("metrics listener");
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until(shutdown.clone()));
        let [admin_token, operator_token, viewer_token]: [String; 3] =
            role_tokens.try_into().expect("three tokens");
        Self {
            addr,
            pool,
            admin_token,
            operator_token,
            viewer_token,
            license_issuer,
            master_key,
            metrics_addr,
            salesforce,
            fno,
            _ca_file: ca_file,
            shutdown,
            server: Some(server),
        }
    }

    /// Returns the path of the sandboxes' CA certificate (PEM).
    pub fn ca_path(&self) -> &std::path::Path {
        self._ca_file.path()
    }

    /// The server's Prometheus metrics as text.
    pub async fn scrape_metrics(&self) -> String {
        reqwest::get(format!("http://{}/metrics", self.metrics_addr))
            .await
            .expect("scrape")
            .text()
            .await
            .expect("body")
    }

    /// Returns the server URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
