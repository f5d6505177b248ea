//! Products and part numbers of the FNO sandbox: the guide's demo product,
//! readiness (deployed, undeployed, missing) and part number queries.

mod fno_support;

use fno_support::*;

fn product_query(part: &str) -> String {
    format!(
        "<queryParams><partNumber><value>{part}</value><searchType>EQUALS</searchType></partNumber></queryParams>\
         <pageNumber>1</pageNumber><batchSize>10</batchSize><returnContainedObjects>true</returnContainedObjects>"
    )
}

#[tokio::test]
async fn the_demo_part_number_maps_to_a_deployed_product() {
    let fno = Fno::start().await;
    let answer = fno
        .call(
            PRODUCTS,
            V2_NS,
            "getProductsQueryRequest",
            &product_query("SF01demo"),
        )
        .await;
    let product = answer
        .body
        .at(&["responseData", "product"])
        .expect("product");
    assert_eq!(product.value("productName"), Some("SF-DemoProduct"));
    assert_eq!(product.value("version"), Some("1.0"));
    assert_eq!(product.value("state"), Some("DEPLOYED"));
    assert_eq!(
        product.value_at(&["partNumbers", "partNumber", "primaryKeys", "partId"]),
        Some("SF01demo")
    );
    assert!(product
        .at(&["features", "feature", "featureIdentifier"])
        .is_some());
    assert!(product.at(&["licenseModels", "licenseModel"]).is_some());
}

#[tokio::test]
async fn readiness_shows_an_undeployed_and_a_missing_product() {
    let fno = Fno::start().await;
    let draft = fno
        .call(
            PRODUCTS,
            V2_NS,
            "getProductsQueryRequest",
            &product_query("GC3020"),
        )
        .await;
    assert_eq!(
        draft.body.value_at(&["responseData", "product", "state"]),
        Some("DRAFT")
    );
    let missing = fno
        .call(
            PRODUCTS,
            V2_NS,
            "getProductsQueryRequest",
            &product_query("SL9020"),
        )
        .await;
    assert_eq!(missing.status_info(), "SUCCESS");
    assert!(missing.body.child("responseData").is_none());
    let case = fno
        .call(
            PRODUCTS,
            V2_NS,
            "getProductsQueryRequest",
            &product_query("sf01demo"),
        )
        .await;
    assert!(
        case.body.child("responseData").is_none(),
        "part numbers match exactly"
    );
}

#[tokio::test]
async fn part_numbers_query_returns_the_mapped_product() {
    let fno = Fno::start().await;
    let inner = "<queryParams><partId><value>GC10</value><searchType>STARTS_WITH</searchType></partId></queryParams><pageNumber>1</pageNumber><batchSize>50</batchSize>";
    let answer = fno
        .call(PRODUCTS, V2_NS, "getPartNumbersQueryRequest", inner)
        .await;
    let parts: Vec<_> = answer
        .body
        .child("responseData")
        .expect("data")
        .children_named("partNumber")
        .collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts[0].value_at(&["partNumberIdentifier", "primaryKeys", "partId"]),
        Some("GC1060")
    );
    assert_eq!(
        parts[0].value_at(&["mappedProduct", "primaryKeys", "name"]),
        Some("GenWatt Diesel 1000kW")
    );
}
