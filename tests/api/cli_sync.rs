//! `fnosyncctl sync immediate` and the client crate's examples against a
//! running server: exit codes of `--wait`, progress lines, the field
//! violation of a refused window, and `sync_and_wait` / `tail_logs` run as
//! built binaries.

use std::process::Stdio;
use std::time::Duration;

use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{logs_of, seed_sales_order, start_sync, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::cli_support::{ctl, workspace_example};

#[sqlx::test(migrator = "MIGRATOR")]
async fn sync_immediate_with_wait_exits_by_how_the_run_ended(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let operator = app.operator_token.clone();

    // Act
    let past = ctl(
        &app,
        &operator,
        &[
            "--output",
            "json",
            "sync",
            "immediate",
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-02",
            "--wait",
        ],
    )
    .await;
    let recent = ctl(
        &app,
        &operator,
        &["sync", "immediate", "--hours", "1", "--wait"],
    )
    .await;
    seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Excluded Only" }),
        &[],
        json!({}),
        &[LineSpec::permanent("GC1040", 1.0)],
    );
    let failing = ctl(
        &app,
        &operator,
        &[
            "--output",
            "json",
            "sync",
            "immediate",
            "--hours",
            "1",
            "--wait",
        ],
    )
    .await;
    let queued = ctl(
        &app,
        &operator,
        &["--output", "json", "sync", "immediate", "--hours", "2"],
    )
    .await;

    // Assert
    assert_eq!(past.code, 0, "{past:?}");
    let past = past.json();
    assert_eq!(past["state"], "COMPLETED");
    assert_eq!(past["kind"], "IMMEDIATE");
    assert!(past["message"]
        .as_str()
        .expect("message")
        .contains("0 account(s) changed"));
    assert_eq!(recent.code, 0, "{recent:?}");
    let run_id = recent.stdout.split_whitespace().next().expect("run id");
    assert!(recent.stdout.contains("COMPLETED"), "{recent:?}");
    assert!(
        recent
            .stderr
            .lines()
            .any(|l| l.starts_with(&format!("{run_id}: ")) && l.contains("records")),
        "plain progress lines on stderr when not on a terminal: {recent:?}"
    );
    assert_eq!(failing.code, 1, "a run that did not complete: {failing:?}");
    assert_ne!(failing.json()["state"], "COMPLETED");
    assert_eq!(queued.code, 0, "{queued:?}");
    assert!(queued.json()["run_id"].is_string());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sync_retry_syncs_the_failed_records_again_and_refuses_when_none_failed(pool: PgPool) {
    // Arrange: a run that fails on a product excluded from the sync.
    let app = TestApp::ready(pool).await;
    let operator = app.operator_token.clone();
    let (_, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Excluded At First" }),
        &[],
        json!({}),
        &[LineSpec::permanent("GC1040", 1.0)],
    );
    let failing = ctl(
        &app,
        &operator,
        &[
            "--output",
            "json",
            "sync",
            "immediate",
            "--hours",
            "1",
            "--wait",
        ],
    )
    .await;
    assert_eq!(failing.code, 1, "{failing:?}");
    let failed_run = failing.json()["run_id"]
        .as_str()
        .expect("run id")
        .to_string();
    let product = app
        .salesforce
        .find("Product2", "ProductCode", &json!("GC1040"))[0]["Id"]
        .as_str()
        .expect("product")
        .to_string();
    app.salesforce
        .update("Product2", &product, json!({ sf::INCLUDE_IN_SYNC: true }))
        .expect("include the product");

    // Act
    let retried = ctl(
        &app,
        &operator,
        &["--output", "json", "sync", "retry", &failed_run, "--wait"],
    )
    .await;
    let again = ctl(&app, &operator, &["sync", "retry", &failed_run]).await;
    let attempts = ctl(
        &app,
        &operator,
        &["--output", "json", "logs", "tail", "--record", &opportunity],
    )
    .await;

    // Assert
    assert_eq!(retried.code, 0, "{retried:?}");
    let run = retried.json();
    assert_eq!(run["kind"], "RETRY");
    assert_eq!(run["state"], "COMPLETED");
    assert_eq!(run["retry_of"], failed_run.as_str());
    assert!(
        app.salesforce
            .record("Opportunity", &opportunity)
            .expect("order")[sf::ENTITLEMENT_ID]
            .is_string(),
        "the order reached FNO"
    );
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("nothing left to retry"), "{again:?}");
    // The order's logs show both attempts, the failed one first.
    assert_eq!(attempts.code, 0, "{attempts:?}");
    let entitlement_attempts: Vec<(String, String)> = attempts
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("json"))
        .filter(|log| log["name"] == "Entitlement Creation/Update")
        .map(|log| {
            (
                log["task_id"].as_str().unwrap_or_default().to_string(),
                log["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let retry_run = run["run_id"].as_str().expect("retry run id").to_string();
    assert_eq!(
        entitlement_attempts,
        [
            (failed_run.clone(), "FAILED".to_string()),
            (retry_run, "COMPLETED".to_string())
        ]
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_refused_sync_prints_each_field_violation_and_exits_2(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let operator = app.operator_token.clone();

    // Act
    let backwards = ctl(
        &app,
        &operator,
        &[
            "sync",
            "immediate",
            "--from",
            "2020-01-05",
            "--to",
            "2020-01-01",
            "--wait",
        ],
    )
    .await;
    let zero = ctl(&app, &operator, &["sync", "immediate", "--hours", "0"]).await;
    let both = ctl(
        &app,
        &operator,
        &[
            "sync",
            "immediate",
            "--hours",
            "1",
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-02",
        ],
    )
    .await;
    let as_viewer = ctl(
        &app,
        &app.viewer_token,
        &["sync", "immediate", "--hours", "1"],
    )
    .await;

    // Assert
    assert_eq!(backwards.code, 2, "{backwards:?}");
    assert!(
        backwards.stderr.contains("InvalidArgument"),
        "{backwards:?}"
    );
    assert!(
        backwards
            .stderr
            .lines()
            .any(|l| l.trim_start().starts_with("date_range.end_date: ")),
        "{backwards:?}"
    );
    assert_eq!(zero.code, 2, "{zero:?}");
    assert!(
        zero.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("last_hours: ")),
        "{zero:?}"
    );
    assert_eq!(both.code, 64, "a window is hours or dates: {both:?}");
    assert_eq!(as_viewer.code, 4, "{as_viewer:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_client_examples_sync_and_wait_and_tail_the_logs(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let account = app.demo_account_id();
    let example = |name: &str| {
        let mut command = tokio::process::Command::new(workspace_example(name));
        command
            .env("FNOSYNC_SERVER", app.url())
            .env("FNOSYNC_TOKEN", &app.operator_token)
            .kill_on_drop(true);
        command
    };

    // Act: one-time sync through the example, then the logs of its run.
    let synced = example("sync_and_wait")
        .arg(&account)
        .output()
        .await
        .expect("run sync_and_wait");
    let synced_out = String::from_utf8_lossy(&synced.stdout).into_owned();
    let run_id = synced_out
        .lines()
        .find_map(|l| l.strip_prefix("started run "))
        .expect("run id")
        .to_string();
    let tailed = example("tail_logs")
        .args(["--task", &run_id, "--once"])
        .output()
        .await
        .expect("run tail_logs");
    let tailed_out = String::from_utf8_lossy(&tailed.stdout).into_owned();
    let mut follower = example("tail_logs")
        .args(["--server", &app.url(), "--token", &app.viewer_token])
        .env_remove("FNOSYNC_TOKEN")
        .stdout(Stdio::piped())
        .spawn()
        .expect("follow the logs");
    let mut followed = BufReader::new(follower.stdout.take().expect("stdout")).lines();
    let second = start_sync(&app.operator().await, &account).await;
    let second_logs = tokio::time::timeout(Duration::from_secs(60), async {
        let mut seen = Vec::new();
        while let Some(line) = followed.next_line().await.expect("read") {
            let ends =
                line.contains(&second.run_id) && line.contains("Entitlement Creation/Update");
            seen.push(line);
            if ends {
                return seen;
            }
        }
        panic!("the follower ended: {seen:?}");
    })
    .await
    .expect("the follower prints the new run's logs");

    // Assert
    assert_eq!(synced.status.code(), Some(0), "{synced_out}");
    assert!(
        synced_out.contains("SYNC_RUN_STATE_COMPLETED"),
        "{synced_out}"
    );
    assert_eq!(tailed.status.code(), Some(0), "{tailed_out}");
    let stored = logs_of(&app.viewer().await, &run_id).await;
    assert_eq!(tailed_out.lines().count(), stored.len(), "{tailed_out}");
    assert!(
        tailed_out.contains("Entitlement Creation/Update"),
        "{tailed_out}"
    );
    assert!(
        second_logs.iter().any(|l| l.contains(&run_id)),
        "the follower starts with the stored logs"
    );
    let numbers: Vec<&str> = second_logs
        .iter()
        .map(|l| l.split(' ').next().expect("log number"))
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(numbers, sorted, "in order, each once");
}

/// Runs `fnosyncctl` under `script(1)`, so that stdout and stderr are a
/// terminal; returns the exit code and everything the terminal showed.
async fn ctl_on_terminal(app: &TestApp, args: &[&str], no_color: bool) -> (i32, String) {
    let binary = fnosync_tests::workspace_binary("fnosyncctl");
    let words = [
        binary.to_str().expect("UTF-8 path"),
        "--server",
        &app.url(),
        "--token",
        &app.operator_token,
    ];
    let line = words
        .iter()
        .chain(args)
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = tokio::process::Command::new("script");
    command
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = command
        .output()
        .await
        .expect("run script(1) from util-linux");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn on_a_terminal_wait_draws_a_progress_bar_and_colours_the_state_unless_no_color(
    pool: PgPool,
) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let wait = ["sync", "immediate", "--hours", "1", "--wait"];

    // Act
    let (colored_code, colored) = ctl_on_terminal(&app, &wait, false).await;
    let (plain_code, plain) = ctl_on_terminal(&app, &wait, true).await;

    // Assert
    assert_eq!(colored_code, 0, "{colored}");
    assert!(
        colored.contains("\x1b[32mCOMPLETED"),
        "green when completed: {colored:?}"
    );
    assert!(
        colored.contains(" records · "),
        "a progress bar: {colored:?}"
    );
    assert_eq!(plain_code, 0, "{plain}");
    assert!(plain.contains("COMPLETED"), "{plain:?}");
    assert!(!plain.contains("\x1b[32m"), "NO_COLOR: {plain:?}");
    assert!(
        plain.contains(" records · "),
        "the bar stays without colour: {plain:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sync_plan_of_the_last_hours_prints_each_record_and_starts_nothing(pool: PgPool) {
    // Arrange: a deal closed just now.
    let app = TestApp::ready(pool.clone()).await;
    let (account_id, opportunity_id, line_ids) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Window Plan Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 4.0)],
    );
    let operator = app.operator_token.clone();

    // Act
    let table = ctl(&app, &operator, &["sync", "plan", "--hours", "1"]).await;
    let json = ctl(
        &app,
        &operator,
        &["--output", "json", "sync", "plan", "--hours", "1"],
    )
    .await;
    let by_account = ctl(
        &app,
        &operator,
        &["--output", "json", "sync", "plan", &account_id],
    )
    .await;

    // Assert: the table names the records with what would happen, the
    // JSON carries the same plan, and no run was started.
    assert_eq!(table.code, 0, "{table:?}");
    let line_row = table
        .stdout
        .lines()
        .find(|l| l.contains(&line_ids[0]))
        .unwrap_or_else(|| panic!("no row of the line: {table:?}"));
    assert!(line_row.starts_with("CREATE"), "{line_row}");
    assert!(
        table.stdout.contains("numberOfCopies: (none) -> \"4\""),
        "{table:?}"
    );
    let summary = table.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(" create") && !summary.contains("fail"),
        "{table:?}"
    );
    let plan = json.json();
    let accounts = plan["account_ids"].as_array().expect("accounts");
    assert!(accounts.contains(&json!(account_id)), "{plan}");
    let actions: Vec<(String, String)> = plan["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["salesforce_id"].as_str().unwrap_or_default().to_string(),
                r["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        actions.contains(&(opportunity_id.clone(), "CREATE".to_string())),
        "{plan}"
    );
    let of_account: Vec<&serde_json::Value> = plan["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["account_id"] == json!(account_id))
        .collect();
    let alone = by_account.json();
    let alone: Vec<&serde_json::Value> = alone["records"]
        .as_array()
        .expect("records")
        .iter()
        .collect();
    assert_eq!(
        alone, of_account,
        "the account's records, as in its own plan"
    );
    let (runs,): (i64,) = sqlx::query_as("SELECT count(*) FROM sync_runs")
        .fetch_one(&pool)
        .await
        .expect("runs");
    assert_eq!(runs, 0);
}
