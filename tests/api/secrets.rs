use std::process::Stdio;

use fnosync_client::{proto, FnosyncClient};
use fnosync_server::MIGRATOR;
use fnosync_tests::{database_url, workspace_binary, TestApp};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use tonic::Code;

const FNO_PASSWORD: &str = "S3cr3t-Pa55w0rd!fno";
const SF_SECRET: &str = "client-secret-7f3a9c";
const SF_PASSWORD: &str = "sf-password-and-token-91b2";

fn fno_connection() -> proto::SetFnoConnectionRequest {
    proto::SetFnoConnectionRequest {
        tenant_url: "https://acme-uat.flexnetoperations.com".into(),
        user_name: "admin@acme.com".into(),
        password: FNO_PASSWORD.into(),
    }
}

fn salesforce_connection() -> proto::SetSalesforceConnectionRequest {
    proto::SetSalesforceConnectionRequest {
        login_url: "https://login.salesforce.com".into(),
        flow: proto::SalesforceAuthFlow::UsernamePassword as i32,
        client_id: "3MVG9-client".into(),
        client_secret: SF_SECRET.into(),
        user_name: "integration@acme.com".into(),
        password: SF_PASSWORD.into(),
        ..Default::default()
    }
}

async fn register_sites(client: &FnosyncClient) {
    for (name, url) in [
        ("FNO_UAT", "https://acme-uat.flexnetoperations.com"),
        ("Salesforce_Login", "https://login.salesforce.com"),
    ] {
        client
            .admin()
            .create_remote_site(proto::CreateRemoteSiteRequest {
                name: name.into(),
                url: url.into(),
                ..Default::default()
            })
            .await
            .expect("site");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn connections_are_stored_encrypted_and_never_returned(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    register_sites(&admin).await;

    // Act
    let fno = admin
        .admin()
        .set_fno_connection(fno_connection())
        .await
        .expect("fno")
        .into_inner();
    let sf = admin
        .admin()
        .set_salesforce_connection(salesforce_connection())
        .await
        .expect("sf")
        .into_inner();
    let status = admin
        .admin()
        .get_connection_status(proto::GetConnectionStatusRequest {})
        .await
        .expect("status")
        .into_inner();

    // Assert
    let answers = format!("{fno:?}{sf:?}{status:?}");
    for secret in [FNO_PASSWORD, SF_SECRET, SF_PASSWORD] {
        assert!(!answers.contains(secret), "an RPC returned a secret");
    }
    let fno_status = status.fno.expect("fno");
    assert_eq!(fno_status.state, proto::ConnectionState::NotVerified as i32);
    assert_eq!(fno_status.message, "not verified");
    assert_eq!(fno_status.user_name, "admin@acme.com");
    let rows: Vec<(String, Vec<u8>, serde_json::Value)> = sqlx::query_as(
        "SELECT system, secret_ciphertext, settings FROM connections ORDER BY system",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 2);
    for (system, ciphertext, settings) in rows {
        let stored = format!("{}{}", String::from_utf8_lossy(&ciphertext), settings);
        for secret in [FNO_PASSWORD, SF_SECRET, SF_PASSWORD] {
            assert!(
                !stored.contains(secret),
                "{system} stores a secret in plaintext"
            );
        }
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn connections_need_a_remote_site_and_complete_settings(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    let no_site = admin
        .set_fno_connection(fno_connection())
        .await
        .expect_err("no site");
    assert_eq!(no_site.code(), Code::FailedPrecondition);
    assert!(
        no_site.message().contains("CreateRemoteSite"),
        "{}",
        no_site.message()
    );

    let mut incomplete = salesforce_connection();
    incomplete.flow = proto::SalesforceAuthFlow::JwtBearer as i32;
    incomplete.api_version = "62".into();
    let status = admin
        .set_salesforce_connection(incomplete)
        .await
        .expect_err("incomplete");
    let fields: Vec<String> = fnosync_tests::field_violations(&status)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, vec!["private_key_pem", "api_version"]);
}

/// Starts the real binary with JSON logs at debug level, drives it, and
/// greps everything it logged for the secrets.
#[sqlx::test(migrator = "MIGRATOR")]
async fn secrets_never_appear_in_the_server_log(pool: PgPool) {
    // Arrange
    let token = fnosync_server::store::tokens::generate_token();
    fnosync_server::store::tokens::insert_token(
        &pool,
        "log-test",
        fnosync_server::auth::Role::Admin,
        &token,
    )
    .await
    .expect("token");
    let mut child = tokio::process::Command::new(workspace_binary("fnosync"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("FNOSYNC_DATABASE_URL", database_url(&pool).await)
        .env("FNOSYNC_MASTER_KEY", fnosync_server::crypto::generate_key())
        .env("FNOSYNC_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn fnosync");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut log = String::new();
    let address = loop {
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("server exited before serving");
        log.push_str(&line);
        log.push('\n');
        if line.contains("fnosync is serving") {
            let value: serde_json::Value = serde_json::from_str(&line).expect("json log line");
            break value["address"].as_str().expect("address").to_string();
        }
    };

    // Act
    let client = FnosyncClient::connect(format!("http://{address}"), token)
        .await
        .expect("connect");
    register_sites(&client).await;
    client
        .admin()
        .set_fno_connection(fno_connection())
        .await
        .expect("fno");
    client
        .admin()
        .set_salesforce_connection(salesforce_connection())
        .await
        .expect("sf");
    client
        .admin()
        .get_connection_status(proto::GetConnectionStatusRequest {})
        .await
        .expect("status");
    child.start_kill().expect("stop");
    while let Some(line) = lines.next_line().await.expect("read") {
        log.push_str(&line);
        log.push('\n');
    }

    // Assert
    assert!(
        log.contains("fno connection saved"),
        "the log was captured:\n{log}"
    );
    assert!(
        log.contains("SetFnoConnection"),
        "RPCs are logged with their method"
    );
    for secret in [FNO_PASSWORD, SF_SECRET, SF_PASSWORD] {
        assert!(!log.contains(secret), "the server logged a secret");
    }
}

#[tokio::test]
async fn the_server_refuses_to_start_without_a_master_key() {
    let output = tokio::process::Command::new(workspace_binary("fnosync"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "FNOSYNC_DATABASE_URL",
            std::env::var("DATABASE_URL").expect("DATABASE_URL"),
        )
        .env_remove("FNOSYNC_MASTER_KEY")
        .output()
        .await
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FNOSYNC_MASTER_KEY is not set"), "{stderr}");
}
