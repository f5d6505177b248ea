use fnosync_server::MIGRATOR;
use fnosync_tests::{seed_sales_order, workspace_binary, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;

async fn ctl(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let output = tokio::process::Command::new(workspace_binary("fnosyncctl"))
        .args(["--server", &app.url(), "--token", &app.operator_token])
        .args(args)
        .output()
        .await
        .expect("run fnosyncctl");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_syncs_with_wait_tails_logs_as_json_and_reports_errors_by_exit_code(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let account = app.demo_account_id();

    let (code, stdout, stderr) = ctl(&app, &["sync", "account", &account, "--wait"]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("COMPLETED"), "{stdout}");
    let run_id = stdout
        .split_whitespace()
        .next()
        .expect("run id")
        .to_string();

    let (code, stdout, _) = ctl(
        &app,
        &["--output", "json", "logs", "tail", "--task", &run_id],
    )
    .await;
    assert_eq!(code, 0);
    let logs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(
        logs.iter()
            .any(|l| l["name"] == "Entitlement Creation/Update" && l["status"] == "COMPLETED"),
        "{stdout}"
    );
    let first = logs[0]["log_number"]
        .as_str()
        .expect("log number")
        .to_string();
    let (code, stdout, _) = ctl(&app, &["logs", "show", &first]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains(&first), "{stdout}");
    let (code, resumed, _) = ctl(
        &app,
        &[
            "--output", "json", "logs", "tail", "--task", &run_id, "--from", &first,
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        resumed.lines().count(),
        logs.len() - 1,
        "resumes after the given log"
    );

    let (code, _, stderr) = ctl(&app, &["sync", "account", "not-an-id"]).await;
    assert_eq!(code, 2, "the server refused: {stderr}");
    assert!(
        stderr.contains("InvalidArgument") && stderr.contains("account_id"),
        "{stderr}"
    );

    let (failing, _, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Excluded Only" }),
        &[],
        json!({}),
        &[LineSpec::permanent("GC1040", 1.0)],
    );
    let (code, stdout, _) = ctl(&app, &["sync", "account", &failing, "--wait"]).await;
    assert_eq!(code, 1, "a run that did not complete: {stdout}");

    let unreachable = tokio::process::Command::new(workspace_binary("fnosyncctl"))
        .args(["--server", "http://127.0.0.1:1", "--token", "x", "overview"])
        .output()
        .await
        .expect("run");
    assert_eq!(unreachable.status.code(), Some(3));
}
