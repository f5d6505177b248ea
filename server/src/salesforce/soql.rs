//! The SOQL builder: the only way the client makes a query. Identifiers are
//! validated (they cannot be escaped), every literal is rendered by type and
//! text is escaped by the SOQL rules (reference §3.2), so data never becomes
//! syntax. `Soql` can only come out of `SoqlBuilder::build`.

use std::fmt;

use super::error::SalesforceError;
use super::soql_literal::{escape_text, validate_identifier};

pub use super::soql_literal::{DateFunction, LikePattern, Literal};

/// A built SOQL statement, safe to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soql(String);

impl Soql {
    /// Returns the statement text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Soql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Operator {
    fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// A WHERE condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `field op literal`.
    Compare(String, Operator, Literal),
    /// `field IN (…)` or, negated, `field NOT IN (…)`.
    In(String, bool, Vec<Literal>),
    /// `field LIKE 'pattern'`.
    Like(String, LikePattern),
    /// All of the conditions.
    And(Vec<Condition>),
    /// Any of the conditions.
    Or(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
}

impl Condition {
    /// `field = value`.
    pub fn eq(field: &str, value: impl Into<Literal>) -> Self {
        Self::Compare(field.to_string(), Operator::Eq, value.into())
    }

    /// `field != value`.
    pub fn ne(field: &str, value: impl Into<Literal>) -> Self {
        Self::Compare(field.to_string(), Operator::Ne, value.into())
    }

    /// `field op value` for an ordering operator.
    pub fn compare(field: &str, op: Operator, value: impl Into<Literal>) -> Self {
        Self::Compare(field.to_string(), op, value.into())
    }

    /// `field IN (values…)`; an empty list fails at build time.
    pub fn is_in<I, V>(field: &str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Literal>,
    {
        Self::In(
            field.to_string(),
            false,
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// `field NOT IN (values…)`.
    pub fn not_in<I, V>(field: &str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Literal>,
    {
        Self::In(
            field.to_string(),
            true,
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// `field LIKE pattern`.
    pub fn like(field: &str, pattern: LikePattern) -> Self {
        Self::Like(field.to_string(), pattern)
    }

    /// `NOT (condition)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(condition: Condition) -> Self {
        Self::Not(Box::new(condition))
    }

    fn render(&self, out: &mut String) -> Result<(), SalesforceError> {
        match self {
            Self::Compare(field, op, value) => {
                validate_identifier(field)?;
                if matches!(value, Literal::Null) && !matches!(op, Operator::Eq | Operator::Ne) {
                    return Err(SalesforceError::Soql(format!(
                        "null can only be compared with = or != (field {field})"
                    )));
                }
                out.push_str(&format!("{field} {} {}", op.symbol(), value.render()?));
            }
            Self::In(field, negated, values) => render_in(out, field, *negated, values)?,
            Self::Like(field, pattern) => {
                validate_identifier(field)?;
                out.push_str(&format!("{field} LIKE {}", pattern.render()));
            }
            Self::And(terms) => render_terms(out, terms, " AND ")?,
            Self::Or(terms) => render_terms(out, terms, " OR ")?,
            Self::Not(inner) => {
                out.push_str("NOT (");
                inner.render(out)?;
                out.push(')');
            }
        }
        Ok(())
    }
}

fn render_in(
    out: &mut String,
    field: &str,
    negated: bool,
    values: &[Literal],
) -> Result<(), SalesforceError> {
    validate_identifier(field)?;
    if values.is_empty() {
        return Err(SalesforceError::Soql(format!(
            "the IN list of {field} is empty"
        )));
    }
    let rendered = values
        .iter()
        .map(Literal::render)
        .collect::<Result<Vec<_>, _>>()?;
    let keyword = if negated { "NOT IN" } else { "IN" };
    out.push_str(&format!("{field} {keyword} ({})", rendered.join(", ")));
    Ok(())
}

fn render_terms(
    out: &mut String,
    terms: &[Condition],
    joiner: &str,
) -> Result<(), SalesforceError> {
    if terms.is_empty() {
        return Err(SalesforceError::Soql("an AND/OR group is empty".into()));
    }
    for (index, term) in terms.iter().enumerate() {
        if index > 0 {
            out.push_str(joiner);
        }
        // SOQL refuses AND and OR mixed without parentheses, so every
        // nested group gets its own.
        let grouped = matches!(term, Condition::And(_) | Condition::Or(_));
        if grouped {
            out.push('(');
        }
        term.render(out)?;
        if grouped {
            out.push(')');
        }
    }
    Ok(())
}

/// Sort direction of ORDER BY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// Builds a SELECT statement step by step.
#[derive(Clone, Debug, Default)]
pub struct SoqlBuilder {
    fields: Vec<String>,
    subqueries: Vec<SoqlBuilder>,
    count: bool,
    object: String,
    conditions: Vec<Condition>,
    order: Vec<(String, Direction)>,
    limit: Option<u32>,
}

impl SoqlBuilder {
    /// Starts `SELECT fields…`.
    pub fn select<I, S>(fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::default().fields(fields)
    }

    /// Starts `SELECT COUNT()`.
    pub fn count() -> Self {
        Self {
            count: true,
            ..Self::default()
        }
    }

    /// Adds fields to the SELECT list (duplicates are dropped, as SOQL refuses them).
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for field in fields {
            let field = field.as_ref();
            if !self.fields.iter().any(|f| f.eq_ignore_ascii_case(field)) {
                self.fields.push(field.to_string());
            }
        }
        self
    }

    /// Adds a child subquery, e.g. `(SELECT Id FROM Contacts)`; its `from`
    /// is the child relationship name.
    pub fn subquery(mut self, child: SoqlBuilder) -> Self {
        self.subqueries.push(child);
        self
    }

    /// Sets the object (or, in a subquery, the child relationship).
    pub fn from(mut self, object: &str) -> Self {
        self.object = object.to_string();
        self
    }

    /// Adds a WHERE condition; several are joined with AND.
    pub fn filter(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    /// Adds an ORDER BY key.
    pub fn order_by(mut self, field: &str, direction: Direction) -> Self {
        self.order.push((field.to_string(), direction));
        self
    }

    /// Sets LIMIT.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Validates and renders the statement.
    pub fn build(&self) -> Result<Soql, SalesforceError> {
        let mut out = String::new();
        self.render(&mut out)?;
        Ok(Soql(out))
    }

    fn render(&self, out: &mut String) -> Result<(), SalesforceError> {
        validate_identifier(&self.object)?;
        out.push_str("SELECT ");
        if self.count {
            out.push_str("COUNT()");
        } else {
            self.render_select_list(out)?;
        }
        out.push_str(" FROM ");
        out.push_str(&self.object);
        match self.conditions.as_slice() {
            [] => {}
            [single] => {
                out.push_str(" WHERE ");
                single.render(out)?;
            }
            many => {
                out.push_str(" WHERE ");
                render_terms(out, many, " AND ")?;
            }
        }
        if !self.order.is_empty() {
            let keys = self
                .order
                .iter()
                .map(|(field, direction)| {
                    validate_identifier(field)?;
                    let word = if *direction == Direction::Asc {
                        "ASC"
                    } else {
                        "DESC"
                    };
                    Ok(format!("{field} {word}"))
                })
                .collect::<Result<Vec<_>, SalesforceError>>()?;
            out.push_str(&format!(" ORDER BY {}", keys.join(", ")));
        }
        if let Some(limit) = self.limit {
            out.push_str(&format!(" LIMIT {limit}"));
        }
        Ok(())
    }

    fn render_select_list(&self, out: &mut String) -> Result<(), SalesforceError> {
        if self.fields.is_empty() && self.subqueries.is_empty() {
            return Err(SalesforceError::Soql("the SELECT list is empty".into()));
        }
        let mut items = Vec::with_capacity(self.fields.len() + self.subqueries.len());
        for field in &self.fields {
            validate_identifier(field)?;
            items.push(field.clone());
        }
        for child in &self.subqueries {
            let mut rendered = String::from("(");
            child.render(&mut rendered)?;
            rendered.push(')');
            items.push(rendered);
        }
        out.push_str(&items.join(", "));
        Ok(())
    }
}

/// Escapes `text` as the inside of a SOQL string literal (outside LIKE).
pub fn escape(text: &str) -> String {
    escape_text(text, false)
}

#[cfg(test)]
#[path = "soql_tests.rs"]
mod tests;
