//! SOQL literals and identifiers: text escaping by the rules of the SOQL
//! reference ("Quoted String Escape Sequences", reference §3.2), LIKE
//! patterns whose wildcards never come from data, unquoted date and datetime
//! literals, and the identifier check that stands in for escaping names.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::error::SalesforceError;

/// A value in a WHERE condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// Text, rendered quoted and escaped.
    Text(String),
    /// Whole number.
    Int(i64),
    /// Decimal number; must be finite.
    Decimal(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A date, unquoted `2024-01-31`, for date fields.
    Date(NaiveDate),
    /// A datetime, unquoted `2024-01-31T23:01:01Z`, for datetime fields.
    DateTime(DateTime<Utc>),
    /// A relative date such as `TODAY` or `LAST_N_DAYS:7`.
    DateFunction(DateFunction),
}

/// Relative date literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFunction {
    /// `TODAY`.
    Today,
    /// `YESTERDAY`.
    Yesterday,
    /// `TOMORROW`.
    Tomorrow,
    /// `LAST_N_DAYS:n`.
    LastNDays(u32),
    /// `NEXT_N_DAYS:n`.
    NextNDays(u32),
}

impl Literal {
    pub(crate) fn render(&self) -> Result<String, SalesforceError> {
        Ok(match self {
            Self::Text(text) => format!("'{}'", escape_text(text, false)),
            Self::Int(n) => n.to_string(),
            Self::Decimal(n) if n.is_finite() => n.to_string(),
            Self::Decimal(n) => {
                return Err(SalesforceError::Soql(format!(
                    "{n} is not a number SOQL accepts"
                )))
            }
            Self::Bool(b) => b.to_string(),
            Self::Null => "null".to_string(),
            Self::Date(date) => date.format("%Y-%m-%d").to_string(),
            // SOQL datetimes carry no milliseconds (reference §3.2).
            Self::DateTime(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
            Self::DateFunction(function) => match function {
                DateFunction::Today => "TODAY".to_string(),
                DateFunction::Yesterday => "YESTERDAY".to_string(),
                DateFunction::Tomorrow => "TOMORROW".to_string(),
                DateFunction::LastNDays(n) => format!("LAST_N_DAYS:{n}"),
                DateFunction::NextNDays(n) => format!("NEXT_N_DAYS:{n}"),
            },
        })
    }
}

impl From<&str> for Literal {
    fn from(value: &str) -> Self {
        Self::Text(value.to_string())
    }
}

impl From<String> for Literal {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&String> for Literal {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl From<i64> for Literal {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for Literal {
    fn from(value: i32) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<f64> for Literal {
    fn from(value: f64) -> Self {
        Self::Decimal(value)
    }
}

impl From<bool> for Literal {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<NaiveDate> for Literal {
    fn from(value: NaiveDate) -> Self {
        Self::Date(value)
    }
}

impl From<DateTime<Utc>> for Literal {
    fn from(value: DateTime<Utc>) -> Self {
        Self::DateTime(value)
    }
}

impl From<DateFunction> for Literal {
    fn from(value: DateFunction) -> Self {
        Self::DateFunction(value)
    }
}

/// A LIKE pattern: literal text around which only the builder places wildcards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LikePattern {
    text: String,
    leading_wildcard: bool,
    trailing_wildcard: bool,
}

impl LikePattern {
    /// Matches exactly `text` (LIKE is case-insensitive in Salesforce).
    pub fn exact(text: &str) -> Self {
        Self::new(text, false, false)
    }

    /// Matches values starting with `text`.
    pub fn starts_with(text: &str) -> Self {
        Self::new(text, false, true)
    }

    /// Matches values ending with `text`.
    pub fn ends_with(text: &str) -> Self {
        Self::new(text, true, false)
    }

    /// Matches values containing `text`.
    pub fn contains(text: &str) -> Self {
        Self::new(text, true, true)
    }

    fn new(text: &str, leading_wildcard: bool, trailing_wildcard: bool) -> Self {
        Self {
            text: text.to_string(),
            leading_wildcard,
            trailing_wildcard,
        }
    }

    pub(crate) fn render(&self) -> String {
        let lead = if self.leading_wildcard { "%" } else { "" };
        let trail = if self.trailing_wildcard { "%" } else { "" };
        format!("'{lead}{}{trail}'", escape_text(&self.text, true))
    }
}

/// Escapes text for the inside of a single-quoted SOQL literal. `%` and `_`
/// are escaped only in LIKE patterns: elsewhere `\%` is an invalid escape.
pub fn escape_text(text: &str, in_like: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '%' if in_like => out.push_str("\\%"),
            '_' if in_like => out.push_str("\\_"),
            // Other control characters have no short escape; `\uXXXX` is valid.
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Accepts field, object and relationship names: letters, digits and
/// underscores starting with a letter, dot-separated for relationship paths
/// (`Account.Name`, `FNO__SoldTo_Account__r.Name`). Names cannot be escaped
/// in SOQL, so anything else is refused.
pub fn validate_identifier(name: &str) -> Result<(), SalesforceError> {
    let valid_segment = |segment: &str| {
        let mut chars = segment.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !name.is_empty() && name.split('.').all(valid_segment) {
        Ok(())
    } else {
        Err(SalesforceError::Soql(format!(
            "{name:?} is not a valid field or object name"
        )))
    }
}
