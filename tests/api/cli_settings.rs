//! `fnosyncctl license` and `filters` against a running server: the licence
//! key read from stdin or a file and never printed, the filters changed
//! piecewise, with JSON output parsed and each change checked through the API.

use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;

use crate::cli_support::{ctl, ctl_with_stdin};

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_submits_and_shows_the_licence(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let admin = app.admin_token.clone();
    let expiry = chrono::Utc::now().date_naive() + chrono::Duration::days(200);
    let key = app.license_key("CLI Corp", expiry);
    let key_file = tempfile::NamedTempFile::new().expect("key file");
    std::fs::write(key_file.path(), format!("{key}\n")).expect("write key");
    let path = key_file.path().to_str().expect("UTF-8 path");

    // Act
    let missing = ctl(&app, &admin, &["--output", "json", "license", "show"]).await;
    let from_stdin = ctl_with_stdin(
        &app,
        &admin,
        &["--output", "json", "license", "submit"],
        &key,
    )
    .await;
    let from_file = ctl(
        &app,
        &admin,
        &["--output", "json", "license", "submit", path],
    )
    .await;
    let shown = ctl(
        &app,
        &app.viewer_token,
        &["--output", "json", "license", "show"],
    )
    .await;
    let table = ctl(&app, &app.viewer_token, &["license", "show"]).await;
    let forged = ctl_with_stdin(
        &app,
        &admin,
        &["license", "submit", "-"],
        "FNOSYNC1.forged.key",
    )
    .await;

    // Assert
    assert_eq!(missing.code, 0, "{missing:?}");
    assert_eq!(missing.json()["state"], "MISSING");
    assert_eq!(from_stdin.code, 0, "{from_stdin:?}");
    assert_eq!(from_stdin.json()["licensee"], "CLI Corp");
    assert_eq!(from_file.code, 0, "{from_file:?}");
    let shown = shown.json();
    assert_eq!(shown["state"], "VALID");
    assert_eq!(shown["licensee"], "CLI Corp");
    assert_eq!(shown["expiry_date"], expiry.to_string());
    assert_eq!(shown["days_left"], 200);
    assert!(
        table.stdout.contains("VALID") && table.stdout.contains("CLI Corp"),
        "{table:?}"
    );
    assert_eq!(forged.code, 2, "{forged:?}");
    for output in [&from_stdin, &from_file, &table] {
        let printed = format!("{}{}", output.stdout, output.stderr);
        assert!(
            !printed.contains(&key),
            "the key is never printed: {printed}"
        );
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_shows_and_changes_the_filters(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let admin = app.admin_token.clone();
    let json = ["--output", "json", "filters"];

    // Act
    let before = ctl(&app, &admin, &[&json[..], &["show"]].concat()).await;
    let stages = ctl(
        &app,
        &admin,
        &[
            &json[..],
            &[
                "set",
                "--stage",
                "Closed Won",
                "--stage",
                "Negotiation/Review",
            ],
        ]
        .concat(),
    )
    .await;
    let state = ctl(
        &app,
        &admin,
        &[&json[..], &["set", "--state", "deployed"]].concat(),
    )
    .await;
    let on_cancel = ctl(
        &app,
        &admin,
        &[&json[..], &["set", "--on-cancel", "obsolete"]].concat(),
    )
    .await;
    let stored = app
        .viewer()
        .await
        .filters()
        .get_filters(proto::GetFiltersRequest {})
        .await
        .expect("filters")
        .into_inner()
        .filters
        .expect("filters");
    let duplicate = ctl(
        &app,
        &admin,
        &[
            "filters",
            "set",
            "--stage",
            "Closed Won",
            "--stage",
            "Closed Won",
        ],
    )
    .await;
    let nothing = ctl(&app, &admin, &["filters", "set"]).await;

    // Assert
    let before = before.json();
    assert_eq!(
        before["pre_condition_stages"],
        serde_json::json!(["Closed Won"])
    );
    assert_eq!(before["post_condition_state"], "DRAFT");
    assert_eq!(before["cancellation_policy"], "LEAVE", "the default");
    assert_eq!(on_cancel.json()["cancellation_policy"], "OBSOLETE");
    assert_eq!(on_cancel.json()["post_condition_state"], "DEPLOYED", "kept");
    assert_eq!(stages.code, 0, "{stages:?}");
    assert_eq!(stages.json()["post_condition_state"], "DRAFT", "unchanged");
    let state = state.json();
    assert_eq!(
        state["pre_condition_stages"],
        serde_json::json!(["Closed Won", "Negotiation/Review"]),
        "kept while only the state changes"
    );
    assert_eq!(state["post_condition_state"], "DEPLOYED");
    assert_eq!(
        stored.pre_condition_stages,
        ["Closed Won", "Negotiation/Review"]
    );
    assert_eq!(
        stored.post_condition_state,
        proto::EntitlementState::Deployed as i32
    );
    assert_eq!(
        stored.cancellation_policy,
        proto::CancellationPolicy::Obsolete as i32
    );
    assert_eq!(duplicate.code, 2, "{duplicate:?}");
    assert!(
        duplicate.stderr.contains("filters.pre_condition_stages"),
        "{duplicate:?}"
    );
    assert_eq!(nothing.code, 64, "{nothing:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_enables_shows_and_disables_event_sync(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    let admin = app.admin_token.clone();
    let pubsub_url = app.salesforce.pubsub_url();
    let unregistered = ctl(
        &app,
        &admin,
        &["events", "enable", "--pubsub-url", &pubsub_url],
    )
    .await;
    app.admin()
        .await
        .admin()
        .create_remote_site(proto::CreateRemoteSiteRequest {
            name: "Salesforce_PubSub".into(),
            url: pubsub_url.clone(),
            ..Default::default()
        })
        .await
        .expect("remote site");

    // Act
    let enabled = ctl(
        &app,
        &admin,
        &[
            "--output",
            "json",
            "events",
            "enable",
            "--objects",
            "Opportunity,Account",
            "--pubsub-url",
            &pubsub_url,
        ],
    )
    .await;
    let connected = fnosync_tests::eventually(std::time::Duration::from_secs(60), || async {
        let shown = ctl(
            &app,
            &app.viewer_token,
            &["--output", "json", "events", "show"],
        )
        .await;
        (shown.json()["connected"] == true).then_some(shown)
    })
    .await;
    let table = ctl(&app, &app.viewer_token, &["events", "show"]).await;
    let overview = ctl(&app, &app.viewer_token, &["overview"]).await;
    let not_allowed = ctl(&app, &app.operator_token, &["events", "disable"]).await;
    let disabled = ctl(&app, &admin, &["--output", "json", "events", "disable"]).await;

    // Assert
    assert_ne!(unregistered.code, 0, "{unregistered:?}");
    assert!(
        unregistered.stderr.contains("remote site"),
        "{unregistered:?}"
    );
    assert_eq!(enabled.code, 0, "{enabled:?}");
    assert_eq!(
        enabled.json()["objects"],
        serde_json::json!(["Opportunity", "Account"])
    );
    assert_eq!(connected.json()["pubsub_url"], pubsub_url.as_str());
    assert_eq!(connected.json()["channel"], "/data/ChangeEvents");
    assert_eq!(connected.json()["records_read_again"], 0);
    assert!(
        table.stdout.contains("connected") && table.stdout.contains("Opportunity, Account"),
        "{table:?}"
    );
    assert!(
        table.stdout.contains("channel       /data/ChangeEvents"),
        "{table:?}"
    );
    assert!(overview.stdout.contains("events      "), "{overview:?}");
    assert_ne!(not_allowed.code, 0, "{not_allowed:?}");
    assert_eq!(disabled.json()["enabled"], false, "{disabled:?}");
}
