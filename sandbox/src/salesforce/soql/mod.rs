//! A SOQL subset: `lexer` (tokens and string escapes), `parser` (syntax to
//! `ast`), `bind` (names and types checked against the schema) and `eval`
//! (runs a bound query over the store and renders Salesforce's JSON).

pub mod ast;
pub mod bind;
pub mod eval;
pub mod lexer;
pub mod like;
pub mod parser;

use axum::http::StatusCode;

use super::errors::ApiError;

/// A query error: Salesforce error code, message and where in the query.
#[derive(Clone, Debug, PartialEq)]
pub struct SoqlError {
    /// `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE`, …
    pub code: &'static str,
    /// Message after the position line.
    pub message: String,
    /// Byte offset the error points at.
    pub pos: usize,
}

impl SoqlError {
    /// Creates a `MALFORMED_QUERY` error at `pos`.
    pub fn malformed(pos: usize, message: String) -> Self {
        Self {
            code: "MALFORMED_QUERY",
            message,
            pos,
        }
    }

    /// Creates an error with `code` at `pos`.
    pub fn new(code: &'static str, pos: usize, message: String) -> Self {
        Self { code, message, pos }
    }

    /// Renders the REST error, quoting the query line with a caret under the
    /// error as Salesforce does (`ERROR at Row:1:Column:8`).
    pub fn into_api_error(self, query: &str) -> ApiError {
        let pos = self.pos.min(query.len());
        let before = &query[..pos];
        let row = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = query[pos..].find('\n').map_or(query.len(), |i| pos + i);
        let column = query[line_start..pos].chars().count() + 1;
        let caret = " ".repeat(column - 1);
        let message = format!(
            "\n{}\n{caret}^\nERROR at Row:{row}:Column:{column}\n{}",
            &query[line_start..line_end],
            self.message
        );
        ApiError::new(StatusCode::BAD_REQUEST, self.code, message)
    }
}
