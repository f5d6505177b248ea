//! `fnosyncctl logs tail --follow` across a server restart: the tail reports
//! the break, reconnects to the restarted server and resumes after the last
//! log it printed, so every stored log is printed once, in order.

use std::process::Stdio;
use std::time::Duration;

use fnosync_server::MIGRATOR;
use fnosync_tests::{database_url, sync_and_wait, workspace_binary, TestApp};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

const LIMIT: Duration = Duration::from_secs(60);

/// Starts `fnosync serve` on `port` over the test's database, without
/// workers (the test's own server runs the syncs), and waits until it serves.
async fn serve_on(app: &TestApp, port: u16) -> Child {
    let mut child = tokio::process::Command::new(workspace_binary("fnosync"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("FNOSYNC_DATABASE_URL", database_url(&app.pool).await)
        .env("FNOSYNC_MASTER_KEY", &app.master_key)
        .env(
            "FNOSYNC_LICENSE_PUBLIC_KEY",
            app.license_issuer.public_key(),
        )
        .env("FNOSYNC_EXTRA_CA_CERTS", app.ca_path())
        .env("FNOSYNC_WORKERS", "0")
        .env("FNOSYNC_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn fnosync");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    tokio::time::timeout(LIMIT, async {
        while let Some(line) = lines.next_line().await.expect("server log") {
            if line.contains("fnosync is serving") {
                return;
            }
        }
        panic!("the server exited before serving");
    })
    .await
    .expect("the server serves in time");
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Reads JSON log lines until `count` have been printed in all.
async fn read_until(
    lines: &mut Lines<BufReader<ChildStdout>>,
    printed: &mut Vec<serde_json::Value>,
    count: usize,
) {
    tokio::time::timeout(LIMIT, async {
        while printed.len() < count {
            let line = lines
                .next_line()
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("the tail ended after {printed:?}"));
            printed.push(serde_json::from_str(&line).expect("a JSON log"));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} logs expected within {LIMIT:?}, got {printed:?}"));
}

async fn stored_log_numbers(app: &TestApp) -> Vec<String> {
    let mut numbers: Vec<String> = fnosync_tests::logs_of(&app.viewer().await, "")
        .await
        .into_iter()
        .map(|log| log.log_number)
        .collect();
    numbers.sort();
    numbers
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_followed_tail_resumes_after_a_server_restart_without_loss_or_repeat(pool: PgPool) {
    // Arrange: a server process on a known port, and a tail following it.
    let app = TestApp::ready(pool).await;
    let account = app.demo_account_id();
    let port = free_port();
    let mut first_server = serve_on(&app, port).await;
    let mut tail = tokio::process::Command::new(workspace_binary("fnosyncctl"))
        .args([
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--token",
            &app.viewer_token,
        ])
        .args(["--output", "json", "logs", "tail", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run fnosyncctl");
    let mut out = BufReader::new(tail.stdout.take().expect("stdout")).lines();
    let mut err = BufReader::new(tail.stderr.take().expect("stderr")).lines();
    let operator = app.operator().await;
    let mut printed = Vec::new();

    // Act: logs while connected, the server killed, logs while it is down, a restart.
    sync_and_wait(&operator, &account).await;
    read_until(&mut out, &mut printed, stored_log_numbers(&app).await.len()).await;
    first_server.kill().await.expect("kill the server");
    let interrupted = tokio::time::timeout(LIMIT, err.next_line())
        .await
        .expect("the tail reports the break")
        .expect("read")
        .expect("a line");
    let second = sync_and_wait(&operator, &account).await;
    let _second_server = serve_on(&app, port).await;
    let stored = stored_log_numbers(&app).await;
    read_until(&mut out, &mut printed, stored.len()).await;

    // Assert
    assert!(interrupted.contains("stream interrupted"), "{interrupted}");
    let numbers: Vec<&str> = printed
        .iter()
        .map(|log| log["log_number"].as_str().expect("log number"))
        .collect();
    assert_eq!(numbers, stored, "every stored log once, in order");
    assert!(
        printed.iter().any(|log| log["task_id"] == second.run_id),
        "logs written while the server was down are printed after the restart"
    );
}
