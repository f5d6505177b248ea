//! `fnosyncctl token create` against a running server: an admin creates a
//! token, it works with its role and no more, and only its hash is stored.

use fnosync_server::store::tokens::hash_token;
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;

use crate::cli_support::ctl;

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_admin_creates_a_token_that_works_with_its_role_only(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let create = |role: &'static str, name: &'static str| {
        [
            "--output", "json", "token", "create", "--role", role, "--name", name,
        ]
    };

    // Act
    let created = ctl(&app, &app.admin_token, &create("viewer", "dashboard")).await;
    let by_operator = ctl(&app, &app.operator_token, &create("viewer", "sneaky")).await;
    let duplicate = ctl(&app, &app.admin_token, &create("admin", "dashboard")).await;
    let bad_role = ctl(&app, &app.admin_token, &create("root", "other")).await;
    let token = created.json()["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reads = ctl(&app, &token, &["sites", "list"]).await;
    let writes = ctl(&app, &token, &["sync", "cancel", "20000101000000"]).await;

    // Assert
    assert_eq!(created.code, 0, "{created:?}");
    assert_eq!(created.json()["role"], "viewer");
    assert!(token.starts_with("fns_"), "{created:?}");
    let stored: (String, String) =
        sqlx::query_as("SELECT token_hash, role FROM api_tokens WHERE name = 'dashboard'")
            .fetch_one(&pool)
            .await
            .expect("stored");
    assert_eq!(stored.0, hash_token(&token), "only the hash is stored");
    assert_eq!(stored.1, "viewer");
    assert_eq!(
        by_operator.code, 4,
        "operators cannot create tokens: {by_operator:?}"
    );
    assert_eq!(duplicate.code, 2, "{duplicate:?}");
    assert!(duplicate.stderr.contains("exists already"), "{duplicate:?}");
    assert_eq!(bad_role.code, 64, "{bad_role:?}");
    assert_eq!(reads.code, 0, "the new token reads: {reads:?}");
    assert_eq!(writes.code, 4, "a viewer cannot cancel: {writes:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn tokens_are_listed_without_their_text_and_a_revoked_one_is_refused(pool: PgPool) {
    // Arrange: a viewer token made and used once.
    let app = TestApp::spawn(pool.clone()).await;
    let created = ctl(
        &app,
        &app.admin_token,
        &[
            "--output",
            "json",
            "token",
            "create",
            "--role",
            "viewer",
            "--name",
            "wallboard",
        ],
    )
    .await;
    let token = created.json()["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let used = ctl(&app, &token, &["sites", "list"]).await;
    let used_at = fnosync_tests::eventually(std::time::Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_used_at FROM api_tokens WHERE name = 'wallboard'",
        )
        .fetch_one(&pool)
        .await
        .expect("token")
    })
    .await;

    // Act
    let listed = ctl(
        &app,
        &app.admin_token,
        &["--output", "json", "token", "list"],
    )
    .await;
    let by_viewer = ctl(&app, &app.viewer_token, &["token", "list"]).await;
    let revoked = ctl(
        &app,
        &app.admin_token,
        &["token", "revoke", "--name", "wallboard"],
    )
    .await;
    let after = ctl(&app, &token, &["sites", "list"]).await;
    let unknown = ctl(
        &app,
        &app.admin_token,
        &["token", "revoke", "--name", "wallboard"],
    )
    .await;
    let last_admin = ctl(
        &app,
        &app.admin_token,
        &["token", "revoke", "--name", "test-admin"],
    )
    .await;

    // Assert
    assert_eq!(used.code, 0, "{used:?}");
    assert_eq!(listed.code, 0, "{listed:?}");
    let lines: Vec<serde_json::Value> = listed
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    let wallboard = lines
        .iter()
        .find(|t| t["name"] == "wallboard")
        .expect("listed");
    assert_eq!(wallboard["role"], "viewer");
    assert!(wallboard["create_time"].is_string(), "{wallboard}");
    assert_eq!(
        wallboard["last_use_time"]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().expect("time")),
        Some(used_at),
        "{wallboard}"
    );
    assert!(
        !listed.stdout.contains(&token),
        "a token's text is never listed"
    );
    assert!(!listed.stdout.contains("fns_"), "{listed:?}");
    assert_eq!(
        by_viewer.code, 4,
        "listing needs the admin role: {by_viewer:?}"
    );
    assert_eq!(revoked.code, 0, "{revoked:?}");
    assert!(revoked.stdout.contains("wallboard"), "{revoked:?}");
    assert_eq!(after.code, 4, "a revoked token is refused: {after:?}");
    assert!(after.stderr.contains("invalid token"), "{after:?}");
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert_eq!(last_admin.code, 2, "{last_admin:?}");
    assert!(
        last_admin.stderr.contains("only admin token"),
        "{last_admin:?}"
    );
}
