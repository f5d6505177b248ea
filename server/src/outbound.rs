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

/// The largest answer body fnosync reads from a remote system: far above a
/// full page of either API (2,000 Salesforce rows with their children, an
/// FNO page of 2,000 line items), so only a broken or hostile peer reaches it.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Why an answer's body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body was cut or the connection failed.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    /// The body is larger than [`MAX_RESPONSE_BYTES`]; reading stopped there.
    #[error("the answer is larger than {} MiB, the most fnosync reads", MAX_RESPONSE_BYTES >> 20)]
    TooLarge,
}

/// Reads an answer's body, at most [`MAX_RESPONSE_BYTES`] of it.
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
