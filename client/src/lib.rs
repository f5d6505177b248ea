//! Rust client for the fnosync gRPC API: the generated clients, re-exported,
//! and `FnosyncClient`, which connects with a URL and a token, optionally over
//! TLS, with timeouts, and retries idempotent calls.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fnosync_client::ClientError> {
//! use fnosync_client::{proto, FnosyncClient};
//! let client = FnosyncClient::connect("http://127.0.0.1:50051", "fns_…").await?;
//! let sites = client.admin().list_remote_sites(proto::ListRemoteSitesRequest {}).await?;
//! println!("{} remote sites", sites.into_inner().remote_sites.len());
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

/// The generated messages and clients of `fnosync.v1`.
pub use fnosync_proto::v1 as proto;

/// Why a client could not be built or connected.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL is not valid.
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The token cannot be sent as a header.
    #[error("the token contains characters that cannot be sent in a header")]
    InvalidToken,
    /// TLS could not be set up.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The server could not be reached.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: tonic::transport::Error,
    },
    /// The server answered with an error.
    #[error(transparent)]
    Status(#[from] Status),
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct BearerToken(MetadataValue<Ascii>);

impl tonic::service::Interceptor for BearerToken {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A channel that authenticates every call.
pub type AuthedChannel = InterceptedService<Channel, BearerToken>;

/// Options of a connection.
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    url: String,
    token: String,
    ca_pem: Option<Vec<u8>>,
    timeout: Duration,
    connect_timeout: Duration,
}

impl ClientBuilder {
    /// Starts options for `url` (`http://…` plaintext, `https://…` TLS) with `token`.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token: token.into(),
            ca_pem: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Trusts this CA certificate (PEM) for TLS, in addition to the system's roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Sets the deadline of each unary call (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connect timeout (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connects to the server.
    pub async fn connect(self) -> Result<FnosyncClient, ClientError> {
        let invalid = |reason: String| ClientError::InvalidUrl {
            url: self.url.clone(),
            reason,
        };
        let mut endpoint = Endpoint::from_shared(self.url.clone())
            .map_err(|e| invalid(e.to_string()))?
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true);
        if self.url.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_webpki_roots();
            if let Some(pem) = &self.ca_pem {
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
        }
        let channel = endpoint
            .connect()
            .await
            .map_err(|source| ClientError::Connect {
                url: self.url.clone(),
                source,
            })?;
        let header: MetadataValue<Ascii> = format!("Bearer {}", self.token)
            .parse()
            .map_err(|_| ClientError::InvalidToken)?;
        Ok(FnosyncClient {
            channel,
            bearer: BearerToken(header),
            timeout: self.timeout,
        })
    }
}

/// A connection to fnosync with typed clients for every service.
#[derive(Clone)]
pub struct FnosyncClient {
    channel: Channel,
    bearer: BearerToken,
    timeout: Duration,
}

macro_rules! service_accessor {
    ($(#[$doc:meta])* $name:ident, $module:ident :: $client:ident) => {
        $(#[$doc])*
        pub fn $name(&self) -> proto::$module::$client<AuthedChannel> {
            proto::$module::$client::new(self.authed())
        }
    };
}

impl FnosyncClient {
    /// Connects with default options.
    pub async fn connect(
        url: impl Into<String>,
        token: impl Into<String>,
    ) -> Result<Self, ClientError> {
        ClientBuilder::new(url, token).connect().await
    }

    /// Returns options to connect with.
    pub fn builder(url: impl Into<String>, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url, token)
    }

    fn authed(&self) -> AuthedChannel {
        InterceptedService::new(self.channel.clone(), self.bearer.clone())
    }

    /// Returns the per-call deadline to set on unary requests.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    service_accessor!(
        /// Remote sites, connections, licence, schema and layouts.
        admin, admin_service_client::AdminServiceClient);
    service_accessor!(
        /// Field mappings and custom attributes.
        mapping, mapping_service_client::MappingServiceClient);
    service_accessor!(
        /// Sync filters.
        filters, filter_service_client::FilterServiceClient);
    service_accessor!(
        /// Products and their include flag.
        products, product_service_client::ProductServiceClient);
    service_accessor!(
        /// The scheduled sync.
        schedules, schedule_service_client::ScheduleServiceClient);
    service_accessor!(
        /// Sync runs.
        sync, sync_service_client::SyncServiceClient);
    service_accessor!(
        /// Transaction logs.
        logs, transaction_log_service_client::TransactionLogServiceClient);
    service_accessor!(
        /// The overview.
        overview, overview_service_client::OverviewServiceClient);
}

/// Wraps a message in a request with a deadline.
pub fn request<T>(message: T, timeout: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(timeout);
    request
}

/// Tells whether a failed call may be retried: the server was unreachable or
/// overloaded, so the call did not take effect.
pub fn is_retryable(status: &Status) -> bool {
    matches!(status.code(), Code::Unavailable | Code::ResourceExhausted)
}

/// Runs an idempotent call up to `attempts` times with exponential backoff,
/// retrying only failures that `is_retryable` admits. Use it for reads and for
/// creates that carry a `request_id`.
pub async fn retry_idempotent<T, F, Fut>(attempts: u32, mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(status) if attempt < attempts && is_retryable(&status) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retry_stops_at_the_first_non_retryable_failure() {
        let mut calls = 0;
        let result: Result<(), Status> = retry_idempotent(5, || {
            calls += 1;
            async { Err(Status::invalid_argument("bad")) }
        })
        .await;
        assert_eq!(result.expect_err("fails").code(), Code::InvalidArgument);
        assert_eq!(calls, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_retries_unavailable_until_success() {
        let mut calls = 0;
        let result = retry_idempotent(5, || {
            calls += 1;
            let outcome = if calls < 3 {
                Err(Status::unavailable("down"))
            } else {
                Ok(calls)
            };
            async move { outcome }
        })
        .await;
        assert_eq!(result.expect("succeeds"), 3);
    }
}
