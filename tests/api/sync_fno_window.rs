//! The FNO to Salesforce direction's window, on FNO's clock: a scheduled
//! run reads FNO from the newest stamp the last one read, and an immediate
//! run leaves out what FNO changed after its window's end.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    create_daily_schedule, make_schedule_due, next_scheduled_run, seed_sales_order,
    start_immediate, watch_until_end, LineSpec, TestApp,
};
use serde_json::json;
use sqlx::PgPool;

use proto::start_immediate_sync_request::Window;

/// An app whose entitlements are deployed (only deployed lines can be activated).
async fn deploying_app(pool: PgPool) -> TestApp {
    let app = TestApp::ready(pool).await;
    app.deploy_closed_won().await;
    app
}

fn sf_line(app: &TestApp, line_id: &str) -> serde_json::Value {
    app.salesforce
        .find("OpportunityLineItem", "Id", &json!(line_id))
        .into_iter()
        .next()
        .expect("the line")
}

fn activation(app: &TestApp, line_id: &str) -> String {
    sf_line(app, line_id)[sf::ACTIVATION_ID]
        .as_str()
        .expect("activation ID written back")
        .to_string()
}

/// The FNO watermark the scheduled runs left.
async fn stored_fno_watermark(pool: &PgPool) -> Option<DateTime<Utc>> {
    let stored: (Option<DateTime<Utc>>,) = sqlx::query_as("SELECT fno_watermark FROM schedules")
        .fetch_one(pool)
        .await
        .expect("watermark");
    stored.0
}

/// The newest `lastModifiedDateTime` of FNO's lines, to the millisecond
/// as FNO writes it.
fn newest_fno_stamp(app: &TestApp) -> DateTime<Utc> {
    app.fno
        .store()
        .read(|state| {
            state
                .entitlements
                .iter()
                .flat_map(|e| e.line_items.iter().map(|l| l.last_modified))
                .max()
        })
        .expect("FNO has lines")
        .trunc_subsecs(3)
}

async fn immediate(client: &FnosyncClient, window: Window) -> proto::SyncRun {
    let run = start_immediate(client, window).await;
    let ended = watch_until_end(client, run).await;
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    ended
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_immediate_run_leaves_out_what_fno_changed_after_its_window(pool: PgPool) {
    // Arrange: an order of 10 copies synced; then FNO activates 3 of them.
    let app = deploying_app(pool).await;
    let (_, _, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Window Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 10.0)],
    );
    let operator = app.operator().await;
    immediate(&operator, Window::LastHours(1)).await;
    app.fno
        .store()
        .activate(&activation(&app, &lines[0]), 3)
        .expect("activate");

    // Act: a window that ended years ago, then the last hour.
    immediate(
        &operator,
        Window::DateRange(proto::DateRange {
            start_date: "2020-01-01".into(),
            end_date: "2020-01-02".into(),
        }),
    )
    .await;
    let after_past = sf_line(&app, &lines[0])[sf::REMAINING_QUANTITY].clone();
    immediate(&operator, Window::LastHours(1)).await;
    let after_recent = sf_line(&app, &lines[0])[sf::REMAINING_QUANTITY].clone();

    // Assert
    assert_eq!(
        after_past,
        json!(10.0),
        "an activation after the window's end is not written back"
    );
    assert_eq!(
        after_recent,
        json!(7.0),
        "a window holding it writes it back"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_scheduled_run_reads_fno_from_the_newest_stamp_the_last_one_read(pool: PgPool) {
    // Arrange: an order of two lines synced by a scheduled run.
    let app = deploying_app(pool.clone()).await;
    let (_, _, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Stamp Corp" }),
        &[],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 10.0),
            LineSpec::permanent("SF01demo", 20.0),
        ],
    );
    let admin = app.admin().await;
    create_daily_schedule(&admin).await;
    make_schedule_due(&pool).await;
    let first = next_scheduled_run(&admin, 1).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    let stored = stored_fno_watermark(&pool).await;
    let newest_in_fno = newest_fno_stamp(&app);

    // Act: FNO activates copies of both lines; the second one's change
    // carries a stamp older than what the first run read (as a change the
    // first run saw would), the first one's a new stamp.
    let (fresh, old) = (activation(&app, &lines[0]), activation(&app, &lines[1]));
    app.fno.store().activate(&fresh, 3).expect("activate");
    app.fno.store().activate(&old, 5).expect("activate");
    let watermark = stored.expect("the first run noted FNO's newest stamp");
    app.fno.store().update(|state| {
        for entitlement in &mut state.entitlements {
            for line in &mut entitlement.line_items {
                if line.activation_id == old {
                    line.last_modified = watermark - Duration::seconds(60);
                }
            }
        }
    });
    make_schedule_due(&pool).await;
    let second = next_scheduled_run(&admin, 2).await;

    // Assert: the watermark is on FNO's clock: its newest stamp, moved on
    // by no more than the two-second overlap (to FNO's clock when the run
    // read the lines it had created); the next run read only what FNO
    // stamped after it (less the overlap).
    assert!(
        watermark >= newest_in_fno && watermark <= newest_in_fno + Duration::seconds(2),
        "FNO's clock, as FNO wrote it: {watermark} against {newest_in_fno}"
    );
    assert_eq!(
        second.state,
        proto::SyncRunState::Completed as i32,
        "{second:?}"
    );
    assert_eq!(sf_line(&app, &lines[0])[sf::REMAINING_QUANTITY], json!(7.0));
    assert_eq!(
        sf_line(&app, &lines[1])[sf::REMAINING_QUANTITY],
        json!(20.0),
        "a line stamped before the watermark is not read again"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_run_that_reads_fno_well_after_its_creates_leaves_them_out_of_the_next_runs_overlap(
    pool: PgPool,
) {
    // Arrange: an order synced by a scheduled run whose write-back (after
    // FNO created the entitlement, before the run reads FNO's lines) is
    // held at a gate.
    let app = deploying_app(pool.clone()).await;
    seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Clock Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 10.0)],
    );
    let admin = app.admin().await;
    create_daily_schedule(&admin).await;
    let write_back = app.salesforce.faults().close_gate("composite.sobjects");

    // Act: while the write-back is held, FNO's lines come to carry stamps
    // three seconds older than their creation (as if the run read them
    // three seconds after FNO last changed them: the run tells FNO's clock
    // at its read by the entitlement it created and the time since).
    make_schedule_due(&pool).await;
    write_back.wait_held().await;
    app.fno.store().update(|state| {
        for line in state
            .entitlements
            .iter_mut()
            .flat_map(|e| e.line_items.iter_mut())
        {
            line.last_modified -= Duration::seconds(3);
        }
    });
    write_back.open();
    let run = next_scheduled_run(&admin, 1).await;

    // Assert: the watermark is the newest stamp moved on by the whole
    // overlap, so the next run reads nothing the first one created.
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        stored_fno_watermark(&pool).await,
        Some(newest_fno_stamp(&app) + Duration::seconds(2)),
        "the newest stamp, moved on by the overlap"
    );
}
