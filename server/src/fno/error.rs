//! Failures of FNO calls, classified but not acted upon: `disposition()` says
//! whether a retry can help, the retry policy (`crate::retry`) decides. FNO's
//! reason strings are kept verbatim; no credential ever enters a message.

use crate::outbound::OutboundError;
use crate::retry::{Classified, Disposition};

/// One record of a batch that FNO refused, with FNO's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFailure {
    /// Position of the record in the input slice.
    pub index: usize,
    /// The record's key (account ID, user name, entitlement ID, order ID …).
    pub key: String,
    /// FNO's reason, verbatim.
    pub reason: String,
}

/// Why an FNO call failed.
#[derive(Debug, thiserror::Error)]
pub enum FnoError {
    /// The call was not made: no remote site admits the URL, or the sites could not be read.
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    /// No complete HTTP response (connection failure, timeout, cut body).
    #[error("fno {operation} call failed: {source}")]
    Transport {
        operation: &'static str,
        #[source]
        source: reqwest::Error,
    },
    /// HTTP 401/403: the user name or password is wrong, or the user lacks web-service rights.
    #[error("{}", describe_unauthorized(*.status))]
    Unauthorized { status: u16 },
    /// Another non-success HTTP status without a SOAP fault.
    #[error("fno {operation} call answered HTTP {status}: {detail}")]
    Http {
        operation: &'static str,
        status: u16,
        detail: String,
    },
    /// A SOAP fault (`soapenv:Fault`).
    #[error("fno {operation} call failed with SOAP fault {code}: {message}")]
    Fault {
        operation: &'static str,
        code: String,
        message: String,
    },
    /// A response that is not the SOAP message the operation answers with.
    #[error("fno {operation} call returned a malformed response: {detail}")]
    Malformed {
        operation: &'static str,
        detail: String,
    },
    /// `statusInfo` FAILURE (or a single record refused): FNO's reason verbatim.
    #[error("{reason}")]
    Rejected {
        operation: &'static str,
        reason: String,
    },
    /// User creation named a role the tenant does not have.
    #[error(
        "FNO has no role named {role:?}; create it in FNO or change the role setting ({reason})"
    )]
    MissingRole { role: String, reason: String },
    /// The request was not sent because it breaks a rule FNO would enforce.
    #[error("{0}")]
    InvalidRequest(String),
}

fn describe_unauthorized(status: u16) -> String {
    if status == 403 {
        "FNO refused the user (HTTP 403): it needs a role with the Execute Web Services permission"
            .to_string()
    } else {
        format!("FNO rejected the user name or password (HTTP {status})")
    }
}

impl Classified for FnoError {
    fn disposition(&self) -> Disposition {
        FnoError::disposition(self)
    }
}

impl FnoError {
    /// Says whether the same call may succeed when sent again.
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::Outbound(OutboundError::Store(_)) => Disposition::Retry,
            Self::Outbound(_) => Disposition::Fail,
            Self::Transport { .. } | Self::Malformed { .. } => Disposition::Retry,
            Self::Http { status, .. } => http_disposition(*status),
            Self::Fault { code, message, .. } => fault_disposition(code, message),
            Self::Unauthorized { .. }
            | Self::Rejected { .. }
            | Self::MissingRole { .. }
            | Self::InvalidRequest(_) => Disposition::Fail,
        }
    }

    /// Tells whether FNO may still carry the call out although no answer
    /// came: the request may have reached FNO before the connection failed
    /// or the client stopped waiting (anything but a failure to connect).
    /// A write that failed so may land later, after a look-up found nothing.
    pub fn may_still_land(&self) -> bool {
        matches!(self, Self::Transport { source, .. } if !source.is_connect())
    }

    /// Returns FNO's reason string when FNO refused the request itself.
    pub fn fno_reason(&self) -> Option<&str> {
        match self {
            Self::Rejected { reason, .. } | Self::MissingRole { reason, .. } => Some(reason),
            Self::Fault { message, .. } => Some(message),
            _ => None,
        }
    }
}

fn http_disposition(status: u16) -> Disposition {
    match status {
        408 | 429 | 500..=599 => Disposition::Retry,
        _ => Disposition::Fail,
    }
}

/// Marks of faults raised while Axis reads the request: the request itself is
/// wrong, so sending the same bytes again cannot succeed.
const REQUEST_FAULT_MARKS: [&str; 5] = [
    "SAXException",
    "SAXParseException",
    "No such operation",
    "No deserializer",
    "Invalid element",
];

// Axis 1.x answers both bad requests and server-side exceptions with HTTP 500
// and a fault (fno-soap.md §4): `Client` faults and request-parsing faults are
// permanent; other `Server` faults are the server failing (a runtime exception
// behind `Server.userException`) and behave like any HTTP 500.
fn fault_disposition(code: &str, message: &str) -> Disposition {
    let local = code.rsplit(':').next().unwrap_or(code);
    let server_side = local.starts_with("Server");
    let request_problem = REQUEST_FAULT_MARKS
        .iter()
        .any(|mark| message.contains(mark));
    if server_side && !request_problem {
        Disposition::Retry
    } else {
        Disposition::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(code: &str, message: &str) -> FnoError {
        FnoError::Fault {
            operation: "getAccountsQuery",
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn server_errors_and_throttling_are_retried() {
        for status in [500, 502, 503, 504, 429, 408] {
            let error = FnoError::Http {
                operation: "getUsersQuery",
                status,
                detail: String::new(),
            };
            assert_eq!(error.disposition(), Disposition::Retry, "{status}");
        }
    }

    #[test]
    fn client_errors_fail() {
        let error = FnoError::Http {
            operation: "getUsersQuery",
            status: 404,
            detail: String::new(),
        };
        assert_eq!(error.disposition(), Disposition::Fail);
        assert_eq!(
            FnoError::Unauthorized { status: 401 }.disposition(),
            Disposition::Fail
        );
    }

    #[test]
    fn bad_credentials_say_so_without_details() {
        let message = FnoError::Unauthorized { status: 401 }.to_string();
        assert_eq!(message, "FNO rejected the user name or password (HTTP 401)");
    }

    #[test]
    fn client_faults_and_request_parsing_faults_fail() {
        let unknown = fault("soapenv:Client", "No such operation 'x'");
        let unreadable = fault(
            "soapenv:Server.userException",
            "org.xml.sax.SAXException: Invalid element in x",
        );
        assert_eq!(unknown.disposition(), Disposition::Fail);
        assert_eq!(unreadable.disposition(), Disposition::Fail);
    }

    #[test]
    fn server_exception_faults_are_retried() {
        let error = fault(
            "soapenv:Server.userException",
            "java.lang.RuntimeException: connection pool exhausted",
        );
        assert_eq!(error.disposition(), Disposition::Retry);
    }

    #[test]
    fn in_body_failures_keep_the_reason_verbatim_and_fail() {
        let reason = "9999:The value of this required field is missing: (0) [Incident# 1-2]";
        let error = FnoError::Rejected {
            operation: "createUser",
            reason: reason.into(),
        };
        assert_eq!(error.to_string(), reason);
        assert_eq!(error.fno_reason(), Some(reason));
        assert_eq!(error.disposition(), Disposition::Fail);
    }

    #[test]
    fn a_missing_role_names_the_role() {
        let error = FnoError::MissingRole {
            role: "Portal Admin User".into(),
            reason: "9999:The role does not exist: (Portal Admin User)".into(),
        };
        assert!(error.to_string().contains("\"Portal Admin User\""));
        assert_eq!(error.disposition(), Disposition::Fail);
    }
}
