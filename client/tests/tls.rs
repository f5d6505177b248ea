//! TLS options against a server that requires mutual TLS: the client crate's
//! `ca_pem` + `identity`, and `fnosyncctl`'s `--ca-cert`, `--client-cert` and
//! `--client-key` flags and their environment variables, with the exit codes
//! of a refused handshake and of a refused token.

use std::path::{Path, PathBuf};

use fnosync_client::proto::overview_service_server::{OverviewService, OverviewServiceServer};
use fnosync_client::{proto, FnosyncClient};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic::{Request, Response, Status};

const TOKEN: &str = "fns_tls_test_token";
const LICENSEE: &str = "TLS Test Corp";

/// Answers the overview to callers with the right token.
struct FixedOverview;

#[tonic::async_trait]
impl OverviewService for FixedOverview {
    async fn get_overview(
        &self,
        request: Request<proto::GetOverviewRequest>,
    ) -> Result<Response<proto::GetOverviewResponse>, Status> {
        let expected = format!("Bearer {TOKEN}");
        let header = request.metadata().get("authorization");
        if header.and_then(|h| h.to_str().ok()) != Some(expected.as_str()) {
            return Err(Status::unauthenticated("unknown token"));
        }
        Ok(Response::new(proto::GetOverviewResponse {
            license: Some(proto::LicenseInfo {
                state: proto::LicenseState::Valid as i32,
                licensee: LICENSEE.into(),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }
}

/// PEM files of a CA, and of a client certificate it signed, in a temporary folder.
struct Pki {
    dir: tempfile::TempDir,
    server_cert: String,
    server_key: String,
    ca_cert: String,
}

impl Pki {
    fn generate() -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = ca_params.self_signed(&ca_key).expect("CA");
        let issue = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose| {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(names).expect("params");
            params.extended_key_usages = vec![purpose];
            let cert = params.signed_by(&key, &ca, &ca_key).expect("signed");
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = issue(
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) =
            issue(vec!["operator".into()], ExtendedKeyUsagePurpose::ClientAuth);
        let dir = tempfile::tempdir().expect("temporary folder");
        for (name, pem) in [
            ("ca.pem", ca.pem()),
            ("client.pem", client_cert),
            ("client.key", client_key),
        ] {
            std::fs::write(dir.path().join(name), pem).expect("write PEM");
        }
        Self {
            dir,
            server_cert,
            server_key,
            ca_cert: ca.pem(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Serves the overview over TLS, requiring a client certificate signed by the CA.
async fn serve_mutual_tls(pki: &Pki) -> String {
    let tls = ServerTlsConfig::new()
        .identity(Identity::from_pem(&pki.server_cert, &pki.server_key))
        .client_ca_root(Certificate::from_pem(&pki.ca_cert));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tonic::transport::Server::builder()
        .tls_config(tls)
        .expect("TLS config")
        .add_service(OverviewServiceServer::new(FixedOverview))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);
    format!("https://{addr}")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read PEM")
}

async fn ctl(url: &str, args: &[&str], env: &[(&str, PathBuf)]) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_fnosyncctl"));
    command
        .env_remove("FNOSYNC_CA_CERT")
        .env_remove("FNOSYNC_CLIENT_CERT")
        .env_remove("FNOSYNC_CLIENT_KEY")
        .env("FNOSYNC_TOKEN", TOKEN)
        .args(["--server", url])
        .args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().await.expect("run fnosyncctl");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_client_crate_connects_with_a_custom_ca_and_a_client_identity() {
    let pki = Pki::generate();
    let url = serve_mutual_tls(&pki).await;

    let client = FnosyncClient::builder(url, TOKEN)
        .ca_pem(read(&pki.path("ca.pem")))
        .identity(read(&pki.path("client.pem")), read(&pki.path("client.key")))
        .connect()
        .await
        .expect("connect");
    let overview = client
        .overview()
        .get_overview(proto::GetOverviewRequest {})
        .await
        .expect("overview over mutual TLS")
        .into_inner();

    assert_eq!(overview.license.expect("licence").licensee, LICENSEE);
}

#[tokio::test]
async fn the_cli_takes_its_tls_files_from_flags_or_the_environment() {
    // Arrange
    let pki = Pki::generate();
    let url = serve_mutual_tls(&pki).await;
    let (ca, cert, key) = (
        pki.path("ca.pem"),
        pki.path("client.pem"),
        pki.path("client.key"),
    );
    let path = |p: &PathBuf| p.to_str().expect("UTF-8 path").to_string();

    // Act
    let flags = [
        "--ca-cert",
        &path(&ca),
        "--client-cert",
        &path(&cert),
        "--client-key",
        &path(&key),
    ];
    let with_flags = ctl(
        &url,
        &[&flags[..], &["--output", "json", "overview"]].concat(),
        &[],
    )
    .await;
    let env = [
        ("FNOSYNC_CA_CERT", ca.clone()),
        ("FNOSYNC_CLIENT_CERT", cert.clone()),
        ("FNOSYNC_CLIENT_KEY", key.clone()),
    ];
    let with_env = ctl(&url, &["overview"], &env).await;

    // Assert
    let (code, stdout, stderr) = with_flags;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let overview: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(overview["license"]["licensee"], LICENSEE);
    assert_eq!(overview["license"]["state"], "VALID");
    let (code, stdout, stderr) = with_env;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(LICENSEE), "{stdout}");
}

#[tokio::test]
async fn the_cli_reports_a_refused_handshake_as_unreachable_and_a_bad_token_as_not_authorized() {
    // Arrange
    let pki = Pki::generate();
    let url = serve_mutual_tls(&pki).await;
    let ca = pki.path("ca.pem");
    let identity = [
        ("FNOSYNC_CLIENT_CERT", pki.path("client.pem")),
        ("FNOSYNC_CLIENT_KEY", pki.path("client.key")),
    ];

    // Act
    let untrusted_server = ctl(&url, &["overview"], &identity).await;
    let ca_env = [("FNOSYNC_CA_CERT", ca.clone())];
    let no_client_cert = ctl(&url, &["overview"], &ca_env).await;
    let all = [&ca_env[..], &identity[..]].concat();
    let bad_token = ctl(&url, &["--token", "fns_wrong", "overview"], &all).await;
    let half_identity = ctl(&url, &["overview"], &[&ca_env[..], &identity[..1]].concat()).await;

    // Assert
    assert_eq!(untrusted_server.0, 3, "{untrusted_server:?}");
    assert_eq!(no_client_cert.0, 3, "{no_client_cert:?}");
    assert_eq!(bad_token.0, 4, "{bad_token:?}");
    assert!(bad_token.2.contains("unknown token"), "{bad_token:?}");
    assert_eq!(
        half_identity.0, 64,
        "a certificate without its key: {half_identity:?}"
    );
}
