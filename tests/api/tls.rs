//! TLS of the gRPC listener against the real binary: certificates made with
//! rcgen, a server process started with `FNOSYNC_TLS_*`, and tonic clients
//! with and without the CA and a client certificate.

use std::path::PathBuf;
use std::time::Duration;

use fnosync_proto::v1 as pb;
use fnosync_server::MIGRATOR;
use fnosync_tests::{spawn_server_process, workspace_binary, ServerProcess, TestApp};
use pb::admin_service_client::AdminServiceClient;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use sqlx::PgPool;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// A certificate authority with a server certificate and key, written as PEM files.
struct TestPki {
    ca: rcgen::Certificate,
    ca_key: KeyPair,
    dir: tempfile::TempDir,
}

impl TestPki {
    fn generate(name: &str) -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = params.self_signed(&ca_key).expect("self-signed CA");
        let pki = Self {
            ca,
            ca_key,
            dir: tempfile::tempdir().expect("temp dir"),
        };
        std::fs::write(pki.path("ca.pem"), pki.ca.pem()).expect("write CA");
        let (cert, key) = pki.issue(&["localhost", "127.0.0.1"], "fnosync");
        std::fs::write(pki.path("server.pem"), cert).expect("write certificate");
        std::fs::write(pki.path("server.key"), key).expect("write key");
        pki
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    fn path_text(&self, file: &str) -> String {
        self.path(file).display().to_string()
    }

    /// Signs a certificate for `names`; returns it and its key in PEM.
    fn issue(&self, names: &[&str], common_name: &str) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let cert = params
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("signed certificate");
        (cert.pem(), key.serialize_pem())
    }

    /// A client identity signed by this CA.
    fn client_identity(&self) -> Identity {
        let (cert, key) = self.issue(&["platform-client"], "platform-client");
        Identity::from_pem(cert, key)
    }

    fn ca_certificate(&self) -> Certificate {
        Certificate::from_pem(self.ca.pem())
    }

    /// The variables that make the server present this PKI's certificate.
    fn server_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("FNOSYNC_TLS_CERT", self.path_text("server.pem")),
            ("FNOSYNC_TLS_KEY", self.path_text("server.key")),
        ]
    }
}

async fn spawn_with(app: &TestApp, env: &[(&'static str, String)]) -> ServerProcess {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_server_process(app, &pairs).await
}

fn port_of(server: &ServerProcess) -> u16 {
    server
        .address
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("address with a port")
}

/// Connects over TLS to `localhost:port` with `tls` and calls `ListRemoteSites` with `token`.
async fn list_sites_over(endpoint: Endpoint, token: &str) -> Result<(), tonic::Status> {
    let channel: Channel = endpoint
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("connect failed: {e}")))?;
    let value: tonic::metadata::MetadataValue<_> =
        format!("Bearer {token}").parse().expect("header value");
    let mut client =
        AdminServiceClient::with_interceptor(channel, move |mut request: tonic::Request<()>| {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
            Ok(request)
        });
    client
        .list_remote_sites(pb::ListRemoteSitesRequest::default())
        .await
        .map(|_| ())
}

fn tls_endpoint(port: u16, tls: ClientTlsConfig) -> Endpoint {
    Endpoint::from_shared(format!("https://localhost:{port}"))
        .expect("url")
        .tls_config(tls.domain_name("localhost"))
        .expect("tls config")
}

fn plaintext_endpoint(port: u16) -> Endpoint {
    Endpoint::from_shared(format!("http://127.0.0.1:{port}")).expect("url")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_client_trusting_the_ca_calls_over_tls_and_a_plaintext_client_fails(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn_with_workers(pool, 0).await;
    let pki = TestPki::generate("server");
    let stranger = TestPki::generate("stranger");
    let server = spawn_with(&app, &pki.server_env()).await;
    let port = port_of(&server);

    // Act
    let trusting = ClientTlsConfig::new().ca_certificate(pki.ca_certificate());
    let over_tls = list_sites_over(tls_endpoint(port, trusting), &app.viewer_token).await;
    let distrusting = ClientTlsConfig::new().ca_certificate(stranger.ca_certificate());
    let untrusted = list_sites_over(tls_endpoint(port, distrusting), &app.viewer_token).await;
    let plaintext = list_sites_over(plaintext_endpoint(port), &app.viewer_token).await;

    // Assert
    assert!(over_tls.is_ok(), "{over_tls:?}");
    assert!(
        untrusted.is_err(),
        "a client must not accept a certificate of another CA"
    );
    assert!(plaintext.is_err(), "a plaintext client must not be served");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn with_a_client_ca_only_clients_with_a_certificate_it_signed_are_served(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn_with_workers(pool, 0).await;
    let pki = TestPki::generate("server");
    let stranger = TestPki::generate("stranger");
    let mut env = pki.server_env();
    env.push(("FNOSYNC_TLS_CLIENT_CA", pki.path_text("ca.pem")));
    let server = spawn_with(&app, &env).await;
    let port = port_of(&server);
    let trusting = || ClientTlsConfig::new().ca_certificate(pki.ca_certificate());

    // Act
    let without_certificate =
        list_sites_over(tls_endpoint(port, trusting()), &app.viewer_token).await;
    let foreign = trusting().identity(stranger.client_identity());
    let with_foreign_certificate =
        list_sites_over(tls_endpoint(port, foreign), &app.viewer_token).await;
    let signed = trusting().identity(pki.client_identity());
    let with_signed_certificate =
        list_sites_over(tls_endpoint(port, signed), &app.viewer_token).await;

    // Assert
    assert!(
        without_certificate.is_err(),
        "a client without a certificate must be refused"
    );
    assert!(
        with_foreign_certificate.is_err(),
        "a certificate of another CA must be refused"
    );
    assert!(
        with_signed_certificate.is_ok(),
        "{with_signed_certificate:?}"
    );
}

/// Runs `fnosync serve` with `env` and returns its exit code and stderr; it
/// must stop on its own because the TLS settings are refused before PostgreSQL is used.
async fn serve_exit(env: &[(&str, String)]) -> (Option<i32>, String) {
    let mut command = tokio::process::Command::new(workspace_binary("fnosync"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "FNOSYNC_DATABASE_URL",
            "postgres://fnosync@127.0.0.1:1/unused",
        )
        .env("FNOSYNC_MASTER_KEY", fnosync_server::crypto::generate_key())
        .env_remove("FNOSYNC_TLS_CERT")
        .env_remove("FNOSYNC_TLS_KEY")
        .env_remove("FNOSYNC_TLS_CLIENT_CA")
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("fnosync serve stops on bad TLS settings")
        .expect("run fnosync");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn serve_refuses_to_start_with_half_or_unusable_tls_settings() {
    // Arrange
    let pki = TestPki::generate("server");
    let other = TestPki::generate("other");
    let garbage = pki.path("garbage.pem");
    std::fs::write(&garbage, "not a certificate").expect("write");
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("FNOSYNC_TLS_CERT", pki.path_text("server.pem"))],
            "FNOSYNC_TLS_CERT is set without FNOSYNC_TLS_KEY",
        ),
        (
            vec![("FNOSYNC_TLS_KEY", pki.path_text("server.key"))],
            "FNOSYNC_TLS_KEY is set without FNOSYNC_TLS_CERT",
        ),
        (
            vec![
                ("FNOSYNC_TLS_CERT", pki.path_text("missing.pem")),
                ("FNOSYNC_TLS_KEY", pki.path_text("server.key")),
            ],
            "failed to read the TLS certificate",
        ),
        (
            vec![
                ("FNOSYNC_TLS_CERT", garbage.display().to_string()),
                ("FNOSYNC_TLS_KEY", pki.path_text("server.key")),
            ],
            "holds no PEM CERTIFICATE block",
        ),
        (
            vec![
                ("FNOSYNC_TLS_CERT", pki.path_text("server.pem")),
                ("FNOSYNC_TLS_KEY", other.path_text("server.key")),
            ],
            "does not fit the certificate",
        ),
    ];

    for (env, expected) in cases {
        // Act
        let (code, stderr) = serve_exit(&env).await;

        // Assert
        assert_ne!(code, Some(0), "{env:?} must be refused");
        assert!(
            stderr.contains(expected),
            "{env:?}: {expected:?} missing from:\n{stderr}"
        );
    }
}

/// Starts the binary on `listen` without TLS and returns what it logged up
/// to "fnosync is serving".
async fn log_until_serving(pool: &PgPool, listen: &str) -> String {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(fnosync_tests::workspace_binary("fnosync"))
        .args(["serve", "--listen", listen])
        .env(
            "FNOSYNC_DATABASE_URL",
            fnosync_tests::database_url(pool).await,
        )
        .env("FNOSYNC_MASTER_KEY", fnosync_server::crypto::generate_key())
        .env("FNOSYNC_WORKERS", "0")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn fnosync");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut log = String::new();
    while let Some(line) = lines.next_line().await.expect("read") {
        log.push_str(&line);
        log.push('\n');
        if line.contains("fnosync is serving") {
            break;
        }
    }
    child.kill().await.expect("stop the server");
    log
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn plaintext_on_a_non_loopback_address_is_warned_about_and_on_loopback_not(pool: PgPool) {
    let wide = log_until_serving(&pool, "0.0.0.0:0").await;
    let local = log_until_serving(&pool, "127.0.0.1:0").await;
    assert!(
        wide.contains("serves plaintext on a non-loopback address"),
        "{wide}"
    );
    assert!(
        !local.contains("serves plaintext on a non-loopback address"),
        "{local}"
    );
}
