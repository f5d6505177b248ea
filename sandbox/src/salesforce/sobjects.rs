//! sObject rows: create, read (with `?fields=`), update, delete, upsert and
//! read by external id. Core functions take parsed input so `composite`
//! can call them too; the axum handlers are thin wrappers.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::errors::{ApiError, ApiResult};
use super::rest::{Ctx, Reply};
use super::schema::ObjectDef;
use super::state::AppState;
use super::store::{Record, Store, ID};
use super::write::object_def;

/// First API version whose upsert-update answers 200 with `created: false`
/// (earlier ones answer 204); the `created` flag appeared in 46.0.
pub const UPSERT_BODY_VERSION: u32 = 46;

/// Parses a JSON request body as Salesforce does (`JSON_PARSER_ERROR`).
pub fn parse_body(bytes: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::json_parser(format!("{e}")))
}

/// Returns the body as a JSON object or the parser error.
pub fn body_object(body: &Value) -> ApiResult<&Map<String, Value>> {
    body.as_object().ok_or_else(|| {
        ApiError::json_parser("Cannot deserialize instance of sObject from START_ARRAY value or request may be missing a required field")
    })
}

fn lock_row_check(app: &AppState, what: &str) -> ApiResult<()> {
    if app.take_lock_row_failure() {
        return Err(ApiError::bad_request(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record or 1 records: {what}"),
        ));
    }
    Ok(())
}

/// Returns the URL path of a record.
pub fn record_url(ctx: &Ctx, object: &str, id: &str) -> String {
    format!("/services/data/v{}/sobjects/{object}/{id}", ctx.version)
}

/// Renders a stored record with its `attributes`, optionally only `fields`.
pub fn render_record(
    ctx: &Ctx,
    def: &ObjectDef,
    record: &Record,
    fields: Option<&str>,
) -> ApiResult<Value> {
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": def.name, "url": record_url(ctx, def.name, record[ID].as_str().unwrap_or_default())}),
    );
    match fields.filter(|f| !f.trim().is_empty()) {
        None => out.extend(record.iter().map(|(k, v)| (k.clone(), v.clone()))),
        Some(list) => {
            for name in list.split(',').map(str::trim) {
                let field = def.field(name).ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_FIELD",
                        format!("No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", def.name),
                    )
                })?;
                out.insert(
                    field.name.into(),
                    record.get(field.name).cloned().unwrap_or(Value::Null),
                );
            }
        }
    }
    Ok(Value::Object(out))
}

/// `POST …/sobjects/{Type}`: 201 with `{id, success, errors}` and `Location`.
pub fn create(
    app: &AppState,
    store: &mut Store,
    ctx: &Ctx,
    object: &str,
    body: &Value,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let fields = body_object(body)?;
    lock_row_check(app, "new record")?;
    let id = store.insert(def.name, fields)?;
    Ok(Reply {
        status: StatusCode::CREATED,
        location: Some(record_url(ctx, def.name, &id)),
        body: Some(json!({"id": id, "success": true, "errors": []})),
    })
}

/// `GET …/sobjects/{Type}/{Id}[?fields=]`.
pub fn get(
    store: &Store,
    ctx: &Ctx,
    object: &str,
    id: &str,
    fields: Option<&str>,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let record = store.live_record(def, id)?;
    Ok(Reply::ok(render_record(ctx, def, record, fields)?))
}

/// `PATCH …/sobjects/{Type}/{Id}`: 204.
pub fn update(
    app: &AppState,
    store: &mut Store,
    object: &str,
    id: &str,
    body: &Value,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let fields = body_object(body)?;
    lock_row_check(app, id)?;
    store.update(def.name, id, fields)?;
    Ok(Reply::no_content())
}

/// `DELETE …/sobjects/{Type}/{Id}`: 204.
pub fn delete(app: &AppState, store: &mut Store, object: &str, id: &str) -> ApiResult<Reply> {
    let def = object_def(object)?;
    lock_row_check(app, id)?;
    store.delete(def.name, id)?;
    Ok(Reply::no_content())
}

/// `PATCH …/sobjects/{Type}/{Field}/{Value}`: 201 when created; 200 with
/// `created: false` when updated (204 before API 46.0).
pub fn upsert(
    app: &AppState,
    store: &mut Store,
    ctx: &Ctx,
    object: &str,
    field: &str,
    value: &str,
    body: &Value,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let fields = body_object(body)?;
    lock_row_check(app, value)?;
    let outcome = store.upsert(def.name, field, value, fields)?;
    let mut answer = json!({"id": outcome.id, "success": true, "errors": []});
    if ctx.version_number >= UPSERT_BODY_VERSION {
        answer["created"] = Value::Bool(outcome.created);
    }
    Ok(
        match (outcome.created, ctx.version_number >= UPSERT_BODY_VERSION) {
            (true, _) => Reply {
                status: StatusCode::CREATED,
                location: Some(record_url(ctx, def.name, &outcome.id)),
                body: Some(answer),
            },
            (false, true) => Reply::ok(answer),
            (false, false) => Reply::no_content(),
        },
    )
}

/// `GET …/sobjects/{Type}/{Field}/{Value}`: the record, 300 when several match.
pub fn get_by_external_id(
    store: &Store,
    ctx: &Ctx,
    object: &str,
    field: &str,
    value: &str,
    fields: Option<&str>,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let ext = def
        .field(field)
        .filter(|f| f.external_id)
        .ok_or_else(ApiError::not_found)?;
    let matches = store.find_by_external_id(def, ext.name, value);
    match matches.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => Ok(Reply::ok(render_record(
            ctx,
            def,
            store.live_record(def, id)?,
            fields,
        )?)),
        many => Ok(Reply {
            status: StatusCode::MULTIPLE_CHOICES,
            location: None,
            body: Some(Value::Array(
                many.iter()
                    .map(|id| Value::String(record_url(ctx, def.name, id)))
                    .collect(),
            )),
        }),
    }
}

/// `DELETE …/sobjects/{Type}/{Field}/{Value}`.
pub fn delete_by_external_id(
    app: &AppState,
    store: &mut Store,
    object: &str,
    field: &str,
    value: &str,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let ext = def
        .field(field)
        .filter(|f| f.external_id)
        .ok_or_else(ApiError::not_found)?;
    let matches = store.find_by_external_id(def, ext.name, value);
    match matches.as_slice() {
        [id] => {
            let id = id.clone();
            delete(app, store, def.name, &id)
        }
        [] => Err(ApiError::not_found()),
        _ => Err(ApiError::new(
            StatusCode::MULTIPLE_CHOICES,
            "MULTIPLE_RECORDS",
            "more than one record found for external id field",
        )),
    }
}
