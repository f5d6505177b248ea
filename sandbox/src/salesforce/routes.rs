//! The HTTP surface: login routes, the versions list, the data routes behind
//! the REST gate, and the admin routes. Handlers decode the request, lock
//! the store and call the core functions.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{from_fn_with_state, map_request};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::errors::json_response;
use super::query::respond;
use super::rest::{gate, injected_failure, Ctx, Reply};
use super::sobjects::parse_body;
use super::state::App;
use super::{admin, collections, composite, describe, limits, login, query, sobjects};
use crate::faults::Injected;

type Params = Query<HashMap<String, String>>;

/// Builds the whole router.
pub fn router(app: App) -> Router {
    let data = Router::new()
        .route("/services/data/{version}", get(resources))
        .route("/services/data/{version}/limits", get(limits_handler))
        .route("/services/data/{version}/query", get(query::query))
        .route("/services/data/{version}/queryAll", get(query::query_all))
        .route(
            "/services/data/{version}/query/{locator}",
            get(query::query_next),
        )
        .route(
            "/services/data/{version}/queryAll/{locator}",
            get(query::query_all_next),
        )
        .route("/services/data/{version}/sobjects", get(describe_global))
        .route(
            "/services/data/{version}/sobjects/{sobject}",
            get(info).post(create),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/describe",
            get(describe_object),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/updated",
            get(updated),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/deleted",
            get(deleted),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/{id}",
            get(read).patch(update).delete(remove),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/{field}/{value}",
            get(read_external).patch(upsert).delete(remove_external),
        )
        .route(
            "/services/data/{version}/composite",
            post(composite_handler),
        )
        .route(
            "/services/data/{version}/composite/sobjects",
            post(collection_create)
                .patch(collection_update)
                .delete(collection_delete),
        )
        .route(
            "/services/data/{version}/composite/sobjects/{sobject}",
            get(collection_retrieve),
        )
        .route(
            "/services/data/{version}/composite/sobjects/{sobject}/{field}",
            axum::routing::patch(collection_upsert),
        )
        .route(
            "/services/data/{version}/tooling/sobjects/{sobject}",
            post(tooling_create),
        )
        .route_layer(from_fn_with_state(app.clone(), gate));
    let inner = Router::new()
        .route("/services/data", get(versions))
        .route("/services/oauth2/token", post(login::token))
        .route("/{prefix}/services/oauth2/token", post(login::token))
        .route("/services/Soap/u/{version}", post(login::soap_login))
        .route(
            "/{prefix}/services/Soap/u/{version}",
            post(login::soap_login),
        )
        .merge(data)
        .merge(admin::routes())
        .with_state(app);
    // Salesforce accepts paths with and without a trailing slash
    // (simple-salesforce sends `query/?q=` and `sobjects/Account/`).
    Router::new()
        .fallback_service(inner)
        .layer(map_request(strip_trailing_slash))
}

async fn strip_trailing_slash(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let rebuilt = match request.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

async fn versions(State(app): State<App>) -> Response {
    if let Injected::Fail(status) = app.faults.enter("versions").await {
        return injected_failure(status);
    }
    json_response(StatusCode::OK, &limits::versions())
}

async fn resources(Extension(ctx): Extension<Ctx>) -> Response {
    Reply::ok(limits::resources(ctx.version_number)).into_response()
}

async fn limits_handler(State(app): State<App>) -> Response {
    Reply::ok(app.limits.to_json()).into_response()
}

async fn describe_global(Extension(ctx): Extension<Ctx>) -> Response {
    describe::describe_global(&ctx).into_response()
}

async fn info(
    Extension(ctx): Extension<Ctx>,
    Path((_, object)): Path<(String, String)>,
) -> Response {
    respond(describe::info(&ctx, &object))
}

async fn describe_object(
    Extension(ctx): Extension<Ctx>,
    Path((_, object)): Path<(String, String)>,
) -> Response {
    respond(describe::describe(&ctx, &object))
}

async fn updated(
    State(app): State<App>,
    Path((_, object)): Path<(String, String)>,
    Query(p): Params,
) -> Response {
    respond(describe::updated(
        &app,
        &object,
        p.get("start"),
        p.get("end"),
    ))
}

async fn deleted(
    State(app): State<App>,
    Path((_, object)): Path<(String, String)>,
    Query(p): Params,
) -> Response {
    respond(describe::deleted(
        &app,
        &object,
        p.get("start"),
        p.get("end"),
    ))
}

async fn create(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    respond(
        parse_body(&body)
            .and_then(|b| sobjects::create(&app, &mut app.write_by(&ctx), &ctx, &object, &b)),
    )
}

async fn read(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, id)): Path<(String, String, String)>,
    Query(p): Params,
) -> Response {
    respond(sobjects::get(
        &app.read(),
        &ctx,
        &object,
        &id,
        p.get("fields").map(String::as_str),
    ))
}

async fn update(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    respond(
        parse_body(&body)
            .and_then(|b| sobjects::update(&app, &mut app.write_by(&ctx), &object, &id, &b)),
    )
}

async fn remove(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, id)): Path<(String, String, String)>,
) -> Response {
    respond(sobjects::delete(
        &app,
        &mut app.write_by(&ctx),
        &object,
        &id,
    ))
}

async fn read_external(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
    Query(p): Params,
) -> Response {
    respond(sobjects::get_by_external_id(
        &app.read(),
        &ctx,
        &object,
        &field,
        &value,
        p.get("fields").map(String::as_str),
    ))
}

async fn upsert(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Response {
    respond(parse_body(&body).and_then(|b| {
        sobjects::upsert(
            &app,
            &mut app.write_by(&ctx),
            &ctx,
            &object,
            &field,
            &value,
            &b,
        )
    }))
}

async fn remove_external(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
) -> Response {
    respond(sobjects::delete_by_external_id(
        &app,
        &mut app.write_by(&ctx),
        &object,
        &field,
        &value,
    ))
}

async fn composite_handler(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    respond(parse_body(&body).and_then(|b| composite::composite(&app, &ctx, &b)))
}

async fn collection_create(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    respond(parse_body(&body).and_then(|b| collections::create(&app, &mut app.write_by(&ctx), &b)))
}

async fn collection_update(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    respond(parse_body(&body).and_then(|b| collections::update(&app, &mut app.write_by(&ctx), &b)))
}

async fn collection_delete(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Query(p): Params,
) -> Response {
    let all_or_none = p.get("allOrNone").is_some_and(|v| v == "true");
    let ids = p.get("ids").map(String::as_str).unwrap_or_default();
    respond(collections::delete(
        &app,
        &mut app.write_by(&ctx),
        ids,
        all_or_none,
    ))
}

async fn collection_retrieve(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object)): Path<(String, String)>,
    Query(p): Params,
) -> Response {
    let ids = p.get("ids").map(String::as_str).unwrap_or_default();
    let fields = p.get("fields").map(String::as_str).unwrap_or_default();
    respond(collections::retrieve(
        &app.read(),
        &ctx,
        &object,
        ids,
        fields,
    ))
}

async fn collection_upsert(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path((_, object, field)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    respond(
        parse_body(&body)
            .and_then(|b| collections::upsert(&app, &mut app.write_by(&ctx), &object, &field, &b)),
    )
}

async fn tooling_create(
    State(app): State<App>,
    Path((_, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    respond(parse_body(&body).and_then(|b| app.events.channels.create(&object, &b)))
}
