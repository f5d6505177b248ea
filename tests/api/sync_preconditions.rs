use chrono::{Duration, Utc};
use fnosync_client::proto;
use fnosync_server::license::{LicenseClaims, LicenseVerifier};
use fnosync_server::sync::scheduler::fire_if_due;
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
    store_expired_license(&app, &pool).await;
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

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_due_schedule_does_not_fire_without_a_valid_licence_and_fires_once_one_is_submitted(
    pool: PgPool,
) {
    // Arrange: connections verified, an expired licence, the schedule due.
    let app = TestApp::spawn(pool.clone()).await;
    app.connect_sandboxes().await;
    store_expired_license(&app, &pool).await;
    let admin = app.admin().await;
    fnosync_tests::create_daily_schedule(&admin).await;
    fnosync_tests::make_schedule_due(&pool).await;
    let verifier = LicenseVerifier::new(Some(&app.license_issuer.public_key())).expect("key");

    // Act: a tick with the expired licence.
    let fired = fire_if_due(&pool, &verifier).await.expect("tick");

    // Assert: no run; the schedule and the overview say why; the gauge is set.
    assert!(fired.is_none(), "no run without a valid licence");
    assert!(fnosync_tests::scheduled_runs(&admin).await.is_empty());
    let held = fnosync_tests::get_schedule(&admin).await;
    assert!(
        held.held_reason.contains("expired"),
        "the reason: {:?}",
        held.held_reason
    );
    let overview = admin
        .overview()
        .get_overview(proto::GetOverviewRequest {})
        .await
        .expect("overview")
        .into_inner();
    assert_eq!(
        overview.schedule.expect("schedule").held_reason,
        held.held_reason
    );
    assert!(app.scrape_metrics().await.contains("fnosync_schedule_held"));

    // Act: a valid licence; the server's own scheduler fires at its next tick.
    app.submit_license().await;
    let run = fnosync_tests::next_scheduled_run(&admin, 1).await;

    // Assert
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        fnosync_tests::get_schedule(&admin).await.held_reason,
        "",
        "no longer held"
    );
}

/// Stores a licence that expired yesterday, as one entered long ago would be.
async fn store_expired_license(app: &TestApp, pool: &PgPool) {
    let expiry = Utc::now().date_naive() - Duration::days(1);
    let claims = LicenseClaims {
        license_id: "LIC-TEST".into(),
        licensee: "Acme".into(),
        expiry_date: expiry,
    };
    fnosync_server::store::licenses::save_license(pool, &app.license_key("Acme", expiry), &claims)
        .await
        .expect("store");
}
