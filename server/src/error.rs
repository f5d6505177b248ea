//! The one error type of the server and its single mapping onto gRPC statuses.
//! Database and internal causes are logged in full; clients get a short message.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// One invalid field of a request and why it is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field, e.g. `remote_site.name`.
    pub field: String,
    /// Why it is invalid, e.g. `must start with a letter`.
    pub description: String,
}

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The addressed entity does not exist.
    #[error("{entity} {id:?} not found")]
    NotFound { entity: &'static str, id: String },
    /// The entity to create exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The request has invalid fields.
    #[error("{}", describe_violations(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// The request is valid but the system is not in a state to serve it.
    #[error("{0}")]
    FailedPrecondition(String),
    /// The caller's role does not allow the call.
    #[error("{0}")]
    PermissionDenied(String),
    /// The caller did not present a valid token.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller holds as much of a bounded resource as it may.
    #[error("{0}")]
    ResourceExhausted(String),
    /// A remote system did not answer as it should.
    #[error("{0}")]
    Unavailable(String),
    /// The call exists in the API but is not served by this version.
    #[error("{0}")]
    Unimplemented(String),
    /// A worker's hold on a run ended: another worker claimed it.
    #[error("sync run {run_id} was taken over by another worker")]
    LeaseLost { run_id: String },
    /// A database failure.
    #[error("database error")]
    Db(#[from] sqlx::Error),
    /// Any other unexpected failure.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// Builds an `InvalidArgument` error for one field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }

    /// Builds a `NotFound` error.
    pub fn not_found(entity: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            entity,
            id: id.into(),
        }
    }
}

fn describe_violations(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects field violations while a request is validated, so that one answer
/// names every invalid field at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Records a violation of `field`.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Records the error of a field validator, if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(description) => {
                self.add(field, description);
                None
            }
        }
    }

    /// Returns `Ok` when nothing was recorded, else an `InvalidArgument` error.
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.0))
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match error {
            Error::NotFound { .. } => Status::not_found(message),
            Error::AlreadyExists(_) => Status::already_exists(message),
            Error::InvalidArgument(violations) => {
                let details = ErrorDetails::with_bad_request(
                    violations
                        .into_iter()
                        .map(|v| tonic_types::FieldViolation::new(v.field, v.description))
                        .collect::<Vec<_>>(),
                );
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            Error::FailedPrecondition(_) => Status::failed_precondition(message),
            Error::PermissionDenied(_) => Status::permission_denied(message),
            Error::Unauthenticated(_) => Status::unauthenticated(message),
            Error::ResourceExhausted(_) => Status::resource_exhausted(message),
            Error::Unavailable(_) => Status::unavailable(message),
            Error::Unimplemented(_) => Status::unimplemented(message),
            Error::LeaseLost { .. } => Status::aborted(message),
            Error::Db(cause) => {
                tracing::error!(error = %cause, "database error");
                Status::internal(message)
            }
            Error::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                Status::internal(message)
            }
        }
    }
}

/// The result type of the server's fallible functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Tells whether a database error is a violation of the named constraint.
pub fn is_constraint_violation(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}
