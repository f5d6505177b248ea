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
