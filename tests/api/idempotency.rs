use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::TestApp;
use sqlx::PgPool;
use tonic::Code;

fn site(name: &str, request_id: &str) -> proto::CreateRemoteSiteRequest {
    proto::CreateRemoteSiteRequest {
        name: name.into(),
        url: "https://acme-uat.flexnetoperations.com".into(),
        request_id: request_id.into(),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_repeated_request_id_returns_the_first_result_and_creates_once(pool: PgPool) {
    // Arrange
    let app = TestApp::spawn(pool.clone()).await;
    let mut admin = app.admin().await.admin();

    // Act
    let first = admin
        .create_remote_site(site("Tenant", "req-1"))
        .await
        .expect("first")
        .into_inner();
    let second = admin
        .create_remote_site(site("Tenant", "req-1"))
        .await
        .expect("repeat")
        .into_inner();

    // Assert
    assert_eq!(first, second);
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM remote_sites")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count.0, 1);
    // Without a key, the same request is a second create and fails.
    let again = admin
        .create_remote_site(site("Tenant", ""))
        .await
        .expect_err("duplicate");
    assert_eq!(again.code(), Code::AlreadyExists);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn concurrent_repeats_of_a_request_id_create_once(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let client = app.admin().await;
    let calls = (0..8).map(|_| {
        let mut admin = client.admin();
        async move { admin.create_remote_site(site("Parallel", "req-par")).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM remote_sites")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count.0, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_request_id_reused_for_another_request_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    admin
        .create_remote_site(site("One", "req-2"))
        .await
        .expect("first");
    let reused = admin
        .create_remote_site(site("Two", "req-2"))
        .await
        .expect_err("reused");
    assert_eq!(reused.code(), Code::FailedPrecondition);
    assert!(reused.message().contains("req-2"), "{}", reused.message());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_failed_request_can_be_retried_with_its_request_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut admin = app.admin().await.admin();
    let schedule = |zone: &str| proto::CreateScheduleRequest {
        timing: Some(proto::create_schedule_request::Timing::Daily(
            proto::DailyTiming {
                time_of_day: "02:00".into(),
                time_zone: zone.into(),
            },
        )),
        request_id: "req-sched".into(),
    };
    let mut schedules = app.admin().await.schedules();
    schedules
        .create_schedule(schedule("Nowhere/City"))
        .await
        .expect_err("bad zone");
    // The failure was not recorded, so the corrected request with the same key is refused
    // only if it differs from a stored success; here nothing was stored.
    schedules
        .create_schedule(schedule("UTC"))
        .await
        .expect("retry succeeds");
    admin
        .list_remote_sites(proto::ListRemoteSitesRequest {})
        .await
        .expect("still serving");
}
