use fnosync_client::{proto, FnosyncClient};
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;
use tonic::Code;

#[sqlx::test(migrator = "MIGRATOR")]
async fn calls_without_or_with_a_wrong_token_are_unauthenticated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let channel = app.anonymous_channel().await;
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

/// Every method path of the fnosync services, as the server's descriptor set has them.
fn api_methods() -> Vec<String> {
    use prost::Message as _;
    let set = prost_types::FileDescriptorSet::decode(fnosync_proto::FILE_DESCRIPTOR_SET)
        .expect("descriptor set");
    set.file
        .iter()
        .flat_map(|file| {
            file.service.iter().flat_map(move |service| {
                service.method.iter().map(move |method| {
                    format!("/{}.{}/{}", file.package(), service.name(), method.name())
                })
            })
        })
        .collect()
}

/// Calls `path` with an empty message and no token; returns the status.
async fn call_without_token(channel: &tonic::transport::Channel, path: &str) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready().await.expect("ready");
    grpc.unary(
        tonic::Request::new(()),
        path.parse().expect("path"),
        tonic_prost::ProstCodec::<(), ()>::default(),
    )
    .await
    .expect_err(path)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_method_of_the_api_refuses_a_call_without_a_token(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let channel = app.anonymous_channel().await;
    let methods = api_methods();

    // Act
    let mut answers = Vec::new();
    for path in &methods {
        answers.push((path, call_without_token(&channel, path).await.code()));
    }
    let unknown = call_without_token(&channel, "/fnosync.v1.AdminService/NoSuchMethod").await;

    // Assert
    assert!(methods.len() > 40, "{methods:?}");
    for (path, code) in answers {
        assert_eq!(code, Code::Unauthenticated, "{path} served without a token");
    }
    assert_eq!(unknown.code(), Code::Unimplemented, "{unknown:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn token_less_calls_to_ten_thousand_paths_add_no_metric_series(pool: PgPool) {
    // Arrange: the metrics are the process's, shared with the other tests,
    // so the series of the paths called here are told by their names.
    let app = TestApp::spawn(pool).await;
    let channel = app.anonymous_channel().await;
    let unknown_calls = |text: &str| {
        text.lines()
            .find(|line| {
                line.starts_with(
                    "fnosync_rpc_requests_total{method=\"unknown\",code=\"Unimplemented\"}",
                )
            })
            .and_then(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or_default()
    };
    let before = unknown_calls(&app.scrape_metrics().await);

    // Act
    for n in 0..10_000 {
        call_without_token(&channel, &format!("/fnosync.v1.Probe/Path{n}")).await;
    }
    let text = app.scrape_metrics().await;

    // Assert
    assert!(
        unknown_calls(&text) >= before + 10_000.0,
        "each call counted as unknown:\n{text}"
    );
    let per_path = text
        .lines()
        .filter(|line| line.contains("Probe/Path"))
        .count();
    assert_eq!(per_path, 0, "no series per path");
}
