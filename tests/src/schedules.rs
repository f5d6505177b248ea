//! The sync schedule: creating it, making it due and waiting for the runs it
//! starts.

use fnosync_client::{proto, FnosyncClient};
use sqlx::PgPool;

use crate::{eventually, watch_until_end};

/// Creates the schedule `FNOSyncBatch`, daily at 02:00 UTC.
pub async fn create_daily_schedule(client: &FnosyncClient) {
    client
        .schedules()
        .create_schedule(proto::CreateScheduleRequest {
            timing: Some(proto::create_schedule_request::Timing::Daily(
                proto::DailyTiming {
                    time_of_day: "02:00".into(),
                    time_zone: "UTC".into(),
                },
            )),
            request_id: String::new(),
        })
        .await
        .expect("schedule");
}

/// Reads the schedule, which must exist.
pub async fn get_schedule(client: &FnosyncClient) -> proto::Schedule {
    client
        .schedules()
        .get_schedule(proto::GetScheduleRequest {})
        .await
        .expect("schedule")
        .into_inner()
        .schedule
        .expect("schedule")
}

/// Makes the schedule due now, as if its fire time had come.
pub async fn make_schedule_due(pool: &PgPool) {
    sqlx::query("UPDATE schedules SET next_fire_at = now() - interval '1 second'")
        .execute(pool)
        .await
        .expect("due");
}

/// Lists the scheduled runs, newest first.
pub async fn scheduled_runs(client: &FnosyncClient) -> Vec<proto::SyncRun> {
    client
        .sync()
        .list_sync_runs(proto::ListSyncRunsRequest {
            kind: proto::SyncKind::Scheduled as i32,
            ..Default::default()
        })
        .await
        .expect("runs")
        .into_inner()
        .runs
}

/// Waits until there are `count` scheduled runs, then until the newest has
/// ended, and returns it.
pub async fn next_scheduled_run(client: &FnosyncClient, count: usize) -> proto::SyncRun {
    let run = eventually(std::time::Duration::from_secs(30), || async {
        let runs = scheduled_runs(client).await;
        (runs.len() == count).then(|| runs[0].clone())
    })
    .await;
    watch_until_end(client, run).await
}
