//! Describe: the global list of objects and each object's fields (type,
//! label, flags, picklist values, lookups) and child relationships, built
//! from the schema, plus the sObject basic-info and updated/deleted resources.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::clock::{format_datetime, parse_datetime};
use super::errors::{ApiError, ApiResult};
use super::rest::{Ctx, Reply};
use super::schema::{schema, FieldDef, ObjectDef};
use super::state::AppState;
use super::store::{id_of, is_deleted, text};
use super::write::object_def;

fn urls(ctx: &Ctx, def: &ObjectDef) -> Value {
    let base = format!("/services/data/v{}/sobjects/{}", ctx.version, def.name);
    json!({
        "sobject": base,
        "describe": format!("{base}/describe"),
        "rowTemplate": format!("{base}/{{ID}}"),
    })
}

fn summary(ctx: &Ctx, def: &ObjectDef) -> Value {
    json!({
        "name": def.name,
        "label": def.label,
        "labelPlural": def.label_plural,
        "keyPrefix": def.key_prefix,
        "custom": false,
        "queryable": true,
        "createable": true,
        "updateable": true,
        "deletable": true,
        "searchable": true,
        "retrieveable": true,
        "layoutable": true,
        "urls": urls(ctx, def),
    })
}

/// `GET …/sobjects`.
pub fn describe_global(ctx: &Ctx) -> Reply {
    let sobjects: Vec<Value> = schema()
        .objects
        .iter()
        .map(|def| summary(ctx, def))
        .collect();
    Reply::ok(json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}))
}

/// `GET …/sobjects/{Type}`: basic information.
pub fn info(ctx: &Ctx, object: &str) -> ApiResult<Reply> {
    let def = object_def(object)?;
    Ok(Reply::ok(
        json!({"objectDescribe": summary(ctx, def), "recentItems": []}),
    ))
}

fn describe_field(field: &FieldDef) -> Value {
    let picklist: Vec<Value> = field
        .picklist
        .iter()
        .map(|v| json!({"value": v, "label": v, "active": true, "defaultValue": false, "validFor": null}))
        .collect();
    json!({
        "name": field.name,
        "label": field.label,
        "type": field.kind.api_name(),
        "soapType": field.kind.soap_type(),
        "length": field.length,
        "precision": if field.kind.is_number() { 18 } else { 0 },
        "scale": if field.kind.is_number() { 2 } else { 0 },
        "custom": field.custom,
        "nillable": field.nillable,
        "createable": field.createable,
        "updateable": field.updateable,
        "defaultedOnCreate": field.defaulted_on_create,
        "defaultValue": field.default_value.clone().filter(|v| !v.is_null()),
        "calculated": false,
        "unique": false,
        "externalId": field.external_id,
        "idLookup": field.external_id || field.name == "Id",
        "filterable": true,
        "sortable": true,
        "restrictedPicklist": field.restricted,
        "picklistValues": picklist,
        "referenceTo": field.reference_to.into_iter().collect::<Vec<_>>(),
        "relationshipName": field.relationship_name,
    })
}

/// `GET …/sobjects/{Type}/describe`.
pub fn describe(ctx: &Ctx, object: &str) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let mut body = summary(ctx, def);
    body["fields"] = Value::Array(def.fields.iter().map(describe_field).collect());
    body["childRelationships"] = Value::Array(
        def.children
            .iter()
            .map(|c| json!({"childSObject": c.child, "field": c.field, "relationshipName": c.name, "cascadeDelete": c.cascade_delete}))
            .collect(),
    );
    body["recordTypeInfos"] = json!([]);
    Ok(Reply::ok(body))
}

fn window(
    start: Option<&String>,
    end: Option<&String>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let parse = |v: Option<&String>, name: &str| {
        v.and_then(|t| parse_datetime(t)).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_DATE_FORMAT",
                format!("Missing or malformed {name} parameter"),
            )
        })
    };
    Ok((parse(start, "start")?, parse(end, "end")?))
}

/// `GET …/sobjects/{Type}/updated?start=&end=` (by SystemModstamp).
pub fn updated(
    app: &AppState,
    object: &str,
    start: Option<&String>,
    end: Option<&String>,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let (from, to) = window(start, end)?;
    let (from, to) = (format_datetime(from), format_datetime(to));
    let store = app.read();
    let ids: Vec<&str> = store
        .table(def.name)
        .filter(|r| !is_deleted(r))
        .filter(|r| {
            text(r, "SystemModstamp").is_some_and(|m| m >= from.as_str() && m <= to.as_str())
        })
        .map(id_of)
        .collect();
    Ok(Reply::ok(json!({"ids": ids, "latestDateCovered": to})))
}

/// `GET …/sobjects/{Type}/deleted?start=&end=`.
pub fn deleted(
    app: &AppState,
    object: &str,
    start: Option<&String>,
    end: Option<&String>,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let (from, to) = window(start, end)?;
    let (from, to) = (format_datetime(from), format_datetime(to));
    let store = app.read();
    let records: Vec<Value> = store
        .table(def.name)
        .filter(|r| is_deleted(r))
        .filter(|r| {
            text(r, "SystemModstamp").is_some_and(|m| m >= from.as_str() && m <= to.as_str())
        })
        .map(|r| json!({"id": id_of(r), "deletedDate": r["SystemModstamp"]}))
        .collect();
    Ok(Reply::ok(
        json!({"deletedRecords": records, "earliestDateAvailable": from, "latestDateCovered": to}),
    ))
}
