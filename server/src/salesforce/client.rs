//! `SalesforceClient`: one shared, lazily logged-in session per org, every
//! call through the remote-site check, re-login once on 401
//! `INVALID_SESSION_ID`, the `Sforce-Limit-Info` reading kept, and retries
//! for the calls that are safe to repeat.

use std::sync::Arc;
use std::time::Instant;

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Mutex;
use tracing::{debug, info};

use super::auth::{login, SalesforceConfig, Session};
use super::error::SalesforceError;
use super::limits::ApiBudget;
use crate::outbound::{read_body, OutboundHttp};
use crate::retry::RetryPolicy;
use crate::telemetry_metrics::{record_remote_call, SYSTEM_SALESFORCE};

/// Header that names the calling client to Salesforce.
const CALL_OPTIONS: &str = "Sforce-Call-Options";
/// fnosync's client id: Salesforce puts it in the `changeOrigin` of the
/// change events of fnosync's writes, which is how the event subscriber
/// recognises its own write-backs.
pub const CLIENT_ID: &str = "fnosync";
const CALL_OPTIONS_VALUE: &str = "client=fnosync";

/// Where a request goes.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A path under `/services/data/vXX.X/`, e.g. `query`.
    Data(String),
    /// A path from the instance root, e.g. a `nextRecordsUrl`.
    Instance(String),
}

/// One REST request, rebuilt for each attempt.
#[derive(Clone, Debug)]
pub(crate) struct ApiRequest {
    pub operation: &'static str,
    pub method: Method,
    pub target: Target,
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

impl ApiRequest {
    pub fn new(operation: &'static str, method: Method, target: Target) -> Self {
        Self {
            operation,
            method,
            target,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn get(operation: &'static str, path: impl Into<String>) -> Self {
        Self::new(operation, Method::GET, Target::Data(path.into()))
    }

    pub fn query_param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// What a successful connection check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedConnection {
    /// Base URL of the org.
    pub instance_url: String,
    /// Identity URL of the logged-in user, when Salesforce gave one.
    pub identity_url: Option<String>,
    /// `(used, max)` of the daily API allocation, when reported.
    pub api_usage: Option<(u64, u64)>,
}

struct Shared {
    outbound: OutboundHttp,
    config: SalesforceConfig,
    // One session for all callers; the lock is held during a log-in so that
    // concurrent callers wait for it instead of logging in themselves.
    session: Mutex<Option<Arc<Session>>>,
    budget: ApiBudget,
}

/// The caller's identity as the Pub/Sub API takes it (the `accesstoken`,
/// `instanceurl` and `tenantid` metadata of every call).
pub struct PubSubIdentity {
    /// The session's bearer token.
    pub access_token: secrecy::SecretString,
    /// The org's instance URL.
    pub instance_url: String,
    /// The org's id (`00D…`).
    pub org_id: String,
}

/// Client of one Salesforce org's REST API. Cheap to clone; clones share
/// the session and the budget reading.
#[derive(Clone)]
pub struct SalesforceClient {
    shared: Arc<Shared>,
    retry: RetryPolicy,
    concurrency: usize,
}

impl SalesforceClient {
    /// Creates a client; it logs in on first use.
    pub fn new(outbound: OutboundHttp, config: SalesforceConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                outbound,
                config,
                session: Mutex::new(None),
                budget: ApiBudget::default(),
            }),
            retry: RetryPolicy::default(),
            concurrency: 1,
        }
    }

    /// Replaces the retry policy of this handle.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Lets this handle keep up to `calls` `composite` calls of one read or
    /// one update under way at once (one by default).
    pub fn with_concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// How many `composite` calls of one read or update may be under way at once.
    pub(super) fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Returns the connection settings.
    pub fn config(&self) -> &SalesforceConfig {
        &self.shared.config
    }

    /// Returns `(used, max)` of the daily API allocation from the latest answer.
    pub fn api_budget(&self) -> Option<(u64, u64)> {
        self.shared.budget.latest()
    }

    /// Returns how many API requests are left today, from the latest answer.
    pub fn api_remaining(&self) -> Option<u64> {
        self.api_budget()
            .map(|(used, max)| max.saturating_sub(used))
    }

    /// Logs in afresh and makes one cheap call (`limits`), so that wrong
    /// credentials or an unregistered site show up now, with Salesforce's reason.
    pub async fn verify_credentials(&self) -> Result<VerifiedConnection, SalesforceError> {
        *self.shared.session.lock().await = None;
        let session = self.session().await?;
        self.call(ApiRequest::get("limits", "limits"), true).await?;
        Ok(VerifiedConnection {
            instance_url: session.instance_url.clone(),
            identity_url: session.identity_url.clone(),
            api_usage: self.api_budget(),
        })
    }

    /// Returns the id (`005…`) of the user the client works as, the last
    /// segment of the session's identity URL; logs in when needed. `None`
    /// when the login answer carried no identity URL.
    pub async fn user_id(&self) -> Result<Option<String>, SalesforceError> {
        let session = self.retry.run(|| self.session()).await?;
        Ok(session
            .identity_url
            .as_deref()
            .and_then(|url| url.trim_end_matches('/').rsplit('/').next())
            .filter(|id| id.starts_with("005"))
            .map(str::to_string))
    }

    /// Returns what the Pub/Sub API takes as the caller's identity, from
    /// the shared session (logging in when needed; anew when `renew`, after
    /// the Pub/Sub API refused the session).
    pub async fn pubsub_identity(&self, renew: bool) -> Result<PubSubIdentity, SalesforceError> {
        let mut session = self.retry.run(|| self.session()).await?;
        if renew {
            session = self.replace_session(&session).await?;
        }
        let org_id = session
            .identity_url
            .as_deref()
            .and_then(|url| url.trim_end_matches('/').rsplit('/').nth(1))
            .filter(|id| id.starts_with("00D"))
            .map(str::to_string)
            .ok_or_else(|| {
                SalesforceError::decode(
                    "login",
                    "the login answer names no organization (identity URL `…/id/<org>/<user>`)",
                )
            })?;
        Ok(PubSubIdentity {
            access_token: session.access_token.clone(),
            instance_url: session.instance_url.clone(),
            org_id,
        })
    }

    /// Returns the `limits` resource as Salesforce sends it.
    pub async fn limits(&self) -> Result<Value, SalesforceError> {
        let body = self.call(ApiRequest::get("limits", "limits"), true).await?;
        Ok(body.unwrap_or(Value::Null))
    }

    /// Sends a request, retrying it when `retryable` and the failure allows;
    /// the answer's JSON, `None` when its body is empty.
    pub(crate) async fn call(
        &self,
        request: ApiRequest,
        retryable: bool,
    ) -> Result<Option<Value>, SalesforceError> {
        self.call_with(request, retryable, json_body).await
    }

    /// Sends a request as [`Self::call`] does and reads its body with `read`
    /// (an unreadable body counts as a failed attempt).
    #[tracing::instrument(skip_all, fields(operation = request.operation))]
    pub(crate) async fn call_with<T>(
        &self,
        request: ApiRequest,
        retryable: bool,
        read: impl Fn(&'static str, &[u8]) -> Result<T, SalesforceError>,
    ) -> Result<T, SalesforceError> {
        let attempt = || async {
            let body = self.send(&request).await?;
            read(request.operation, &body)
        };
        if retryable {
            self.retry.run(attempt).await
        } else {
            attempt().await
        }
    }

    /// Returns the retry policy of this handle.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Sends once; on 401 `INVALID_SESSION_ID` logs in again and resends once.
    async fn send(&self, request: &ApiRequest) -> Result<Vec<u8>, SalesforceError> {
        let session = self.session().await?;
        match self.send_with(&session, request).await {
            Err(error) if error.is_invalid_session() => {
                info!(
                    operation = request.operation,
                    "salesforce session expired, logging in again"
                );
                let fresh = self.replace_session(&session).await?;
                self.send_with(&fresh, request).await
            }
            outcome => outcome,
        }
    }

    async fn send_with(
        &self,
        session: &Session,
        request: &ApiRequest,
    ) -> Result<Vec<u8>, SalesforceError> {
        let operation = request.operation;
        let url = match &request.target {
            Target::Data(path) => format!(
                "{}/services/data/v{}/{path}",
                session.instance_url, self.shared.config.api_version
            ),
            Target::Instance(path) => format!("{}{path}", session.instance_url),
        };
        let mut builder = self
            .shared
            .outbound
            .request(request.method.clone(), &url)
            .await?
            .bearer_auth(session.access_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(CALL_OPTIONS, CALL_OPTIONS_VALUE);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let started = Instant::now();
        let outcome = self.exchange(operation, builder).await;
        record_remote_call(SYSTEM_SALESFORCE, operation, started, outcome.is_ok());
        outcome
    }

    /// Sends a built REST request and reads its answer's body (log-ins go
    /// through `auth::login`).
    async fn exchange(
        &self,
        operation: &'static str,
        builder: reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, SalesforceError> {
        let response = builder
            .send()
            .await
            .map_err(|e| SalesforceError::transport(operation, e))?;
        self.shared.budget.observe(response.headers());
        let status = response.status();
        let bytes = read_body(response)
            .await
            .map_err(|e| SalesforceError::body(operation, e))?;
        debug!(
            operation,
            status = status.as_u16(),
            "salesforce call answered"
        );
        if !status.is_success() {
            return Err(SalesforceError::from_response(
                operation,
                status.as_u16(),
                &bytes,
            ));
        }
        Ok(bytes)
    }

    /// Returns the shared session, logging in when there is none.
    async fn session(&self) -> Result<Arc<Session>, SalesforceError> {
        let mut slot = self.shared.session.lock().await;
        if let Some(session) = slot.as_ref() {
            return Ok(session.clone());
        }
        let session = Arc::new(login(&self.shared.outbound, &self.shared.config).await?);
        info!(instance_url = %session.instance_url, "logged in to salesforce");
        *slot = Some(session.clone());
        Ok(session)
    }

    /// Logs in again unless another caller already replaced `stale`.
    async fn replace_session(&self, stale: &Arc<Session>) -> Result<Arc<Session>, SalesforceError> {
        let mut slot = self.shared.session.lock().await;
        if let Some(current) = slot.as_ref() {
            if !Arc::ptr_eq(current, stale) {
                return Ok(current.clone());
            }
        }
        *slot = None;
        let session = Arc::new(login(&self.shared.outbound, &self.shared.config).await?);
        *slot = Some(session.clone());
        Ok(session)
    }
}

/// Reads an answer's JSON; `None` when its body is empty.
fn json_body(operation: &'static str, bytes: &[u8]) -> Result<Option<Value>, SalesforceError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| SalesforceError::decode(operation, e))
}
