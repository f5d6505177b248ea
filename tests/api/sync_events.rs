//! Event-driven sync against the sandbox's Pub/Sub API: a deal closed in
//! Salesforce reaches FNO with no run started by hand; fnosync's own
//! write-back starts nothing; on a channel enriched with the account a
//! closed deal costs no accounts query, and a gap event is read again
//! through REST; a replay id past retention falls back to an immediate
//! sync; killing the replica that holds the subscription hands it over with
//! nothing lost; disabling event sync closes the stream.

use std::time::Duration;

use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::change_events::EventFaults;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::sync::events::gather::ENRICHED_FIELDS;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    eventually, seed_sales_order, spawn_server_process, wait_for_run_state_change, LineSpec,
    TestApp,
};
use serde_json::json;
use sqlx::PgPool;

const WAIT: Duration = Duration::from_secs(60);

/// Registers the sandbox's Pub/Sub endpoint and enables event sync for
/// every object.
async fn enable(app: &TestApp) -> proto::EventSync {
    let admin = app.admin().await;
    admin
        .admin()
        .create_remote_site(proto::CreateRemoteSiteRequest {
            name: "Salesforce_PubSub".into(),
            url: app.salesforce.pubsub_url(),
            ..Default::default()
        })
        .await
        .expect("remote site");
    set_objects(
        app,
        &["Opportunity", "OpportunityLineItem", "Account", "Contact"],
    )
    .await
}

async fn set_objects(app: &TestApp, objects: &[&str]) -> proto::EventSync {
    app.admin()
        .await
        .schedules()
        .update_event_sync(proto::UpdateEventSyncRequest {
            objects: objects.iter().map(|o| o.to_string()).collect(),
            pubsub_url: app.salesforce.pubsub_url(),
        })
        .await
        .expect("update event sync")
        .into_inner()
        .event_sync
        .expect("event sync")
}

async fn event_sync(client: &FnosyncClient) -> proto::EventSync {
    client
        .schedules()
        .get_event_sync(proto::GetEventSyncRequest {})
        .await
        .expect("event sync")
        .into_inner()
        .event_sync
        .expect("event sync")
}

/// Waits until the subscriber's stream is open and returns the status.
async fn connected(client: &FnosyncClient) -> proto::EventSync {
    eventually(WAIT, || async {
        let status = event_sync(client).await;
        status.connected.then_some(status)
    })
    .await
}

/// Waits until the subscriber has processed every event the sandbox
/// published (its stored replay id is the newest one).
async fn caught_up(app: &TestApp, client: &FnosyncClient) -> proto::EventSync {
    let latest = app.salesforce.latest_replay_id_hex();
    eventually(WAIT, || async {
        let status = event_sync(client).await;
        (status.last_replay_id == latest).then_some(status)
    })
    .await
}

async fn runs_of(client: &FnosyncClient, kind: proto::SyncKind) -> Vec<proto::SyncRun> {
    client
        .sync()
        .list_sync_runs(proto::ListSyncRunsRequest {
            kind: kind as i32,
            ..Default::default()
        })
        .await
        .expect("runs")
        .into_inner()
        .runs
}

/// Waits until `count` runs of `kind` exist, then until the newest ended.
async fn nth_run(client: &FnosyncClient, kind: proto::SyncKind, count: usize) -> proto::SyncRun {
    let runs = eventually(WAIT, || async {
        let runs = runs_of(client, kind).await;
        (runs.len() >= count).then_some(runs)
    })
    .await;
    use proto::SyncRunState::{Queued, Running};
    wait_for_run_state_change(client, &runs[0].run_id, &[Queued, Running]).await
}

/// An account with a contact and an open deal of two lines, not yet won
/// (seeded before the subscription, so its events are behind the stream's start).
fn open_deal(app: &TestApp, name: &str) -> (String, String) {
    let (account, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": name }),
        &[
            json!({ "FirstName": "Eve", "LastName": name, "Email": format!("eve@{name}.example.com") }),
        ],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 2.0),
            LineSpec::permanent("SF01demo", 3.0),
        ],
    );
    app.salesforce
        .update(
            "Opportunity",
            &opportunity,
            json!({ "StageName": "Prospecting" }),
        )
        .expect("reopen");
    (account, opportunity)
}

/// A ready server with an open deal, event sync enabled and its stream
/// open: the app, the deal and a viewer.
async fn subscribed_with_open_deal(pool: PgPool, name: &str) -> (TestApp, String, FnosyncClient) {
    let app = TestApp::ready(pool).await;
    let (_, opportunity) = open_deal(&app, name);
    let viewer = app.viewer().await;
    let status = enable(&app).await;
    assert_eq!(status.objects.len(), 4);
    let status = connected(&viewer).await;
    assert!(!status.holder.is_empty(), "{status:?}");
    (app, opportunity, viewer)
}

fn close_deal(app: &TestApp, opportunity: &str) {
    app.salesforce
        .update(
            "Opportunity",
            opportunity,
            json!({ "StageName": "Closed Won" }),
        )
        .expect("close the deal");
}

/// The entitlements FNO holds for an opportunity (its lines' order id).
fn entitlements_of(app: &TestApp, opportunity: &str) -> usize {
    app.fno.store().read(|s| {
        s.entitlements
            .iter()
            .filter(|e| {
                e.line_items
                    .iter()
                    .any(|line| line.order_id.as_deref() == Some(opportunity))
            })
            .count()
    })
}

fn written_back(app: &TestApp, opportunity: &str) -> bool {
    app.salesforce
        .record("Opportunity", opportunity)
        .is_some_and(|o| o[sf::ENTITLEMENT_ID].is_string())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_closed_deal_reaches_fno_and_the_write_back_starts_nothing(pool: PgPool) {
    let (app, opportunity, viewer) = subscribed_with_open_deal(pool, "EventCorp").await;

    close_deal(&app, &opportunity);
    let run = nth_run(&viewer, proto::SyncKind::Event, 1).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(run.requested_by, "event-sync");
    assert_eq!(run.account_ids.len(), 1, "{run:?}");
    assert_eq!(entitlements_of(&app, &opportunity), 1);
    assert!(written_back(&app, &opportunity));

    // The write-back's own change events are recognised and start nothing.
    let status = caught_up(&app, &viewer).await;
    assert!(status.own_events >= 1, "{status:?}");
    assert_eq!(status.runs_queued, 1, "{status:?}");
    assert_eq!(status.channel, "/data/ChangeEvents");
    assert_eq!(
        status.records_read_again, 1,
        "the won opportunity's update does not carry its account: {status:?}"
    );
    assert_eq!(runs_of(&viewer, proto::SyncKind::Event).await.len(), 1);
    assert!(
        status.last_commit_time.is_some() && status.last_error.is_empty(),
        "{status:?}"
    );

    // The schedule's safety net finds the deal synced: nothing twice.
    let immediate = fnosync_tests::start_immediate(
        &app.operator().await,
        proto::start_immediate_sync_request::Window::LastHours(1),
    )
    .await;
    use proto::SyncRunState::{Queued, Running};
    let immediate = wait_for_run_state_change(&viewer, &immediate.run_id, &[Queued, Running]).await;
    assert_eq!(
        immediate.state,
        proto::SyncRunState::Completed as i32,
        "{immediate:?}"
    );
    assert_eq!(entitlements_of(&app, &opportunity), 1, "nothing twice");
    let accounts = app
        .fno
        .store()
        .read(|s| s.accounts.iter().filter(|a| a.name == "EventCorp").count());
    assert_eq!(accounts, 1);

    // The overview shows it too.
    let overview = viewer
        .overview()
        .get_overview(proto::GetOverviewRequest {})
        .await
        .expect("overview")
        .into_inner();
    let shown = overview.event_sync.expect("event sync in the overview");
    assert!(shown.connected && shown.events_received >= 2, "{shown:?}");
    let metrics = app.scrape_metrics().await;
    assert!(
        metrics.contains("fnosync_event_sync_events_total"),
        "{metrics}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn deals_of_as_many_accounts_as_an_fno_create_takes_are_queued_without_waiting(pool: PgPool) {
    // Runs are queued ten minutes after the last event at the soonest,
    // unless the events name a full run of accounts.
    let app = TestApp::ready_with_options(pool, |options| {
        options.event_debounce_ms = 600_000;
        options.event_max_wait_ms = 600_000;
    })
    .await;
    let deals: Vec<String> = (0..25)
        .map(|n| open_deal(&app, &format!("FullRun{n:02}")).1)
        .collect();
    let viewer = app.viewer().await;
    enable(&app).await;
    connected(&viewer).await;

    for deal in &deals {
        close_deal(&app, deal);
    }
    let run = nth_run(&viewer, proto::SyncKind::Event, 1).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(run.account_ids.len(), 25, "{run:?}");
    for deal in &deals {
        assert_eq!(entitlements_of(&app, deal), 1, "{deal}");
    }
    let creates = app.fno.call_count("createSimpleEntitlement");
    assert_eq!(creates, 1, "one create call for the 25 entitlements");
}

/// Creates a custom channel with the four objects as members, enriched as
/// the administrator guide says, and returns its topic.
fn create_enriched_channel(app: &TestApp) -> String {
    app.salesforce
        .create_channel("FnosyncSync__chn", &ENRICHED_FIELDS)
        .expect("channel")
}

/// Salesforce REST calls (Pub/Sub calls and logins left out) by operation.
fn rest_calls(app: &TestApp) -> std::collections::BTreeMap<String, u64> {
    app.salesforce
        .call_counts()
        .into_iter()
        .filter(|(operation, count)| {
            *count > 0 && !operation.starts_with("pubsub.") && !operation.starts_with("oauth")
        })
        .collect()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn on_a_channel_enriched_with_the_account_a_deal_needs_no_query_and_a_gap_event_is_read_again(
    pool: PgPool,
) {
    let app = TestApp::ready_with_options(pool, |options| {
        options.event_channel = "/data/FnosyncSync__chn".into();
    })
    .await;
    assert_eq!(create_enriched_channel(&app), "/data/FnosyncSync__chn");
    let (_, first) = open_deal(&app, "EnrichedCorp");
    let (_, second) = open_deal(&app, "GapAfterEnrichedCorp");
    let viewer = app.viewer().await;
    enable(&app).await;
    connected(&viewer).await;

    app.salesforce.reset_counts();
    close_deal(&app, &first);
    let run = nth_run(&viewer, proto::SyncKind::Event, 1).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(entitlements_of(&app, &first), 1);
    assert!(written_back(&app, &first));
    let calls = rest_calls(&app);
    assert_eq!(
        calls.into_iter().collect::<Vec<_>>(),
        [
            ("composite".to_string(), 1),
            ("composite.sobjects".to_string(), 1)
        ],
        "one read and one write-back: the event named the account"
    );

    let status = caught_up(&app, &viewer).await;
    assert_eq!(status.channel, "/data/FnosyncSync__chn");
    assert_eq!(status.records_read_again, 0, "{status:?}");

    // A gap event carries no values, enriched or not: its record is read again.
    app.salesforce.set_event_faults(&EventFaults {
        gap_next: 1,
        ..Default::default()
    });
    app.salesforce.reset_counts();
    close_deal(&app, &second);
    let run = nth_run(&viewer, proto::SyncKind::Event, 2).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(entitlements_of(&app, &second), 1);
    assert_eq!(
        app.salesforce.event_faults().gap_next,
        0,
        "the gap was sent"
    );
    assert_eq!(
        rest_calls(&app).get("query"),
        Some(&1),
        "the gap's record was read again"
    );
    let status = caught_up(&app, &viewer).await;
    assert_eq!(status.records_read_again, 1, "{status:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_channel_that_does_not_exist_is_shown_as_the_reason(pool: PgPool) {
    let app = TestApp::ready_with_options(pool, |options| {
        options.event_channel = "/data/Missing__chn".into();
    })
    .await;
    let viewer = app.viewer().await;
    enable(&app).await;
    let status = eventually(WAIT, || async {
        let status = event_sync(&viewer).await;
        (!status.last_error.is_empty()).then_some(status)
    })
    .await;
    assert!(!status.connected, "{status:?}");
    assert!(
        status.last_error.contains("/data/Missing__chn"),
        "{status:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_replay_id_past_retention_falls_back_to_an_immediate_sync(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let (_, first) = open_deal(&app, "FirstCorp");
    let (_, second) = open_deal(&app, "SecondCorp");
    let viewer = app.viewer().await;
    enable(&app).await;
    connected(&viewer).await;
    close_deal(&app, &first);
    nth_run(&viewer, proto::SyncKind::Event, 1).await;
    caught_up(&app, &viewer).await;

    // Down while the second deal closes, for longer than events are kept.
    set_objects(&app, &[]).await;
    eventually(WAIT, || async {
        (!event_sync(&viewer).await.connected).then_some(())
    })
    .await;
    close_deal(&app, &second);
    app.salesforce.set_event_faults(&EventFaults {
        retention_secs: 60,
        ..Default::default()
    });
    app.salesforce.advance_clock(Duration::from_secs(120));
    enable_again(&app).await;

    let run = nth_run(&viewer, proto::SyncKind::Immediate, 1).await;
    assert_eq!(run.requested_by, "event-sync");
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(entitlements_of(&app, &second), 1, "synced by the fallback");
    assert_eq!(entitlements_of(&app, &first), 1, "nothing twice");
    let status = connected(&viewer).await;
    assert_eq!(status.fallbacks, 1, "{status:?}");
    assert!(status.last_fallback.contains("retention"), "{status:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn gap_overflow_falls_back_to_an_immediate_sync(pool: PgPool) {
    let (app, opportunity, viewer) = subscribed_with_open_deal(pool, "OverflowCorp").await;
    app.salesforce.set_event_faults(&EventFaults {
        overflow_next: 1,
        ..Default::default()
    });
    close_deal(&app, &opportunity);
    let run = nth_run(&viewer, proto::SyncKind::Immediate, 1).await;
    assert_eq!(run.requested_by, "event-sync");
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        entitlements_of(&app, &opportunity),
        1,
        "synced by the fallback"
    );
    assert!(runs_of(&viewer, proto::SyncKind::Event).await.is_empty());
    let status = connected(&viewer).await;
    assert_eq!(status.fallbacks, 1, "{status:?}");
    assert!(status.last_fallback.contains("GAP_OVERFLOW"), "{status:?}");
    assert!(status.last_fallback_time.is_some());
}

async fn enable_again(app: &TestApp) {
    set_objects(
        app,
        &["Opportunity", "OpportunityLineItem", "Account", "Contact"],
    )
    .await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn killing_the_holder_hands_the_subscription_over(pool: PgPool) {
    let app = TestApp::spawn_with_workers(pool, 0).await;
    app.connect_sandboxes().await;
    app.submit_license().await;
    let deals: Vec<String> = ["BeforeCorp", "HeldCorp", "AfterCorp"]
        .into_iter()
        .map(|name| open_deal(&app, name).1)
        .collect();
    let viewer = app.viewer().await;
    enable(&app).await;
    let env = [("FNOSYNC_EVENT_DEBOUNCE_MS", "100")];
    let mut holder = spawn_server_process(&app, &env).await;
    let held_by = connected(&viewer).await.holder;
    let standby = spawn_server_process(&app, &env).await;
    close_deal(&app, &deals[0]);
    nth_run(&viewer, proto::SyncKind::Event, 1).await;
    caught_up(&app, &viewer).await;

    // The next event is held on its way to the holder, which is killed.
    let gate = app.salesforce.faults().close_gate("pubsub.deliver");
    close_deal(&app, &deals[1]);
    gate.wait_held().await;
    holder.child.kill().await.expect("kill -9");
    gate.open();

    // The standby resumes from the stored replay id.
    let taken = eventually(WAIT, || async {
        let status = event_sync(&viewer).await;
        (status.connected && status.holder != held_by).then_some(status)
    })
    .await;
    let run = nth_run(&viewer, proto::SyncKind::Event, 2).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    close_deal(&app, &deals[2]);
    nth_run(&viewer, proto::SyncKind::Event, 3).await;
    for deal in &deals {
        assert_eq!(
            entitlements_of(&app, deal),
            1,
            "nothing lost, nothing twice: {deal}"
        );
        assert!(written_back(&app, deal));
    }
    let status = event_sync(&viewer).await;
    assert_eq!(
        status.fallbacks, 0,
        "resumed from the replay id: {status:?}"
    );
    assert_eq!(status.holder, taken.holder);
    drop(standby);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn disabling_event_sync_closes_the_stream(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let viewer = app.viewer().await;
    let mut streams = app.salesforce.watch_event_streams();
    enable(&app).await;
    connected(&viewer).await;
    streams
        .wait_for(|open| *open == 1)
        .await
        .expect("one subscriber");
    set_objects(&app, &[]).await;
    streams
        .wait_for(|open| *open == 0)
        .await
        .expect("stream closed");
    let status = eventually(WAIT, || async {
        let status = event_sync(&viewer).await;
        (!status.connected).then_some(status)
    })
    .await;
    assert!(status.objects.is_empty());

    // Nothing to enable it with but the four objects, and only for a
    // registered endpoint.
    let refused = app
        .admin()
        .await
        .schedules()
        .update_event_sync(proto::UpdateEventSyncRequest {
            objects: vec!["Case".into()],
            pubsub_url: String::new(),
        })
        .await
        .expect_err("not an object of the connector");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let violations = fnosync_tests::field_violations(&refused);
    assert_eq!(violations[0].0, "objects[0]", "{violations:?}");
    let refused = app
        .admin()
        .await
        .schedules()
        .update_event_sync(proto::UpdateEventSyncRequest {
            objects: vec!["Opportunity".into()],
            pubsub_url: "https://pubsub.elsewhere.example.com:7443".into(),
        })
        .await
        .expect_err("no remote site");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    let denied = app
        .operator()
        .await
        .schedules()
        .update_event_sync(proto::UpdateEventSyncRequest::default())
        .await
        .expect_err("admins only");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
}
