//! Pagination and queryAll: page edges, batch sizes, query locators and
//! deleted records.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{empty_harness, seed_accounts};
use crate::salesforce_support::{assert_error, Harness};

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
