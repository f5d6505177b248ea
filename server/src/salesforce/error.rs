//! Failures of Salesforce calls, classified once: transport problems and
//! server overload are worth retrying, request and data errors are not, and
//! a used-up daily allocation stops the caller. Salesforce's `errorCode` and
//! message are kept verbatim; secrets never enter an error.

use serde::Deserialize;

use crate::outbound::OutboundError;
use crate::retry::{Classified, Disposition};

/// `errorCode` of an expired or unknown session (reference §1.3).
pub const INVALID_SESSION_ID: &str = "INVALID_SESSION_ID";
/// `errorCode` of a used-up daily API allocation (reference §6).
pub const REQUEST_LIMIT_EXCEEDED: &str = "REQUEST_LIMIT_EXCEEDED";
/// `errorCode` / `statusCode` of a transient row lock (reference §6).
pub const UNABLE_TO_LOCK_ROW: &str = "UNABLE_TO_LOCK_ROW";
/// Most characters of a non-JSON body kept in an error.
const MAX_BODY_EXCERPT: usize = 300;

/// One entry of Salesforce's error array `[{"message","errorCode","fields"}]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ApiErrorItem {
    /// Salesforce's error code, e.g. `INVALID_FIELD`.
    #[serde(rename = "errorCode", alias = "statusCode", default)]
    pub error_code: String,
    /// Salesforce's message, verbatim.
    #[serde(default)]
    pub message: String,
    /// Fields the error is about, when named.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A failed Salesforce call.
#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// The remote-site check refused the URL, or could not be made.
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    /// The request did not complete (connect, TLS, timeout, dropped connection).
    #[error("salesforce {operation} failed in transport: {source}")]
    Transport {
        /// What was being done, e.g. `query`.
        operation: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The OAuth token endpoint refused the log-in.
    #[error("salesforce login failed ({status}): {error}: {description}")]
    Login {
        /// HTTP status.
        status: u16,
        /// OAuth `error`, e.g. `invalid_grant`.
        error: String,
        /// OAuth `error_description`, e.g. `authentication failure`.
        description: String,
    },
    /// The org's daily API allocation is used up (403 `REQUEST_LIMIT_EXCEEDED`).
    #[error("salesforce daily api request limit exhausted: {message}")]
    BudgetExhausted {
        /// Salesforce's message, e.g. `TotalRequests Limit exceeded.`.
        message: String,
    },
    /// A REST call answered with an error status.
    #[error("salesforce {operation} failed ({status}): {}", describe_items(.errors))]
    Api {
        /// What was being done.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Salesforce's error entries, verbatim.
        errors: Vec<ApiErrorItem>,
    },
    /// A successful status came with a body that is not what the API returns.
    #[error("salesforce {operation} returned an unreadable answer: {reason}")]
    Decode {
        /// What was being done.
        operation: &'static str,
        /// Why it could not be read.
        reason: String,
    },
    /// A SOQL query could not be built (bad identifier or value).
    #[error("invalid soql: {0}")]
    Soql(String),
    /// The connection settings cannot be used (bad URL, key or version).
    #[error("invalid salesforce configuration: {0}")]
    Config(String),
}

fn describe_items(errors: &[ApiErrorItem]) -> String {
    if errors.is_empty() {
        return "no error details".to_string();
    }
    errors
        .iter()
        .map(|e| format!("{}: {}", e.error_code, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Classified for SalesforceError {
    fn disposition(&self) -> Disposition {
        SalesforceError::disposition(self)
    }
}

impl SalesforceError {
    /// Classifies the failure; see the reference §6 "suggested policy".
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::Transport { .. } | Self::Decode { .. } => Disposition::Retry,
            Self::Login { status, .. } if *status >= 500 => Disposition::Retry,
            Self::Api { status, errors, .. } => {
                let locked = errors.iter().any(|e| e.error_code == UNABLE_TO_LOCK_ROW);
                if *status >= 500 || locked {
                    Disposition::Retry
                } else {
                    Disposition::Fail
                }
            }
            _ => Disposition::Fail,
        }
    }

    /// Returns the first Salesforce error code, when there is one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Self::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            Self::BudgetExhausted { .. } => Some(REQUEST_LIMIT_EXCEEDED),
            Self::Login { error, .. } => Some(error.as_str()),
            _ => None,
        }
    }

    /// Tells whether the session was refused (401 `INVALID_SESSION_ID`).
    pub fn is_invalid_session(&self) -> bool {
        matches!(self, Self::Api { status: 401, errors, .. }
            if errors.iter().any(|e| e.error_code == INVALID_SESSION_ID))
    }

    /// Builds the error for a REST answer with an error status.
    pub fn from_response(operation: &'static str, status: u16, body: &[u8]) -> Self {
        let errors = parse_error_items(body);
        if status == 403 {
            if let Some(limit) = errors
                .iter()
                .find(|e| e.error_code == REQUEST_LIMIT_EXCEEDED)
            {
                return Self::BudgetExhausted {
                    message: limit.message.clone(),
                };
            }
        }
        Self::Api {
            operation,
            status,
            errors,
        }
    }

    /// Builds the error for a refused OAuth token request.
    pub fn from_login_response(status: u16, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct OAuthError {
            #[serde(default)]
            error: String,
            #[serde(default)]
            error_description: String,
        }
        match serde_json::from_slice::<OAuthError>(body) {
            Ok(parsed) => Self::Login {
                status,
                error: parsed.error,
                description: parsed.error_description,
            },
            Err(_) => Self::Login {
                status,
                error: "unexpected_response".to_string(),
                description: body_excerpt(body),
            },
        }
    }

    pub(crate) fn transport(operation: &'static str, source: reqwest::Error) -> Self {
        Self::Transport { operation, source }
    }

    /// An answer whose body could not be read: cut, or too large.
    pub(crate) fn body(operation: &'static str, error: crate::outbound::BodyError) -> Self {
        match error {
            crate::outbound::BodyError::Transport(source) => Self::transport(operation, source),
            too_large => Self::decode(operation, too_large),
        }
    }

    pub(crate) fn decode(operation: &'static str, reason: impl ToString) -> Self {
        Self::Decode {
            operation,
            reason: reason.to_string(),
        }
    }
}

/// Reads Salesforce's error array; a body of another shape becomes one
/// entry with an empty code and the body's start as message.
pub fn parse_error_items(body: &[u8]) -> Vec<ApiErrorItem> {
    if let Ok(items) = serde_json::from_slice::<Vec<ApiErrorItem>>(body) {
        return items;
    }
    // Some endpoints answer a single object instead of an array.
    if let Ok(item) = serde_json::from_slice::<ApiErrorItem>(body) {
        if !item.error_code.is_empty() {
            return vec![item];
        }
    }
    if body.is_empty() {
        return Vec::new();
    }
    vec![ApiErrorItem {
        error_code: String::new(),
        message: body_excerpt(body),
        fields: Vec::new(),
    }]
}

fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(MAX_BODY_EXCERPT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_array_is_kept_verbatim() {
        let body = br#"[{"message":"No such column 'Bogus' on entity 'Contact'.","errorCode":"INVALID_FIELD","fields":["Bogus"]}]"#;

        let error = SalesforceError::from_response("query", 400, body);

        let SalesforceError::Api { status, errors, .. } = &error else {
            panic!("expected an api error, got {error:?}");
        };
        assert_eq!(*status, 400);
        assert_eq!(errors[0].error_code, "INVALID_FIELD");
        assert_eq!(
            errors[0].message,
            "No such column 'Bogus' on entity 'Contact'."
        );
        assert_eq!(errors[0].fields, vec!["Bogus".to_string()]);
        assert_eq!(error.disposition(), Disposition::Fail);
        assert!(error.to_string().contains("INVALID_FIELD: No such column"));
    }

    #[test]
    fn server_errors_and_row_locks_are_retried() {
        let unavailable = SalesforceError::from_response(
            "query",
            503,
            br#"[{"message":"Server is temporarily unavailable.","errorCode":"SERVER_UNAVAILABLE"}]"#,
        );
        let locked = SalesforceError::from_response(
            "update",
            400,
            br#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]"#,
        );
        let internal = SalesforceError::from_response("query", 500, b"<html>oops</html>");

        assert_eq!(unavailable.disposition(), Disposition::Retry);
        assert_eq!(locked.disposition(), Disposition::Retry);
        assert_eq!(internal.disposition(), Disposition::Retry);
    }

    #[test]
    fn request_limit_exceeded_is_budget_exhausted_and_not_retried() {
        let error = SalesforceError::from_response(
            "query",
            403,
            br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        );

        assert!(
            matches!(error, SalesforceError::BudgetExhausted { ref message } if message == "TotalRequests Limit exceeded.")
        );
        assert_eq!(error.disposition(), Disposition::Fail);
        assert_eq!(error.error_code(), Some(REQUEST_LIMIT_EXCEEDED));
    }

    #[test]
    fn an_invalid_session_is_recognised() {
        let error = SalesforceError::from_response(
            "query",
            401,
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        );

        assert!(error.is_invalid_session());
        assert_eq!(error.disposition(), Disposition::Fail);
    }

    #[test]
    fn oauth_errors_keep_the_description() {
        let error = SalesforceError::from_login_response(
            400,
            br#"{"error":"invalid_grant","error_description":"authentication failure"}"#,
        );

        assert_eq!(
            error.to_string(),
            "salesforce login failed (400): invalid_grant: authentication failure"
        );
        assert_eq!(error.disposition(), Disposition::Fail);
        let overloaded = SalesforceError::from_login_response(
            503,
            br#"{"error":"unknown_error","error_description":"retry your request"}"#,
        );
        assert_eq!(overloaded.disposition(), Disposition::Retry);
    }

    #[test]
    fn a_body_of_another_shape_becomes_one_uncoded_entry() {
        let items = parse_error_items(b"Bad Gateway");

        assert_eq!(items.len(), 1);
        assert_eq!(items[0].error_code, "");
        assert_eq!(items[0].message, "Bad Gateway");
        assert!(parse_error_items(b"").is_empty());
    }
}
