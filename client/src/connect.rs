//! Connecting: [`ClientBuilder`] holds the options (URL, token, TLS trust and
//! identity, timeouts) and [`FnosyncClient`] hands out one typed client per
//! service over a single authenticated channel.

use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::Status;

use crate::proto;

/// Why a client could not be built or connected.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL is not valid.
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token cannot be sent as a header.
    #[error("the token contains characters that cannot be sent in a header")]
    InvalidToken,
    /// TLS could not be set up, e.g. TLS options with an `http://` URL.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The server could not be reached.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL that was dialled.
        url: String,
        /// The transport's error.
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
#[derive(Clone)]
pub struct ClientBuilder {
    url: String,
    token: String,
    ca_pem: Option<Vec<u8>>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
    timeout: Duration,
    connect_timeout: Duration,
}

// The token and the client key stay out of debug output.
impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("ca_pem", &self.ca_pem.is_some())
            .field("identity", &self.identity.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Starts options for `url` (`http://…` plaintext, `https://…` TLS) with `token`.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token: token.into(),
            ca_pem: None,
            identity: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Trusts this CA certificate (PEM) for TLS, in addition to the system's roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Presents this client certificate chain and private key (both PEM) to
    /// servers that require mutual TLS.
    pub fn identity(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.identity = Some((cert_pem.into(), key_pem.into()));
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

    fn tls_config(&self) -> Result<Option<ClientTlsConfig>, ClientError> {
        let wants_tls = self.ca_pem.is_some() || self.identity.is_some();
        if !self.url.starts_with("https://") {
            return match wants_tls {
                true => Err(ClientError::Tls(format!(
                    "a CA certificate or client identity needs an https:// URL, not {:?}",
                    self.url
                ))),
                false => Ok(None),
            };
        }
        let mut tls = ClientTlsConfig::new().with_webpki_roots();
        if let Some(pem) = &self.ca_pem {
            tls = tls.ca_certificate(Certificate::from_pem(pem));
        }
        if let Some((cert, key)) = &self.identity {
            tls = tls.identity(Identity::from_pem(cert, key));
        }
        Ok(Some(tls))
    }

    /// Connects to the server.
    pub async fn connect(self) -> Result<FnosyncClient, ClientError> {
        let invalid = |reason: String| ClientError::InvalidUrl {
            url: self.url.clone(),
            reason,
        };
        let header: MetadataValue<Ascii> = format!("Bearer {}", self.token)
            .parse()
            .map_err(|_| ClientError::InvalidToken)?;
        let mut endpoint = Endpoint::from_shared(self.url.clone())
            .map_err(|e| invalid(e.to_string()))?
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true);
        if let Some(tls) = self.tls_config()? {
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
        /// Returns the client of remote sites, connections, licence, schema and layouts.
        admin, admin_service_client::AdminServiceClient);
    service_accessor!(
        /// Returns the client of field mappings and custom attributes.
        mapping, mapping_service_client::MappingServiceClient);
    service_accessor!(
        /// Returns the client of the sync filters.
        filters, filter_service_client::FilterServiceClient);
    service_accessor!(
        /// Returns the client of products and their include flag.
        products, product_service_client::ProductServiceClient);
    service_accessor!(
        /// Returns the client of the scheduled sync.
        schedules, schedule_service_client::ScheduleServiceClient);
    service_accessor!(
        /// Returns the client of sync runs.
        sync, sync_service_client::SyncServiceClient);
    service_accessor!(
        /// Returns the client of the transaction logs.
        logs, transaction_log_service_client::TransactionLogServiceClient);
    service_accessor!(
        /// Returns the client of the overview.
        overview, overview_service_client::OverviewServiceClient);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tls_options_with_a_plaintext_url_are_refused_before_dialling() {
        let result = ClientBuilder::new("http://127.0.0.1:1", "t")
            .ca_pem(b"pem".to_vec())
            .connect()
            .await;
        assert!(matches!(result, Err(ClientError::Tls(_))));
    }

    #[test]
    fn debug_output_hides_the_token_and_the_key() {
        let builder = ClientBuilder::new("https://x", "fns_secret_token")
            .identity(b"cert".to_vec(), b"secret key".to_vec());
        let printed = format!("{builder:?}");
        assert!(!printed.contains("fns_secret_token") && !printed.contains("secret key"));
    }
}
