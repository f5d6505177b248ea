use fnosync_client::{proto, FnosyncClient};
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;
use tonic::Code;

#[sqlx::test(migrator = "MIGRATOR")]
async fn calls_without_or_with_a_wrong_token_are_unauthenticated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let channel = tonic::transport::Endpoint::from_shared(app.url())
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut anonymous = proto::admin_service_client::AdminServiceClient::new(channel);
    let missing = anonymous
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect_err("no token");
    assert_eq!(missing.code(), Code::Unauthenticated);

    let mut wrong = app.client_with("fns_not-a-real-token").await.admin();
    let status = wrong
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect_err("bad token");
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn roles_limit_what_a_token_may_do(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let site = || proto::CreateRemoteSiteRequest {
        name: "Site".into(),
        url: "https://site.example".into(),
        ..Default::default()
    };

    let viewer = app.viewer().await;
    let denied = viewer
        .admin()
        .create_remote_site(site())
        .await
        .expect_err("viewer");
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert!(denied.message().contains("admin"), "{}", denied.message());
    viewer
        .admin()
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect("viewer reads");
    let sync = viewer
        .sync()
        .sync_account(proto::SyncAccountRequest {
            account_id: "001a500001xOYkQAAW".into(),
            ..Default::default()
        })
        .await
        .expect_err("viewer cannot sync");
    assert_eq!(sync.code(), Code::PermissionDenied);

    let operator = app.operator().await;
    let denied = operator
        .admin()
        .create_remote_site(site())
        .await
        .expect_err("operator");
    assert_eq!(denied.code(), Code::PermissionDenied);
    // An operator may start a sync; it is refused for lack of a licence, not for the role.
    let sync = operator
        .sync()
        .sync_account(proto::SyncAccountRequest {
            account_id: "001a500001xOYkQAAW".into(),
            ..Default::default()
        })
        .await
        .expect_err("no licence");
    assert_eq!(sync.code(), Code::FailedPrecondition);

    app.admin()
        .await
        .admin()
        .create_remote_site(site())
        .await
        .expect("admin creates");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_token_created_by_the_cli_authenticates_and_is_stored_hashed(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let database_url = fnosync_tests::database_url(&pool).await;

    // Act
    let output = std::process::Command::new(fnosync_tests::workspace_binary("fnosync"))
        .args(["token", "create", "--role", "viewer", "--name", "ops"])
        .env("FNOSYNC_DATABASE_URL", database_url)
        .output()
        .expect("run fnosync token create");

    // Assert
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    assert!(token.starts_with("fns_"), "{token}");
    let stored: (String, String) =
        sqlx::query_as("SELECT token_hash, role FROM api_tokens WHERE name = 'ops'")
            .fetch_one(&pool)
            .await
            .expect("row");
    assert_ne!(stored.0, token, "tokens are stored hashed");
    assert_eq!(stored.1, "viewer");
    let client = FnosyncClient::connect(app.url(), token)
        .await
        .expect("connect");
    client
        .overview()
        .get_overview(proto::GetOverviewRequest {})
        .await
        .expect("overview");
    let denied = client
        .filters()
        .update_filters(proto::UpdateFiltersRequest::default())
        .await
        .expect_err("viewer");
    assert_eq!(denied.code(), Code::PermissionDenied);
}
