use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

#[sqlx::test(migrator = "MIGRATOR")]
async fn filters_default_to_closed_won_and_draft(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let filters = app
        .viewer()
        .await
        .filters()
        .get_filters(proto::GetFiltersRequest {})
        .await
        .expect("get")
        .into_inner()
        .filters
        .expect("filters");
    assert_eq!(filters.pre_condition_stages, vec!["Closed Won".to_string()]);
    assert_eq!(
        filters.post_condition_state,
        proto::EntitlementState::Draft as i32
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn filters_are_updated_and_validated(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let mut filters = app.admin().await.filters();
    let updated = filters
        .update_filters(proto::UpdateFiltersRequest {
            filters: Some(proto::Filters {
                pre_condition_stages: vec![" Closed Won ".into(), "Negotiation/Review".into()],
                post_condition_state: proto::EntitlementState::Deployed as i32,
                ..Default::default()
            }),
        })
        .await
        .expect("update")
        .into_inner()
        .filters
        .expect("filters");
    assert_eq!(
        updated.pre_condition_stages,
        vec!["Closed Won".to_string(), "Negotiation/Review".to_string()]
    );
    let stored: (Vec<String>, String) =
        sqlx::query_as("SELECT pre_condition_stages, post_condition_state FROM filters")
            .fetch_one(&pool)
            .await
            .expect("row");
    assert_eq!(stored.1, "deployed");

    let invalid = filters
        .update_filters(proto::UpdateFiltersRequest {
            filters: Some(proto::Filters {
                pre_condition_stages: vec![],
                post_condition_state: 0,
                ..Default::default()
            }),
        })
        .await
        .expect_err("invalid");
    assert_eq!(invalid.code(), Code::InvalidArgument);
    let fields: Vec<String> = field_violations(&invalid)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        fields,
        vec![
            "filters.pre_condition_stages",
            "filters.post_condition_state"
        ]
    );
}
