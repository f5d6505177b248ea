use std::time::Duration;

use fnosync_client::proto;
use fnosync_server::outbound::{build_http_client, OutboundError, OutboundHttp};
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;

#[sqlx::test(migrator = "MIGRATOR")]
async fn outbound_calls_reach_only_active_remote_sites(pool: PgPool) {
    // Arrange: a listener that counts connections, and a remote site for another port.
    let app = TestApp::spawn(pool.clone()).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let mut admin = app.admin().await.admin();
    admin
        .create_remote_site(proto::CreateRemoteSiteRequest {
            name: "Other".into(),
            url: format!("https://127.0.0.1:{}", port.wrapping_add(1)),
            ..Default::default()
        })
        .await
        .expect("site");
    let http = OutboundHttp::new(
        build_http_client(&[], Duration::from_secs(5)).expect("client"),
        pool,
    );
    let target = format!("https://127.0.0.1:{port}/services/data");

    // Act
    let refused = http.request(reqwest::Method::GET, &target).await;

    // Assert: refused before any connection was made.
    assert!(
        matches!(refused, Err(OutboundError::NotAllowed { .. })),
        "{:?}",
        refused.err()
    );
    assert_eq!(
        listener.accept().map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::WouldBlock),
        "a refused call must not connect"
    );

    // Registering the site (inactive) still refuses; active admits and connects.
    admin
        .create_remote_site(proto::CreateRemoteSiteRequest {
            name: "Target".into(),
            url: format!("https://127.0.0.1:{port}"),
            active: Some(false),
            ..Default::default()
        })
        .await
        .expect("inactive site");
    assert!(matches!(
        http.request(reqwest::Method::GET, &target).await,
        Err(OutboundError::NotAllowed { .. })
    ));
    admin
        .update_remote_site(proto::UpdateRemoteSiteRequest {
            name: "Target".into(),
            active: Some(true),
            ..Default::default()
        })
        .await
        .expect("activate");
    let request = http
        .request(reqwest::Method::GET, &target)
        .await
        .expect("admitted");
    let call = tokio::spawn(request.send());
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let (connection, _) = listener.accept().await.expect("the admitted call connects");
    drop(connection);
    assert!(
        call.await.expect("join").is_err(),
        "no TLS server behind the listener"
    );
}
