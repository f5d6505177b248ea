//! Checks and converts the field values of a create or update body the way
//! Salesforce does: unknown and read-only fields, types, lengths, e-mail
//! syntax, restricted picklists and lookups, each with Salesforce's error.

use serde_json::{Map, Number, Value};

use super::clock::{format_datetime, parse_datetime};
use super::errors::{ApiError, ApiResult};
use super::ids;
use super::schema::{schema, FieldDef, FieldType, ObjectDef};
use super::store::Store;

/// Whether the body creates or updates a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Create: fields must be createable.
    Create,
    /// Update: fields must be updateable.
    Update,
}

/// Keys of a record body that are not fields.
const NON_FIELD_KEYS: &[&str] = &["attributes"];

/// Converts a body into checked `(field, value)` pairs.
pub fn coerce_body<'d>(
    store: &Store,
    def: &'d ObjectDef,
    body: &Map<String, Value>,
    mode: Mode,
) -> ApiResult<Vec<(&'d FieldDef, Value)>> {
    let mut values = Vec::with_capacity(body.len());
    for (key, value) in body {
        if NON_FIELD_KEYS.contains(&key.as_str()) {
            continue;
        }
        let Some(field) = def.field(key) else {
            return Err(ApiError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", def.name),
            ));
        };
        // An update body may repeat the record's own Id (collections carry it).
        if mode == Mode::Update && field.name == "Id" {
            continue;
        }
        let writable = match mode {
            Mode::Create => field.createable,
            Mode::Update => field.updateable,
        };
        if !writable {
            return Err(ApiError::on_fields(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!(
                    "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    field.name
                ),
                &[field.name],
            ));
        }
        values.push((field, coerce_value(store, field, value)?));
    }
    Ok(values)
}

/// Converts one value to the field's stored JSON form.
pub fn coerce_value(store: &Store, field: &FieldDef, value: &Value) -> ApiResult<Value> {
    if value.is_null() || value.as_str() == Some("") {
        return null_value(field);
    }
    match field.kind {
        FieldType::Boolean => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| parser_error("boolean", value)),
        FieldType::Id | FieldType::Reference => coerce_reference(store, field, value),
        FieldType::Date => coerce_date(value),
        FieldType::DateTime => value
            .as_str()
            .and_then(parse_datetime)
            .map(|at| Value::String(format_datetime(at)))
            .ok_or_else(|| parser_error("datetime", value)),
        FieldType::Int => as_number(value)
            .filter(|n| n.fract() == 0.0)
            .map(|n| Value::from(n as i64))
            .ok_or_else(|| parser_error("int", value)),
        kind if kind.is_number() => as_number(value)
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| parser_error("double", value)),
        _ => coerce_text(field, value),
    }
}

fn null_value(field: &FieldDef) -> ApiResult<Value> {
    if field.kind == FieldType::Boolean {
        return Ok(Value::Bool(false));
    }
    if !field.nillable {
        return Err(required_missing(&[field.name]));
    }
    Ok(Value::Null)
}

/// Builds `REQUIRED_FIELD_MISSING` for `fields`.
pub fn required_missing(fields: &[&str]) -> ApiError {
    ApiError::on_fields(
        "REQUIRED_FIELD_MISSING",
        format!("Required fields are missing: [{}]", fields.join(", ")),
        fields,
    )
}

fn parser_error(kind: &str, value: &Value) -> ApiError {
    let shown = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let token = match value {
        Value::String(_) => "VALUE_STRING",
        Value::Bool(_) => "VALUE_TRUE",
        Value::Number(_) => "VALUE_NUMBER_INT",
        _ => "START_OBJECT",
    };
    ApiError::json_parser(format!(
        "Cannot deserialize instance of {kind} from {token} value {shown} or request may be missing a required field"
    ))
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn coerce_date(value: &Value) -> ApiResult<Value> {
    let text = value.as_str().ok_or_else(|| parser_error("date", value))?;
    let day = text.get(..10).unwrap_or(text);
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
        .map_err(|_| parser_error("date", value))
}

fn coerce_text(field: &FieldDef, value: &Value) -> ApiResult<Value> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        _ => return Err(parser_error("string", value)),
    };
    if text.chars().count() > field.length as usize {
        return Err(ApiError::on_fields(
            "STRING_TOO_LONG",
            format!(
                "{}: data value too large: {} (max length={})",
                field.label,
                text.chars().take(40).collect::<String>(),
                field.length
            ),
            &[field.name],
        ));
    }
    if field.kind == FieldType::Email && !is_email(&text) {
        return Err(ApiError::on_fields(
            "INVALID_EMAIL_ADDRESS",
            format!("{}: invalid email address: {text}", field.label),
            &[field.name],
        ));
    }
    if field.restricted && !field.picklist.contains(&text.as_str()) {
        return Err(ApiError::on_fields(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            format!(
                "{}: bad value for restricted picklist field: {text}",
                field.label
            ),
            &[field.name],
        ));
    }
    Ok(Value::String(text))
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !text.contains(' ')
}

fn coerce_reference(store: &Store, field: &FieldDef, value: &Value) -> ApiResult<Value> {
    let text = value.as_str().unwrap_or_default();
    let id = ids::normalize(text)
        .ok_or_else(|| ApiError::malformed_id(field.label, &value.to_string(), field.name))?;
    let Some(target) = field.reference_to.and_then(|name| schema().object(name)) else {
        // Lookups to objects the sandbox does not hold (User) take any well-formed id.
        return Ok(Value::String(id));
    };
    if ids::prefix(&id) != target.key_prefix {
        return Err(ApiError::on_fields(
            "FIELD_INTEGRITY_EXCEPTION",
            format!(
                "field integrity exception: unknown ({}: id value of incorrect type: {id})",
                field.label
            ),
            &[field.name],
        ));
    }
    if store.get_live(&id).is_none() {
        return Err(ApiError::on_fields(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &[],
        ));
    }
    Ok(Value::String(id))
}
