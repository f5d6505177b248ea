//! Entitlements and line items: creating and reading them back, remaining
//! copies, batched lines, header updates, partners and renewals.

use fnosync_server::fno::{
    Account, AccountLink, AccountType, CreateMode, DurationUnit, EntitlementState,
    EntitlementUpdate, Expiration, FnoError, LineItemQuery, LineItemUpdate, LineRenewal,
};
use sqlx::PgPool;

use crate::harness::{account, entitlement, line, start_default};

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_entitlement_is_created_and_read_back_by_id_and_order(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let lines = vec![
        line("SF01demo", 10, "006OPP", "00k1"),
        line("GC1060", 3, "006OPP", "00k2"),
    ];
    let created = fno
        .client
        .create_entitlement(&entitlement("001ACC", lines))
        .await
        .expect("created");
    assert_eq!(created.lines.len(), 2);
    assert!(fno
        .sandbox
        .store()
        .entitlement(&created.entitlement_id)
        .is_some());
    let read = fno
        .client
        .find_line_items(&LineItemQuery::by_entitlement(&created.entitlement_id))
        .await
        .expect("lines");
    let first = read
        .iter()
        .find(|l| l.activation_id == created.lines[0].activation_id)
        .expect("line 1");
    assert_eq!(
        (first.number_of_copies, first.remaining_copies),
        (Some(10), Some(10))
    );
    assert_eq!(first.part_number.as_deref(), Some("SF01demo"));
    assert_eq!(first.state, Some(EntitlementState::Draft));
    let by_order = fno
        .client
        .find_line_items(&LineItemQuery::by_order("006OPP", Some("00k2")))
        .await
        .expect("order");
    assert_eq!(by_order.len(), 1);
    assert_eq!(by_order[0].activation_id, created.lines[1].activation_id);
    assert_eq!(
        by_order[0].entitlement_id.as_deref(),
        Some(created.entitlement_id.as_str())
    );
    let found = fno
        .client
        .find_entitlement(&created.entitlement_id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.line_items.len(), 2);
    assert!(fno
        .client
        .find_line_items(&LineItemQuery::by_order("006NONE", None))
        .await
        .expect("none")
        .is_empty());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn remaining_copies_follow_activations_and_updates(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let created = fno
        .client
        .create_entitlement(&entitlement(
            "001ACC",
            vec![line("SF01demo", 10, "006OPP", "00k1")],
        ))
        .await
        .expect("created");
    fno.client
        .set_entitlement_state(&created.entitlement_id, EntitlementState::Deployed)
        .await
        .expect("deploy");
    let activation = &created.lines[0].activation_id;
    fno.sandbox
        .store()
        .activate(activation, 3)
        .expect("activate");
    let update = LineItemUpdate {
        entitlement_id: created.entitlement_id.clone(),
        activation_id: activation.clone(),
        number_of_copies: Some(12),
        ..LineItemUpdate::default()
    };
    fno.client.update_line_item(&update).await.expect("update");
    let lines = fno
        .client
        .find_line_items(&LineItemQuery::by_sold_to("001ACC"))
        .await
        .expect("lines");
    assert_eq!(
        (lines[0].number_of_copies, lines[0].remaining_copies),
        (Some(12), Some(9))
    );
    assert_eq!(lines[0].entitlement_state, Some(EntitlementState::Deployed));
    let refused = fno
        .client
        .set_entitlement_state(&created.entitlement_id, EntitlementState::Draft)
        .await;
    assert!(matches!(refused, Err(FnoError::Rejected { .. })));
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn twenty_six_lines_are_sent_in_two_calls(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    fno.sandbox.reset_counts();
    let lines = (0..26)
        .map(|i| line("SF01demo", 1, "006BIG", &format!("line-{i:02}")))
        .collect();
    let created = fno
        .client
        .create_entitlement(&entitlement("001ACC", lines))
        .await
        .expect("created");
    assert_eq!(fno.sandbox.call_count("createSimpleEntitlement"), 1);
    assert_eq!(fno.sandbox.call_count("createEntitlementLineItem"), 1);
    assert_eq!(created.lines.len(), 26);
    assert_eq!(created.lines[25].line_index, 25);
    assert_eq!(
        created.lines[25].order_line_number.as_deref(),
        Some("line-25")
    );
    let stored = fno
        .sandbox
        .store()
        .entitlement(&created.entitlement_id)
        .expect("stored");
    assert_eq!(stored.line_items.len(), 26);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn partners_header_updates_and_renewals_reach_fno(pool: PgPool) {
    let fno = start_default(pool).await;
    let partner = Account {
        account_type: Some(AccountType::ChannelPartner),
        ..account("001PARTNER", "Reseller")
    };
    let accounts = [partner, account("001ACC", "SF-DemoAccount")];
    let created = fno
        .client
        .create_accounts(&accounts, CreateMode::CreateOrIgnore)
        .await
        .expect("accounts");
    assert!(created.is_complete());
    let link = AccountLink {
        parent_id: "001PARTNER".into(),
        child_id: "001ACC".into(),
    };
    assert!(fno
        .client
        .link_accounts(&[link])
        .await
        .expect("link")
        .is_complete());
    let order = entitlement("001ACC", vec![line("SF01demo", 10, "006OLD", "00k1")]);
    let original = fno
        .client
        .create_entitlement(&order)
        .await
        .expect("entitlement");
    let update = EntitlementUpdate {
        entitlement_id: original.entitlement_id.clone(),
        description: Some("renamed".into()),
        ..EntitlementUpdate::default()
    };
    fno.client
        .update_entitlement(&update)
        .await
        .expect("update");
    let renewal = LineRenewal {
        entitlement_id: original.entitlement_id.clone(),
        activation_id: original.lines[0].activation_id.clone(),
        new_activation_id: None,
        number_of_copies: Some(5),
        start: None,
        expiration: Some(Expiration::Term {
            count: 1,
            unit: DurationUnit::Years,
        }),
        description: None,
        order_id: Some("006NEW".into()),
        order_line_number: Some("00k9".into()),
        auto_deploy: false,
    };
    let renewed = fno
        .client
        .renew_line_items(&[renewal])
        .await
        .expect("renew");
    let new_line = &renewed.succeeded[0];
    let found = fno
        .client
        .find_line_items(&LineItemQuery::by_order("006NEW", None))
        .await
        .expect("lines");
    assert_eq!(found[0].activation_id, new_line.activation_id);
    assert_eq!(found[0].number_of_copies, Some(5));
    let stored = fno
        .sandbox
        .store()
        .entitlement(&original.entitlement_id)
        .expect("stored");
    assert_eq!(stored.description.as_deref(), Some("renamed"));
    assert_eq!(
        fno.sandbox
            .store()
            .account("001PARTNER")
            .expect("partner")
            .sub_accounts,
        vec!["001ACC".to_string()]
    );
}
