//! sObject Collections (`composite/sobjects`): create, update, upsert and
//! delete up to 200 records in one call, with per-record results
//! (`statusCode` errors) and `allOrNone` rollback; and retrieve by ids.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::errors::{ApiError, ApiResult};
use super::rest::{Ctx, Reply};
use super::sobjects::{body_object, render_record};
use super::state::AppState;
use super::store::Store;
use super::write::object_def;

/// Most records one collection call may carry.
pub const MAX_RECORDS: usize = 200;

/// Refuses more than 200 records. The code and message follow what the
/// public docs and client libraries show for oversized collections;
/// treat the wording as approximate.
fn check_size(count: usize) -> ApiResult<()> {
    if count > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!("record limit reached. cannot submit more than {MAX_RECORDS} records into this call"),
        ));
    }
    Ok(())
}

fn record_error(code: &str, message: &str) -> ApiError {
    ApiError::on_fields(code, message, &[])
}

/// Runs `operation` on every item inside one journal; with `all_or_none`
/// a single failure rolls every write back.
fn run_items<T>(
    app: &AppState,
    store: &mut Store,
    items: &[T],
    all_or_none: bool,
    mut operation: impl FnMut(&mut Store, &T) -> ApiResult<(String, Option<bool>)>,
) -> Value {
    let lock_failure = app.take_lock_row_failure();
    let savepoint = store.begin();
    let results: Vec<ApiResult<(String, Option<bool>)>> = items
        .iter()
        .map(|item| {
            if lock_failure {
                return Err(record_error(
                    "UNABLE_TO_LOCK_ROW",
                    "unable to obtain exclusive access to this record or 1 records",
                ));
            }
            operation(store, item)
        })
        .collect();
    let failed = results.iter().any(Result::is_err);
    if all_or_none && failed {
        store.rollback(savepoint);
    } else {
        store.commit(savepoint);
    }
    let rendered = results.into_iter().map(|result| match result {
        Ok(_) if all_or_none && failed => json!({
            "success": false,
            "errors": record_error("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records were valid and the request was using AllOrNone header").to_record_errors(),
        }),
        Ok((id, created)) => {
            let mut ok = json!({"id": id, "success": true, "errors": []});
            if let Some(created) = created {
                ok["created"] = Value::Bool(created);
            }
            ok
        }
        Err(error) => json!({"success": false, "errors": error.to_record_errors()}),
    });
    Value::Array(rendered.collect())
}

fn records_of(body: &Value) -> ApiResult<(&Vec<Value>, bool)> {
    let object = body_object(body)?;
    let records = object
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::json_parser("Missing records array"))?;
    check_size(records.len())?;
    let all_or_none = object
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((records, all_or_none))
}

fn record_type(record: &Map<String, Value>) -> ApiResult<&str> {
    record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| record_error("INVALID_TYPE", "Must send a concrete entity type."))
}

fn strip(record: &Map<String, Value>, drop: &[&str]) -> Map<String, Value> {
    record
        .iter()
        .filter(|(k, _)| !drop.iter().any(|d| d.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `POST …/composite/sobjects`: create.
pub fn create(app: &AppState, store: &mut Store, body: &Value) -> ApiResult<Reply> {
    let (records, all_or_none) = records_of(body)?;
    Ok(Reply::ok(run_items(
        app,
        store,
        records,
        all_or_none,
        |store, record| {
            let record = body_object(record)?;
            let object = record_type(record)?;
            if record.keys().any(|k| k.eq_ignore_ascii_case("id")) {
                return Err(ApiError::on_fields(
                    "INVALID_FIELD",
                    "cannot specify Id in an insert call",
                    &["Id"],
                ));
            }
            Ok((store.insert(object, record)?, None))
        },
    )))
}

/// `PATCH …/composite/sobjects`: update (each record carries its id).
pub fn update(app: &AppState, store: &mut Store, body: &Value) -> ApiResult<Reply> {
    let (records, all_or_none) = records_of(body)?;
    Ok(Reply::ok(run_items(
        app,
        store,
        records,
        all_or_none,
        |store, record| {
            let record = body_object(record)?;
            let id = ["id", "Id", "ID"]
                .iter()
                .find_map(|k| record.get(*k).and_then(Value::as_str))
                .ok_or_else(|| {
                    record_error("MISSING_ARGUMENT", "Id not specified in an update call")
                })?
                .to_string();
            let object = record_type(record)?;
            store.update(object, &id, &strip(record, &["id"]))?;
            Ok((super::ids::normalize(&id).unwrap_or(id), None))
        },
    )))
}

/// `PATCH …/composite/sobjects/{Type}/{ExtIdField}`: upsert.
pub fn upsert(
    app: &AppState,
    store: &mut Store,
    object: &str,
    field: &str,
    body: &Value,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    let ext = def
        .field(field)
        .filter(|f| f.external_id)
        .ok_or_else(ApiError::not_found)?;
    let (records, all_or_none) = records_of(body)?;
    Ok(Reply::ok(run_items(
        app,
        store,
        records,
        all_or_none,
        |store, record| {
            let record = body_object(record)?;
            let value = record
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(ext.name))
                .and_then(|(_, v)| v.as_str())
                .ok_or_else(|| {
                    ApiError::on_fields(
                        "MISSING_ARGUMENT",
                        format!("{} not specified", ext.name),
                        &[ext.name],
                    )
                })?
                .to_string();
            let outcome = store.upsert(def.name, ext.name, &value, &strip(record, &[ext.name]))?;
            Ok((outcome.id, Some(outcome.created)))
        },
    )))
}

/// `DELETE …/composite/sobjects?ids=…&allOrNone=…`.
pub fn delete(app: &AppState, store: &mut Store, ids: &str, all_or_none: bool) -> ApiResult<Reply> {
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    check_size(ids.len())?;
    Ok(Reply::ok(run_items(
        app,
        store,
        &ids,
        all_or_none,
        |store, id| {
            let normalized = super::ids::normalize(id)
                .ok_or_else(|| record_error("MALFORMED_ID", &format!("malformed id {id}")))?;
            let Some((def, _)) = store.get_any(&normalized) else {
                return Err(record_error(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                ));
            };
            store.delete(def.name, &normalized)?;
            Ok((normalized, None))
        },
    )))
}

/// `GET …/composite/sobjects/{Type}?ids=…&fields=…`: records in id order, `null` when missing.
pub fn retrieve(
    store: &Store,
    ctx: &Ctx,
    object: &str,
    ids: &str,
    fields: &str,
) -> ApiResult<Reply> {
    let def = object_def(object)?;
    if fields.trim().is_empty() {
        return Err(ApiError::bad_request(
            "MALFORMED_QUERY",
            "fields parameter is required",
        ));
    }
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let records = ids
        .iter()
        .map(|id| match store.live_record(def, id) {
            Ok(record) => render_record(ctx, def, record, Some(fields)),
            Err(_) => Ok(Value::Null),
        })
        .collect::<ApiResult<Vec<Value>>>()?;
    Ok(Reply {
        status: StatusCode::OK,
        body: Some(Value::Array(records)),
        location: None,
    })
}
