//! Part numbers and the readiness of their products.

use sqlx::PgPool;

use crate::harness::start_default;

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn part_numbers_report_their_products_readiness(pool: PgPool) {
    let fno = start_default(pool).await;
    let ready = fno
        .client
        .find_part_number("SF01demo")
        .await
        .expect("query")
        .expect("found");
    assert!(ready.is_ready());
    let product = ready.product.expect("product");
    assert_eq!(
        (product.name.as_str(), product.version.as_deref()),
        ("SF-DemoProduct", Some("1.0"))
    );
    let draft = fno
        .client
        .find_part_number("GC3020")
        .await
        .expect("query")
        .expect("found");
    assert!(!draft.is_ready());
    assert_eq!(draft.product.expect("product").state, "DRAFT");
    assert!(fno
        .client
        .find_part_number("SL9020")
        .await
        .expect("query")
        .is_none());
    assert!(fno
        .client
        .find_part_number("sf01demo")
        .await
        .expect("query")
        .is_none());
    let products = fno.client.list_products().await.expect("products");
    assert!(products
        .iter()
        .any(|p| p.part_numbers.contains(&"SF01demo".to_string()) && p.is_deployed()));
}
