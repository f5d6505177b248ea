//! `FnoClient`: one FNO tenant reached through the remote-site check, with
//! HTTP Basic credentials sent pre-emptively. It sends one envelope per call
//! and never retries by itself; callers retry through `retry.rs`.

use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, RequestBuilder};
use secrecy::{ExposeSecret, SecretString};
use tracing::{debug, instrument};

use super::batch::{BatchOutcome, MAX_QUERY_PAGE, MAX_WRITE_RECORDS};
use super::error::FnoError;
use super::operations::Operation;
use super::services::ServiceVersions;
use super::soap::{
    read_response, request_envelope, CONTENT_TYPE as SOAP_CONTENT_TYPE, SERVICES_PATH, SOAP_ACTION,
};
use super::xml::{Element, XmlWriter};
use crate::outbound::{read_body, BodyError, OutboundHttp};
use crate::telemetry_metrics::{record_remote_call, SYSTEM_FNO};

const SOAP_ACTION_HEADER: &str = "SOAPAction";
const CLIENT_AGENT: &str = concat!("fnosync/", env!("CARGO_PKG_VERSION"), " fno-soap");

/// A client of one FNO tenant. Cheap to clone.
#[derive(Clone)]
pub struct FnoClient {
    inner: Arc<Inner>,
}

struct Inner {
    outbound: OutboundHttp,
    tenant_url: String,
    user_name: String,
    password: SecretString,
    services: ServiceVersions,
    page_size: usize,
}

impl std::fmt::Debug for FnoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnoClient")
            .field("tenant_url", &self.inner.tenant_url)
            .field("user_name", &self.inner.user_name)
            .finish_non_exhaustive()
    }
}

impl FnoClient {
    /// Builds a client of the tenant at `tenant_url` (e.g. `https://flex1234-uat.flexnetoperations.com`).
    pub fn new(
        outbound: OutboundHttp,
        tenant_url: &str,
        user_name: &str,
        password: SecretString,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                outbound,
                tenant_url: tenant_url.trim().trim_end_matches('/').to_string(),
                user_name: user_name.to_string(),
                password,
                services: ServiceVersions::default(),
                page_size: MAX_QUERY_PAGE,
            }),
        }
    }

    /// Uses other service versions or namespaces than the default UserAcct v3, EOS v4, PPS v2.
    pub fn with_services(self, services: ServiceVersions) -> Self {
        self.rebuild(|inner| inner.services = services)
    }

    /// Uses a smaller query page than FNO's maximum of 2,000 (at least 1).
    pub fn with_page_size(self, page_size: usize) -> Self {
        self.rebuild(|inner| inner.page_size = page_size.clamp(1, MAX_QUERY_PAGE))
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> Self {
        let inner = &self.inner;
        let mut copy = Inner {
            outbound: inner.outbound.clone(),
            tenant_url: inner.tenant_url.clone(),
            user_name: inner.user_name.clone(),
            password: inner.password.clone(),
            services: inner.services.clone(),
            page_size: inner.page_size,
        };
        change(&mut copy);
        Self {
            inner: Arc::new(copy),
        }
    }

    /// Returns the tenant URL without a trailing slash.
    pub fn tenant_url(&self) -> &str {
        &self.inner.tenant_url
    }

    /// Returns the query page size.
    pub fn page_size(&self) -> usize {
        self.inner.page_size
    }

    /// Returns the endpoint URL of the service serving `operation`.
    pub fn endpoint_url(&self, operation: &Operation) -> String {
        let endpoint = self.inner.services.endpoint(operation.service);
        format!("{}{SERVICES_PATH}{}", self.inner.tenant_url, endpoint.path)
    }

    /// Sends one request whose root content is `inner` and returns the response root.
    #[instrument(skip_all, fields(operation = operation.name))]
    pub(crate) async fn call(
        &self,
        operation: &Operation,
        inner: &str,
    ) -> Result<Element, FnoError> {
        let namespace = &self.inner.services.endpoint(operation.service).namespace;
        let envelope = request_envelope(operation, namespace, inner);
        let url = self.endpoint_url(operation);
        let request = self
            .inner
            .outbound
            .request(Method::POST, &url)
            .await?
            .basic_auth(
                &self.inner.user_name,
                Some(self.inner.password.expose_secret()),
            )
            .header(CONTENT_TYPE, SOAP_CONTENT_TYPE)
            .header(SOAP_ACTION_HEADER, SOAP_ACTION)
            .header(USER_AGENT, CLIENT_AGENT)
            .body(envelope);
        let started = Instant::now();
        let outcome = exchange(operation, request).await;
        record_remote_call(SYSTEM_FNO, operation.name, started, outcome.is_ok());
        outcome
    }

    /// Runs a paged query until a short page and returns every record.
    /// `build` writes the request content for a page number and page size;
    /// `read` turns a response root into the page's records.
    pub(crate) async fn query_all<T>(
        &self,
        operation: &Operation,
        build: impl Fn(&mut XmlWriter, usize, usize),
        read: impl Fn(&Element) -> Result<Vec<T>, FnoError>,
    ) -> Result<Vec<T>, FnoError> {
        let mut records = Vec::new();
        for page in 1.. {
            let (batch, last) = self.query_page(operation, page, &build, &read).await?;
            records.extend(batch);
            if last {
                break;
            }
        }
        Ok(records)
    }

    /// Reads page `page` (from 1) of a paged query; tells whether it is the
    /// last one (responses carry no total, so a short page ends the query).
    pub(crate) async fn query_page<T>(
        &self,
        operation: &Operation,
        page: usize,
        build: impl Fn(&mut XmlWriter, usize, usize),
        read: impl Fn(&Element) -> Result<Vec<T>, FnoError>,
    ) -> Result<(Vec<T>, bool), FnoError> {
        let size = self.inner.page_size;
        let mut writer = XmlWriter::new();
        build(&mut writer, page, size);
        let root = self.call(operation, &writer.finish()).await?;
        let batch = read(&root)?;
        let last = batch.len() < size;
        Ok((batch, last))
    }

    /// Sends `items` in calls of at most 25 records and merges the outcomes.
    /// `build` writes a call's content for a chunk; `read` reads its answer
    /// given the chunk's offset in `items`. When a call fails, the calls
    /// before it have taken effect: look up before sending creates again.
    pub(crate) async fn write_in_batches<I, T>(
        &self,
        operation: &Operation,
        items: &[I],
        build: impl Fn(&mut XmlWriter, &[I]),
        read: impl Fn(&Element, usize, &[I]) -> Result<BatchOutcome<T>, FnoError>,
    ) -> Result<BatchOutcome<T>, FnoError> {
        let mut outcome = BatchOutcome::default();
        for (chunk_number, chunk) in items.chunks(MAX_WRITE_RECORDS).enumerate() {
            let mut writer = XmlWriter::new();
            build(&mut writer, chunk);
            let root = self.call(operation, &writer.finish()).await?;
            outcome.extend(read(&root, chunk_number * MAX_WRITE_RECORDS, chunk)?);
        }
        Ok(outcome)
    }
}

/// Sends a built envelope and reads its answer; the one place FNO requests leave.
async fn exchange(operation: &Operation, request: RequestBuilder) -> Result<Element, FnoError> {
    let transport = |source| FnoError::Transport {
        operation: operation.name,
        source,
    };
    let response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let body = read_body(response).await.map_err(|error| match error {
        BodyError::Transport(source) => transport(source),
        too_large @ BodyError::TooLarge => FnoError::Malformed {
            operation: operation.name,
            detail: too_large.to_string(),
        },
    })?;
    debug!(status, bytes = body.len(), "fno call answered");
    read_response(operation, status, &body)
}
