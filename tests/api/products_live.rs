use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use serde_json::json;
use sqlx::PgPool;

fn by_code<'a>(products: &'a [proto::Product], code: &str) -> &'a proto::Product {
    products
        .iter()
        .find(|p| p.product_code == code)
        .unwrap_or_else(|| panic!("{code}"))
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn products_show_their_readiness_on_both_sides(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    let mut products = app.admin().await.products();

    // Act
    let listed = products
        .list_products(proto::ListProductsRequest::default())
        .await
        .expect("list")
        .into_inner()
        .products;

    // Assert
    let demo = by_code(&listed, "SF01demo");
    assert!(demo.readiness_known && demo.ready, "{demo:?}");
    assert!(demo.fno_deployed && demo.code_matches_part_number && demo.salesforce_active);
    let excluded = by_code(&listed, "GC1040");
    assert!(!excluded.ready && excluded.fno_deployed, "{excluded:?}");
    assert!(excluded
        .problems
        .iter()
        .any(|p| p.contains("Include in FlexNet Operations Sync")));
    assert!(by_code(&listed, "GC3020")
        .problems
        .iter()
        .any(|p| p.contains("not deployed")));
    let unknown = by_code(&listed, "SL9020");
    assert!(
        !unknown.fno_exists
            && unknown
                .problems
                .iter()
                .any(|p| p.contains("FNO has no product"))
    );
    assert!(by_code(&listed, "IN7060")
        .problems
        .iter()
        .any(|p| p.contains("not active")));
    let not_ready = products
        .list_products(proto::ListProductsRequest {
            not_ready_only: true,
        })
        .await
        .expect("not ready")
        .into_inner()
        .products;
    assert!(
        not_ready.iter().all(|p| !p.ready)
            && not_ready.iter().all(|p| p.product_code != "SF01demo")
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn including_a_product_sets_the_flag_in_salesforce(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    let id = app
        .salesforce
        .find("Product2", "ProductCode", &json!("GC1040"))[0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    let product = app
        .admin()
        .await
        .products()
        .set_product_sync_included(proto::SetProductSyncIncludedRequest {
            salesforce_product_id: id.clone(),
            included: true,
            ..Default::default()
        })
        .await
        .expect("include")
        .into_inner()
        .product
        .expect("product");
    assert!(product.ready, "{product:?}");
    assert_eq!(
        app.salesforce.record("Product2", &id).expect("product")[sf::INCLUDE_IN_SYNC],
        json!(true)
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_schema_status_lists_the_connector_fields_per_object(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    let objects = app
        .viewer()
        .await
        .admin()
        .get_salesforce_schema_status(proto::GetSalesforceSchemaStatusRequest {})
        .await
        .expect("schema")
        .into_inner()
        .objects;
    assert_eq!(objects.len(), 4, "{objects:?}");
    let lines = objects
        .iter()
        .find(|o| o.api_name == "OpportunityLineItem")
        .expect("line items");
    assert!(
        lines.present_fields.iter().any(|f| f == sf::ACTIVATION_ID),
        "{lines:?}"
    );
    assert!(
        objects.iter().all(|o| o.missing_fields.is_empty()),
        "{objects:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn repeated_schema_status_reads_describe_salesforce_once_a_minute(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    let viewer = app.viewer().await;
    let read = || async {
        viewer
            .admin()
            .get_salesforce_schema_status(proto::GetSalesforceSchemaStatusRequest {})
            .await
            .expect("schema")
            .into_inner()
    };
    let first = read().await;
    let (logins, describes) = (
        app.salesforce.call_count("oauth.token"),
        app.salesforce.call_count("describe"),
    );

    // Act: nine more reads, four of them at the same time.
    for _ in 0..5 {
        read().await;
    }
    let together = futures::future::join_all((0..4).map(|_| read())).await;

    // Assert
    assert!(describes >= 4, "the first read described the objects");
    assert_eq!(
        app.salesforce.call_count("describe"),
        describes,
        "no describe again"
    );
    assert_eq!(
        app.salesforce.call_count("oauth.token"),
        logins,
        "no log-in again"
    );
    assert!(together.iter().all(|status| *status == first));
}
