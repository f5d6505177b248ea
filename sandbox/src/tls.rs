//! The sandboxes' private certificate authority: generated at start, it signs
//! the servers' certificates, and its PEM is what a client adds to its trust store.

use std::sync::Arc;

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority that lives as long as the process.
pub struct SandboxCa {
    ca_cert: rcgen::Certificate,
    ca_key: KeyPair,
}

impl SandboxCa {
    /// Generates a new CA with a fresh key.
    pub fn generate() -> anyhow::Result<Arc<Self>> {
        let ca_key = KeyPair::generate().context("failed to generate the CA key")?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, "fnosync sandbox CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = params
            .self_signed(&ca_key)
            .context("failed to self-sign the CA")?;
        Ok(Arc::new(Self { ca_cert, ca_key }))
    }

    /// Returns the CA certificate in PEM, for the clients' trust store.
    pub fn ca_pem(&self) -> String {
        self.ca_cert.pem()
    }

    /// Writes the CA certificate in PEM to `path`.
    pub fn write_ca_pem(&self, path: &std::path::Path) -> anyhow::Result<()> {
        std::fs::write(path, self.ca_pem())
            .with_context(|| format!("failed to write the CA certificate to {}", path.display()))
    }

    /// Issues a server certificate for `localhost`, `127.0.0.1`, `::1` and
    /// the extra host names given, signed by this CA; with its key.
    fn issue(&self, extra_hosts: &[String]) -> anyhow::Result<(rcgen::Certificate, KeyPair)> {
        let mut names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        names.extend(extra_hosts.iter().cloned());
        let key = KeyPair::generate().context("failed to generate the server key")?;
        let mut params = CertificateParams::new(names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "fnosync sandbox");
        let cert = params
            .signed_by(&key, &self.ca_cert, &self.ca_key)
            .context("failed to sign the server certificate")?;
        Ok((cert, key))
    }

    /// A server certificate chain and its key, in PEM (for tonic's TLS).
    pub fn server_identity_pem(&self) -> anyhow::Result<(String, String)> {
        let (cert, key) = self.issue(&[])?;
        Ok((
            format!("{}{}", cert.pem(), self.ca_cert.pem()),
            key.serialize_pem(),
        ))
    }

    /// Builds a rustls server configuration with a certificate for `localhost`,
    /// `127.0.0.1`, `::1` and the extra host names given.
    pub fn server_config(&self, extra_hosts: &[String]) -> anyhow::Result<rustls::ServerConfig> {
        let (cert, key) = self.issue(extra_hosts)?;
        let chain = vec![
            CertificateDer::from(cert.der().to_vec()),
            CertificateDer::from(self.ca_cert.der().to_vec()),
        ];
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("failed to choose TLS versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key_der)
            .context("failed to load the server certificate")?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}
