//! The one outbound HTTP client of the server. Every call goes through
//! `OutboundHttp::request`, which refuses a URL that no active remote site
//! covers before any connection is made.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::PgPool;
use url::Url;

use crate::domain::remote_site::covers;
use crate::store::remote_sites;

/// Why an outbound call was not made.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL is not a URL.
    #[error("invalid outbound URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// No active remote site covers the URL.
    #[error("outbound call to {url} refused: no active remote site covers it; register it with CreateRemoteSite")]
    NotAllowed { url: String },
    /// The remote-site list could not be read.
    #[error("failed to read the remote sites")]
    Store(#[source] crate::error::Error),
}

/// Builds the shared HTTP client with the extra trusted CA certificates.
pub fn build_http_client(
    extra_ca_certs: &[PathBuf],
    timeout: Duration,
) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("fnosync/", env!("CARGO_PKG_VERSION")))
        // Redirects could leave the registered sites; they are not followed.
        .redirect(reqwest::redirect::Policy::none());
    for path in extra_ca_certs {
        let pem = std::fs::read(path).map_err(|e| {
            anyhow::anyhow!("failed to read CA certificate {}: {e}", path.display())
        })?;
        let certificate = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| anyhow::anyhow!("{} is not a PEM certificate: {e}", path.display()))?;
        builder = builder.add_root_certificate(certificate);
    }
    Ok(builder.build()?)
}

/// Outbound HTTP limited to the registered remote sites.
#[derive(Clone)]
pub struct OutboundHttp {
    client: reqwest::Client,
    pool: PgPool,
}

impl OutboundHttp {
    /// Wraps a client; the pool gives the remote sites.
    pub fn new(client: reqwest::Client, pool: PgPool) -> Self {
        Self { client, pool }
    }

    /// Checks that an active remote site covers `url`.
    pub async fn check_allowed(&self, url: &str) -> Result<Url, OutboundError> {
        let parsed = Url::parse(url).map_err(|e| OutboundError::InvalidUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        let sites = remote_sites::list_active_urls(&self.pool)
            .await
            .map_err(OutboundError::Store)?;
        if sites.iter().any(|site| covers(site, &parsed)) {
            Ok(parsed)
        } else {
            Err(OutboundError::NotAllowed {
                url: url.to_string(),
            })
        }
    }

    /// Starts a request to `url` once a remote site admits it.
    pub async fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, OutboundError> {
        let parsed = self.check_allowed(url).await?;
        Ok(self.client.request(method, parsed))
    }
}
