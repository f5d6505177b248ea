//! Exit codes and the failure that carries one: every error of the CLI ends
//! here, mapped from a gRPC status or a connection error, never panicking.

use fnosync_client::{describe_status, ClientError};
use tonic::{Code, Status};

/// The run ended without completing (failed, cancelled, some records failed).
pub const RUN_NOT_COMPLETED: u8 = 1;
/// The server refused the request: invalid fields, a failed precondition, not found.
pub const REFUSED: u8 = 2;
/// The server could not be reached, or did not answer in time.
pub const UNREACHABLE: u8 = 3;
/// The token is missing, unknown, or its role is too weak.
pub const NOT_AUTHORIZED: u8 = 4;
/// The server failed while serving the request.
pub const SERVER_ERROR: u8 = 5;
/// The command line is wrong: bad flags, an unreadable file, a missing secret.
pub const USAGE: u8 = 64;

/// The exit codes, as `--help` prints them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0   success
  1   the run did not complete (sync --wait, sync watch)
  2   the server refused the request; its reason and each invalid field are printed
  3   the server could not be reached (connection, TLS handshake, timeout)
  4   not authorized: missing or unknown token, or a role too weak for the call
  5   the server failed while serving the request
  64  usage error: bad flags, an unreadable file, a missing secret";

/// A failure and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// What to print after `error: `.
    pub message: String,
}

impl Failure {
    /// A usage error: the command line or a local file is at fault.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: USAGE,
            message: message.into(),
        }
    }
}

/// Chooses the exit code of a status by who must act: the caller's request,
/// the network, the caller's credentials, or the server.
fn exit_code(code: Code) -> u8 {
    match code {
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => UNREACHABLE,
        Code::Unauthenticated | Code::PermissionDenied => NOT_AUTHORIZED,
        Code::Internal | Code::Unknown | Code::DataLoss | Code::Unimplemented => SERVER_ERROR,
        _ => REFUSED,
    }
}

/// Tells whether a call failed in the connection rather than in the server:
/// e.g. a TLS handshake that completed on the client's side and that the
/// server then refused (no client certificate) ends the first call with
/// `Unknown: transport error`.
fn is_transport_failure(status: &Status) -> bool {
    let source = std::error::Error::source(status);
    status.code() == Code::Unknown
        && (status.message().starts_with("transport error")
            || source.is_some_and(|s| s.is::<tonic::transport::Error>()))
}

impl From<Status> for Failure {
    fn from(status: Status) -> Self {
        let code = if is_transport_failure(&status) {
            UNREACHABLE
        } else {
            exit_code(status.code())
        };
        Self {
            code,
            message: describe_status(&status),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            // Transport errors repeat their cause in their own text; print each once.
            let text = cause.to_string();
            if !message.ends_with(&text) {
                message.push_str(&format!(": {text}"));
            }
            source = cause.source();
        }
        let code = match error {
            ClientError::Connect { .. } => UNREACHABLE,
            ClientError::Status(status) => return status.into(),
            ClientError::InvalidUrl { .. } | ClientError::InvalidToken | ClientError::Tls(_) => {
                USAGE
            }
        };
        Self { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_distinct_exit_codes_by_who_must_act() {
        assert_eq!(exit_code(Code::InvalidArgument), REFUSED);
        assert_eq!(exit_code(Code::FailedPrecondition), REFUSED);
        assert_eq!(exit_code(Code::NotFound), REFUSED);
        assert_eq!(exit_code(Code::Unavailable), UNREACHABLE);
        assert_eq!(exit_code(Code::PermissionDenied), NOT_AUTHORIZED);
        assert_eq!(exit_code(Code::Unauthenticated), NOT_AUTHORIZED);
        assert_eq!(exit_code(Code::Internal), SERVER_ERROR);
    }
}
