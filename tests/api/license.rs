use chrono::{Duration, Utc};
use fnosync_client::proto;
use fnosync_server::license::{LicenseClaims, LicenseIssuer};
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_missing_licence_says_how_to_enter_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let info = app
        .viewer()
        .await
        .admin()
        .get_license_info(proto::GetLicenseInfoRequest {})
        .await
        .expect("info")
        .into_inner()
        .license
        .expect("license");
    assert_eq!(info.state, proto::LicenseState::Missing as i32);
    assert!(
        info.message.contains("SubmitLicenseKey"),
        "{}",
        info.message
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_submitted_licence_shows_licensee_expiry_and_days_left(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let expiry = Utc::now().date_naive() + Duration::days(100);
    let key = app.license_key("Acme Corp", expiry);

    // Act
    let info = app
        .admin()
        .await
        .admin()
        .submit_license_key(proto::SubmitLicenseKeyRequest { license_key: key })
        .await
        .expect("submit")
        .into_inner()
        .license
        .expect("license");

    // Assert
    assert_eq!(info.state, proto::LicenseState::Valid as i32);
    assert_eq!(info.licensee, "Acme Corp");
    assert_eq!(info.expiry_date, expiry.to_string());
    assert_eq!(info.days_left, 100);
    assert!(!info.renewal_due);
    let stored: (String,) = sqlx::query_as("SELECT licensee FROM licenses")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(stored.0, "Acme Corp");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn renewal_is_due_from_thirty_days_before_expiry(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    for (days, due) in [(31, false), (30, true), (1, true)] {
        let key = app.license_key("Acme", Utc::now().date_naive() + Duration::days(days));
        let info = admin
            .submit_license_key(proto::SubmitLicenseKeyRequest { license_key: key })
            .await
            .expect("submit")
            .into_inner()
            .license
            .expect("license");
        assert_eq!(info.renewal_due, due, "{days} days left");
        assert_eq!(info.days_left, days as i32);
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn forged_expired_and_malformed_keys_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    let forged = LicenseIssuer::generate().issue(&LicenseClaims {
        license_id: "X".into(),
        licensee: "Mallory".into(),
        expiry_date: Utc::now().date_naive() + Duration::days(365),
    });
    let expired = app.license_key("Acme", Utc::now().date_naive() - Duration::days(1));
    for (key, expected) in [
        (forged, "signature does not verify"),
        (expired, "expired on"),
        ("not-a-key".to_string(), "malformed"),
    ] {
        let status = admin
            .submit_license_key(proto::SubmitLicenseKeyRequest { license_key: key })
            .await
            .expect_err(expected);
        assert_eq!(status.code(), Code::InvalidArgument);
        let violations = field_violations(&status);
        assert_eq!(violations[0].0, "license_key");
        assert!(violations[0].1.contains(expected), "{violations:?}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_licence_that_expired_after_entry_shows_expired_and_refresh_keeps_it(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let expiry = Utc::now().date_naive() - Duration::days(3);
    let key = app.license_key("Acme", expiry);
    fnosync_server::store::licenses::save_license(
        &pool,
        &key,
        &LicenseClaims {
            license_id: "LIC-TEST".into(),
            licensee: "Acme".into(),
            expiry_date: expiry,
        },
    )
    .await
    .expect("store");
    let mut admin = app.admin().await.admin();
    let info = admin
        .refresh_license_info(proto::RefreshLicenseInfoRequest {})
        .await
        .expect("refresh")
        .into_inner()
        .license
        .expect("license");
    assert_eq!(info.state, proto::LicenseState::Expired as i32);
    assert_eq!(info.days_left, -3);
    assert!(info.renewal_due);
}
