use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

fn create(name: &str, url: &str) -> proto::CreateRemoteSiteRequest {
    proto::CreateRemoteSiteRequest {
        name: name.into(),
        url: url.into(),
        description: "FNO UAT tenant".into(),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn remote_sites_are_created_listed_updated_and_deleted(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let mut admin = app.admin().await.admin();

    // Act
    let created = admin
        .create_remote_site(create("FNO_UAT", "https://acme-uat.flexnetoperations.com/"))
        .await
        .expect("create")
        .into_inner()
        .remote_site
        .expect("site");
    let updated = admin
        .update_remote_site(proto::UpdateRemoteSiteRequest {
            name: "FNO_UAT".into(),
            active: Some(false),
            description: Some("paused".into()),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner()
        .remote_site
        .expect("site");
    let listed = admin
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect("list")
        .into_inner()
        .remote_sites;

    // Assert
    assert_eq!(created.url, "https://acme-uat.flexnetoperations.com");
    assert!(created.active);
    assert!(!updated.active);
    assert_eq!(updated.description, "paused");
    assert_eq!(listed.len(), 1);
    let stored: (bool,) = sqlx::query_as("SELECT active FROM remote_sites WHERE name = 'FNO_UAT'")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert!(!stored.0);

    admin
        .delete_remote_site(proto::DeleteRemoteSiteRequest {
            name: "FNO_UAT".into(),
        })
        .await
        .expect("delete");
    let after = admin
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect("list");
    assert!(after.into_inner().remote_sites.is_empty());
    let missing = admin
        .delete_remote_site(proto::DeleteRemoteSiteRequest {
            name: "FNO_UAT".into(),
        })
        .await
        .expect_err("gone");
    assert_eq!(missing.code(), Code::NotFound);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_remote_site_name_rule_has_its_own_message(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    let cases = [
        ("", "is required"),
        ("fno tenant", "must not contain spaces"),
        ("1fno", "must start with a letter"),
        ("fno_", "must not end with an underscore"),
        ("fno__uat", "must not contain two consecutive underscores"),
        (
            "fno-uat",
            "may contain only letters, digits and underscores",
        ),
    ];
    for (name, expected) in cases {
        let status = admin
            .create_remote_site(create(name, "https://acme.example"))
            .await
            .expect_err(name);
        assert_eq!(status.code(), Code::InvalidArgument, "{name}");
        assert_eq!(
            field_violations(&status),
            vec![("name".to_string(), expected.to_string())],
            "{name}"
        );
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn remote_site_urls_must_be_https_and_names_unique(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    let http = admin
        .create_remote_site(create("Plain", "http://acme.example"))
        .await
        .expect_err("http");
    assert_eq!(
        field_violations(&http),
        vec![("url".to_string(), "must use https".to_string())]
    );

    admin
        .create_remote_site(create("Twice", "https://a.example"))
        .await
        .expect("first");
    let duplicate = admin
        .create_remote_site(create("Twice", "https://b.example"))
        .await
        .expect_err("duplicate");
    assert_eq!(duplicate.code(), Code::AlreadyExists);
    assert!(
        duplicate.message().contains("Twice"),
        "{}",
        duplicate.message()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn inputs_past_their_limits_are_refused_naming_the_field(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let long_description = "d".repeat(1_001);

    // Act
    let site = admin
        .admin()
        .create_remote_site(proto::CreateRemoteSiteRequest {
            description: long_description.clone(),
            ..create("Big", "https://big.example.com")
        })
        .await
        .expect_err("description too long");
    admin
        .admin()
        .create_remote_site(create("Small", "https://small.example.com"))
        .await
        .expect("a site");
    let update = admin
        .admin()
        .update_remote_site(proto::UpdateRemoteSiteRequest {
            name: "Small".into(),
            description: Some(long_description),
            ..Default::default()
        })
        .await
        .expect_err("description too long");
    let stages = admin
        .filters()
        .update_filters(proto::UpdateFiltersRequest {
            filters: Some(proto::Filters {
                pre_condition_stages: (0..51).map(|n| format!("Stage {n}")).collect(),
                post_condition_state: proto::EntitlementState::Draft as i32,
                ..Default::default()
            }),
        })
        .await
        .expect_err("too many stages");
    let layouts = admin
        .admin()
        .update_page_layouts(proto::UpdatePageLayoutsRequest {
            page_layouts: (0..201)
                .map(|n| proto::PageLayout {
                    sf_object: proto::SalesforceObject::Account as i32,
                    layout_name: format!("Layout {n}"),
                    ..Default::default()
                })
                .collect(),
        })
        .await
        .expect_err("too many layouts");

    // Assert
    for (status, field, says) in [
        (&site, "description", "at most 1000"),
        (&update, "description", "at most 1000"),
        (&stages, "filters.pre_condition_stages", "at most 50"),
        (&layouts, "page_layouts", "at most 200"),
    ] {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let violations = field_violations(status);
        assert!(
            violations
                .iter()
                .any(|(f, d)| f == field && d.contains(says)),
            "{violations:?}"
        );
    }
}
