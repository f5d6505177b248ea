//! Log-in, sessions, versions and limits of the Salesforce sandbox.

mod salesforce_support;

use std::time::Duration;

use fnosync_sandbox::salesforce::auth::{
    ClientConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD,
    DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME,
};
use reqwest::{Method, StatusCode};
use salesforce_support::{assert_error, decode, Harness, JWT_CERT, JWT_KEY};
use serde_json::json;

#[tokio::test]
async fn password_grant_returns_the_real_token_fields() {
    let h = Harness::start().await;
    let password = format!("{DEFAULT_PASSWORD}{DEFAULT_SECURITY_TOKEN}");
    let form = [
        ("grant_type", "password"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", DEFAULT_CLIENT_SECRET),
        ("username", DEFAULT_USERNAME),
        ("password", password.as_str()),
    ];

    let answer = h.token_request(&form, None).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["instance_url"], h.base.as_str());
    assert!(answer.body["id"].as_str().expect("id").contains("/id/00D"));
    assert!(answer.body["issued_at"]
        .as_str()
        .expect("issued_at")
        .parse::<i64>()
        .is_ok());
    assert!(answer.body["signature"].is_string());
    assert!(answer.body.get("expires_in").is_none());
}

#[tokio::test]
async fn password_without_security_token_is_an_authentication_failure() {
    let h = Harness::start().await;
    let form = [
        ("grant_type", "password"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", DEFAULT_CLIENT_SECRET),
        ("username", DEFAULT_USERNAME),
        ("password", DEFAULT_PASSWORD),
    ];

    let answer = h.token_request(&form, None).await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        json!({"error": "invalid_grant", "error_description": "authentication failure"})
    );
}

#[tokio::test]
async fn unknown_client_id_and_wrong_secret_are_refused() {
    let h = Harness::start().await;

    let unknown = h
        .token_request(
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "nope"),
                ("client_secret", "x"),
            ],
            None,
        )
        .await;
    let wrong = h
        .token_request(
            &[("grant_type", "client_credentials")],
            Some((DEFAULT_CLIENT_ID, "wrong")),
        )
        .await;

    assert_eq!(unknown.body["error"], "invalid_client_id");
    assert_eq!(wrong.body["error"], "invalid_client");
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn client_credentials_with_http_basic_issue_a_working_token() {
    let mut h = Harness::start().await;

    let answer = h
        .token_request(
            &[("grant_type", "client_credentials")],
            Some((DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)),
        )
        .await;
    h.token = answer.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let limits = h.get("limits").await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(limits.status, StatusCode::OK);
}

fn jwt(claims: serde_json::Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(JWT_KEY.as_bytes()).expect("key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .expect("sign")
}

fn jwt_client() -> ClientConfig {
    ClientConfig {
        client_id: "jwt-app".into(),
        client_secret: "unused".into(),
        run_as: None,
        jwt_certificate: Some(JWT_CERT.into()),
    }
}

#[tokio::test]
async fn jwt_bearer_assertion_signed_by_the_app_certificate_logs_in() {
    let h = Harness::start().await;
    h.sandbox.add_client(jwt_client());
    let exp = (chrono::Utc::now().timestamp() + 180).to_string();
    let assertion = jwt(
        json!({"iss": "jwt-app", "sub": DEFAULT_USERNAME, "aud": "https://login.salesforce.com", "exp": exp}),
    );

    let answer = h
        .token_request(
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &assertion),
            ],
            None,
        )
        .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body["access_token"].is_string());
}

#[tokio::test]
async fn jwt_with_a_tampered_signature_or_wrong_audience_is_refused() {
    let h = Harness::start().await;
    h.sandbox.add_client(jwt_client());
    let exp = chrono::Utc::now().timestamp() + 180;
    let good = jwt(
        json!({"iss": "jwt-app", "sub": DEFAULT_USERNAME, "aud": "https://login.salesforce.com", "exp": exp}),
    );
    let forged = jwt(
        json!({"iss": "jwt-app", "sub": "someone@else", "aud": "https://login.salesforce.com", "exp": exp}),
    );
    let good_parts: Vec<&str> = good.split('.').collect();
    let forged_payload = forged.split('.').nth(1).expect("payload");
    let tampered = format!("{}.{forged_payload}.{}", good_parts[0], good_parts[2]);
    let wrong_audience = jwt(
        json!({"iss": "jwt-app", "sub": DEFAULT_USERNAME, "aud": "https://example.com", "exp": exp}),
    );
    let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    let tampered_answer = h
        .token_request(&[("grant_type", grant), ("assertion", &tampered)], None)
        .await;
    let audience_answer = h
        .token_request(
            &[("grant_type", grant), ("assertion", &wrong_audience)],
            None,
        )
        .await;

    assert_eq!(
        tampered_answer.body,
        json!({"error": "invalid_grant", "error_description": "invalid assertion"})
    );
    assert_eq!(
        audience_answer.body["error_description"],
        "audience is invalid"
    );
}

#[tokio::test]
async fn expired_sessions_get_401_invalid_session_id_in_the_array_shape() {
    let h = Harness::start().await;
    assert_eq!(h.get("limits").await.status, StatusCode::OK);

    h.sandbox.expire_sessions();
    let answer = h.get("limits").await;

    assert_eq!(
        answer.body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_die_after_the_idle_timeout_and_live_while_used() {
    let h = Harness::start().await;
    h.sandbox.set_session_timeout(Duration::from_secs(60));

    h.sandbox.advance_clock(Duration::from_secs(50));
    let still_alive = h.get("limits").await;
    h.sandbox.advance_clock(Duration::from_secs(61));
    let expired = h.get("limits").await;

    assert_eq!(still_alive.status, StatusCode::OK);
    assert_error(&expired, StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID");
}

#[tokio::test]
async fn missing_authorization_is_invalid_session() {
    let h = Harness::start().await;

    let answer = decode(h.http.get(h.data("limits")).send().await.expect("call")).await;

    assert_error(&answer, StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID");
}

#[tokio::test]
async fn versions_list_needs_no_session_and_names_releases() {
    let h = Harness::start().await;

    let answer = decode(
        h.http
            .get(format!("{}/services/data/", h.base))
            .send()
            .await
            .expect("call"),
    )
    .await;

    let versions = answer.body.as_array().expect("array");
    assert!(versions
        .iter()
        .any(|v| v
            == &json!({"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"})));
    assert!(answer.headers.get("sforce-limit-info").is_none());
}

#[tokio::test]
async fn unknown_api_version_is_not_found() {
    let h = Harness::start().await;

    let answer = h
        .call_with(
            Method::GET,
            &format!("{}/services/data/v99.0/limits", h.base),
            None,
            &[],
        )
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn every_rest_answer_reports_usage_and_limits_agree() {
    let h = Harness::start().await;
    h.sandbox.set_api_limit(500, 10);

    let answer = h.get("limits").await;

    assert_eq!(answer.headers["sforce-limit-info"], "api-usage=11/500");
    assert_eq!(
        answer.body["DailyApiRequests"],
        json!({"Max": 500, "Remaining": 489})
    );
    assert_eq!(h.sandbox.api_usage(), (11, 500));
}

#[tokio::test]
async fn exhausted_allocation_gives_403_request_limit_exceeded() {
    let h = Harness::start().await;
    h.sandbox.set_api_limit(100, 100);

    let answer = h.get("sobjects").await;

    let message = assert_error(&answer, StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED");
    assert_eq!(message, "TotalRequests Limit exceeded.");
    assert_eq!(h.sandbox.api_usage(), (100, 100));
}

#[tokio::test]
async fn soap_login_answers_session_and_server_url_and_faults_on_bad_password() {
    let h = Harness::start().await;
    let envelope = |password: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{DEFAULT_USERNAME}</n1:username><n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>"#
        )
    };
    let url = format!("{}/login.salesforce.com/services/Soap/u/59.0", h.base);

    let ok = h
        .http
        .post(&url)
        .header("SOAPAction", "login")
        .body(envelope(&format!(
            "{DEFAULT_PASSWORD}{DEFAULT_SECURITY_TOKEN}"
        )))
        .send()
        .await
        .expect("login");
    let ok_status = ok.status();
    let ok_text = ok.text().await.expect("text");
    let bad = h
        .http
        .post(&url)
        .body(envelope("wrong"))
        .send()
        .await
        .expect("login");
    let bad_status = bad.status();
    let bad_text = bad.text().await.expect("text");

    assert_eq!(ok_status, StatusCode::OK);
    assert!(ok_text.contains("<sessionId>00D"), "{ok_text}");
    assert!(ok_text.contains(&format!("<serverUrl>{}/services/Soap/u/59.0/", h.base)));
    assert_eq!(bad_status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(bad_text.contains("<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"));
}
