use std::process::Stdio;

use fnosync_client::{proto, FnosyncClient};
use fnosync_server::MIGRATOR;
use fnosync_tests::{database_url, workspace_binary, TestApp};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use tonic::Code;

use fnosync_sandbox::salesforce::auth::{
    DEFAULT_CLIENT_SECRET as SF_SECRET, DEFAULT_PASSWORD as SF_PASSWORD,
};
use fnosync_tests::FNO_PASSWORD;

#[sqlx::test(migrator = "MIGRATOR")]
async fn connections_are_stored_encrypted_and_never_returned(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    app.register_sandbox_sites(&admin).await;

    // Act
    let fno = admin
        .admin()
        .set_fno_connection(app.fno_connection())
        .await
        .expect("fno")
        .into_inner();
    let sf = admin
        .admin()
        .set_salesforce_connection(app.salesforce_connection())
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
    assert_eq!(fno_status.state, proto::ConnectionState::Verified as i32);
    assert!(fno_status.verify_time.is_some());
    assert_eq!(fno_status.user_name, "admin");
    let sf_status = status.salesforce.expect("salesforce");
    assert_eq!(sf_status.state, proto::ConnectionState::Verified as i32);
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
        .set_fno_connection(app.fno_connection())
        .await
        .expect_err("no site");
    assert_eq!(no_site.code(), Code::FailedPrecondition);
    assert!(
        no_site.message().contains("CreateRemoteSite"),
        "{}",
        no_site.message()
    );

    let mut incomplete = app.salesforce_connection();
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
    // Arrange: the in-process app only provides the sandboxes here.
    let app = TestApp::spawn(pool.clone()).await;
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
        .env("FNOSYNC_EXTRA_CA_CERTS", app.ca_path())
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
    app.register_sandbox_sites(&client).await;
    client
        .admin()
        .set_fno_connection(app.fno_connection())
        .await
        .expect("fno");
    client
        .admin()
        .set_salesforce_connection(app.salesforce_connection())
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

#[tokio::test]
async fn the_server_refuses_a_bootstrap_token_shorter_than_32_characters() {
    let output = tokio::process::Command::new(workspace_binary("fnosync"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "FNOSYNC_DATABASE_URL",
            std::env::var("DATABASE_URL").expect("DATABASE_URL"),
        )
        .env("FNOSYNC_MASTER_KEY", fnosync_server::crypto::generate_key())
        .env("FNOSYNC_BOOTSTRAP_ADMIN_TOKEN", "admin-please")
        .output()
        .await
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("FNOSYNC_BOOTSTRAP_ADMIN_TOKEN is 12 characters long"),
        "{stderr}"
    );
    assert!(!stderr.contains("admin-please"), "the token is not echoed");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn wrong_credentials_are_refused_and_nothing_is_saved(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.admin().await;
    app.register_sandbox_sites(&admin).await;
    let mut fno = app.fno_connection();
    fno.password = "wrong-password".into();
    let mut salesforce = app.salesforce_connection();
    salesforce.password = "wrong-password".into();

    // Act
    let fno_error = admin
        .admin()
        .set_fno_connection(fno)
        .await
        .expect_err("wrong FNO password");
    let sf_error = admin
        .admin()
        .set_salesforce_connection(salesforce)
        .await
        .expect_err("wrong SF password");

    // Assert
    assert_eq!(fno_error.code(), Code::FailedPrecondition);
    assert!(
        fno_error
            .message()
            .contains("FNO rejected the user name or password"),
        "{}",
        fno_error.message()
    );
    assert_eq!(sf_error.code(), Code::FailedPrecondition);
    assert!(
        sf_error.message().contains("Salesforce rejected the login"),
        "{}",
        sf_error.message()
    );
    assert!(!sf_error.message().contains("wrong-password"));
    let stored: (i64,) = sqlx::query_as("SELECT count(*) FROM connections")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(stored.0, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_stored_secret_that_shows_up_in_synced_data_is_masked_in_the_transaction_logs(
    pool: PgPool,
) {
    // Arrange: an account whose name holds the FNO password.
    let app = TestApp::ready(pool).await;
    let (account, _, _) = fnosync_tests::seed_sales_order(
        &app.salesforce,
        serde_json::json!({ "Name": format!("Leaky {FNO_PASSWORD} Corp") }),
        &[],
        serde_json::json!({}),
        &[fnosync_tests::LineSpec::permanent("SF01demo", 1.0)],
    );
    let operator = app.operator().await;

    // Act
    let run = fnosync_tests::sync_and_wait(&operator, &account).await;
    let logs = fnosync_tests::logs_of(&operator, &run.run_id).await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let account_log = logs
        .iter()
        .find(|log| log.salesforce_record_id == account && log.name == "Account Creation/Update")
        .expect("the account's log");
    assert!(
        account_log.description.contains("Leaky ******** Corp"),
        "{account_log:?}"
    );
    assert!(
        logs.iter()
            .all(|log| !format!("{log:?}").contains(FNO_PASSWORD)),
        "{logs:#?}"
    );
}
