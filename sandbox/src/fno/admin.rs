//! Sandbox-only HTTP endpoints under `/__sandbox/` (no such thing exists in
//! FNO): fault switches, call counters, state dump and load, custom attribute
//! definitions, and activating copies of a line item.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::model::AttributeDefinition;
use super::state::FnoState;
use super::store::ActivateError;
use super::Shared;
use crate::faults::FaultSettings;

/// Routes of the admin API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sandbox/faults", get(get_faults).put(put_faults))
        .route("/__sandbox/counts", get(get_counts))
        .route("/__sandbox/reset-counts", post(reset_counts))
        .route("/__sandbox/dump", get(dump))
        .route("/__sandbox/state", get(dump).put(load))
        .route(
            "/__sandbox/custom-attributes",
            get(get_definitions).put(put_definitions),
        )
        .route("/__sandbox/activate", post(activate))
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<FaultSettings> {
    Json(shared.faults.settings())
}

async fn put_faults(
    State(shared): State<Arc<Shared>>,
    Json(settings): Json<FaultSettings>,
) -> Json<FaultSettings> {
    shared.faults.set(settings);
    Json(shared.faults.settings())
}

/// Body of `GET /__sandbox/counts`.
#[derive(Serialize)]
struct Counts {
    counts: std::collections::BTreeMap<String, u64>,
    writes: u64,
}

async fn get_counts(State(shared): State<Arc<Shared>>) -> Json<Counts> {
    Json(Counts {
        counts: shared.faults.counts(),
        writes: shared.write_call_count(),
    })
}

async fn reset_counts(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.reset_counts();
    StatusCode::NO_CONTENT
}

async fn dump(State(shared): State<Arc<Shared>>) -> Json<FnoState> {
    Json(shared.store.snapshot())
}

async fn load(State(shared): State<Arc<Shared>>, Json(state): Json<FnoState>) -> StatusCode {
    shared.store.replace(state);
    StatusCode::NO_CONTENT
}

async fn get_definitions(State(shared): State<Arc<Shared>>) -> Json<Vec<AttributeDefinition>> {
    Json(shared.store.attribute_definitions())
}

async fn put_definitions(
    State(shared): State<Arc<Shared>>,
    Json(definitions): Json<Vec<AttributeDefinition>>,
) -> Json<Vec<AttributeDefinition>> {
    shared.store.set_attribute_definitions(definitions);
    Json(shared.store.attribute_definitions())
}

/// Body of `POST /__sandbox/activate`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActivateRequest {
    activation_id: String,
    count: i64,
}

/// Answer of `POST /__sandbox/activate`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivateResponse {
    activation_id: String,
    number_of_copies: i64,
    fulfilled_count: i64,
    number_of_remaining_copies: i64,
}

async fn activate(
    State(shared): State<Arc<Shared>>,
    Json(request): Json<ActivateRequest>,
) -> Response {
    match shared.store.activate(&request.activation_id, request.count) {
        Ok(line) => Json(ActivateResponse {
            activation_id: line.activation_id.clone(),
            number_of_copies: line.number_of_copies,
            fulfilled_count: line.fulfilled_count,
            number_of_remaining_copies: line.remaining_copies(),
        })
        .into_response(),
        Err(error) => {
            let status = match error {
                ActivateError::UnknownActivationId(_) => StatusCode::NOT_FOUND,
                ActivateError::InvalidCount => StatusCode::BAD_REQUEST,
                _ => StatusCode::CONFLICT,
            };
            (
                status,
                Json(serde_json::json!({ "error": error.to_string() })),
            )
                .into_response()
        }
    }
}
