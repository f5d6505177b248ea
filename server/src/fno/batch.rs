//! Batches and per-item outcomes: FNO takes at most 25 records per write and
//! pages of at most 2,000 per query (fno-soap.md §5). A write's answer is read
//! into the items that succeeded and the items FNO refused, each with its
//! reason; a FAILURE that names no item refuses the whole call.

use super::error::{FnoError, ItemFailure};
use super::operations::Operation;
use super::xml::Element;

/// Most records FNO accepts in one write request.
pub const MAX_WRITE_RECORDS: usize = 25;
/// Largest page FNO returns for one query (`batchSize`).
pub const MAX_QUERY_PAGE: usize = 2_000;

/// `statusInfo > status` values.
const SUCCESS: &str = "SUCCESS";
const FAILURE: &str = "FAILURE";
const PARTIAL_FAILURE: &str = "PARTIAL_FAILURE";

/// The result of a batched write: what FNO did and what it refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchOutcome<T> {
    /// Results of the records FNO processed, in input order.
    pub succeeded: Vec<T>,
    /// Records FNO refused, with FNO's reason.
    pub failed: Vec<ItemFailure>,
}

impl<T> Default for BatchOutcome<T> {
    fn default() -> Self {
        Self {
            succeeded: Vec::new(),
            failed: Vec::new(),
        }
    }
}

impl<T> BatchOutcome<T> {
    /// Appends another outcome (the next chunk of the same input).
    pub fn extend(&mut self, other: BatchOutcome<T>) {
        self.succeeded.extend(other.succeeded);
        self.failed.extend(other.failed);
    }

    /// Whether every record succeeded.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }

    /// Returns the only result of a one-record batch; a refusal becomes `Rejected`.
    pub fn into_single(mut self, operation: &Operation) -> Result<T, FnoError> {
        if let Some(failure) = self.failed.pop() {
            return Err(FnoError::Rejected {
                operation: operation.name,
                reason: failure.reason,
            });
        }
        self.succeeded.pop().ok_or_else(|| FnoError::Malformed {
            operation: operation.name,
            detail: "no result for the record sent".into(),
        })
    }
}

/// A record a write call processed without returning data for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Processed {
    /// Position in the input slice.
    pub index: usize,
    /// The record's key.
    pub key: String,
}

/// `statusInfo` of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusInfo {
    /// SUCCESS, FAILURE or PARTIAL_FAILURE.
    pub status: String,
    /// FNO's reason, when given.
    pub reason: Option<String>,
}

impl StatusInfo {
    /// Whether FNO processed nothing.
    pub fn is_failure(&self) -> bool {
        self.status == FAILURE
    }
}

/// Reads `statusInfo`; an absent or unknown status is a malformed response.
pub fn status_info(operation: &Operation, root: &Element) -> Result<StatusInfo, FnoError> {
    let info = root.child("statusInfo");
    let status = info.and_then(|info| info.value("status"));
    match status {
        Some(status @ (SUCCESS | FAILURE | PARTIAL_FAILURE)) => Ok(StatusInfo {
            status: status.to_string(),
            reason: info.and_then(|info| info.string("reason")),
        }),
        other => Err(FnoError::Malformed {
            operation: operation.name,
            detail: format!("statusInfo status is {other:?}"),
        }),
    }
}

/// Checks a read's `statusInfo`: FAILURE becomes `Rejected` with FNO's reason.
pub fn require_success(operation: &Operation, root: &Element) -> Result<(), FnoError> {
    let info = status_info(operation, root)?;
    if info.is_failure() {
        return Err(rejected(operation, info.reason));
    }
    Ok(())
}

fn rejected(operation: &Operation, reason: Option<String>) -> FnoError {
    FnoError::Rejected {
        operation: operation.name,
        reason: reason.unwrap_or_else(|| format!("FNO refused the {} call", operation.name)),
    }
}

/// How the refused records of one operation appear under `failedData`.
pub struct FailedShape {
    /// Child of `failedData`, e.g. `failedAcct`.
    pub item: &'static str,
    /// Reads the key of an echoed record (the failed item's first child).
    pub key_of: fn(&Element) -> Option<String>,
}

/// Reads the refused records of a write answer. `keys` are the keys of the
/// records sent, `offset` their position in the caller's input. A refusal is
/// matched to the first unmatched record with its key, else to the first
/// unmatched record that did not succeed.
pub fn failed_items(
    operation: &Operation,
    root: &Element,
    shape: &FailedShape,
    keys: &[String],
    succeeded: &[usize],
    offset: usize,
) -> Result<Vec<ItemFailure>, FnoError> {
    let info = status_info(operation, root)?;
    let refusals: Vec<(Option<String>, String)> = root
        .child("failedData")
        .map(|data| {
            data.children_named(shape.item)
                .map(|item| {
                    let echo = item.children.iter().find(|child| child.name != "reason");
                    let reason = item.string("reason").or_else(|| info.reason.clone());
                    (echo.and_then(shape.key_of), reason.unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    if info.is_failure() && refusals.is_empty() {
        return Err(rejected(operation, info.reason));
    }
    let mut taken: Vec<bool> = (0..keys.len()).map(|i| succeeded.contains(&i)).collect();
    let mut failures = Vec::with_capacity(refusals.len());
    for (key, reason) in refusals {
        let by_key = key
            .as_ref()
            .and_then(|key| (0..keys.len()).find(|&i| !taken[i] && keys[i] == *key));
        let Some(index) = by_key.or_else(|| taken.iter().position(|t| !t)) else {
            continue;
        };
        taken[index] = true;
        failures.push(ItemFailure {
            index: offset + index,
            key: keys[index].clone(),
            reason,
        });
    }
    Ok(failures)
}

/// Reads a write answer that returns no data: every record not refused was processed.
pub fn processed_outcome(
    operation: &Operation,
    root: &Element,
    shape: &FailedShape,
    keys: &[String],
    offset: usize,
) -> Result<BatchOutcome<Processed>, FnoError> {
    let failed = failed_items(operation, root, shape, keys, &[], offset)?;
    let succeeded = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| !failed.iter().any(|f| f.index == offset + i))
        .map(|(i, key)| Processed {
            index: offset + i,
            key: key.clone(),
        })
        .collect();
    Ok(BatchOutcome { succeeded, failed })
}

/// Reads the text of `path` under an echoed record, for `FailedShape::key_of`.
pub fn echo_value(echo: &Element, path: &[&str]) -> Option<String> {
    echo.value_at(path).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fno::operations::CREATE_ACCOUNT;
    use crate::fno::xml::parse;

    const SHAPE: FailedShape = FailedShape {
        item: "failedAcct",
        key_of: |echo| echo_value(echo, &["id"]),
    };

    fn keys() -> Vec<String> {
        vec!["A".into(), "B".into(), "C".into()]
    }

    #[test]
    fn a_partial_failure_fails_only_the_items_it_names() {
        let root = parse(b"<r><statusInfo><status>PARTIAL_FAILURE</status><reason>9999:x</reason></statusInfo>\
            <failedData><failedAcct><account><id>B</id></account><reason>9999:dup B</reason></failedAcct></failedData></r>")
        .expect("xml");
        let outcome =
            processed_outcome(&CREATE_ACCOUNT, &root, &SHAPE, &keys(), 10).expect("outcome");
        assert_eq!(
            outcome.failed,
            vec![ItemFailure {
                index: 11,
                key: "B".into(),
                reason: "9999:dup B".into()
            }]
        );
        let done: Vec<usize> = outcome.succeeded.iter().map(|p| p.index).collect();
        assert_eq!(done, vec![10, 12]);
    }

    #[test]
    fn a_failure_without_items_refuses_the_whole_call_verbatim() {
        let root = parse(b"<r><statusInfo><status>FAILURE</status><reason>9999:The batch size exceeds the maximum of 25 records: (26)</reason></statusInfo></r>")
            .expect("xml");
        let error =
            processed_outcome(&CREATE_ACCOUNT, &root, &SHAPE, &keys(), 0).expect_err("failure");
        assert_eq!(
            error.to_string(),
            "9999:The batch size exceeds the maximum of 25 records: (26)"
        );
    }

    #[test]
    fn an_unmatched_echo_goes_to_the_first_unprocessed_record() {
        let root = parse(
            b"<r><statusInfo><status>FAILURE</status></statusInfo>\
            <failedData><failedAcct><reason>9999:first</reason></failedAcct></failedData></r>",
        )
        .expect("xml");
        let failed = failed_items(&CREATE_ACCOUNT, &root, &SHAPE, &keys(), &[0], 0).expect("items");
        assert_eq!(failed[0].index, 1);
        assert_eq!(failed[0].reason, "9999:first");
    }

    #[test]
    fn a_missing_status_is_malformed() {
        let root = parse(b"<r><statusInfo><status>MAYBE</status></statusInfo></r>").expect("xml");
        assert!(matches!(
            require_success(&CREATE_ACCOUNT, &root),
            Err(FnoError::Malformed { .. })
        ));
    }

    #[test]
    fn into_single_turns_a_refusal_into_an_error() {
        let outcome: BatchOutcome<u8> = BatchOutcome {
            succeeded: vec![],
            failed: vec![ItemFailure {
                index: 0,
                key: "A".into(),
                reason: "9999:no".into(),
            }],
        };
        assert!(
            matches!(outcome.into_single(&CREATE_ACCOUNT), Err(FnoError::Rejected { reason, .. }) if reason == "9999:no")
        );
    }
}
