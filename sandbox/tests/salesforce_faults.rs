//! Fault switches, counters and the admin API of the Salesforce sandbox.

mod salesforce_support;

use fnosync_sandbox::faults::FaultSettings;
use reqwest::{Method, StatusCode};
use salesforce_support::{assert_error, decode, Harness};
use serde_json::json;

#[tokio::test]
async fn injected_failures_use_salesforce_error_shapes() {
    let h = Harness::start().await;
    h.sandbox.set_faults(FaultSettings {
        fail_next: 1,
        failure_status: 503,
        operation_filter: "query".into(),
        ..FaultSettings::default()
    });

    let limits = h.get("limits").await;
    let failed = h.query("SELECT Id FROM Account").await;
    let next = h.query("SELECT Id FROM Account").await;

    assert_eq!(limits.status, StatusCode::OK);
    assert_error(
        &failed,
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVER_UNAVAILABLE",
    );
    assert_eq!(next.status, StatusCode::OK);
}

#[tokio::test]
async fn internal_errors_are_unknown_exception() {
    let h = Harness::start().await;
    h.sandbox.set_faults(FaultSettings {
        fail_next: 1,
        ..FaultSettings::default()
    });

    let answer = h.get("sobjects").await;

    assert_error(
        &answer,
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNKNOWN_EXCEPTION",
    );
}

#[tokio::test]
async fn unable_to_lock_row_fails_the_next_writes_only() {
    let h = Harness::start().await;
    h.sandbox.fail_next_writes_with_lock_row(1);

    let read = h.query("SELECT Id FROM Account").await;
    let locked = h
        .call(Method::POST, "sobjects/Account", Some(json!({"Name": "x"})))
        .await;
    let retried = h
        .call(Method::POST, "sobjects/Account", Some(json!({"Name": "x"})))
        .await;

    assert_eq!(read.status, StatusCode::OK);
    let message = assert_error(&locked, StatusCode::BAD_REQUEST, "UNABLE_TO_LOCK_ROW");
    assert!(message.starts_with("unable to obtain exclusive access to this record"));
    assert_eq!(retried.status, StatusCode::CREATED);
}

#[tokio::test]
async fn dropped_connections_and_malformed_bodies_reach_the_client() {
    let h = Harness::start().await;
    h.sandbox.set_faults(FaultSettings {
        drop_next: 1,
        ..FaultSettings::default()
    });
    let dropped = h
        .http
        .get(h.data("limits"))
        .bearer_auth(&h.token)
        .send()
        .await;
    let dropped_failed = match dropped {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    h.sandbox.set_faults(FaultSettings {
        malformed_next: 1,
        ..FaultSettings::default()
    });

    let garbled = h.get("limits").await;

    assert!(dropped_failed);
    assert!(
        garbled.body.is_string(),
        "body should not parse as JSON: {}",
        garbled.body
    );
}

#[tokio::test]
async fn calls_are_counted_per_operation() {
    let h = Harness::start().await;
    h.sandbox.reset_counts();

    h.query("SELECT Id FROM Account").await;
    h.query("SELECT Id FROM Contact").await;
    let id = h
        .call(Method::POST, "sobjects/Account", Some(json!({"Name": "c"})))
        .await
        .body["id"]
        .as_str()
        .expect("id")
        .to_string();
    h.call(
        Method::PATCH,
        &format!("sobjects/Account/{id}"),
        Some(json!({"Name": "d"})),
    )
    .await;

    assert_eq!(h.sandbox.call_count("query"), 2);
    assert_eq!(h.sandbox.call_count("sobject.create"), 1);
    assert_eq!(h.sandbox.call_count("sobject.update"), 1);
}

#[tokio::test]
async fn admin_api_sets_faults_limits_and_expires_sessions() {
    let h = Harness::start().await;
    let admin = |path: &str| format!("{}/__sandbox/{path}", h.base);

    let put = h
        .http
        .put(admin("faults"))
        .json(&json!({"unable_to_lock_row_next": 2, "latency_ms": 0}))
        .send()
        .await
        .expect("put");
    let faults = decode(h.http.get(admin("faults")).send().await.expect("get")).await;
    h.http
        .put(admin("limits"))
        .json(&json!({"max": 10, "used": 10}))
        .send()
        .await
        .expect("limits");
    let limited = h.get("limits").await;
    h.http
        .put(admin("limits"))
        .json(&json!({"max": 1000, "used": 0}))
        .send()
        .await
        .expect("limits");
    h.http
        .post(admin("expire-sessions"))
        .send()
        .await
        .expect("expire");
    let expired = h.get("limits").await;
    let counts = decode(h.http.get(admin("counts")).send().await.expect("counts")).await;
    let reset = h
        .http
        .post(admin("reset-counts"))
        .send()
        .await
        .expect("reset");

    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(faults.body["unable_to_lock_row_next"], 2);
    assert_error(&limited, StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED");
    assert_error(&expired, StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID");
    assert_eq!(counts.body["limits"], 2);
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert!(h.sandbox.call_counts().is_empty());
}

#[tokio::test]
async fn dump_and_seed_round_trip_through_the_admin_api() {
    let h = Harness::start().await;
    let id = h
        .sandbox
        .insert("Account", json!({"Name": "Dumped"}))
        .expect("insert");
    let dump = decode(
        h.http
            .get(format!("{}/__sandbox/dump", h.base))
            .send()
            .await
            .expect("dump"),
    )
    .await;
    h.sandbox.delete("Account", &id).expect("delete");
    h.sandbox
        .insert("Account", json!({"Name": "After dump"}))
        .expect("insert");

    let loaded = h
        .http
        .post(format!("{}/__sandbox/seed", h.base))
        .json(&dump.body)
        .send()
        .await
        .expect("seed");

    assert_eq!(loaded.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        h.sandbox.record("Account", &id).expect("restored")["Name"],
        "Dumped"
    );
    assert!(h
        .sandbox
        .find("Account", "Name", &json!("After dump"))
        .is_empty());
    assert_eq!(
        h.records("SELECT Id FROM OpportunityLineItem").await.len(),
        1
    );
}

#[tokio::test]
async fn token_endpoint_failures_use_the_oauth_shape() {
    let h = Harness::start().await;
    h.sandbox.set_faults(FaultSettings {
        fail_next: 1,
        operation_filter: "oauth.token".into(),
        ..FaultSettings::default()
    });

    let answer = h.token_request(&[("grant_type", "password")], None).await;

    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        answer.body,
        json!({"error": "unknown_error", "error_description": "retry your request"})
    );
}
