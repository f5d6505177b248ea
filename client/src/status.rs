//! Reading the server's errors: the `google.rpc.BadRequest` detail that names
//! each invalid field, and a one-paragraph description for people.

use tonic::Status;
use tonic_types::StatusExt;

/// One invalid field of a refused request, as the server named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field, e.g. `date_range.start_date`.
    pub field: String,
    /// Why it is invalid.
    pub description: String,
}

/// Returns the field violations of the status's `BadRequest` detail; empty
/// when it has none (every status but `INVALID_ARGUMENT`, usually).
pub fn field_violations(status: &Status) -> Vec<FieldViolation> {
    status
        .get_details_bad_request()
        .map(|bad_request| {
            bad_request
                .field_violations
                .into_iter()
                .map(|violation| FieldViolation {
                    field: violation.field,
                    description: violation.description,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Describes a status for people: its code and message, then one line per
/// field violation (`  field: description`).
pub fn describe_status(status: &Status) -> String {
    let mut text = format!("{:?}: {}", status.code(), status.message());
    for violation in field_violations(status) {
        text.push_str(&format!(
            "\n  {}: {}",
            violation.field, violation.description
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;
    use tonic_types::ErrorDetails;

    #[test]
    fn violations_are_read_from_the_bad_request_detail() {
        let details = ErrorDetails::with_bad_request(vec![
            tonic_types::FieldViolation::new("last_hours", "must be greater than 0"),
            tonic_types::FieldViolation::new("request_id", "is too long"),
        ]);
        let status = Status::with_error_details(Code::InvalidArgument, "bad request", details);

        let described = describe_status(&status);

        assert_eq!(field_violations(&status).len(), 2);
        assert_eq!(
            described,
            "InvalidArgument: bad request\n  last_hours: must be greater than 0\n  request_id: is too long"
        );
    }

    #[test]
    fn a_status_without_details_has_no_violations() {
        let status = Status::not_found("schedule \"FNOSyncBatch\" not found");
        assert!(field_violations(&status).is_empty());
        assert_eq!(
            describe_status(&status),
            "NotFound: schedule \"FNOSyncBatch\" not found"
        );
    }
}
