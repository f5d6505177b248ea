//! The gate every REST call under `/services/data/vXX.X/` passes: it counts
//! the call and acts out injected faults, checks the version, the session
//! (401 `INVALID_SESSION_ID`) and the daily allocation (403
//! `REQUEST_LIMIT_EXCEEDED`), then adds `Sforce-Limit-Info` to the answer.

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::{json_response, ApiError};
use super::limits::{parse_version, LIMIT_INFO_HEADER};
use super::state::App;
use crate::faults::{self, Injected};

/// Who calls and with which API version; put in the request by the gate.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Version text, e.g. `59.0`.
    pub version: String,
    /// Version number, e.g. 59.
    pub version_number: u32,
    /// Id of the session's user.
    pub user_id: String,
    /// `changeOrigin` of its writes: `com/salesforce/api/rest/<version>`,
    /// with `;client=<id>` when the call names a client in `Sforce-Call-Options`.
    pub origin: String,
}

/// The `client=` of a `Sforce-Call-Options` header, e.g. `client=fnosync`.
pub fn call_options_client(header: &str) -> Option<&str> {
    header
        .split(',')
        .filter_map(|option| option.trim().strip_prefix("client="))
        .map(str::trim)
        .find(|client| !client.is_empty())
}

/// A successful REST answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body; none for 204.
    pub body: Option<Value>,
    /// `Location` header of a create.
    pub location: Option<String>,
}

impl Reply {
    /// A 200 answer with `body`.
    pub fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            location: None,
        }
    }

    /// A 204 answer.
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = match &self.body {
            Some(body) => json_response(self.status, body),
            None => self.status.into_response(),
        };
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    }
}

/// Message of `INVALID_SESSION_ID`.
pub const SESSION_EXPIRED: &str = "Session expired or invalid";

/// The REST gate (an axum middleware on the data routes). A call runs to
/// its end even when the client leaves before the answer, as on a real
/// server: a write held at a gate while its caller died still lands.
pub async fn gate(State(app): State<App>, request: Request, next: Next) -> Response {
    tokio::spawn(serve_gated(app, request, next))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn serve_gated(app: App, mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let operation = operation_name(request.method(), &route);
    let injected = app.faults.enter(operation).await;
    match injected {
        Injected::Fail(status) => return injected_failure(status),
        Injected::Drop => return dropped_connection(),
        _ => {}
    }
    let version_text = request
        .uri()
        .path()
        .split('/')
        .nth(3)
        .unwrap_or_default()
        .to_string();
    let Some(version_number) = parse_version(&version_text) else {
        return ApiError::not_found().into_response();
    };
    let session = match bearer_token(&request) {
        Ok(token) => app.auth.check(token),
        Err(error) => return error.into_response(),
    };
    let Some(session) = session else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            SESSION_EXPIRED,
        )
        .into_response();
    };
    if !app.limits.try_consume() {
        let error = ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        );
        return with_limit_info(&app, error.into_response());
    }
    let version = version_text.trim_start_matches('v').to_string();
    let client = request
        .headers()
        .get("sforce-call-options")
        .and_then(|value| value.to_str().ok())
        .and_then(call_options_client);
    let origin = match client {
        Some(client) => format!("com/salesforce/api/rest/{version};client={client}"),
        None => format!("com/salesforce/api/rest/{version}"),
    };
    request.extensions_mut().insert(Ctx {
        version,
        version_number,
        user_id: session.user_id,
        origin,
    });
    let response = with_limit_info(&app, next.run(request).await);
    match injected {
        Injected::Malformed => garble(response).await,
        Injected::Oversized => with_body(
            response,
            faults::oversized_body(r#"{"totalSize":0,"done":true,"records":["#, "]}"),
        ),
        Injected::Nested => with_body(response, faults::nested_body("[", "", "]").into_bytes()),
        _ => response,
    }
}

/// The answer with its body replaced by a JSON `body` (a fault's).
pub fn with_body(response: Response, body: Vec<u8>) -> Response {
    let (mut parts, _) = response.into_parts();
    if parts.status == StatusCode::NO_CONTENT {
        parts.status = StatusCode::OK;
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::errors::JSON_CONTENT_TYPE),
    );
    Response::from_parts(parts, Body::from(body))
}

fn bearer_token(request: &Request) -> Result<&str, ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            SESSION_EXPIRED,
        ));
    };
    let text = value.to_str().unwrap_or_default();
    text.strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("OAuth "))
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "INVALID_AUTH_HEADER",
                "INVALID_HEADER_TYPE",
            )
        })
}

fn with_limit_info(app: &App, mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&app.limits.header_value()) {
        response.headers_mut().insert(LIMIT_INFO_HEADER, value);
    }
    response
}

/// Answers an injected failure in Salesforce's error shape.
pub fn injected_failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let error = if status == StatusCode::SERVICE_UNAVAILABLE {
        ApiError::new(
            status,
            "SERVER_UNAVAILABLE",
            "Server is temporarily unavailable. Please try again later.",
        )
    } else {
        ApiError::new(
            status,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1306461712-40434 (-1284224157)",
        )
    };
    error.into_response()
}

/// A response whose body fails at once, so the server drops the connection
/// before a complete answer is sent.
pub fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::errors::JSON_CONTENT_TYPE),
    );
    response
}

/// Cuts the body of an answer in half (the write, if any, has happened).
pub async fn garble(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = if bytes.is_empty() {
        Bytes::from_static(b"{\"id\":")
    } else {
        bytes.slice(..bytes.len() / 2)
    };
    with_body(Response::from_parts(parts, Body::empty()), cut.to_vec())
}

/// Names the operation of a data route, as counted and matched by fault filters.
pub fn operation_name(method: &Method, route: &str) -> &'static str {
    let tail = route.split_once("/{version}").map_or("", |(_, t)| t);
    match (method.as_str(), tail) {
        (_, "" | "/") => "resources",
        (_, "/limits") => "limits",
        (_, "/query") => "query",
        (_, "/queryAll") => "queryAll",
        (_, "/query/{locator}") | (_, "/queryAll/{locator}") => "query.more",
        (_, "/sobjects") => "describe.global",
        ("POST", "/sobjects/{sobject}") => "sobject.create",
        (_, "/sobjects/{sobject}") => "sobject.info",
        (_, "/sobjects/{sobject}/describe") => "describe",
        (_, "/sobjects/{sobject}/updated") => "sobject.updated",
        (_, "/sobjects/{sobject}/deleted") => "sobject.deleted",
        ("PATCH", "/sobjects/{sobject}/{id}") => "sobject.update",
        ("DELETE", "/sobjects/{sobject}/{id}") => "sobject.delete",
        (_, "/sobjects/{sobject}/{id}") => "sobject.get",
        ("PATCH", "/sobjects/{sobject}/{field}/{value}") => "sobject.upsert",
        ("DELETE", "/sobjects/{sobject}/{field}/{value}") => "sobject.delete",
        (_, "/sobjects/{sobject}/{field}/{value}") => "sobject.get",
        (_, "/composite") => "composite",
        (_, "/composite/sobjects") => "composite.sobjects",
        ("PATCH", "/composite/sobjects/{sobject}/{field}") => "composite.sobjects.upsert",
        (_, "/composite/sobjects/{sobject}") => "composite.sobjects.retrieve",
        (_, "/tooling/sobjects/{sobject}") => "tooling.create",
        _ => "other",
    }
}
