//! Orders cancelled after they synced (lost or deleted in Salesforce) under
//! both cancellation policies: `leave` logs them, `obsolete` sets the lines
//! without activations OBSOLETE and reports the activated ones; each
//! cancellation is handled once.

use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    logs_named, seed_sales_order, start_immediate, watch_until_end, LineSpec, TestApp,
};
use proto::start_immediate_sync_request::Window;
use serde_json::json;
use sqlx::PgPool;

const CANCELLATION: &str = "Entitlement Cancellation";

async fn immediate(client: &FnosyncClient) -> proto::SyncRun {
    let run = start_immediate(client, Window::LastHours(1)).await;
    let ended = watch_until_end(client, run).await;
    assert_eq!(
        ended.state,
        proto::SyncRunState::Completed as i32,
        "{ended:?}"
    );
    ended
}

fn entitlement_of(app: &TestApp, opportunity: &str) -> String {
    app.salesforce
        .record("Opportunity", opportunity)
        .expect("opportunity")[sf::ENTITLEMENT_ID]
        .as_str()
        .expect("entitlement id")
        .to_string()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_lost_deal_is_left_in_fno_and_logged_once_by_default(pool: PgPool) {
    // Arrange
    let app = TestApp::ready(pool).await;
    app.deploy_closed_won_cancelling(proto::CancellationPolicy::Unspecified)
        .await;
    let (_, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Lost Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    let operator = app.operator().await;
    immediate(&operator).await;
    let entitlement = entitlement_of(&app, &opportunity);

    // Act
    app.salesforce
        .update(
            "Opportunity",
            &opportunity,
            json!({ "StageName": "Closed Lost" }),
        )
        .expect("lose the deal");
    let lost = immediate(&operator).await;
    let again = immediate(&operator).await;

    // Assert
    let logs = logs_named(&app.viewer().await, &lost.run_id, CANCELLATION).await;
    assert_eq!(logs.len(), 1, "{logs:#?}");
    assert_eq!(logs[0].salesforce_record_id, opportunity);
    assert_eq!(logs[0].status, proto::TransactionStatus::Completed as i32);
    assert!(
        logs[0].description.contains("Closed Lost"),
        "{}",
        logs[0].description
    );
    assert!(
        logs[0].description.contains("policy leave"),
        "{}",
        logs[0].description
    );
    let entitlement = app
        .fno
        .store()
        .entitlement(&entitlement)
        .expect("entitlement");
    assert!(
        entitlement.line_items.iter().all(|l| l.state == "DEPLOYED"),
        "left as it was"
    );
    assert!(
        logs_named(&app.viewer().await, &again.run_id, CANCELLATION)
            .await
            .is_empty(),
        "a cancellation is handled once"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn under_obsolete_lost_and_deleted_deals_obsolete_their_lines_but_not_activated_ones(
    pool: PgPool,
) {
    // Arrange: a deal whose first line has an activation, and a second deal.
    let app = TestApp::ready(pool).await;
    app.deploy_closed_won_cancelling(proto::CancellationPolicy::Obsolete)
        .await;
    let (_, lost, lost_lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Lost Corp" }),
        &[],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 5.0),
            LineSpec::permanent("SF01demo", 3.0),
        ],
    );
    let (_, deleted, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Deleted Corp" }),
        &[],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 1.0),
            LineSpec::permanent("SF01demo", 1.0),
        ],
    );
    let operator = app.operator().await;
    immediate(&operator).await;
    let (lost_entitlement, deleted_entitlement) =
        (entitlement_of(&app, &lost), entitlement_of(&app, &deleted));
    let activated = app
        .salesforce
        .record("OpportunityLineItem", &lost_lines[0])
        .expect("line")[sf::ACTIVATION_ID]
        .as_str()
        .expect("activation id")
        .to_string();
    app.fno.store().activate(&activated, 2).expect("activate");

    // Act
    app.salesforce
        .update("Opportunity", &lost, json!({ "StageName": "Closed Lost" }))
        .expect("lose");
    app.salesforce
        .delete("Opportunity", &deleted)
        .expect("delete");
    app.fno.reset_counts();
    let cancelled = immediate(&operator).await;
    let calls = app.fno.call_count("setLineItemState");
    let again = immediate(&operator).await;

    // Assert
    let states = |entitlement: &str| -> Vec<(String, String)> {
        let entitlement = app
            .fno
            .store()
            .entitlement(entitlement)
            .expect("entitlement");
        entitlement
            .line_items
            .iter()
            .map(|l| (l.activation_id.clone(), l.state.clone()))
            .collect()
    };
    let lost_states = states(&lost_entitlement);
    for (line, state) in &lost_states {
        let expected = if *line == activated {
            "DEPLOYED"
        } else {
            "OBSOLETE"
        };
        assert_eq!(state, expected, "{lost_states:?}");
    }
    assert!(states(&deleted_entitlement)
        .iter()
        .all(|(_, s)| s == "OBSOLETE"));
    assert_eq!(calls, 1, "the lines of both orders in one call");
    let viewer = app.viewer().await;
    let logs = logs_named(&viewer, &cancelled.run_id, CANCELLATION).await;
    assert_eq!(logs.len(), 2, "{logs:#?}");
    let log_of = |record: &str| {
        logs.iter()
            .find(|l| l.salesforce_record_id == record)
            .expect("log of the order")
            .clone()
    };
    let lost_log = log_of(&lost);
    assert!(
        lost_log.description.contains("1 line(s)"),
        "{}",
        lost_log.description
    );
    assert!(
        lost_log
            .description
            .contains(&format!("{activated} (2 activated)")),
        "the activated line is reported: {}",
        lost_log.description
    );
    assert!(
        log_of(&deleted).description.contains("deleted"),
        "{:?}",
        log_of(&deleted)
    );
    assert!(logs_named(&viewer, &again.run_id, CANCELLATION)
        .await
        .is_empty());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_line_removed_from_a_synced_order_follows_the_policy_line_by_line(pool: PgPool) {
    // Arrange: three lines synced; the first has an activation.
    let app = TestApp::ready(pool).await;
    app.deploy_closed_won_cancelling(proto::CancellationPolicy::Obsolete)
        .await;
    let (_, opportunity, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Trim Corp" }),
        &[],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 4.0),
            LineSpec::permanent("SF01demo", 2.0),
            LineSpec::permanent("SF01demo", 1.0),
        ],
    );
    let operator = app.operator().await;
    immediate(&operator).await;
    let entitlement = entitlement_of(&app, &opportunity);
    let activation = |line: &str| {
        app.salesforce
            .record("OpportunityLineItem", line)
            .expect("line")[sf::ACTIVATION_ID]
            .as_str()
            .expect("activation id")
            .to_string()
    };
    let (activated, dropped, kept) = (
        activation(&lines[0]),
        activation(&lines[1]),
        activation(&lines[2]),
    );
    app.fno.store().activate(&activated, 1).expect("activate");

    // Act: the first two lines are removed in Salesforce.
    app.salesforce
        .delete("OpportunityLineItem", &lines[0])
        .expect("remove");
    app.salesforce
        .delete("OpportunityLineItem", &lines[1])
        .expect("remove");
    let trimmed = immediate(&operator).await;
    let again = immediate(&operator).await;

    // Assert
    let state_of = |activation: &str| {
        app.fno
            .store()
            .entitlement(&entitlement)
            .expect("entitlement")
            .line_items
            .iter()
            .find(|l| l.activation_id == activation)
            .expect("line")
            .state
            .clone()
    };
    assert_eq!(state_of(&dropped), "OBSOLETE");
    assert_eq!(
        state_of(&activated),
        "DEPLOYED",
        "a line with activations is never removed silently"
    );
    assert_eq!(
        state_of(&kept),
        "DEPLOYED",
        "the line still on the order stays"
    );
    let viewer = app.viewer().await;
    let logs = logs_named(&viewer, &trimmed.run_id, CANCELLATION).await;
    assert_eq!(logs.len(), 2, "{logs:#?}");
    let log_of = |line: &str| {
        logs.iter()
            .find(|l| l.salesforce_record_id == line)
            .expect("log")
            .description
            .clone()
    };
    assert!(
        log_of(&lines[1]).contains("set OBSOLETE"),
        "{}",
        log_of(&lines[1])
    );
    assert!(
        log_of(&lines[0]).contains("1 activated copies"),
        "{}",
        log_of(&lines[0])
    );
    assert!(logs_named(&viewer, &again.run_id, CANCELLATION)
        .await
        .is_empty());
}
