//! sObject Collections and composite requests of the Salesforce sandbox.

mod salesforce_support;

use fnosync_sandbox::salesforce::fields as f;
use reqwest::{Method, StatusCode};
use salesforce_support::{assert_error, Harness};
use serde_json::{json, Value};

fn accounts(names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| json!({"attributes": {"type": "Account"}, "Name": n}))
            .collect(),
    )
}

#[tokio::test]
async fn collection_create_returns_per_record_results_in_order() {
    let h = Harness::start().await;
    let mut records = accounts(&["one", "two"]).as_array().expect("array").clone();
    records.push(json!({"attributes": {"type": "Contact"}, "FirstName": "no last name"}));

    let answer = h
        .call(
            Method::POST,
            "composite/sobjects",
            Some(json!({"allOrNone": false, "records": records})),
        )
        .await;

    assert_eq!(answer.status, StatusCode::OK);
    let results = answer.body.as_array().expect("results");
    assert_eq!(results[0]["success"], true);
    assert!(results[1]["id"].as_str().expect("id").starts_with("001"));
    assert_eq!(
        results[2],
        json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}]})
    );
    assert_eq!(h.sandbox.find("Account", "Name", &json!("two")).len(), 1);
}

#[tokio::test]
async fn all_or_none_rolls_every_record_back() {
    let h = Harness::start().await;
    let records = json!([
        {"attributes": {"type": "Account"}, "Name": "kept?"},
        {"attributes": {"type": "Account"}, f::ACCOUNT_TYPE: "bad value", "Name": "x"},
    ]);

    let answer = h
        .call(
            Method::POST,
            "composite/sobjects",
            Some(json!({"allOrNone": true, "records": records})),
        )
        .await;

    assert_eq!(
        answer.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(
        answer.body[1]["errors"][0]["statusCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert!(h
        .sandbox
        .find("Account", "Name", &json!("kept?"))
        .is_empty());
}

#[tokio::test]
async fn collection_update_and_delete_work_by_id() {
    let h = Harness::start().await;
    let a = h
        .sandbox
        .insert("Account", json!({"Name": "a"}))
        .expect("insert");
    let b = h
        .sandbox
        .insert("Account", json!({"Name": "b"}))
        .expect("insert");
    let updates = json!({"records": [
        {"attributes": {"type": "Account"}, "id": a, "Phone": "1"},
        {"attributes": {"type": "Account"}, "Phone": "2"},
    ]});

    let updated = h
        .call(Method::PATCH, "composite/sobjects", Some(updates))
        .await;
    let deleted = h
        .call(
            Method::DELETE,
            &format!("composite/sobjects?ids={a},{b}&allOrNone=false"),
            None,
        )
        .await;

    assert_eq!(
        updated.body[0],
        json!({"id": a, "success": true, "errors": []})
    );
    assert_eq!(
        updated.body[1]["errors"][0]["statusCode"],
        "MISSING_ARGUMENT"
    );
    assert_eq!(deleted.body.as_array().expect("results").len(), 2);
    assert!(h.sandbox.record("Account", &b).is_none());
}

#[tokio::test]
async fn more_than_200_records_are_refused_whole() {
    let h = Harness::start().await;
    let names: Vec<String> = (0..201).map(|i| format!("n{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();

    let answer = h
        .call(
            Method::POST,
            "composite/sobjects",
            Some(json!({"records": accounts(&refs)})),
        )
        .await;
    let exactly = h
        .call(
            Method::POST,
            "composite/sobjects",
            Some(json!({"records": accounts(&refs[..200])})),
        )
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "EXCEEDED_ID_LIMIT");
    assert_eq!(exactly.body.as_array().expect("results").len(), 200);
}

#[tokio::test]
async fn collection_upsert_and_retrieve() {
    let h = Harness::start().await;
    let body = json!({"records": [{"attributes": {"type": "Opportunity"}, f::ENTITLEMENT_ID: "ENT-1", "Name": "x", "StageName": "Prospecting", "CloseDate": "2030-01-01"}]});

    let upserted = h
        .call(
            Method::PATCH,
            &format!("composite/sobjects/Opportunity/{}", f::ENTITLEMENT_ID),
            Some(body),
        )
        .await;
    let id = upserted.body[0]["id"].as_str().expect("id").to_string();
    let retrieved = h
        .get(&format!(
            "composite/sobjects/Opportunity?ids={id},006a500000zzzzzAAA&fields=Name,{}",
            f::ENTITLEMENT_ID
        ))
        .await;

    assert_eq!(upserted.body[0]["created"], true);
    assert_eq!(retrieved.body[0][f::ENTITLEMENT_ID], "ENT-1");
    assert_eq!(retrieved.body[1], Value::Null);
}

#[tokio::test]
async fn composite_references_earlier_results_and_counts_as_one_call() {
    let h = Harness::start().await;
    let (used_before, _) = h.sandbox.api_usage();
    let body = json!({"allOrNone": false, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "acct", "body": {"Name": "Composite Co"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "referenceId": "contact", "body": {"LastName": "Ref", "AccountId": "@{acct.id}"}},
        {"method": "GET", "url": "/services/data/v59.0/query?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+LastName='Ref'", "referenceId": "q"},
        {"method": "PATCH", "url": "/services/data/v59.0/sobjects/Contact/@{q.records[0].Id}", "referenceId": "upd", "body": {"Email": "ref@example.com"}},
    ]});

    let answer = h.call(Method::POST, "composite", Some(body)).await;

    let responses = answer.body["compositeResponse"]
        .as_array()
        .expect("responses");
    assert_eq!(responses[0]["httpStatusCode"], 201);
    assert!(responses[0]["httpHeaders"]["Location"]
        .as_str()
        .expect("location")
        .contains("/sobjects/Account/"));
    assert_eq!(
        responses[2]["body"]["records"][0]["Account"]["Name"],
        "Composite Co"
    );
    assert_eq!(responses[3]["httpStatusCode"], 204);
    assert_eq!(
        h.sandbox
            .find("Contact", "Email", &json!("ref@example.com"))
            .len(),
        1
    );
    assert_eq!(h.sandbox.api_usage().0, used_before + 1);
    assert_eq!(h.sandbox.call_count("composite"), 1);
}

#[tokio::test]
async fn composite_all_or_none_halts_and_rolls_back() {
    let h = Harness::start().await;
    let body = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "ok", "body": {"Name": "Rolled Back Co"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "referenceId": "bad", "body": {"FirstName": "no last"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "later", "body": {"Name": "Never"}},
    ]});

    let answer = h.call(Method::POST, "composite", Some(body)).await;

    let responses = answer.body["compositeResponse"]
        .as_array()
        .expect("responses");
    assert_eq!(responses[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(
        responses[1]["body"][0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(responses[2]["httpStatusCode"], 400);
    assert!(h
        .sandbox
        .find("Account", "Name", &json!("Rolled Back Co"))
        .is_empty());
}

#[tokio::test]
async fn composite_with_26_subrequests_is_refused() {
    let h = Harness::start().await;
    let requests: Vec<Value> = (0..26).map(|i| json!({"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": format!("r{i}")})).collect();

    let answer = h
        .call(
            Method::POST,
            "composite",
            Some(json!({"compositeRequest": requests})),
        )
        .await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}
