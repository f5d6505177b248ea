//! The entitlement state goes back to the opportunity with the entitlement
//! ID (spec §2), and a state changed in FNO flows back in the scheduled
//! direction; a state FNO gave the entitlement is kept by later syncs.

use fnosync_client::proto;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_server::MIGRATOR;
use fnosync_tests::{
    create_daily_schedule, make_schedule_due, next_scheduled_run, seed_sales_order, LineSpec,
    TestApp,
};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_entitlement_state_goes_back_to_the_opportunity_and_follows_fno(pool: PgPool) {
    // Arrange: an order synced by a scheduled run (post-condition Draft).
    let app = TestApp::ready(pool.clone()).await;
    let (_, opportunity, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "State Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 4.0)],
    );
    let operator = app.operator().await;
    create_daily_schedule(&app.admin().await).await;
    let mut runs = 0;
    let mut scheduled_run = || {
        runs += 1;
        let (pool, operator) = (pool.clone(), operator.clone());
        async move {
            make_schedule_due(&pool).await;
            let run = next_scheduled_run(&operator, runs).await;
            assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
            run
        }
    };
    let shown = |field: &str| {
        app.salesforce
            .record("Opportunity", &opportunity)
            .expect("opportunity")[field]
            .clone()
    };
    scheduled_run().await;
    let entitlement_id = shown(sf::ENTITLEMENT_ID)
        .as_str()
        .expect("entitlement id")
        .to_string();
    let fno_state = || {
        app.fno
            .store()
            .entitlement(&entitlement_id)
            .expect("entitlement")
            .state
    };
    assert_eq!(
        shown(sf::ENTITLEMENT_STATE),
        "Draft",
        "the state goes back with the ID"
    );

    // Act and assert: a person deploys it in FNO, then suspends it.
    assert!(app
        .fno
        .store()
        .set_entitlement_state(&entitlement_id, "DEPLOYED"));
    scheduled_run().await;
    assert_eq!(shown(sf::ENTITLEMENT_STATE), "Deployed");
    assert!(app
        .fno
        .store()
        .set_entitlement_state(&entitlement_id, "INACTIVE"));
    scheduled_run().await;
    assert_eq!(shown(sf::ENTITLEMENT_STATE), "Inactive");

    // A run with nothing changed writes nothing back.
    app.salesforce.reset_counts();
    app.fno.reset_counts();
    scheduled_run().await;
    assert_eq!(
        app.salesforce.call_count("composite.sobjects"),
        0,
        "no write-back: {:?}",
        app.salesforce.call_counts()
    );

    // A person's later edit of the order, with a post-condition that
    // deploys, keeps the state FNO gave the entitlement.
    app.deploy_closed_won().await;
    app.salesforce
        .update(
            "Opportunity",
            &opportunity,
            json!({ "Description": "amended" }),
        )
        .expect("edit");
    scheduled_run().await;
    assert_eq!(
        fno_state(),
        "INACTIVE",
        "a suspended entitlement is not deployed again"
    );
    assert_eq!(app.fno.call_count("setEntitlementState"), 0);
    assert_eq!(shown(sf::ENTITLEMENT_STATE), "Inactive");
}
