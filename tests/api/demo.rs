use fnosync_server::MIGRATOR;
use fnosync_tests::{database_url, workspace_binary};
use sqlx::PgPool;

/// The README's main command runs `fnosync-demo`; here it runs once against
/// the test's own database and its report is checked.
#[sqlx::test(migrator = "MIGRATOR")]
async fn the_demo_runs_the_guide_example_and_reports_both_sides(pool: PgPool) {
    // Arrange (the server finds the migrations applied and leaves them).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let state = tempfile::tempdir().expect("state dir");

    // Act
    let output = tokio::process::Command::new(workspace_binary("fnosync-demo"))
        .arg("--fnosync-bin")
        .arg(workspace_binary("fnosync"))
        .args(["--database-url", &database_url(&pool).await])
        .arg("--state-dir")
        .arg(state.path())
        .args(["--listen", &format!("127.0.0.1:{port}"), "--once"])
        .output()
        .await
        .expect("run the demo");

    // Assert
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "FNO connection      verified",
        "ended: SYNC_RUN_STATE_COMPLETED",
        "user         sf-testuser@mycompany.com (Demo SF-TestUser), roles [\"Portal Admin User\"]",
        "state DRAFT",
        "SF01demo x 10, activation ID",
        "FNO__Remaining_Quantity__c = 10",
        "COMPLETED  Entitlement Creation/Update",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    // The guide's one-time sync: at most four calls on each side, the
    // Salesforce log-in included.
    for side in ["Salesforce calls", "FNO calls"] {
        let calls: u64 = stdout
            .lines()
            .find_map(|line| line.strip_prefix(side))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{side} missing from:\n{stdout}"));
        assert!((1..=4).contains(&calls), "{side}: {calls}\n{stdout}");
    }
}
