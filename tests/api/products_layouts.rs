use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_include_flag_of_a_product_is_persisted(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let mut products = app.admin().await.products();
    let product = products
        .set_product_sync_included(proto::SetProductSyncIncludedRequest {
            salesforce_product_id: "01t5g000001AbCdAAK".into(),
            included: true,
            name: "SF-DemoProduct".into(),
            product_code: "SF01demo".into(),
        })
        .await
        .expect("include")
        .into_inner()
        .product
        .expect("product");
    assert!(product.sync_included);
    assert!(!product.readiness_known);
    products
        .set_product_sync_included(proto::SetProductSyncIncludedRequest {
            salesforce_product_id: "01t5g000001AbCdAAK".into(),
            included: false,
            ..Default::default()
        })
        .await
        .expect("exclude");
    let stored: (bool, String) = sqlx::query_as("SELECT sync_included, product_code FROM products")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(stored, (false, "SF01demo".to_string()));
    let listed = products
        .list_products(proto::ListProductsRequest {
            not_ready_only: false,
        })
        .await
        .expect("list")
        .into_inner()
        .products;
    assert_eq!(listed.len(), 1);
    assert!(listed[0]
        .problems
        .iter()
        .any(|p| p.contains("Include in FlexNet Operations Sync")));

    let bad = products
        .set_product_sync_included(proto::SetProductSyncIncludedRequest {
            salesforce_product_id: "001a500001xOYkQAAW".into(),
            included: true,
            ..Default::default()
        })
        .await
        .expect_err("account id");
    assert_eq!(field_violations(&bad)[0].0, "salesforce_product_id");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn page_layouts_are_listed_and_chosen(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    let layouts = admin
        .list_page_layouts(proto::ListPageLayoutsRequest { sf_object: 0 })
        .await
        .expect("list")
        .into_inner()
        .page_layouts;
    assert_eq!(layouts.len(), 4);
    assert!(layouts.iter().all(|l| l.shows_connector_fields));
    let updated = admin
        .update_page_layouts(proto::UpdatePageLayoutsRequest {
            page_layouts: vec![proto::PageLayout {
                sf_object: proto::SalesforceObject::Opportunity as i32,
                layout_name: "Opportunity Layout".into(),
                shows_connector_fields: false,
            }],
        })
        .await
        .expect("update")
        .into_inner()
        .page_layouts;
    let opportunity = updated
        .iter()
        .find(|l| l.layout_name == "Opportunity Layout")
        .expect("layout");
    assert!(!opportunity.shows_connector_fields);
    let unknown = admin
        .update_page_layouts(proto::UpdatePageLayoutsRequest {
            page_layouts: vec![proto::PageLayout {
                sf_object: proto::SalesforceObject::Account as i32,
                layout_name: "No Such Layout".into(),
                shows_connector_fields: true,
            }],
        })
        .await
        .expect_err("unknown");
    assert_eq!(unknown.code(), Code::NotFound);
}
