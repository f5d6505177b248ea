use chrono::{DateTime, Utc};
use fnosync_client::proto;
use fnosync_server::domain::schedule::Timing;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

fn daily(time: &str, zone: &str) -> proto::CreateScheduleRequest {
    proto::CreateScheduleRequest {
        timing: Some(proto::create_schedule_request::Timing::Daily(
            proto::DailyTiming {
                time_of_day: time.into(),
                time_zone: zone.into(),
            },
        )),
        request_id: String::new(),
    }
}

fn time(ts: &prost_types::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(ts.seconds, ts.nanos as u32).expect("time")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_daily_schedule_shows_its_next_fire_time_in_its_zone(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let before = Utc::now();
    let schedule = app
        .admin()
        .await
        .schedules()
        .create_schedule(daily("02:30", "Europe/Berlin"))
        .await
        .expect("create")
        .into_inner()
        .schedule
        .expect("schedule");
    assert_eq!(schedule.name, "FNOSyncBatch");
    assert_eq!(schedule.state, proto::ScheduleState::Active as i32);
    assert!(schedule.last_fire_time.is_none());
    let next = time(schedule.next_fire_time.as_ref().expect("next"));
    let expected = Timing::daily("02:30", "Europe/Berlin")
        .expect("timing")
        .next_fire_after(before)
        .expect("next");
    assert_eq!(next, expected);
    let local = next.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(local.format("%H:%M").to_string(), "02:30");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_schedule_is_paused_resumed_updated_and_deleted(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let mut schedules = app.admin().await.schedules();
    schedules
        .create_schedule(daily("23:00", "UTC"))
        .await
        .expect("create");
    let second = schedules
        .create_schedule(daily("01:00", "UTC"))
        .await
        .expect_err("only one");
    assert_eq!(second.code(), Code::AlreadyExists);

    let paused = schedules
        .pause_schedule(proto::PauseScheduleRequest {})
        .await
        .expect("pause")
        .into_inner()
        .schedule
        .expect("s");
    assert_eq!(paused.state, proto::ScheduleState::Paused as i32);
    assert!(paused.next_fire_time.is_none());
    let stored: (bool,) = sqlx::query_as("SELECT paused FROM schedules")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert!(stored.0);

    let resumed = schedules
        .resume_schedule(proto::ResumeScheduleRequest {})
        .await
        .expect("resume")
        .into_inner()
        .schedule
        .expect("s");
    assert_eq!(resumed.state, proto::ScheduleState::Active as i32);
    assert!(resumed.next_fire_time.is_some());

    let cron = schedules
        .update_schedule(proto::UpdateScheduleRequest {
            timing: Some(proto::update_schedule_request::Timing::Cron(
                proto::CronTiming {
                    expression: "15 4 * * MON-FRI".into(),
                    time_zone: "America/New_York".into(),
                },
            )),
        })
        .await
        .expect("update")
        .into_inner()
        .schedule
        .expect("s");
    let next = time(cron.next_fire_time.as_ref().expect("next"))
        .with_timezone(&chrono_tz::America::New_York);
    assert_eq!(next.format("%H:%M").to_string(), "04:15");
    assert!(!matches!(
        next.format("%a").to_string().as_str(),
        "Sat" | "Sun"
    ));

    schedules
        .delete_schedule(proto::DeleteScheduleRequest {})
        .await
        .expect("delete");
    let gone = schedules
        .get_schedule(proto::GetScheduleRequest {})
        .await
        .expect_err("deleted");
    assert_eq!(gone.code(), Code::NotFound);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn invalid_schedules_name_the_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut schedules = app.admin().await.schedules();
    let cases = [
        (daily("24:10", "UTC"), "daily.time_of_day"),
        (daily("02:00", "Mars/Base"), "daily.time_zone"),
        (
            proto::CreateScheduleRequest {
                timing: Some(proto::create_schedule_request::Timing::Cron(
                    proto::CronTiming {
                        expression: "every day".into(),
                        time_zone: "UTC".into(),
                    },
                )),
                request_id: String::new(),
            },
            "cron.expression",
        ),
        (proto::CreateScheduleRequest::default(), "timing"),
    ];
    for (request, field) in cases {
        let status = schedules.create_schedule(request).await.expect_err(field);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(field_violations(&status)[0].0, field);
    }
}
