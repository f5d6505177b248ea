//! The parsed form of a SOQL query, before names are checked against the schema.

/// A field path as written (`Account.Name` is `["Account", "Name"]`), with
/// the byte offset of its first token for error messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// Segments as written.
    pub parts: Vec<String>,
    /// Offset in the query.
    pub pos: usize,
}

/// One item of the SELECT list.
#[derive(Clone, Debug, PartialEq)]
pub enum SelectItem {
    /// A field or parent-relationship field.
    Field(Path),
    /// A parent-to-child subquery.
    SubQuery(Box<Query>),
    /// `COUNT()`.
    Count,
}

/// A literal value in a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `'text'`.
    Str(String),
    /// `42`, `1.5`.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `2024-01-31`.
    Date(String),
    /// `2024-01-31T00:00:00Z`.
    DateTime(String),
    /// `TODAY`, `LAST_N_DAYS:7`, …: name and optional N.
    DateFunction(String, Option<u32>),
}

/// A WHERE condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// All must hold.
    And(Vec<Condition>),
    /// One must hold.
    Or(Vec<Condition>),
    /// Must not hold.
    Not(Box<Condition>),
    /// `path op value`.
    Compare(Path, &'static str, Literal, usize),
    /// `path [NOT] IN (values)`.
    In(Path, bool, Vec<Literal>, usize),
    /// `path [NOT] IN (SELECT field FROM …)`.
    InQuery(Path, bool, Box<Query>),
    /// `path LIKE 'pattern'`.
    Like(Path, String, usize),
}

/// An ORDER BY key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderKey {
    /// Field path.
    pub path: Path,
    /// DESC.
    pub descending: bool,
    /// Explicit NULLS FIRST (`Some(true)`) / NULLS LAST (`Some(false)`).
    pub nulls_first: Option<bool>,
}

/// A whole query or subquery.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// SELECT list.
    pub select: Vec<SelectItem>,
    /// FROM object (or child relationship in a subquery).
    pub from: String,
    /// Offset of the FROM name.
    pub from_pos: usize,
    /// WHERE.
    pub filter: Option<Condition>,
    /// ORDER BY.
    pub order_by: Vec<OrderKey>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}
