//! `composite`: up to 25 subrequests in one call (one API request against
//! the allocation), run in order with `@{ref.path}` references to earlier
//! results, and `allOrNone` rollback. Subrequests are dispatched to the same
//! core functions as the REST routes, under one store lock: a read lock when
//! every subrequest is a `GET` (such calls run side by side, as Salesforce
//! serves concurrent reads), the write lock otherwise.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::collections;
use super::describe;
use super::errors::{ApiError, ApiResult};
use super::limits::parse_version;
use super::query::{query_more, run_query, MAX_BATCH, QUERY, QUERY_ALL};
use super::rest::{Ctx, Reply};
use super::sobjects;
use super::state::AppState;
use super::store::Store;

/// Most subrequests one composite call may carry.
pub const MAX_SUBREQUESTS: usize = 25;
/// Most of them that may be sObject Collections or query operations.
pub const MAX_COLLECTION_OR_QUERY_SUBREQUESTS: usize = 5;
/// Prefix of every subrequest URL.
const DATA_PREFIX: &str = "/services/data/";

/// A subrequest as sent.
struct SubRequest {
    method: String,
    url: String,
    reference_id: String,
    body: Value,
}

/// `POST …/composite`.
pub fn composite(app: &AppState, ctx: &Ctx, body: &Value) -> ApiResult<Reply> {
    let object = sobjects::body_object(body)?;
    let all_or_none = object
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let requests = parse_requests(object)?;
    let read_only = requests
        .iter()
        .all(|r| r.method.eq_ignore_ascii_case("GET"));
    let (results, halted) = if read_only {
        let store = app.read();
        run_requests(app, ctx, &requests, all_or_none, Access::Read(&store))
    } else {
        let mut store = app.write_by(ctx);
        let savepoint = store.begin();
        let (results, halted) =
            run_requests(app, ctx, &requests, all_or_none, Access::Write(&mut store));
        if halted {
            store.rollback(savepoint);
        } else {
            store.commit(savepoint);
        }
        (results, halted)
    };
    let responses: Vec<Value> = results
        .into_iter()
        .map(|(reference_id, result)| {
            let result = match result {
                Ok(_) if halted => Err(rolled_back()),
                other => other,
            };
            render(reference_id, result)
        })
        .collect();
    Ok(Reply::ok(json!({"compositeResponse": responses})))
}

/// The store as a composite call holds it.
enum Access<'a> {
    Read(&'a Store),
    Write(&'a mut Store),
}

impl Access<'_> {
    fn read(&self) -> &Store {
        match self {
            Self::Read(store) => store,
            Self::Write(store) => store,
        }
    }

    fn write(&mut self) -> ApiResult<&mut Store> {
        match self {
            Self::Write(store) => Ok(store),
            // A call with other methods than GET takes the write lock.
            Self::Read(_) => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN_EXCEPTION",
                "a write subrequest in a read-only composite call",
            )),
        }
    }
}

/// Runs the subrequests in order; returns each one's result and whether
/// `allOrNone` halted the call.
fn run_requests(
    app: &AppState,
    ctx: &Ctx,
    requests: &[SubRequest],
    all_or_none: bool,
    mut store: Access<'_>,
) -> (Vec<(String, ApiResult<Reply>)>, bool) {
    let mut results: Vec<(String, ApiResult<Reply>)> = Vec::new();
    let mut bodies: HashMap<String, Value> = HashMap::new();
    let mut halted = false;
    // Results are kept for `@{ref…}` only when a subrequest refers to one.
    let referenced = requests
        .iter()
        .any(|request| request.url.contains("@{") || request.body.to_string().contains("@{"));
    for request in requests {
        if halted {
            results.push((request.reference_id.clone(), Err(rolled_back())));
            continue;
        }
        let result = resolve_references(request, &bodies)
            .and_then(|(url, body)| dispatch(app, &mut store, ctx, &request.method, &url, &body));
        match &result {
            Ok(reply) if referenced => {
                bodies.insert(
                    request.reference_id.clone(),
                    reply.body.clone().unwrap_or(Value::Null),
                );
            }
            Ok(_) => {}
            Err(_) if all_or_none => halted = true,
            Err(_) => {}
        }
        results.push((request.reference_id.clone(), result));
    }
    (results, halted)
}

fn parse_requests(object: &Map<String, Value>) -> ApiResult<Vec<SubRequest>> {
    let list = object
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::json_parser("Missing compositeRequest array"))?;
    if list.len() > MAX_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "INVALID_BATCH_REQUEST",
            format!("Composite Request limit of {MAX_SUBREQUESTS} subrequests exceeded"),
        ));
    }
    let heavy = list
        .iter()
        .filter_map(|item| item.get("url").and_then(Value::as_str))
        .filter(|url| is_collection_or_query(url))
        .count();
    if heavy > MAX_COLLECTION_OR_QUERY_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "INVALID_BATCH_REQUEST",
            format!(
                "Composite Request limit of {MAX_COLLECTION_OR_QUERY_SUBREQUESTS} sObject Collections and query subrequests exceeded"
            ),
        ));
    }
    list.iter()
        .map(|item| {
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_string);
            let (Some(method), Some(url), Some(reference_id)) =
                (text("method"), text("url"), text("referenceId"))
            else {
                return Err(ApiError::json_parser(
                    "Each subrequest needs method, url and referenceId",
                ));
            };
            Ok(SubRequest {
                method: method.to_ascii_uppercase(),
                url,
                reference_id,
                body: item.get("body").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Whether a subrequest URL is an sObject Collections or query operation.
fn is_collection_or_query(url: &str) -> bool {
    let path = url.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix(DATA_PREFIX) else {
        return false;
    };
    let mut segments = rest.split('/').filter(|s| !s.is_empty()).skip(1);
    match segments.next() {
        Some(QUERY | QUERY_ALL) => true,
        Some("composite") => segments.next() == Some("sobjects"),
        _ => false,
    }
}

fn rolled_back() -> ApiError {
    ApiError::bad_request(
        "PROCESSING_HALTED",
        "The transaction was rolled back since another operation in the same transaction failed.",
    )
}

fn render(reference_id: String, result: ApiResult<Reply>) -> Value {
    match result {
        Ok(reply) => {
            let mut headers = Map::new();
            if let Some(location) = reply.location {
                headers.insert("Location".into(), Value::String(location));
            }
            json!({"body": reply.body, "httpHeaders": headers, "httpStatusCode": reply.status.as_u16(), "referenceId": reference_id})
        }
        Err(error) => {
            json!({"body": error.to_json(), "httpHeaders": {}, "httpStatusCode": error.status.as_u16(), "referenceId": reference_id})
        }
    }
}

/// Replaces `@{ref.path}` in the URL and body with earlier results.
fn resolve_references(
    request: &SubRequest,
    bodies: &HashMap<String, Value>,
) -> ApiResult<(String, Value)> {
    let url = substitute_text(&request.url, bodies)?;
    let body = substitute_value(&request.body, bodies)?;
    Ok((url, body))
}

fn substitute_value(value: &Value, bodies: &HashMap<String, Value>) -> ApiResult<Value> {
    Ok(match value {
        Value::String(text) => {
            let whole = text
                .strip_prefix("@{")
                .and_then(|t| t.strip_suffix('}'))
                .filter(|t| !t.contains('}'));
            match whole {
                Some(expression) => lookup(expression, bodies)?,
                None => Value::String(substitute_text(text, bodies)?),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute_value(v, bodies))
                .collect::<ApiResult<_>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute_value(v, bodies)?)))
                .collect::<ApiResult<_>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_text(text: &str, bodies: &HashMap<String, Value>) -> ApiResult<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        match lookup(&rest[start + 2..start + end], bodies)? {
            Value::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Follows `ref.field`, `ref.records[0].Id`, … in the results so far.
fn lookup(expression: &str, bodies: &HashMap<String, Value>) -> ApiResult<Value> {
    let missing = || {
        ApiError::bad_request(
            "PROCESSING_HALTED",
            format!("Invalid reference specified. No value for {expression} found."),
        )
    };
    let mut parts = expression.split('.');
    let reference = parts.next().unwrap_or_default();
    let mut current = bodies.get(reference).ok_or_else(missing)?;
    for part in parts {
        let (name, index) = match part.split_once('[') {
            Some((name, index)) => (name, index.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        current = current.get(name).ok_or_else(missing)?;
        if let Some(index) = index {
            current = current.get(index).ok_or_else(missing)?;
        }
    }
    Ok(current.clone())
}

/// Routes one subrequest to the core functions.
fn dispatch(
    app: &AppState,
    store: &mut Access<'_>,
    ctx: &Ctx,
    method: &str,
    url: &str,
    body: &Value,
) -> ApiResult<Reply> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let params: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap_or_default();
    let rest = path
        .strip_prefix(DATA_PREFIX)
        .ok_or_else(ApiError::not_found)?;
    let mut segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let version = segments.first().copied().unwrap_or_default();
    let version_number = parse_version(version).ok_or_else(ApiError::not_found)?;
    let sub_ctx = Ctx {
        version: version.trim_start_matches('v').to_string(),
        version_number,
        user_id: ctx.user_id.clone(),
        origin: ctx.origin.clone(),
    };
    segments.remove(0);
    let param = |name: &str| params.get(name).map(String::as_str);
    match (method, segments.as_slice()) {
        ("GET", [QUERY]) => run_query(
            app,
            store.read(),
            &sub_ctx,
            param("q").unwrap_or_default(),
            false,
            MAX_BATCH,
        ),
        ("GET", [QUERY_ALL]) => run_query(
            app,
            store.read(),
            &sub_ctx,
            param("q").unwrap_or_default(),
            true,
            MAX_BATCH,
        ),
        ("GET", [resource @ (QUERY | QUERY_ALL), locator]) => {
            query_more(app, &sub_ctx, resource, locator)
        }
        ("GET", ["sobjects"]) => Ok(describe::describe_global(&sub_ctx)),
        ("GET", ["sobjects", object, "describe"]) => describe::describe(&sub_ctx, object),
        ("POST", ["sobjects", object]) => {
            sobjects::create(app, store.write()?, &sub_ctx, object, body)
        }
        ("GET", ["sobjects", object, id]) => {
            sobjects::get(store.read(), &sub_ctx, object, id, param("fields"))
        }
        ("PATCH", ["sobjects", object, id]) => {
            sobjects::update(app, store.write()?, object, id, body)
        }
        ("DELETE", ["sobjects", object, id]) => sobjects::delete(app, store.write()?, object, id),
        ("PATCH", ["sobjects", object, field, value]) => {
            sobjects::upsert(app, store.write()?, &sub_ctx, object, field, value, body)
        }
        ("GET", ["sobjects", object, field, value]) => sobjects::get_by_external_id(
            store.read(),
            &sub_ctx,
            object,
            field,
            value,
            param("fields"),
        ),
        ("POST", ["composite", "sobjects"]) => collections::create(app, store.write()?, body),
        ("PATCH", ["composite", "sobjects"]) => collections::update(app, store.write()?, body),
        ("DELETE", ["composite", "sobjects"]) => {
            let all_or_none = param("allOrNone") == Some("true");
            collections::delete(
                app,
                store.write()?,
                param("ids").unwrap_or_default(),
                all_or_none,
            )
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            super::errors::NOT_FOUND_MESSAGE,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_and_queries_are_told_from_other_subrequests() {
        assert!(is_collection_or_query(
            "/services/data/v59.0/composite/sobjects"
        ));
        assert!(is_collection_or_query(
            "/services/data/v59.0/query?q=SELECT+Id+FROM+Account"
        ));
        assert!(is_collection_or_query(
            "/services/data/v59.0/queryAll/01gx-2000"
        ));
        assert!(!is_collection_or_query(
            "/services/data/v59.0/sobjects/Account/001x"
        ));
    }

    #[test]
    fn references_resolve_ids_and_record_paths() {
        let mut bodies = HashMap::new();
        bodies.insert("acct".to_string(), json!({"id": "001a50000000001AAA"}));
        bodies.insert("q".to_string(), json!({"records": [{"Id": "003x"}]}));
        let body = json!({"AccountId": "@{acct.id}", "Note": "for @{q.records[0].Id}"});
        let resolved = substitute_value(&body, &bodies).expect("resolves");
        assert_eq!(
            resolved,
            json!({"AccountId": "001a50000000001AAA", "Note": "for 003x"})
        );
        assert!(lookup("missing.id", &bodies).is_err());
    }
}
