//! Query errors: the real error codes and positions, and a missing query
//! string.

use reqwest::StatusCode;

use crate::salesforce_support::{assert_error, Harness};

#[tokio::test]
async fn query_errors_have_the_real_codes_and_positions() {
    let h = Harness::start().await;

    let malformed = assert_error(
        &h.query("SELECT Id FROM Account WHERE").await,
        StatusCode::BAD_REQUEST,
        "MALFORMED_QUERY",
    );
    let field = assert_error(
        &h.query("SELECT Id, Bogus FROM Contact").await,
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
    );
    let object = assert_error(
        &h.query("SELECT Id FROM Foo").await,
        StatusCode::BAD_REQUEST,
        "INVALID_TYPE",
    );
    let relationship = assert_error(
        &h.query("SELECT Nope.Name FROM Contact").await,
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
    );
    let child = assert_error(
        &h.query("SELECT Id, (SELECT Id FROM Nopes) FROM Account")
            .await,
        StatusCode::BAD_REQUEST,
        "INVALID_TYPE",
    );
    let mixed = assert_error(
        &h.query("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")
            .await,
        StatusCode::BAD_REQUEST,
        "MALFORMED_QUERY",
    );

    assert!(malformed.contains("unexpected token: <EOF>"), "{malformed}");
    assert!(
        field.contains("ERROR at Row:1:Column:12\nNo such column 'Bogus' on entity 'Contact'"),
        "{field}"
    );
    assert!(
        object.contains("sObject type 'Foo' is not supported"),
        "{object}"
    );
    assert!(
        relationship.contains("Didn't understand relationship 'Nope'"),
        "{relationship}"
    );
    assert!(
        child.contains("Didn't understand relationship 'Nopes' in FROM part"),
        "{child}"
    );
    assert!(mixed.contains("unexpected token: OR"), "{mixed}");
}

#[tokio::test]
async fn missing_query_string_is_malformed() {
    let h = Harness::start().await;

    let answer = h.get("query").await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "MALFORMED_QUERY");
}
