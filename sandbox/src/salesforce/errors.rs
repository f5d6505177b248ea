//! Salesforce's error shapes: the REST error array
//! `[{"message","errorCode","fields"}]` with its HTTP status, and the
//! per-record form `{"statusCode","message","fields"}` of sObject Collections.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Content type of every JSON answer, as Salesforce sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";
/// Message of `NOT_FOUND`.
pub const NOT_FOUND_MESSAGE: &str = "The requested resource does not exist";

/// One entry of an error answer.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorItem {
    /// Salesforce error code, e.g. `INVALID_FIELD`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Fields the error is about, when Salesforce names them.
    pub fields: Option<Vec<String>>,
}

/// An error answer: HTTP status plus Salesforce's error array.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error entries (usually one).
    pub errors: Vec<ErrorItem>,
}

impl ApiError {
    /// Creates an error with one entry and no field list.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            errors: vec![ErrorItem {
                code: code.to_string(),
                message: message.into(),
                fields: None,
            }],
        }
    }

    /// Creates a 400 error.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Creates a 400 error about `fields`.
    pub fn on_fields(code: &str, message: impl Into<String>, fields: &[&str]) -> Self {
        let mut error = Self::bad_request(code, message);
        error.errors[0].fields = Some(fields.iter().map(|f| f.to_string()).collect());
        error
    }

    /// Creates the 404 `NOT_FOUND` error.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", NOT_FOUND_MESSAGE)
    }

    /// Creates the 404 `ENTITY_IS_DELETED` error.
    pub fn entity_is_deleted() -> Self {
        let mut error = Self::new(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        );
        error.errors[0].fields = Some(Vec::new());
        error
    }

    /// Creates the 400 `MALFORMED_ID` error for a path or body id.
    pub fn malformed_id(label: &str, value: &str, field: &str) -> Self {
        Self::on_fields(
            "MALFORMED_ID",
            format!("{label}: id value of incorrect type: {value}"),
            &[field],
        )
    }

    /// Creates the 400 `JSON_PARSER_ERROR` error for an unreadable body.
    pub fn json_parser(message: impl Into<String>) -> Self {
        Self::bad_request("JSON_PARSER_ERROR", message)
    }

    /// Returns the first error code.
    pub fn code(&self) -> &str {
        self.errors.first().map(|e| e.code.as_str()).unwrap_or("")
    }

    /// Renders the REST error array.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.errors
                .iter()
                .map(|e| {
                    let mut item = json!({"message": e.message, "errorCode": e.code});
                    if let Some(fields) = &e.fields {
                        item["fields"] = json!(fields);
                    }
                    item
                })
                .collect(),
        )
    }

    /// Renders the per-record error list of sObject Collections (`statusCode`).
    pub fn to_record_errors(&self) -> Value {
        Value::Array(
            self.errors
                .iter()
                .map(|e| {
                    json!({
                        "statusCode": e.code,
                        "message": e.message,
                        "fields": e.fields.clone().unwrap_or_default(),
                    })
                })
                .collect(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.to_json())
    }
}

/// Builds a JSON answer with Salesforce's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// Result of a REST operation.
pub type ApiResult<T> = Result<T, ApiError>;
