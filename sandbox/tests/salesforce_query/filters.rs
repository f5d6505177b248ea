//! WHERE clauses and ordering: operators, nulls, dates, Ids, escaping, and
//! ORDER BY, LIMIT, OFFSET and COUNT.

use fnosync_sandbox::salesforce::fields as f;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::empty_harness;
use crate::salesforce_support::{assert_error, Harness};

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
