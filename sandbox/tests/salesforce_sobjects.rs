//! sObject CRUD, upsert, describe and record rules of the Salesforce sandbox.

mod salesforce_support;

use fnosync_sandbox::salesforce::fields as f;
use reqwest::{Method, StatusCode};
use salesforce_support::{assert_error, Harness};
use serde_json::{json, Value};

#[tokio::test]
async fn create_get_update_delete_round_trip() {
    let h = Harness::start().await;

    let created = h
        .call(
            Method::POST,
            "sobjects/Account/",
            Some(json!({"Name": "Acme", f::ACCOUNT_TYPE: "Channel Partner"})),
        )
        .await;
    let id = created.body["id"].as_str().expect("id").to_string();
    let fetched = h.get(&format!("sobjects/Account/{id}")).await;
    let updated = h
        .call(
            Method::PATCH,
            &format!("sobjects/Account/{id}"),
            Some(json!({"Name": "Acme 2"})),
        )
        .await;
    let selected = h
        .get(&format!(
            "sobjects/Account/{}?fields=Name,{}",
            &id[..15],
            f::ACCOUNT_TYPE
        ))
        .await;
    let deleted = h
        .call(Method::DELETE, &format!("sobjects/Account/{id}"), None)
        .await;
    let after = h.get(&format!("sobjects/Account/{id}")).await;

    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.body,
        json!({"id": id, "success": true, "errors": []})
    );
    assert_eq!(
        created.headers["location"],
        format!("/services/data/v59.0/sobjects/Account/{id}")
    );
    assert!(id.starts_with("001") && id.len() == 18);
    assert_eq!(fetched.body["attributes"]["type"], "Account");
    assert_eq!(fetched.body["Description"], Value::Null);
    assert_eq!(updated.status, StatusCode::NO_CONTENT);
    assert_eq!(selected.body["Name"], "Acme 2");
    assert_eq!(selected.body[f::ACCOUNT_TYPE], "Channel Partner");
    assert!(selected.body.get("Description").is_none());
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_error(&after, StatusCode::NOT_FOUND, "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn every_write_moves_system_modstamp_and_keeps_created_date() {
    let h = Harness::start().await;
    let id = h
        .sandbox
        .insert("Account", json!({"Name": "Stamped"}))
        .expect("insert");
    let before = h.sandbox.record("Account", &id).expect("record");
    h.sandbox.advance_clock(std::time::Duration::from_secs(5));

    h.call(
        Method::PATCH,
        &format!("sobjects/Account/{id}"),
        Some(json!({"Phone": "123"})),
    )
    .await;
    let after = h.sandbox.record("Account", &id).expect("record");

    assert!(after["SystemModstamp"].as_str() > before["SystemModstamp"].as_str());
    assert!(after["LastModifiedDate"].as_str() > before["LastModifiedDate"].as_str());
    assert_eq!(after["CreatedDate"], before["CreatedDate"]);
    assert!(before["SystemModstamp"]
        .as_str()
        .expect("stamp")
        .ends_with("+0000"));
}

#[tokio::test]
async fn stage_drives_is_won_and_is_closed_which_are_read_only() {
    let h = Harness::start().await;
    let account = h.sandbox.find("Account", "Name", &json!("SF-DemoAccount"))[0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    let id = h.sandbox.insert("Opportunity", json!({"Name": "Deal", "AccountId": account, "StageName": "Prospecting", "CloseDate": "2030-01-01"})).expect("insert");

    h.call(
        Method::PATCH,
        &format!("sobjects/Opportunity/{id}"),
        Some(json!({"StageName": "Closed Lost"})),
    )
    .await;
    let lost = h.sandbox.record("Opportunity", &id).expect("record");
    let write_won = h
        .call(
            Method::PATCH,
            &format!("sobjects/Opportunity/{id}"),
            Some(json!({"IsWon": true})),
        )
        .await;

    assert_eq!(
        (lost["IsClosed"].clone(), lost["IsWon"].clone()),
        (json!(true), json!(false))
    );
    let message = assert_error(
        &write_won,
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
    );
    assert!(message.starts_with("Unable to create/update fields: IsWon."));
    assert_eq!(write_won.body[0]["fields"], json!(["IsWon"]));
}

#[tokio::test]
async fn line_items_roll_up_to_the_opportunity_amount() {
    let h = Harness::start().await;
    let opp = &h
        .sandbox
        .find("Opportunity", "Name", &json!("SF-TestOpportunity"))[0];
    let entry = &h
        .sandbox
        .find("PricebookEntry", "ProductCode", &json!("GC1020"))[0];

    let created = h
        .call(
            Method::POST,
            "sobjects/OpportunityLineItem",
            Some(
                json!({"OpportunityId": opp["Id"], "PricebookEntryId": entry["Id"], "Quantity": 2}),
            ),
        )
        .await;
    let line = h
        .sandbox
        .record(
            "OpportunityLineItem",
            created.body["id"].as_str().expect("id"),
        )
        .expect("line");
    let updated = h
        .sandbox
        .record("Opportunity", opp["Id"].as_str().expect("id"))
        .expect("opp");

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(line["ProductCode"], "GC1020");
    assert_eq!(line["TotalPrice"], 10000.0);
    assert_eq!(updated["Amount"], 20000.0);
    assert!(updated["SystemModstamp"].as_str() >= opp["SystemModstamp"].as_str());
}

#[tokio::test]
async fn validation_errors_have_salesforce_codes() {
    let h = Harness::start().await;

    let missing = h
        .call(
            Method::POST,
            "sobjects/Contact",
            Some(json!({"FirstName": "No"})),
        )
        .await;
    let unknown = h
        .call(
            Method::POST,
            "sobjects/Account",
            Some(json!({"Name": "x", "Bogus__c": 1})),
        )
        .await;
    let picklist = h
        .call(
            Method::POST,
            "sobjects/Account",
            Some(json!({"Name": "x", f::ACCOUNT_TYPE: "Reseller"})),
        )
        .await;
    let email = h
        .call(
            Method::POST,
            "sobjects/Contact",
            Some(json!({"LastName": "x", "Email": "not-an-email"})),
        )
        .await;
    let boolean = h
        .call(
            Method::POST,
            "sobjects/Product2",
            Some(json!({"Name": "x", "IsActive": "yes"})),
        )
        .await;
    let body = h
        .call_with(
            Method::POST,
            &h.data("sobjects/Account"),
            None,
            &[("Content-Type", "application/json")],
        )
        .await;

    assert_eq!(
        missing.body,
        json!([{"message": "Required fields are missing: [LastName]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]}])
    );
    assert_error(&unknown, StatusCode::BAD_REQUEST, "INVALID_FIELD");
    let message = assert_error(
        &picklist,
        StatusCode::BAD_REQUEST,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    );
    assert!(message.contains("bad value for restricted picklist field: Reseller"));
    assert_error(&email, StatusCode::BAD_REQUEST, "INVALID_EMAIL_ADDRESS");
    assert_error(&boolean, StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR");
    assert_error(&body, StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn bad_and_unknown_ids_and_types_are_refused() {
    let h = Harness::start().await;

    let malformed = h.get("sobjects/Account/not-an-id").await;
    let wrong_prefix = h.get("sobjects/Account/003a50000000001AAA").await;
    let unknown = h.get("sobjects/Account/001a500000zzzzzAAA").await;
    let unknown_type = h.get("sobjects/Foo/001a500000zzzzzAAA").await;
    let bad_lookup = h
        .call(
            Method::POST,
            "sobjects/Contact",
            Some(json!({"LastName": "x", "AccountId": "001a500000zzzzzAAA"})),
        )
        .await;

    let message = assert_error(&malformed, StatusCode::BAD_REQUEST, "MALFORMED_ID");
    assert_eq!(message, "Account ID: id value of incorrect type: not-an-id");
    assert_error(&wrong_prefix, StatusCode::BAD_REQUEST, "MALFORMED_ID");
    assert_eq!(
        unknown.body,
        json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    );
    assert_error(&unknown_type, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_error(
        &bad_lookup,
        StatusCode::BAD_REQUEST,
        "INVALID_CROSS_REFERENCE_KEY",
    );
}

#[tokio::test]
async fn upsert_by_external_id_creates_then_updates() {
    let h = Harness::start().await;
    let path = format!("sobjects/Account/{}/FNO-42", f::ACCOUNT_ID);

    let created = h
        .call(Method::PATCH, &path, Some(json!({"Name": "Upserted"})))
        .await;
    let updated = h
        .call(
            Method::PATCH,
            &path,
            Some(json!({"Name": "Upserted again"})),
        )
        .await;
    let fetched = h.get(&path).await;
    let old_version = h
        .call_with(
            Method::PATCH,
            &format!("{}/services/data/v45.0/{path}", h.base),
            Some(json!({"Phone": "1"})),
            &[],
        )
        .await;
    let not_external = h
        .call(Method::PATCH, "sobjects/Account/Name/x", Some(json!({})))
        .await;

    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["created"], true);
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(
        updated.body,
        json!({"id": created.body["id"], "success": true, "errors": [], "created": false})
    );
    assert_eq!(fetched.body["Name"], "Upserted again");
    assert_eq!(fetched.body[f::ACCOUNT_ID], "FNO-42");
    assert_eq!(old_version.status, StatusCode::NO_CONTENT);
    assert_error(&not_external, StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn upsert_matching_two_records_answers_300() {
    let h = Harness::start().await;
    for name in ["a", "b"] {
        h.sandbox
            .insert("Account", json!({"Name": name, f::ACCOUNT_ID: "dup"}))
            .expect("insert");
    }

    let answer = h
        .call(
            Method::PATCH,
            &format!("sobjects/Account/{}/dup", f::ACCOUNT_ID),
            Some(json!({"Name": "c"})),
        )
        .await;

    assert_eq!(answer.status, StatusCode::MULTIPLE_CHOICES);
}

#[tokio::test]
async fn describe_lists_connector_fields_with_types_and_picklists() {
    let h = Harness::start().await;

    let global = h.get("sobjects").await;
    let line = h.get("sobjects/OpportunityLineItem/describe").await;
    let opportunity = h.get("sobjects/Opportunity/describe").await;
    let field = |body: &Value, name: &str| {
        body["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .expect(name)
    };

    let names: Vec<&str> = global.body["sobjects"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert!([
        "Account",
        "Contact",
        "Opportunity",
        "OpportunityLineItem",
        "Product2",
        "Pricebook2",
        "PricebookEntry"
    ]
    .iter()
    .all(|n| names.contains(n)));
    assert_eq!(global.body["maxBatchSize"], 200);
    let option = field(&line.body, f::START_DATE_OPTION);
    assert_eq!(
        (
            option["type"].clone(),
            option["custom"].clone(),
            option["updateable"].clone()
        ),
        (json!("picklist"), json!(true), json!(true))
    );
    let values: Vec<&str> = option["picklistValues"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v["value"].as_str())
        .collect();
    assert_eq!(values, f::START_DATE_OPTION_VALUES);
    let sold_to = field(&opportunity.body, f::SOLD_TO_ACCOUNT);
    assert_eq!(sold_to["referenceTo"], json!(["Account"]));
    assert_eq!(sold_to["relationshipName"], f::SOLD_TO_ACCOUNT_RELATIONSHIP);
    let is_won = field(&opportunity.body, "IsWon");
    assert_eq!(
        (is_won["createable"].clone(), is_won["updateable"].clone()),
        (json!(false), json!(false))
    );
    let children = opportunity.body["childRelationships"]
        .as_array()
        .expect("children");
    assert!(children
        .iter()
        .any(|c| c["relationshipName"] == "OpportunityLineItems" && c["field"] == "OpportunityId"));
    assert_eq!(field(&line.body, "Quantity")["soapType"], "xsd:double");
}

#[tokio::test]
async fn updated_resource_lists_ids_changed_in_the_window() {
    let h = Harness::start().await;
    let start = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string();
    let end = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string();
    let url = reqwest::Url::parse_with_params(
        &h.data("sobjects/Account/updated/"),
        &[("start", start), ("end", end)],
    )
    .expect("url");

    let answer = h.call_with(Method::GET, url.as_str(), None, &[]).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["ids"].as_array().expect("ids").len(), 1);
}
