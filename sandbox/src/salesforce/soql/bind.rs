//! Checks a parsed query against the schema: objects, fields, parent paths
//! and child relationships resolve (case-insensitively) to their canonical
//! names, and each filter value is converted to the field's type, with
//! Salesforce's `INVALID_TYPE` / `INVALID_FIELD` errors otherwise.

use chrono::{Duration, NaiveDate};

use super::ast::{Condition, Literal, OrderKey, Path, Query, SelectItem};
use super::like;
use super::SoqlError;
use crate::salesforce::clock::{format_datetime, parse_datetime};
use crate::salesforce::ids;
use crate::salesforce::schema::{schema, ChildRelationship, FieldDef, FieldType, ObjectDef};

const CUSTOM_HINT_FIELD: &str = "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";
const CUSTOM_HINT_RELATIONSHIP: &str = "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.";

/// One lookup walked by a parent path.
#[derive(Clone, Debug)]
pub struct Step {
    /// Lookup field on the current object (`AccountId`).
    pub lookup: &'static FieldDef,
    /// Relationship name used as the JSON key (`Account`).
    pub relationship: &'static str,
    /// Object reached.
    pub object: &'static ObjectDef,
}

/// A resolved field path.
#[derive(Clone, Debug)]
pub struct FieldRef {
    /// Lookups from the queried object to the field's object.
    pub steps: Vec<Step>,
    /// The field.
    pub field: &'static FieldDef,
}

/// A filter value converted to the field's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `null`.
    Null,
    /// JSON-comparable value (text, id, number, boolean, date, datetime).
    Value(serde_json::Value),
    /// A date function: inclusive low, high bound and whether high is inclusive.
    Range(String, String, bool),
}

/// A resolved condition.
#[derive(Clone, Debug)]
pub enum BoundCondition {
    /// All hold.
    And(Vec<BoundCondition>),
    /// One holds.
    Or(Vec<BoundCondition>),
    /// Does not hold.
    Not(Box<BoundCondition>),
    /// Comparison.
    Compare(FieldRef, &'static str, Operand),
    /// Membership in a list.
    In(FieldRef, bool, Vec<Operand>),
    /// Membership in a semi-join's results.
    InQuery(FieldRef, bool, Box<BoundQuery>),
    /// LIKE pattern.
    Like(FieldRef, String),
    /// Membership in a prepared semi-join result (text lower-cased).
    InSet(FieldRef, bool, std::collections::HashSet<String>),
}

/// A resolved select item.
#[derive(Clone, Debug)]
pub enum BoundItem {
    /// A field (maybe through parents).
    Field(FieldRef),
    /// A child subquery.
    Child(&'static ChildRelationship, Box<BoundQuery>),
}

/// A resolved ORDER BY key: field, descending, nulls first.
pub type BoundOrder = (FieldRef, bool, bool);

/// A query ready to run.
#[derive(Clone, Debug)]
pub struct BoundQuery {
    /// Queried object.
    pub object: &'static ObjectDef,
    /// Select items (empty for COUNT()).
    pub select: Vec<BoundItem>,
    /// Whether it is `SELECT COUNT()`.
    pub count: bool,
    /// WHERE.
    pub filter: Option<BoundCondition>,
    /// ORDER BY.
    pub order_by: Vec<BoundOrder>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}

/// Binds a top-level query; `today` anchors date functions.
pub fn bind(query: &Query, today: NaiveDate) -> Result<BoundQuery, SoqlError> {
    let object = schema().object(&query.from).ok_or_else(|| {
        SoqlError::new(
            "INVALID_TYPE",
            query.from_pos,
            format!("sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", query.from),
        )
    })?;
    bind_on(query, object, today)
}

fn bind_on(
    query: &Query,
    object: &'static ObjectDef,
    today: NaiveDate,
) -> Result<BoundQuery, SoqlError> {
    let count = query
        .select
        .iter()
        .any(|item| matches!(item, SelectItem::Count));
    if count && query.select.len() > 1 {
        return Err(SoqlError::malformed(
            query.from_pos,
            "unexpected token: COUNT".into(),
        ));
    }
    let mut select = Vec::new();
    for item in &query.select {
        match item {
            SelectItem::Field(path) => select.push(BoundItem::Field(resolve(object, path)?)),
            SelectItem::SubQuery(sub) => {
                let relationship = object.child(&sub.from).ok_or_else(|| {
                    SoqlError::new(
                        "INVALID_TYPE",
                        sub.from_pos,
                        format!("Didn't understand relationship '{}' in FROM part of query call. {CUSTOM_HINT_RELATIONSHIP}", sub.from),
                    )
                })?;
                let child = schema()
                    .object(relationship.child)
                    .expect("child relationships name known objects");
                select.push(BoundItem::Child(
                    relationship,
                    Box::new(bind_on(sub, child, today)?),
                ));
            }
            SelectItem::Count => {}
        }
    }
    let filter = query
        .filter
        .as_ref()
        .map(|c| bind_condition(object, c, today))
        .transpose()?;
    let order_by = query
        .order_by
        .iter()
        .map(|key| bind_order(object, key))
        .collect::<Result<_, _>>()?;
    Ok(BoundQuery {
        object,
        select,
        count,
        filter,
        order_by,
        limit: query.limit,
        offset: query.offset,
    })
}

fn bind_order(object: &'static ObjectDef, key: &OrderKey) -> Result<BoundOrder, SoqlError> {
    let field = resolve(object, &key.path)?;
    // SOQL sorts nulls first ascending and last descending unless told otherwise.
    let nulls_first = key.nulls_first.unwrap_or(!key.descending);
    Ok((field, key.descending, nulls_first))
}

/// Resolves a field path on `object`.
pub fn resolve(object: &'static ObjectDef, path: &Path) -> Result<FieldRef, SoqlError> {
    let mut parts: &[String] = &path.parts;
    // A path may be qualified with the queried object's name (`Contact.Name`).
    if parts.len() > 1
        && parts[0].eq_ignore_ascii_case(object.name)
        && object.relationship(&parts[0]).is_none()
    {
        parts = &parts[1..];
    }
    let (last, hops) = parts.split_last().expect("a path has at least one part");
    let mut current = object;
    let mut steps = Vec::new();
    for hop in hops {
        let lookup = current.relationship(hop);
        let target = lookup
            .and_then(|l| l.reference_to)
            .and_then(|name| schema().object(name));
        let (Some(lookup), Some(target)) = (lookup, target) else {
            return Err(SoqlError::new(
                "INVALID_FIELD",
                path.pos,
                format!("Didn't understand relationship '{hop}' in field path. {CUSTOM_HINT_RELATIONSHIP}"),
            ));
        };
        let relationship = lookup
            .relationship_name
            .expect("lookups found by relationship have one");
        steps.push(Step {
            lookup,
            relationship,
            object: target,
        });
        current = target;
    }
    let field = current.field(last).ok_or_else(|| {
        SoqlError::new(
            "INVALID_FIELD",
            path.pos,
            format!(
                "No such column '{last}' on entity '{}'. {CUSTOM_HINT_FIELD}",
                current.name
            ),
        )
    })?;
    Ok(FieldRef { steps, field })
}

fn bind_condition(
    object: &'static ObjectDef,
    condition: &Condition,
    today: NaiveDate,
) -> Result<BoundCondition, SoqlError> {
    let bind_all = |terms: &[Condition]| -> Result<Vec<BoundCondition>, SoqlError> {
        terms
            .iter()
            .map(|t| bind_condition(object, t, today))
            .collect()
    };
    Ok(match condition {
        Condition::And(terms) => BoundCondition::And(bind_all(terms)?),
        Condition::Or(terms) => BoundCondition::Or(bind_all(terms)?),
        Condition::Not(inner) => {
            BoundCondition::Not(Box::new(bind_condition(object, inner, today)?))
        }
        Condition::Compare(path, op, literal, pos) => {
            let field = resolve(object, path)?;
            let operand = operand(field.field, literal, *pos, today)?;
            BoundCondition::Compare(field, op, operand)
        }
        Condition::In(path, negated, literals, pos) => {
            let field = resolve(object, path)?;
            let operands = literals
                .iter()
                .map(|l| operand(field.field, l, *pos, today))
                .collect::<Result<_, _>>()?;
            BoundCondition::In(field, *negated, operands)
        }
        Condition::InQuery(path, negated, sub) => {
            let field = resolve(object, path)?;
            let bound = bind(sub, today)?;
            if bound.select.len() != 1 || !matches!(bound.select[0], BoundItem::Field(_)) {
                return Err(SoqlError::malformed(
                    sub.from_pos,
                    "The selected field in a semi join sub-select must be a single field".into(),
                ));
            }
            BoundCondition::InQuery(field, *negated, Box::new(bound))
        }
        Condition::Like(path, pattern, pos) => {
            let field = resolve(object, path)?;
            if !field.field.kind.is_text()
                && field.field.kind != FieldType::Id
                && field.field.kind != FieldType::Reference
            {
                return Err(SoqlError::new(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    *pos,
                    format!("invalid operator on {} field", field.field.kind.api_name()),
                ));
            }
            BoundCondition::Like(field, pattern.clone())
        }
    })
}

fn type_error(field: &FieldDef, pos: usize, quoted: bool) -> SoqlError {
    let kind = match field.kind {
        FieldType::DateTime => "dateTime",
        kind if kind.is_text() => "string",
        kind => kind.api_name(),
    };
    let quotes = if quoted {
        "should be enclosed in quotes"
    } else {
        "should not be enclosed in quotes"
    };
    SoqlError::new(
        "INVALID_FIELD",
        pos,
        format!(
            "value of filter criterion for field '{}' must be of type {kind} and {quotes}",
            field.name
        ),
    )
}

/// Converts a literal to the type of `field`.
fn operand(
    field: &FieldDef,
    literal: &Literal,
    pos: usize,
    today: NaiveDate,
) -> Result<Operand, SoqlError> {
    use serde_json::Value;
    let kind = field.kind;
    let value = match (kind, literal) {
        (_, Literal::Null) => return Ok(Operand::Null),
        (FieldType::Id | FieldType::Reference, Literal::Str(text)) => {
            let id = ids::normalize(text).ok_or_else(|| {
                SoqlError::new(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    pos,
                    format!("invalid ID field: {text}"),
                )
            })?;
            Value::String(id)
        }
        (k, Literal::Str(text)) if k.is_text() => Value::String(like::plain(text)),
        (FieldType::Boolean, Literal::Bool(b)) => Value::Bool(*b),
        (k, Literal::Num(n)) if k.is_number() => serde_json::Number::from_f64(*n)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        (FieldType::Date, Literal::Date(text)) => {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| type_error(field, pos, false))?;
            Value::String(day.format("%Y-%m-%d").to_string())
        }
        (FieldType::DateTime, Literal::DateTime(text)) => {
            let at = parse_datetime(text).ok_or_else(|| type_error(field, pos, false))?;
            Value::String(format_datetime(at))
        }
        (FieldType::Date | FieldType::DateTime, Literal::DateFunction(name, n)) => {
            return Ok(date_range(kind, name, n.unwrap_or(0), today));
        }
        (k, _) => {
            return Err(type_error(
                field,
                pos,
                k.is_text() || matches!(k, FieldType::Id | FieldType::Reference),
            ))
        }
    };
    Ok(Operand::Value(value))
}

/// Turns a date function into a range of the field's values.
fn date_range(kind: FieldType, name: &str, n: u32, today: NaiveDate) -> Operand {
    let days = Duration::days(i64::from(n));
    let (low, high) = match name {
        "YESTERDAY" => (today - Duration::days(1), today - Duration::days(1)),
        "TOMORROW" => (today + Duration::days(1), today + Duration::days(1)),
        "LAST_N_DAYS" => (today - days, today),
        "NEXT_N_DAYS" => (today + Duration::days(1), today + days),
        "N_DAYS_AGO" => (today - days, today - days),
        _ => (today, today),
    };
    if kind == FieldType::Date {
        return Operand::Range(
            low.format("%Y-%m-%d").to_string(),
            high.format("%Y-%m-%d").to_string(),
            true,
        );
    }
    let start = |day: NaiveDate| {
        format_datetime(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
    };
    Operand::Range(start(low), start(high + Duration::days(1)), false)
}
