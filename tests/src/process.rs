//! Server processes started by a test: the workspace binaries, the URL of the
//! test's database, `spawn_server_process`, and a replica's takeover of a
//! run after another was killed.

use std::path::PathBuf;

use sqlx::PgPool;

use crate::TestApp;

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

/// Kills `first` with `kill -9` while `gate` holds its call, opens the gate,
/// starts another replica with `env` and waits until the run `run_id` has
/// ended there. Returns that replica (the caller keeps it alive) and the run.
pub async fn kill_and_take_over(
    app: &TestApp,
    mut first: ServerProcess,
    gate: &fnosync_sandbox::faults::Gate,
    env: &[(&str, &str)],
    client: &fnosync_client::FnosyncClient,
    run_id: &str,
) -> (ServerProcess, fnosync_client::proto::SyncRun) {
    use fnosync_client::proto::SyncRunState;
    first.child.kill().await.expect("kill -9");
    gate.open();
    let second = spawn_server_process(app, env).await;
    let ended = crate::wait_for_run_state_change(
        client,
        run_id,
        &[SyncRunState::Queued, SyncRunState::Running],
    )
    .await;
    (second, ended)
}
