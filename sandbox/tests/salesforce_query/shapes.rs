//! The shape of query answers: parent and child relationships, canonical field
//! names, empty subqueries and lookups, and semi-joins.

use fnosync_sandbox::salesforce::fields as f;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::salesforce_support::Harness;

#[tokio::test]
async fn guide_opportunity_comes_back_with_parents_and_line_items() {
    let h = Harness::start().await;
    let soql = format!(
        "SELECT Id, Name, StageName, IsWon, IsClosed, Account.Name, \
         (SELECT Quantity, UnitPrice, Product2.ProductCode, PricebookEntry.Product2.Name, {}, {}, {}, {} FROM OpportunityLineItems) \
         FROM Opportunity WHERE Name = 'SF-TestOpportunity'",
        f::START_DATE_OPTION, f::EXPIRATION_DATE_OPTION, f::EXPIRATION_TERM, f::EXPIRATION_TERM_OPTION
    );

    let answer = h.query(&soql).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["totalSize"], 1);
    assert_eq!(answer.body["done"], true);
    let opp = &answer.body["records"][0];
    assert_eq!(opp["attributes"]["type"], "Opportunity");
    assert_eq!(
        opp["attributes"]["url"],
        format!(
            "/services/data/v59.0/sobjects/Opportunity/{}",
            opp["Id"].as_str().expect("id")
        )
    );
    assert_eq!(
        (
            opp["StageName"].clone(),
            opp["IsWon"].clone(),
            opp["IsClosed"].clone()
        ),
        (json!("Closed Won"), json!(true), json!(true))
    );
    assert_eq!(opp["Account"]["Name"], "SF-DemoAccount");
    assert_eq!(opp["Account"]["attributes"]["type"], "Account");
    let lines = &opp["OpportunityLineItems"];
    assert_eq!(lines["totalSize"], 1);
    let line = &lines["records"][0];
    assert_eq!(line["Quantity"], 10.0);
    assert_eq!(line["UnitPrice"], 1000.0);
    assert_eq!(line["Product2"]["ProductCode"], "SF01demo");
    assert_eq!(line["PricebookEntry"]["Product2"]["Name"], "SF-DemoProduct");
    assert_eq!(line[f::START_DATE_OPTION], "Use First Activation Date");
    assert_eq!(line[f::EXPIRATION_DATE_OPTION], "Specify Duration");
    assert_eq!(line[f::EXPIRATION_TERM], 1.0);
    assert_eq!(line[f::EXPIRATION_TERM_OPTION], "Months");
}

#[tokio::test]
async fn field_names_are_case_insensitive_but_come_back_canonical() {
    let h = Harness::start().await;

    let records = h
        .records("select id, name from account where name = 'sf-demoaccount'")
        .await;

    assert_eq!(records.len(), 1);
    assert!(records[0].get("Id").is_some() && records[0]["Name"] == "SF-DemoAccount");
}

#[tokio::test]
async fn empty_child_subquery_is_null_and_empty_lookup_is_null() {
    let h = Harness::start().await;
    h.sandbox
        .insert("Account", json!({"Name": "Lonely"}))
        .expect("insert");
    h.sandbox
        .insert("Contact", json!({"LastName": "Orphan"}))
        .expect("insert");

    let accounts = h
        .records("SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name = 'Lonely'")
        .await;
    let contacts = h
        .records("SELECT LastName, Account.Name FROM Contact WHERE LastName = 'Orphan'")
        .await;
    let demo = h
        .records(
            "SELECT Name, (SELECT Email FROM Contacts) FROM Account WHERE Name = 'SF-DemoAccount'",
        )
        .await;

    assert_eq!(accounts[0]["Contacts"], Value::Null);
    assert_eq!(contacts[0]["Account"], Value::Null);
    assert_eq!(
        demo[0]["Contacts"]["records"][0]["Email"],
        "SF-TestUser@mycompany.com"
    );
}

#[tokio::test]
async fn semi_join_selects_accounts_with_won_opportunities() {
    let h = Harness::start().await;
    h.sandbox
        .insert("Account", json!({"Name": "No deals"}))
        .expect("insert");

    let records = h.records("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)").await;

    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Name"], "SF-DemoAccount");
}
