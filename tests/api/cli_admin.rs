//! `fnosyncctl` administration commands against a running server: schedule,
//! remote sites, mappings, products and the FNO connection, with JSON output
//! parsed and each change checked through the API.

use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{TestApp, FNO_PASSWORD};
use sqlx::PgPool;

use crate::cli_support::{ctl, ctl_with_stdin};

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_sets_shows_pauses_and_deletes_the_schedule(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let admin = app.admin_token.clone();
    let json = ["--output", "json", "schedule"];

    // Act
    let none = ctl(&app, &admin, &["schedule", "show"]).await;
    let daily = ctl(
        &app,
        &admin,
        &[
            &json[..],
            &["set", "--daily", "02:30", "--tz", "Europe/Berlin"],
        ]
        .concat(),
    )
    .await;
    let cron = ctl(
        &app,
        &admin,
        &[&json[..], &["set", "--cron", "30 2 * * MON-FRI"]].concat(),
    )
    .await;
    let paused = ctl(&app, &admin, &[&json[..], &["pause"]].concat()).await;
    let shown = ctl(&app, &admin, &[&json[..], &["show"]].concat()).await;
    let stored = fnosync_tests::get_schedule(&app.viewer().await).await;
    let resumed = ctl(&app, &admin, &[&json[..], &["resume"]].concat()).await;
    let deleted = ctl(&app, &admin, &["schedule", "delete"]).await;
    let gone = ctl(&app, &admin, &["schedule", "show"]).await;

    // Assert
    assert_eq!(none.code, 2, "no schedule yet: {none:?}");
    assert!(none.stderr.contains("NotFound"), "{none:?}");
    assert_eq!(daily.code, 0, "{daily:?}");
    let daily = daily.json();
    assert_eq!(daily["name"], "FNOSyncBatch");
    assert_eq!(daily["state"], "ACTIVE");
    assert_eq!(daily["daily"]["time_of_day"], "02:30");
    assert_eq!(daily["daily"]["time_zone"], "Europe/Berlin");
    assert!(daily["next_fire_time"].is_string(), "{daily}");
    assert_eq!(cron.code, 0, "set changes an existing schedule: {cron:?}");
    let cron = cron.json();
    assert_eq!(cron["cron"]["expression"], "30 2 * * MON-FRI");
    assert!(cron["daily"].is_null(), "{cron}");
    assert_eq!(paused.json()["state"], "PAUSED");
    let shown = shown.json();
    assert_eq!(shown["state"], "PAUSED");
    assert!(shown["next_fire_time"].is_null(), "{shown}");
    assert_eq!(stored.state, proto::ScheduleState::Paused as i32);
    assert_eq!(resumed.json()["state"], "ACTIVE");
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert_eq!(gone.code, 2, "{gone:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_adds_lists_and_removes_remote_sites_and_names_a_bad_field(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let admin = app.admin_token.clone();
    let url = "https://acme-uat.flexnetoperations.com";

    // Act
    let added = ctl(
        &app,
        &admin,
        &[
            "--output",
            "json",
            "sites",
            "add",
            "FNO_UAT",
            url,
            "--description",
            "UAT tenant",
        ],
    )
    .await;
    let listed = ctl(&app, &admin, &["--output", "json", "sites", "list"]).await;
    let table = ctl(&app, &admin, &["sites", "list"]).await;
    let removed = ctl(&app, &admin, &["sites", "remove", "FNO_UAT"]).await;
    let after = app
        .admin()
        .await
        .admin()
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect("sites")
        .into_inner()
        .remote_sites;
    let bad = ctl(&app, &admin, &["sites", "add", "Bad__Name", url]).await;
    let as_viewer = ctl(
        &app,
        &app.viewer_token,
        &["sites", "add", "Viewer_Site", url],
    )
    .await;

    // Assert
    assert_eq!(added.code, 0, "{added:?}");
    assert_eq!(added.json()["active"], true);
    let sites = listed.json_lines();
    assert_eq!(sites.len(), 1, "{listed:?}");
    assert_eq!(sites[0]["name"], "FNO_UAT");
    assert_eq!(sites[0]["url"], url);
    assert_eq!(sites[0]["description"], "UAT tenant");
    assert!(
        table.stdout.contains("FNO_UAT") && table.stdout.contains("active"),
        "{table:?}"
    );
    assert!(
        !table.stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert_eq!(removed.code, 0, "{removed:?}");
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("InvalidArgument"), "{bad:?}");
    assert!(
        bad.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("name: ")),
        "each field violation on its own line: {bad:?}"
    );
    assert_eq!(
        as_viewer.code, 4,
        "a viewer may not add sites: {as_viewer:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_lists_mappings_and_products_with_their_readiness(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    let viewer = app.viewer_token.clone();

    // Act
    let mappings = ctl(
        &app,
        &viewer,
        &["--output", "json", "mappings", "list", "account"],
    )
    .await;
    let products = ctl(&app, &viewer, &["--output", "json", "products", "list"]).await;
    let not_ready = ctl(
        &app,
        &viewer,
        &["--output", "json", "products", "list", "--not-ready"],
    )
    .await;
    let table = ctl(&app, &viewer, &["products", "list", "--not-ready"]).await;

    // Assert
    assert_eq!(mappings.code, 0, "{mappings:?}");
    let mappings = mappings.json_lines();
    let account_name = mappings
        .iter()
        .find(|m| m["fno_field"] == "accountName")
        .expect("accountName mapping");
    assert_eq!(account_name["sf_field"], "Name");
    assert_eq!(account_name["required"], true);
    assert!(mappings.iter().all(|m| m["sf_object"] == "ACCOUNT"));
    let products = products.json_lines();
    let demo = products
        .iter()
        .find(|p| p["product_code"] == "SF01demo")
        .expect("demo product");
    assert_eq!(demo["ready"], true, "{demo}");
    let not_ready = not_ready.json_lines();
    assert!(!not_ready.is_empty() && not_ready.len() < products.len());
    assert!(not_ready.iter().all(|p| p["ready"] == false));
    let excluded = not_ready
        .iter()
        .find(|p| p["product_code"] == "GC1040")
        .expect("excluded product");
    assert!(excluded["problems"]
        .to_string()
        .contains("Include in FlexNet Operations Sync"));
    assert!(
        table.stdout.contains("GC1040") && table.stdout.contains("not ready"),
        "{table:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cli_sets_the_fno_connection_from_stdin_and_never_prints_the_password(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let admin_client = app.admin().await;
    app.register_sandbox_sites(&admin_client).await;
    let admin = app.admin_token.clone();
    let url = app.fno.url();
    let user = fnosync_sandbox::fno::seed::DEFAULT_USER;
    let set_fno = ["connection", "set-fno", "--url", &url, "--user", user];

    // Act
    let wrong = ctl_with_stdin(&app, &admin, &set_fno, "not-the-password\n").await;
    let empty = ctl_with_stdin(&app, &admin, &set_fno, "").await;
    let set = ctl_with_stdin(
        &app,
        &admin,
        &[&["--output", "json"], &set_fno[..]].concat(),
        &format!("{FNO_PASSWORD}\n"),
    )
    .await;
    let flagged = ctl_with_stdin(
        &app,
        &admin,
        &[&set_fno[..], &["--password-stdin"]].concat(),
        FNO_PASSWORD,
    )
    .await;
    let shown = ctl(&app, &admin, &["--output", "json", "connection", "show"]).await;
    let table = ctl(&app, &admin, &["connection", "show"]).await;
    let status = admin_client
        .admin()
        .get_connection_status(proto::GetConnectionStatusRequest {})
        .await
        .expect("status")
        .into_inner();

    // Assert
    assert_eq!(wrong.code, 2, "FNO refuses the password: {wrong:?}");
    assert!(wrong.stderr.contains("FailedPrecondition"), "{wrong:?}");
    assert_eq!(empty.code, 64, "no password on stdin: {empty:?}");
    assert_eq!(set.code, 0, "{set:?}");
    assert_eq!(set.json()["state"], "VERIFIED");
    assert_eq!(set.json()["user_name"], user);
    assert_eq!(flagged.code, 0, "{flagged:?}");
    let shown_json = shown.json();
    assert_eq!(shown_json["fno"]["state"], "VERIFIED");
    assert_eq!(shown_json["salesforce"]["state"], "NOT_CONFIGURED");
    assert!(table.stdout.contains("VERIFIED"), "{table:?}");
    assert_eq!(
        status.fno.expect("fno").state,
        proto::ConnectionState::Verified as i32
    );
    for output in [&wrong, &empty, &set, &flagged, &shown, &table] {
        assert!(
            !output.stdout.contains(FNO_PASSWORD) && !output.stderr.contains(FNO_PASSWORD),
            "the password leaked: {output:?}"
        );
    }
}
