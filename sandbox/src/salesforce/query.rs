//! `query`, `queryAll` and their `nextRecordsUrl` pages: the SOQL is parsed,
//! bound and run under a read lock, and results longer than the batch size
//! (`Sforce-Query-Options: batchSize=N`, 200 to 2,000, default 2,000) are
//! kept behind a cursor.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::errors::{ApiError, ApiResult};
use super::rest::{Ctx, Reply};
use super::soql::{bind::bind, eval, parser::parse};
use super::state::{App, AppState};
use super::store::Store;

/// Header carrying the batch size.
pub const QUERY_OPTIONS_HEADER: &str = "Sforce-Query-Options";
/// Default and largest batch size.
pub const MAX_BATCH: usize = 2000;
/// Smallest batch size.
pub const MIN_BATCH: usize = 200;
/// Resource name of `query`.
pub const QUERY: &str = "query";
/// Resource name of `queryAll`.
pub const QUERY_ALL: &str = "queryAll";

/// Returns the batch size asked for in the headers, clamped as Salesforce does.
pub fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get(QUERY_OPTIONS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|option| option.trim().strip_prefix("batchSize="))
                .find_map(|n| n.trim().parse::<usize>().ok())
        })
        .map_or(MAX_BATCH, |n| n.clamp(MIN_BATCH, MAX_BATCH))
}

/// Runs `soql` and returns its first page.
pub fn run_query(
    app: &AppState,
    store: &Store,
    ctx: &Ctx,
    soql: &str,
    all_rows: bool,
    batch: usize,
) -> ApiResult<Reply> {
    let today = app.clock.now().date_naive();
    let bound = parse(soql)
        .and_then(|q| bind(&q, today))
        .map_err(|e| e.into_api_error(soql))?;
    let output = eval::run(store, &bound, all_rows, &ctx.version);
    let resource = if all_rows { QUERY_ALL } else { QUERY };
    if output.records.len() <= batch {
        return Ok(Reply::ok(page_json(
            output.total_size,
            output.records,
            None,
        )));
    }
    let first = output.records[..batch].to_vec();
    let locator = app.cursors.open(
        &ctx.user_id,
        output.records,
        output.total_size,
        batch,
        app.clock.now(),
    );
    let next = format!(
        "/services/data/v{}/{resource}/{locator}-{batch}",
        ctx.version
    );
    Ok(Reply::ok(page_json(output.total_size, first, Some(next))))
}

/// Serves the page a `nextRecordsUrl` names (`01g…-2000`).
pub fn query_more(app: &AppState, ctx: &Ctx, resource: &str, locator: &str) -> ApiResult<Reply> {
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (id, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let page = app
        .cursors
        .page(id, offset, app.clock.now())
        .ok_or_else(invalid)?;
    let next = page
        .next
        .map(|n| format!("/services/data/v{}/{resource}/{id}-{n}", ctx.version));
    Ok(Reply::ok(page_json(page.total_size, page.records, next)))
}

fn page_json(total_size: usize, records: Vec<Value>, next: Option<String>) -> Value {
    let mut page = json!({"totalSize": total_size, "done": next.is_none(), "records": records});
    if let Some(next) = next {
        page["nextRecordsUrl"] = Value::String(next);
    }
    page
}

fn soql_param(params: &HashMap<String, String>) -> ApiResult<&str> {
    params
        .get("q")
        .map(String::as_str)
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
        })
}

/// `GET …/query?q=`.
pub async fn query(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    respond(
        soql_param(&params)
            .and_then(|q| run_query(&app, &app.read(), &ctx, q, false, batch_size(&headers))),
    )
}

/// `GET …/queryAll?q=`.
pub async fn query_all(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    respond(
        soql_param(&params)
            .and_then(|q| run_query(&app, &app.read(), &ctx, q, true, batch_size(&headers))),
    )
}

/// `GET …/query/{locator}`.
pub async fn query_next(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, locator)): Path<(String, String)>,
) -> Response {
    respond(query_more(&app, &ctx, QUERY, &locator))
}

/// `GET …/queryAll/{locator}`.
pub async fn query_all_next(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, locator)): Path<(String, String)>,
) -> Response {
    respond(query_more(&app, &ctx, QUERY_ALL, &locator))
}

/// Turns a REST result into a response.
pub fn respond(result: ApiResult<Reply>) -> Response {
    match result {
        Ok(reply) => reply.into_response(),
        Err(error) => error.into_response(),
    }
}
