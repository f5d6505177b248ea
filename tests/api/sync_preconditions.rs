use chrono::{Duration, Utc};
use fnosync_client::proto;
use fnosync_server::license::LicenseClaims;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

fn sync_request() -> proto::SyncAccountRequest {
    proto::SyncAccountRequest {
        account_id: "001a500001xOYkQAAW".into(),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn syncs_are_refused_without_a_licence(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let status = app
        .operator()
        .await
        .sync()
        .sync_account(sync_request())
        .await
        .expect_err("no licence");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("licence"), "{}", status.message());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn syncs_are_refused_with_an_expired_licence(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let expiry = Utc::now().date_naive() - Duration::days(1);
    let claims = LicenseClaims {
        license_id: "LIC-TEST".into(),
        licensee: "Acme".into(),
        expiry_date: expiry,
    };
    fnosync_server::store::licenses::save_license(&pool, &app.license_key("Acme", expiry), &claims)
        .await
        .expect("store");
    let mut sync = app.operator().await.sync();
    let status = sync
        .sync_account(sync_request())
        .await
        .expect_err("expired");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("expired"), "{}", status.message());
    let immediate = sync
        .start_immediate_sync(proto::StartImmediateSyncRequest {
            window: Some(proto::start_immediate_sync_request::Window::LastHours(4)),
            ..Default::default()
        })
        .await
        .expect_err("expired");
    assert_eq!(immediate.code(), Code::FailedPrecondition);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn syncs_are_refused_until_connections_are_verified(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let key = app.license_key("Acme", Utc::now().date_naive() + Duration::days(90));
    let admin = app.admin().await;
    admin
        .admin()
        .submit_license_key(proto::SubmitLicenseKeyRequest { license_key: key })
        .await
        .expect("licence");
    let status = admin
        .sync()
        .sync_account(sync_request())
        .await
        .expect_err("unverified");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("FNO connection"),
        "{}",
        status.message()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sync_requests_are_validated_first(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut sync = app.operator().await.sync();
    let bad_id = sync
        .sync_account(proto::SyncAccountRequest {
            account_id: "006a500001xOYkQAAW".into(),
            ..Default::default()
        })
        .await
        .expect_err("opportunity id");
    assert_eq!(field_violations(&bad_id)[0].0, "account_id");

    use proto::start_immediate_sync_request::Window;
    let today = Utc::now().date_naive();
    let cases = [
        (Window::LastHours(0), "last_hours"),
        (Window::LastHours(-5), "last_hours"),
        (
            Window::DateRange(proto::DateRange {
                start_date: today.to_string(),
                end_date: (today - Duration::days(2)).to_string(),
            }),
            "date_range.end_date",
        ),
        (
            Window::DateRange(proto::DateRange {
                start_date: (today + Duration::days(3)).to_string(),
                end_date: (today + Duration::days(4)).to_string(),
            }),
            "date_range.start_date",
        ),
        (
            Window::DateRange(proto::DateRange {
                start_date: "yesterday".into(),
                end_date: today.to_string(),
            }),
            "date_range.start_date",
        ),
    ];
    for (window, field) in cases {
        let status = sync
            .start_immediate_sync(proto::StartImmediateSyncRequest {
                window: Some(window.clone()),
                ..Default::default()
            })
            .await
            .expect_err(field);
        assert_eq!(status.code(), Code::InvalidArgument, "{window:?}");
        assert_eq!(field_violations(&status)[0].0, field, "{window:?}");
    }
}
