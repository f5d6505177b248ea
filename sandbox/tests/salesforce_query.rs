//! SOQL query and queryAll against the Salesforce sandbox: shapes,
//! relationships, filters, escaping, pagination and errors.

mod salesforce_support;

use fnosync_sandbox::salesforce::fields as f;
use fnosync_sandbox::salesforce::Options;
use reqwest::{Method, StatusCode};
use salesforce_support::{assert_error, Harness};
use serde_json::{json, Value};

async fn empty_harness() -> Harness {
    Harness::start_with(Options {
        empty: true,
        ..Options::default()
    })
    .await
}

fn seed_accounts(h: &Harness, count: usize) {
    for i in 0..count {
        h.sandbox
            .insert("Account", json!({"Name": format!("Bulk {i:05}")}))
            .expect("insert");
    }
}

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
async fn where_operators_in_like_and_boolean_logic_filter_products() {
    let h = Harness::start().await;
    let names = |records: Vec<Value>| {
        records
            .iter()
            .map(|r| r["ProductCode"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };

    let included = names(h.records(&format!("SELECT ProductCode FROM Product2 WHERE IsActive = true AND {} = true ORDER BY ProductCode", f::INCLUDE_IN_SYNC)).await);
    let in_list = names(h.records("SELECT ProductCode FROM Product2 WHERE ProductCode IN ('GC1020', 'SL9040', 'nope') ORDER BY ProductCode DESC").await);
    let not_in = h.records("SELECT ProductCode FROM Product2 WHERE ProductCode NOT IN ('GC1020') AND ProductCode LIKE 'GC%'").await;
    let like = names(h.records("SELECT ProductCode FROM Product2 WHERE Name LIKE 'sla: %' AND (ProductCode = 'SL9020' OR ProductCode = 'SL9050')").await);
    let negated = h
        .records("SELECT Id FROM Product2 WHERE NOT (Name LIKE 'GenWatt%')")
        .await;
    let compared = h
        .records("SELECT Id FROM PricebookEntry WHERE UnitPrice >= 50000 AND UnitPrice < 100000")
        .await;

    assert_eq!(
        included,
        vec!["GC1020", "GC1060", "GC5040", "IN7040", "SF01demo", "SL9020", "SL9040"]
    );
    assert_eq!(in_list, vec!["SL9040", "GC1020"]);
    assert_eq!(not_in.len(), 4);
    assert_eq!(like, vec!["SL9020", "SL9050"]);
    assert_eq!(negated.len(), 14 - 5);
    assert_eq!(compared.len(), 4);
}

#[tokio::test]
async fn null_comparisons_follow_soql() {
    let h = Harness::start().await;

    let no_email = h.records("SELECT Id FROM Contact WHERE Email = null").await;
    let with_email = h
        .records("SELECT Id FROM Contact WHERE Email != null")
        .await;
    let not_equal_includes_nulls = h
        .records("SELECT Id FROM Account WHERE Industry != 'Banking'")
        .await;

    assert!(no_email.is_empty());
    assert_eq!(with_email.len(), 1);
    assert_eq!(not_equal_includes_nulls.len(), 1);
}

#[tokio::test]
async fn date_datetime_and_relative_date_literals_filter() {
    let h = Harness::start().await;

    let future_close = h
        .records("SELECT Id FROM Opportunity WHERE CloseDate > 2000-01-31")
        .await;
    let past_close = h
        .records("SELECT Id FROM Opportunity WHERE CloseDate < 2000-01-31")
        .await;
    let recent = h
        .records("SELECT Id FROM Account WHERE SystemModstamp > 2001-01-01T00:00:00Z")
        .await;
    let recent_offset = h
        .records("SELECT Id FROM Account WHERE CreatedDate >= 2001-01-01T00:00:00+01:00")
        .await;
    let today = h
        .records("SELECT Id FROM Account WHERE CreatedDate = TODAY")
        .await;
    let last_days = h
        .records("SELECT Id FROM Account WHERE LastModifiedDate = LAST_N_DAYS:2")
        .await;
    let wrong_type = h
        .query("SELECT Id FROM Opportunity WHERE CloseDate > 2000-01-31T00:00:00Z")
        .await;
    let quoted_date = h
        .query("SELECT Id FROM Opportunity WHERE CloseDate > '2000-01-31'")
        .await;

    assert_eq!((future_close.len(), past_close.len()), (1, 0));
    assert_eq!(
        (
            recent.len(),
            recent_offset.len(),
            today.len(),
            last_days.len()
        ),
        (1, 1, 1, 1)
    );
    assert_error(&wrong_type, StatusCode::BAD_REQUEST, "INVALID_FIELD");
    let message = assert_error(&quoted_date, StatusCode::BAD_REQUEST, "INVALID_FIELD");
    assert!(
        message.contains("must be of type date and should not be enclosed in quotes"),
        "{message}"
    );
}

#[tokio::test]
async fn order_by_nulls_limit_offset_and_count() {
    let h = empty_harness().await;
    for (name, phone) in [("b", Some("2")), ("a", None), ("c", Some("1"))] {
        h.sandbox
            .insert("Account", json!({"Name": name, "Phone": phone}))
            .expect("insert");
    }
    let names = |records: Vec<Value>| {
        records
            .iter()
            .map(|r| r["Name"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };

    let ascending = names(h.records("SELECT Name FROM Account ORDER BY Phone").await);
    let descending = names(
        h.records("SELECT Name FROM Account ORDER BY Phone DESC")
            .await,
    );
    let nulls_last = names(
        h.records("SELECT Name FROM Account ORDER BY Phone ASC NULLS LAST")
            .await,
    );
    let paged = names(
        h.records("SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1")
            .await,
    );
    let count = h
        .query("SELECT COUNT() FROM Account WHERE Phone != null")
        .await;

    assert_eq!(ascending, vec!["a", "c", "b"]);
    assert_eq!(descending, vec!["b", "c", "a"]);
    assert_eq!(nulls_last, vec!["c", "b", "a"]);
    assert_eq!(paged, vec!["b"]);
    assert_eq!(
        count.body,
        json!({"totalSize": 2, "done": true, "records": []})
    );
}

#[tokio::test]
async fn a_name_with_quote_and_backslash_round_trips_and_injection_is_data() {
    let h = Harness::start().await;
    let tricky = "O'Brien \\ \"Sons\"\nLtd";
    h.sandbox
        .insert("Account", json!({"Name": tricky}))
        .expect("insert");

    let found = h
        .records(r#"SELECT Name FROM Account WHERE Name = 'O\'Brien \\ \"Sons\"\nLtd'"#)
        .await;
    let injected = h
        .records(r"SELECT Name FROM Account WHERE Name = 'x\' OR Name != \'x'")
        .await;
    let bad_escape = h
        .query(r"SELECT Name FROM Account WHERE Name = 'a\qb'")
        .await;
    let unterminated = h
        .query("SELECT Name FROM Account WHERE Name = 'O'Brien'")
        .await;

    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["Name"], tricky);
    assert!(injected.is_empty());
    assert_error(&bad_escape, StatusCode::BAD_REQUEST, "MALFORMED_QUERY");
    assert_error(&unterminated, StatusCode::BAD_REQUEST, "MALFORMED_QUERY");
}

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
async fn semi_join_selects_accounts_with_won_opportunities() {
    let h = Harness::start().await;
    h.sandbox
        .insert("Account", json!({"Name": "No deals"}))
        .expect("insert");

    let records = h.records("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)").await;

    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Name"], "SF-DemoAccount");
}

#[tokio::test]
async fn query_all_includes_deleted_records_and_query_does_not() {
    let h = Harness::start().await;
    let id = h
        .sandbox
        .insert("Account", json!({"Name": "Gone"}))
        .expect("insert");
    h.sandbox.delete("Account", &id).expect("delete");

    let live = h
        .records("SELECT Id FROM Account WHERE Name = 'Gone'")
        .await;
    let url = reqwest::Url::parse_with_params(
        &h.data("queryAll"),
        &[("q", "SELECT Id, IsDeleted FROM Account WHERE Name = 'Gone'")],
    )
    .expect("url");
    let all = h.call_with(Method::GET, url.as_str(), None, &[]).await;

    assert!(live.is_empty());
    assert_eq!(all.body["records"][0]["IsDeleted"], true);
}

async fn fetch_all(h: &Harness, batch: usize) -> (Vec<Value>, usize, Value) {
    let url = reqwest::Url::parse_with_params(
        &h.data("query"),
        &[("q", "SELECT Id, Name FROM Account ORDER BY Name")],
    )
    .expect("url");
    let option = format!("batchSize={batch}");
    let mut page = h
        .call_with(
            Method::GET,
            url.as_str(),
            None,
            &[("Sforce-Query-Options", &option)],
        )
        .await;
    let first = page.body.clone();
    let mut records: Vec<Value> = page.body["records"].as_array().expect("records").clone();
    let mut pages = 1;
    while page.body["done"] == false {
        let next = page.body["nextRecordsUrl"]
            .as_str()
            .expect("next url")
            .to_string();
        assert_eq!(page.body["totalSize"], first["totalSize"]);
        page = h
            .call_with(Method::GET, &format!("{}{next}", h.base), None, &[])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        records.extend(
            page.body["records"]
                .as_array()
                .expect("records")
                .iter()
                .cloned(),
        );
        pages += 1;
    }
    (records, pages, first)
}

#[tokio::test]
async fn pagination_edges_zero_one_one_batch_and_one_more() {
    for (count, expected_pages) in [(0, 1), (1, 1), (200, 1), (201, 2)] {
        let h = empty_harness().await;
        seed_accounts(&h, count);

        let (records, pages, first) = fetch_all(&h, 200).await;

        assert_eq!(records.len(), count, "{count} records");
        assert_eq!(pages, expected_pages, "{count} records");
        assert_eq!(first["totalSize"], count);
        if count == 201 {
            let next = first["nextRecordsUrl"].as_str().expect("next");
            assert!(
                next.starts_with("/services/data/v59.0/query/01g") && next.ends_with("-200"),
                "{next}"
            );
            assert_eq!(records[200]["Name"], "Bulk 00200");
        }
    }
}

#[tokio::test]
async fn batch_size_defaults_to_2000_and_is_clamped_to_200() {
    let h = empty_harness().await;
    seed_accounts(&h, 2001);

    let (records, pages, first) = fetch_all(&h, 2000).await;
    let (_, small_pages, _) = fetch_all(&h, 5).await;

    assert_eq!(first["records"].as_array().expect("records").len(), 2000);
    assert_eq!((records.len(), pages), (2001, 2));
    assert_eq!(small_pages, 11);
}

#[tokio::test]
async fn an_unknown_locator_is_invalid_query_locator() {
    let h = Harness::start().await;

    let answer = h.get("query/01ga500000000zzzz-2000").await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn missing_query_string_is_malformed() {
    let h = Harness::start().await;

    let answer = h.get("query").await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "MALFORMED_QUERY");
}

#[tokio::test]
async fn id_filters_accept_15_and_18_characters_and_keep_other_conditions() {
    let h = Harness::start().await;
    let a = h
        .sandbox
        .insert("Account", json!({"Name": "Pinned A"}))
        .expect("insert");
    let b = h
        .sandbox
        .insert("Account", json!({"Name": "Pinned B"}))
        .expect("insert");

    let by_short = h
        .records(&format!(
            "SELECT Name FROM Account WHERE Id = '{}'",
            &a[..15]
        ))
        .await;
    let by_list = h
        .records(&format!(
            "SELECT Name FROM Account WHERE Id IN ('{b}', '{a}') AND Name != 'Pinned B'"
        ))
        .await;
    let bad_id = h.query("SELECT Name FROM Account WHERE Id = 'nope'").await;

    assert_eq!(by_short[0]["Name"], "Pinned A");
    assert_eq!(by_list.len(), 1);
    assert_eq!(by_list[0]["Name"], "Pinned A");
    assert_error(
        &bad_id,
        StatusCode::BAD_REQUEST,
        "INVALID_QUERY_FILTER_OPERATOR",
    );
}
