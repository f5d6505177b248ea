//! Helpers of the end-to-end tests: `TestApp` runs the real server on a free
//! loopback port against a fresh PostgreSQL database and hands out clients
//! with tokens of each role.

use std::net::SocketAddr;
use std::path::PathBuf;

use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::SalesforceSandbox;
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::app::App;
use fnosync_server::auth::Role;
use fnosync_server::config::ServerOptions;
use fnosync_server::crypto;
use fnosync_server::license::{LicenseClaims, LicenseIssuer};
use fnosync_server::store::tokens;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// The FNO password of the test sandboxes.
pub const FNO_PASSWORD: &str = "S3cr3t-Pa55w0rd!fno";

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

    /// Starts the server with `workers` sync workers (0: the API only, so
    /// that server processes started by the test carry out the runs).
    pub async fn spawn_with_workers(pool: PgPool, workers: usize) -> Self {
        Self::spawn_with_options(pool, |options| options.workers = workers).await
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

    /// Returns the Salesforce Id of the guide's example account, SF-DemoAccount.
    pub fn demo_account_id(&self) -> String {
        self.salesforce
            .find("Account", "Name", &serde_json::json!("SF-DemoAccount"))[0]["Id"]
            .as_str()
            .expect("the sandbox has SF-DemoAccount")
            .to_string()
    }

    /// Returns the path of the sandboxes' CA certificate (PEM).
    pub fn ca_path(&self) -> &std::path::Path {
        self._ca_file.path()
    }

    /// A channel to the server that sends no token.
    pub async fn anonymous_channel(&self) -> tonic::transport::Channel {
        tonic::transport::Endpoint::from_shared(self.url())
            .expect("url")
            .connect()
            .await
            .expect("connect")
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

    /// Connects with `token`.
    pub async fn client_with(&self, token: &str) -> FnosyncClient {
        FnosyncClient::connect(self.url(), token)
            .await
            .expect("connect")
    }

    /// Connects as admin.
    pub async fn admin(&self) -> FnosyncClient {
        self.client_with(&self.admin_token).await
    }

    /// Connects as operator.
    pub async fn operator(&self) -> FnosyncClient {
        self.client_with(&self.operator_token).await
    }

    /// Connects as viewer.
    pub async fn viewer(&self) -> FnosyncClient {
        self.client_with(&self.viewer_token).await
    }

    /// Signs a licence key expiring on `expiry_date`.
    pub fn license_key(&self, licensee: &str, expiry_date: chrono::NaiveDate) -> String {
        self.license_issuer.issue(&LicenseClaims {
            license_id: "LIC-TEST".into(),
            licensee: licensee.into(),
            expiry_date,
        })
    }

    /// Registers both sandboxes as remote sites and sets and verifies both
    /// connections through the API, as an administrator does.
    pub async fn connect_sandboxes(&self) {
        let admin = self.admin().await;
        self.register_sandbox_sites(&admin).await;
        admin
            .admin()
            .set_fno_connection(self.fno_connection())
            .await
            .expect("fno connection");
        admin
            .admin()
            .set_salesforce_connection(self.salesforce_connection())
            .await
            .expect("salesforce connection");
    }

    /// Registers both sandboxes as remote sites through `client`.
    pub async fn register_sandbox_sites(&self, client: &FnosyncClient) {
        for (name, url) in [
            ("Salesforce_Sandbox", self.salesforce.url()),
            ("FNO_Sandbox", self.fno.url()),
        ] {
            client
                .admin()
                .create_remote_site(proto::CreateRemoteSiteRequest {
                    name: name.into(),
                    url,
                    ..Default::default()
                })
                .await
                .expect("remote site");
        }
    }

    /// The FNO connection settings of the sandbox.
    pub fn fno_connection(&self) -> proto::SetFnoConnectionRequest {
        proto::SetFnoConnectionRequest {
            tenant_url: self.fno.url(),
            user_name: fnosync_sandbox::fno::seed::DEFAULT_USER.into(),
            password: FNO_PASSWORD.into(),
        }
    }

    /// The Salesforce connection settings of the sandbox (username-password flow).
    pub fn salesforce_connection(&self) -> proto::SetSalesforceConnectionRequest {
        use fnosync_sandbox::salesforce::auth;
        proto::SetSalesforceConnectionRequest {
            login_url: self.salesforce.url(),
            flow: proto::SalesforceAuthFlow::UsernamePassword as i32,
            client_id: auth::DEFAULT_CLIENT_ID.into(),
            client_secret: auth::DEFAULT_CLIENT_SECRET.into(),
            user_name: auth::DEFAULT_USERNAME.into(),
            password: format!("{}{}", auth::DEFAULT_PASSWORD, auth::DEFAULT_SECURITY_TOKEN),
            ..Default::default()
        }
    }

    /// Submits a licence valid for a year.
    pub async fn submit_license(&self) {
        let key = self.license_key(
            "Test Corp",
            chrono::Utc::now().date_naive() + chrono::Duration::days(365),
        );
        self.admin()
            .await
            .admin()
            .submit_license_key(proto::SubmitLicenseKeyRequest { license_key: key })
            .await
            .expect("licence");
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

/// Returns the path of a workspace binary built by `cargo build` (or named by
/// `FNOSYNC_BIN_DIR`), failing the test when it is missing.
pub fn workspace_binary(name: &str) -> PathBuf {
    let dir = std::env::var_os("FNOSYNC_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("debug")
        });
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (the test command does)",
        path.display()
    );
    path
}

/// Returns the violations of the `BadRequest` details of a status.
pub fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| {
            bad.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

/// Returns a URL of the test's own database, for server processes started by a test.
pub async fn database_url(pool: &PgPool) -> String {
    let name: (String,) = sqlx::query_as("SELECT current_database()")
        .fetch_one(pool)
        .await
        .expect("database name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set by the test command");
    let mut url = url_without_path(&base);
    url.push('/');
    url.push_str(&name.0);
    url
}

fn url_without_path(url: &str) -> String {
    let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[scheme_end..].find('/') {
        Some(slash) => url[..scheme_end + slash].to_string(),
        None => url.to_string(),
    }
}

/// A line item to seed: product code, quantity and the connector's date fields.
pub struct LineSpec {
    /// Product Code of an existing Product2.
    pub product_code: &'static str,
    /// Quantity.
    pub quantity: f64,
    /// Extra fields of the line (start and expiration options…).
    pub fields: serde_json::Value,
}

impl LineSpec {
    /// A line that starts at first activation and never expires.
    pub fn permanent(product_code: &'static str, quantity: f64) -> Self {
        Self {
            product_code,
            quantity,
            fields: serde_json::json!({
                "FNO__Start_Date_Option__c": "Use First Activation Date",
                "FNO__Expiration_Date_Option__c": "Permanent",
            }),
        }
    }
}

/// Seeds, in the Salesforce sandbox, an account with contacts (first, last,
/// e-mail) and one Closed Won opportunity with the given lines. Returns the
/// account Id, the opportunity Id and the line Ids.
pub fn seed_sales_order(
    salesforce: &SalesforceSandbox,
    account: serde_json::Value,
    contacts: &[serde_json::Value],
    opportunity: serde_json::Value,
    lines: &[LineSpec],
) -> (String, String, Vec<String>) {
    use serde_json::{json, Value};
    let merge = |mut base: Value, extra: Value| {
        if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        base
    };
    let account_id = salesforce.insert("Account", account).expect("account");
    for contact in contacts {
        salesforce
            .insert(
                "Contact",
                merge(json!({ "AccountId": account_id }), contact.clone()),
            )
            .expect("contact");
    }
    let book =
        salesforce.find("Pricebook2", "Name", &json!("Standard Price Book"))[0]["Id"].clone();
    let opportunity_fields = merge(
        json!({
            "AccountId": account_id,
            "Name": "Seeded Opportunity",
            "StageName": "Prospecting",
            "CloseDate": "2026-12-31",
            "Pricebook2Id": book,
        }),
        opportunity,
    );
    let opportunity_id = salesforce
        .insert("Opportunity", opportunity_fields)
        .expect("opportunity");
    let mut line_ids = Vec::new();
    for line in lines {
        // Salesforce compares text case-insensitively; the seed wants this exact code.
        let product = salesforce.find("Product2", "ProductCode", &json!(line.product_code));
        let product_id = product
            .iter()
            .find(|p| p["ProductCode"] == json!(line.product_code))
            .unwrap_or_else(|| panic!("no product {}", line.product_code))["Id"]
            .clone();
        let entry = salesforce.find("PricebookEntry", "Product2Id", &product_id)[0]["Id"].clone();
        let fields = merge(
            json!({
                "OpportunityId": opportunity_id,
                "PricebookEntryId": entry,
                "Quantity": line.quantity,
                "UnitPrice": 100,
            }),
            line.fields.clone(),
        );
        line_ids.push(
            salesforce
                .insert("OpportunityLineItem", fields)
                .expect("line"),
        );
    }
    salesforce
        .update(
            "Opportunity",
            &opportunity_id,
            json!({ "StageName": "Closed Won" }),
        )
        .expect("close the deal");
    (account_id, opportunity_id, line_ids)
}

/// Starts a one-time sync of `account_id` and returns the queued run.
pub async fn start_sync(client: &FnosyncClient, account_id: &str) -> proto::SyncRun {
    client
        .sync()
        .sync_account(proto::SyncAccountRequest {
            account_id: account_id.into(),
            ..Default::default()
        })
        .await
        .expect("sync account")
        .into_inner()
        .run
        .expect("run")
}

/// Starts a one-time sync and follows it with `WatchSyncRun` until it ends.
pub async fn sync_and_wait(client: &FnosyncClient, account_id: &str) -> proto::SyncRun {
    let run = start_sync(client, account_id).await;
    watch_until_end(client, run).await
}

/// Follows a run with `WatchSyncRun` until it ends and returns its last state.
pub async fn watch_until_end(client: &FnosyncClient, run: proto::SyncRun) -> proto::SyncRun {
    use tokio_stream::StreamExt;
    let mut events = client
        .sync()
        .watch_sync_run(proto::WatchSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .expect("watch")
        .into_inner();
    let mut last = run;
    while let Some(event) = events.next().await {
        last = event.expect("event").run.expect("run");
    }
    last
}

/// Lists every log of a task.
pub async fn logs_of(client: &FnosyncClient, task_id: &str) -> Vec<proto::TransactionLog> {
    client
        .logs()
        .list_transaction_logs(proto::ListTransactionLogsRequest {
            task_id: task_id.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("logs")
        .into_inner()
        .transaction_logs
}

/// Adds another Closed Won opportunity with `lines` to an existing account.
pub fn add_opportunity(
    salesforce: &SalesforceSandbox,
    account_id: &str,
    lines: &[LineSpec],
) -> String {
    use serde_json::json;
    let book =
        salesforce.find("Pricebook2", "Name", &json!("Standard Price Book"))[0]["Id"].clone();
    let opportunity = salesforce
        .insert(
            "Opportunity",
            json!({
                "AccountId": account_id, "Name": "Another Opportunity", "StageName": "Prospecting",
                "CloseDate": "2026-12-31", "Pricebook2Id": book,
            }),
        )
        .expect("opportunity");
    for line in lines {
        let product = salesforce.find("Product2", "ProductCode", &json!(line.product_code));
        let product_id = product
            .iter()
            .find(|p| p["ProductCode"] == json!(line.product_code))
            .expect("product")["Id"]
            .clone();
        let entry = salesforce.find("PricebookEntry", "Product2Id", &product_id)[0]["Id"].clone();
        let mut fields = json!({
            "OpportunityId": opportunity, "PricebookEntryId": entry, "Quantity": line.quantity, "UnitPrice": 100,
        });
        if let (Some(fields), Some(extra)) = (fields.as_object_mut(), line.fields.as_object()) {
            fields.extend(extra.clone());
        }
        salesforce
            .insert("OpportunityLineItem", fields)
            .expect("line");
    }
    salesforce
        .update(
            "Opportunity",
            &opportunity,
            json!({ "StageName": "Closed Won" }),
        )
        .expect("close");
    opportunity
}

/// A `fnosync serve` process started by a test, trusting the sandboxes.
pub struct ServerProcess {
    /// The process.
    pub child: tokio::process::Child,
    /// Its gRPC address.
    pub address: String,
}

/// Starts the real binary against the test's database with JSON logs, and
/// waits until it serves. `env` adds or overrides variables.
pub async fn spawn_server_process(app: &TestApp, env: &[(&str, &str)]) -> ServerProcess {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut command = tokio::process::Command::new(workspace_binary("fnosync"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("FNOSYNC_DATABASE_URL", database_url(&app.pool).await)
        .env("FNOSYNC_MASTER_KEY", &app.master_key)
        .env(
            "FNOSYNC_LICENSE_PUBLIC_KEY",
            app.license_issuer.public_key(),
        )
        .env("FNOSYNC_EXTRA_CA_CERTS", app.ca_path())
        .env("FNOSYNC_LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("spawn fnosync");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let address = loop {
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("server exited before serving");
        if line.contains("fnosync is serving") {
            let value: serde_json::Value = serde_json::from_str(&line).expect("json log line");
            break value["address"].as_str().expect("address").to_string();
        }
    };
    // Keep draining the log so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    ServerProcess { child, address }
}

/// Polls `check` every 50 ms until it returns `Some`, failing after `limit`.
pub async fn eventually<T, F, Fut>(limit: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Makes calls of `operation` wait `millis` in a sandbox, so a test can act
/// while a run is inside that call.
pub fn slow_down(faults: &fnosync_sandbox::faults::Faults, operation: &str, millis: u64) {
    faults.set(fnosync_sandbox::faults::FaultSettings {
        latency_ms: millis,
        operation_filter: operation.into(),
        ..Default::default()
    });
}

/// Waits until a sandbox counter shows at least one call.
pub async fn wait_until_called(count: impl Fn() -> u64) {
    eventually(std::time::Duration::from_secs(30), || async {
        (count() > 0).then_some(())
    })
    .await;
}

/// Creates the schedule `FNOSyncBatch`, daily at 02:00 UTC.
pub async fn create_daily_schedule(client: &FnosyncClient) {
    client
        .schedules()
        .create_schedule(proto::CreateScheduleRequest {
            timing: Some(proto::create_schedule_request::Timing::Daily(
                proto::DailyTiming {
                    time_of_day: "02:00".into(),
                    time_zone: "UTC".into(),
                },
            )),
            request_id: String::new(),
        })
        .await
        .expect("schedule");
}

/// Makes the schedule due now, as if its fire time had come.
pub async fn make_schedule_due(pool: &PgPool) {
    sqlx::query("UPDATE schedules SET next_fire_at = now() - interval '1 second'")
        .execute(pool)
        .await
        .expect("due");
}

/// Lists the scheduled runs, newest first.
pub async fn scheduled_runs(client: &FnosyncClient) -> Vec<proto::SyncRun> {
    client
        .sync()
        .list_sync_runs(proto::ListSyncRunsRequest {
            kind: proto::SyncKind::Scheduled as i32,
            ..Default::default()
        })
        .await
        .expect("runs")
        .into_inner()
        .runs
}

/// Waits until there are `count` scheduled runs, then until the newest has
/// ended, and returns it.
pub async fn next_scheduled_run(client: &FnosyncClient, count: usize) -> proto::SyncRun {
    let run = eventually(std::time::Duration::from_secs(30), || async {
        let runs = scheduled_runs(client).await;
        (runs.len() == count).then(|| runs[0].clone())
    })
    .await;
    watch_until_end(client, run).await
}

/// Reads a run; `None` when the server does not answer.
pub async fn get_run(client: &FnosyncClient, run_id: &str) -> Option<proto::SyncRun> {
    client
        .sync()
        .get_sync_run(proto::GetSyncRunRequest {
            run_id: run_id.into(),
        })
        .await
        .ok()?
        .into_inner()
        .run
}

/// Polls a run until it is in none of the states `waiting` (within 60 s) and returns it.
pub async fn wait_for_run_state_change(
    client: &FnosyncClient,
    run_id: &str,
    waiting: &[proto::SyncRunState],
) -> proto::SyncRun {
    eventually(std::time::Duration::from_secs(60), || async {
        let current = get_run(client, run_id).await?;
        (!waiting.iter().any(|s| *s as i32 == current.state)).then_some(current)
    })
    .await
}

/// Asserts that a run completed and that its message contains `note`.
pub fn assert_completed(run: &proto::SyncRun, note: &str) {
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert!(run.message.contains(note), "{}", run.message);
}

/// Starts an immediate sync over `window` and returns the queued run.
pub async fn start_immediate(
    client: &FnosyncClient,
    window: proto::start_immediate_sync_request::Window,
) -> proto::SyncRun {
    client
        .sync()
        .start_immediate_sync(proto::StartImmediateSyncRequest {
            window: Some(window),
            request_id: String::new(),
        })
        .await
        .expect("immediate")
        .into_inner()
        .run
        .expect("run")
}
