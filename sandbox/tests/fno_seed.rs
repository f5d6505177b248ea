//! Seeding and inspecting the FNO sandbox: the JSON dump, loading it back
//! from a file and over HTTP, direct state changes from Rust, and large
//! tenants paged through by incremental queries.

mod fno_support;

use chrono::Utc;
use fno_support::*;
use fnosync_sandbox::fno::model::{Account, Entitlement, LineItem};
use fnosync_sandbox::fno::{FnoState, Options};

#[tokio::test]
async fn a_dump_loaded_as_seed_file_restores_the_tenant() {
    let fno = Fno::start().await;
    let (entitlement_id, _) = demo_entitlement(&fno, 10).await;
    let dump = fno
        .client
        .get(format!("{}/__sandbox/dump", fno.sandbox.url()))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let file = std::env::temp_dir().join(format!("fno-seed-{}.json", std::process::id()));
    std::fs::write(&file, dump).expect("write");
    let restored = Fno::start_with(Options {
        seed: Some(file.clone()),
        ..Options::default()
    })
    .await;
    std::fs::remove_file(&file).expect("remove");
    let entitlement = restored
        .sandbox
        .store()
        .entitlement(&entitlement_id)
        .expect("restored");
    assert_eq!(entitlement.sold_to.as_deref(), Some("ACC"));
    let again = restored
        .call(
            ENTITLEMENTS,
            V4_NS,
            "createSimpleEntitlementRequest",
            &entitlement_xml("ACC", &line_xml("SF01demo", 1, "o")),
        )
        .await;
    assert_eq!(
        again.status_info(),
        "SUCCESS",
        "ids and indexes survive the round trip"
    );
}

#[tokio::test]
async fn put_state_replaces_the_tenant() {
    let fno = Fno::start().await;
    let mut state = fno.sandbox.store().snapshot();
    state
        .products
        .retain(|product| product.name != "SF-DemoProduct");
    state.part_numbers.retain(|part| part.part_id != "SF01demo");
    let response = fno
        .client
        .put(format!("{}/__sandbox/state", fno.sandbox.url()))
        .json(&state)
        .send()
        .await
        .expect("put");
    assert!(response.status().is_success());
    let query = "<queryParams><partNumber><value>SF01demo</value><searchType>EQUALS</searchType></partNumber></queryParams><pageNumber>1</pageNumber><batchSize>5</batchSize><returnContainedObjects>false</returnContainedObjects>";
    let answer = fno
        .call(PRODUCTS, V2_NS, "getProductsQueryRequest", query)
        .await;
    assert!(answer.body.child("responseData").is_none());
}

#[tokio::test]
async fn records_seeded_from_rust_are_served_over_soap() {
    let fno = Fno::start().await;
    fno.sandbox.store().update(|state: &mut FnoState| {
        state.accounts.push(Account {
            unique_id: "HID-1".into(),
            id: "SEEDED".into(),
            name: "Seeded account".into(),
            account_type: "CUSTOMER".into(),
            ..Account::default()
        });
    });
    let query = "<queryParams><accountID><value>SEEDED</value><searchType>EQUALS</searchType></accountID></queryParams><pageNumber>1</pageNumber><batchSize>5</batchSize>";
    let answer = fno
        .call(USER_ACCT, V3_NS, "getAccountsQueryRequest", query)
        .await;
    assert_eq!(
        answer.body.value_at(&["responseData", "acctData", "name"]),
        Some("Seeded account")
    );
}

fn bulk_entitlement(index: usize) -> Entitlement {
    let now = Utc::now();
    Entitlement {
        unique_id: format!("HID-E{index}"),
        entitlement_id: format!("ENT-{index:05}"),
        state: "DEPLOYED".into(),
        line_items: vec![LineItem {
            unique_id: format!("HID-L{index}"),
            activation_id: format!("ACT-{index:05}"),
            product: ("SF-DemoProduct".into(), "1.0".into()),
            part_number: Some("SF01demo".into()),
            number_of_copies: 5,
            is_permanent: true,
            state: "DEPLOYED".into(),
            created: now,
            last_modified: now,
            ..LineItem::default()
        }],
        created: now,
        last_modified: now,
        ..Entitlement::default()
    }
}

#[tokio::test]
async fn thousands_of_line_items_page_through_and_activations_show_up_incrementally() {
    let fno = Fno::start().await;
    fno.sandbox
        .store()
        .update(|state| state.entitlements.extend((0..4_500).map(bulk_entitlement)));
    let page = |number: usize, filter: &str| {
        format!("<queryParams>{filter}</queryParams>{LINE_CONFIG}<batchSize>2000</batchSize><pageNumber>{number}</pageNumber>")
    };
    let mut seen = 0;
    for number in 1..=3 {
        let answer = fno
            .call(
                ENTITLEMENTS,
                V4_NS,
                "searchEntitlementLineItemPropertiesRequest",
                &page(number, ""),
            )
            .await;
        seen += answer.body.children_named("entitlementLineItem").count();
    }
    assert_eq!(seen, 4_500);
    let since = Utc::now();
    fno.sandbox
        .store()
        .activate("ACT-04321", 2)
        .expect("activate");
    let filter = format!("<lastModifiedDateTime><value>{}</value><searchType>AFTER</searchType></lastModifiedDateTime>", since.to_rfc3339());
    let changed = fno
        .call(
            ENTITLEMENTS,
            V4_NS,
            "searchEntitlementLineItemPropertiesRequest",
            &page(1, &filter),
        )
        .await;
    let lines: Vec<_> = changed.body.children_named("entitlementLineItem").collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].value("numberOfRemainingCopies"), Some("3"));
}
