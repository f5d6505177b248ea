//! TLS of the gRPC listener: reads the certificate, key and client CA files
//! named by `TlsSettings` and checks them at start-up, so that a mistake stops
//! the server with the file's name instead of failing every handshake later.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::config::TlsSettings;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds the listener's TLS configuration, or `None` for plaintext when no
/// certificate is configured. Fails when only one of certificate and key is
/// given, a file cannot be read, or it holds no usable PEM.
pub fn load_server_tls(settings: &TlsSettings) -> anyhow::Result<Option<ServerTlsConfig>> {
    let (cert_path, key_path) = match (&settings.tls_cert, &settings.tls_key) {
        (None, None) => {
            if settings.tls_client_ca.is_some() {
                anyhow::bail!(
                    "FNOSYNC_TLS_CLIENT_CA is set without FNOSYNC_TLS_CERT and FNOSYNC_TLS_KEY: \
                     client certificates need TLS"
                );
            }
            return Ok(None);
        }
        (Some(cert), Some(key)) => (cert, key),
        (Some(_), None) => anyhow::bail!(
            "FNOSYNC_TLS_CERT is set without FNOSYNC_TLS_KEY: TLS needs both the certificate and its key"
        ),
        (None, Some(_)) => anyhow::bail!(
            "FNOSYNC_TLS_KEY is set without FNOSYNC_TLS_CERT: TLS needs both the certificate and its key"
        ),
    };
    let cert_pem = read_certificates(cert_path, "TLS certificate")?;
    let key_pem = read_private_key(key_path)?;
    let mut config = ServerTlsConfig::new()
        .identity(Identity::from_pem(cert_pem, key_pem))
        .timeout(HANDSHAKE_TIMEOUT);
    if let Some(ca_path) = &settings.tls_client_ca {
        let ca_pem = read_certificates(ca_path, "client CA certificate")?;
        config = config.client_ca_root(Certificate::from_pem(ca_pem));
    }
    // Building the acceptor once checks that the key belongs to the certificate.
    tonic::transport::Server::builder()
        .tls_config(config.clone())
        .with_context(|| {
            format!(
                "the TLS key {} does not fit the certificate {}",
                key_path.display(),
                cert_path.display()
            )
        })?;
    Ok(Some(config))
}

/// Reads a PEM file that must hold at least one certificate.
fn read_certificates(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    let pem = read_file(path, what)?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("the {what} {} is not valid PEM: {e}", path.display()))?;
    if certificates.is_empty() {
        anyhow::bail!(
            "the {what} {} holds no PEM CERTIFICATE block",
            path.display()
        );
    }
    Ok(pem)
}

/// Reads a PEM file that must hold a private key.
fn read_private_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    let pem = read_file(path, "TLS key")?;
    // The parser's message never quotes the key material.
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        anyhow::anyhow!(
            "the TLS key {} holds no PEM private key (PKCS#8, PKCS#1 or SEC1): {e}",
            path.display()
        )
    })?;
    Ok(pem)
}

fn read_file(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("failed to read the {what} {}", path.display()))
}

/// TLS of outbound gRPC calls (the Salesforce Pub/Sub API): the public
/// roots and the extra CA certificates outbound HTTPS trusts too.
pub fn grpc_client_tls(
    extra_ca_certs: &[std::path::PathBuf],
) -> anyhow::Result<tonic::transport::ClientTlsConfig> {
    let mut config = tonic::transport::ClientTlsConfig::new().with_webpki_roots();
    for path in extra_ca_certs {
        let pem = std::fs::read(path)
            .with_context(|| format!("failed to read CA certificate {}", path.display()))?;
        config = config.ca_certificate(Certificate::from_pem(pem));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cert: Option<&Path>, key: Option<&Path>, ca: Option<&Path>) -> TlsSettings {
        TlsSettings {
            tls_cert: cert.map(Path::to_path_buf),
            tls_key: key.map(Path::to_path_buf),
            tls_client_ca: ca.map(Path::to_path_buf),
        }
    }

    fn error_of(settings: &TlsSettings) -> String {
        format!(
            "{:#}",
            load_server_tls(settings).expect_err("the settings are refused")
        )
    }

    #[test]
    fn no_certificate_means_plaintext() {
        let plaintext = load_server_tls(&TlsSettings::default()).expect("plaintext");
        assert!(plaintext.is_none());
    }

    #[test]
    fn a_certificate_without_a_key_is_refused() {
        let message = error_of(&settings(Some(Path::new("cert.pem")), None, None));
        assert!(message.contains("FNOSYNC_TLS_KEY"), "{message}");
    }

    #[test]
    fn a_key_without_a_certificate_is_refused() {
        let message = error_of(&settings(None, Some(Path::new("key.pem")), None));
        assert!(message.contains("FNOSYNC_TLS_CERT"), "{message}");
    }

    #[test]
    fn a_client_ca_without_a_certificate_is_refused() {
        let message = error_of(&settings(None, None, Some(Path::new("ca.pem"))));
        assert!(message.contains("FNOSYNC_TLS_CLIENT_CA"), "{message}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let message = error_of(&settings(
            Some(Path::new("/nonexistent/cert.pem")),
            Some(Path::new("/nonexistent/key.pem")),
            None,
        ));
        assert!(message.contains("/nonexistent/cert.pem"), "{message}");
    }

    #[test]
    fn a_file_without_pem_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let garbage = dir.path().join("cert.pem");
        std::fs::write(&garbage, "not a certificate").expect("write");
        let message = error_of(&settings(Some(&garbage), Some(&garbage), None));
        assert!(message.contains("no PEM CERTIFICATE block"), "{message}");
    }
}
