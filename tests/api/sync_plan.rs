//! Sync plans: `PlanSync` shows what a sync would do, record by record,
//! without writing anything; the sync that follows does what it showed.

use std::collections::BTreeMap;

use fnosync_client::{proto, FnosyncClient};
use fnosync_server::MIGRATOR;
use fnosync_tests::{logs_of, seed_sales_order, sync_and_wait, LineSpec, TestApp};
use serde_json::json;
use sqlx::PgPool;

use proto::PlannedAction as Action;

async fn plan_account(client: &FnosyncClient, account_id: &str) -> proto::PlanSyncResponse {
    let scope = proto::plan_sync_request::Scope::AccountId(account_id.to_string());
    client
        .sync()
        .plan_sync(proto::PlanSyncRequest { scope: Some(scope) })
        .await
        .expect("plan")
        .into_inner()
}

/// Each planned record's action by Salesforce Id.
fn actions(plan: &proto::PlanSyncResponse) -> BTreeMap<String, Action> {
    plan.records
        .iter()
        .map(|r| {
            let action = Action::try_from(r.action).expect("action");
            (r.salesforce_id.clone(), action)
        })
        .collect()
}

fn record<'p>(plan: &'p proto::PlanSyncResponse, id: &str) -> &'p proto::PlannedRecord {
    plan.records
        .iter()
        .find(|r| r.salesforce_id == id)
        .unwrap_or_else(|| panic!("no planned record {id}: {plan:?}"))
}

/// The field changes of a planned record: field to (old, new).
fn changes(record: &proto::PlannedRecord) -> BTreeMap<&str, (&str, &str)> {
    record
        .changes
        .iter()
        .map(|c| {
            (
                c.field.as_str(),
                (c.old_value.as_str(), c.new_value.as_str()),
            )
        })
        .collect()
}

/// The links in PostgreSQL: Salesforce Id to (FNO ID, fingerprint).
async fn links(pool: &PgPool) -> BTreeMap<String, (String, String)> {
    sqlx::query_as::<_, (String, String, String)>(
        "SELECT salesforce_id, fno_id, fingerprint FROM sync_links",
    )
    .fetch_all(pool)
    .await
    .expect("links")
    .into_iter()
    .map(|(id, fno, print)| (id, (fno, print)))
    .collect()
}

/// What a run did with each record it logged: `Fail` for a failed log,
/// `Nothing` for "unchanged", `Create`/`Update` (not told apart) otherwise.
fn logged(logs: &[proto::TransactionLog]) -> BTreeMap<String, Vec<Action>> {
    let mut done: BTreeMap<String, Vec<Action>> = BTreeMap::new();
    for log in logs.iter().filter(|l| !l.salesforce_record_id.is_empty()) {
        let action = if log.status != proto::TransactionStatus::Completed as i32 {
            Action::Fail
        } else if log.description.contains("unchanged since the last sync") {
            Action::Nothing
        } else {
            Action::Create
        };
        done.entry(log.salesforce_record_id.clone())
            .or_default()
            .push(action);
    }
    done
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_plan_writes_nothing_and_the_sync_that_follows_does_what_it_showed(pool: PgPool) {
    // Arrange: an account with a contact and an order of one valid line and
    // two that break the product rules.
    let app = TestApp::ready(pool.clone()).await;
    let (account_id, opportunity_id, line_ids) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Plan Corp", "ShippingCity": "Oslo" }),
        &[json!({ "FirstName": "Ada", "LastName": "Plan", "Email": "ada@plan.example" })],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 2.0),
            LineSpec::permanent("GC3020", 1.0), // not deployed in FNO
            LineSpec::permanent("SL9020", 1.0), // unknown to FNO
        ],
    );
    let contact_id = app
        .salesforce
        .find("Contact", "AccountId", &json!(account_id))[0]["Id"]
        .as_str()
        .expect("contact")
        .to_string();
    let operator = app.operator().await;
    let account_before = app.salesforce.record("Account", &account_id);
    app.salesforce.reset_counts();

    // Act: plan, then sync.
    let plan = plan_account(&operator, &account_id).await;

    // Assert: the plan shows every record, and nothing was written anywhere.
    assert_eq!(plan.account_ids, std::slice::from_ref(&account_id));
    assert!(!plan.truncated);
    let planned = actions(&plan);
    assert_eq!(planned[&account_id], Action::Create, "{plan:?}");
    assert_eq!(planned[&contact_id], Action::Create);
    assert_eq!(planned[&opportunity_id], Action::Create);
    assert_eq!(planned[&line_ids[0]], Action::Create);
    assert_eq!(planned[&line_ids[1]], Action::Fail);
    assert_eq!(planned[&line_ids[2]], Action::Fail);
    assert!(
        record(&plan, &line_ids[2]).reason.contains("SL9020"),
        "{plan:?}"
    );
    let account = changes(record(&plan, &account_id));
    assert_eq!(account.get("accountName"), Some(&("", "Plan Corp")));
    assert_eq!(account.get("city"), Some(&("", "Oslo")));
    assert_eq!(
        changes(record(&plan, &line_ids[0])).get("numberOfCopies"),
        Some(&("", "2"))
    );
    assert_eq!(app.fno.write_call_count(), 0, "{:?}", app.fno.counts());
    assert!(app.fno.store().account(&account_id).is_none());
    let sf_writes: Vec<String> = app
        .salesforce
        .call_counts()
        .into_keys()
        .filter(|op| op != "composite" && !op.ends_with(".get") && op != "query")
        .filter(|op| {
            !op.starts_with("oauth") && !op.contains("describe") && !op.contains("retrieve")
        })
        .collect();
    assert!(sf_writes.is_empty(), "{:?}", app.salesforce.call_counts());
    assert_eq!(
        app.salesforce.record("Account", &account_id),
        account_before
    );
    assert!(links(&pool).await.is_empty(), "a plan saves no link");
    let (runs,): (i64,) = sqlx::query_as("SELECT count(*) FROM sync_runs")
        .fetch_one(&pool)
        .await
        .expect("runs");
    assert_eq!(runs, 0, "a plan is no run");

    // The sync that follows does, record for record, what the plan showed.
    let run = sync_and_wait(&operator, &account_id).await;
    let done = logged(&logs_of(&app.viewer().await, &run.run_id).await);
    let linked = links(&pool).await;
    for record in &plan.records {
        let action = Action::try_from(record.action).expect("action");
        let id = &record.salesforce_id;
        match action {
            Action::Create => assert!(
                linked.get(id).is_some_and(|(fno, _)| !fno.is_empty()),
                "{id} was planned for creation: {linked:?}"
            ),
            Action::Fail => assert!(
                done.get(id).is_some_and(|d| d.contains(&Action::Fail)),
                "{id} was planned to fail: {done:?}"
            ),
            other => panic!("unexpected action {other:?} for {id}"),
        }
    }
    for (id, actions) in &done {
        if actions.contains(&Action::Fail) {
            assert_eq!(
                planned.get(id),
                Some(&Action::Fail),
                "{id} failed unplanned"
            );
        }
    }
    for id in linked.keys() {
        assert_eq!(
            planned.get(id),
            Some(&Action::Create),
            "{id} linked unplanned"
        );
    }

    // Once synced, the plan has nothing to do but the failing lines.
    let again = plan_account(&operator, &account_id).await;
    for record in &again.records {
        let action = Action::try_from(record.action).expect("action");
        let expected = if line_ids[1..].contains(&record.salesforce_id) {
            Action::Fail
        } else {
            Action::Nothing
        };
        assert_eq!(action, expected, "{record:?}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_plan_shows_old_and_new_values_of_an_edit_and_the_sync_sends_them(pool: PgPool) {
    // Arrange: a synced account, then a person renames it and raises the
    // quantity of its line.
    let app = TestApp::ready(pool.clone()).await;
    let (account_id, opportunity_id, line_ids) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Edit Plan Corp" }),
        &[json!({ "FirstName": "Bo", "LastName": "Plan", "Email": "bo@plan.example" })],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    let operator = app.operator().await;
    let first = sync_and_wait(&operator, &account_id).await;
    assert_eq!(
        first.state,
        proto::SyncRunState::Completed as i32,
        "{first:?}"
    );
    app.salesforce
        .update(
            "Account",
            &account_id,
            json!({ "Name": "Edit Plan Corp II" }),
        )
        .expect("rename");
    app.salesforce
        .update(
            "OpportunityLineItem",
            &line_ids[0],
            json!({ "Quantity": 5 }),
        )
        .expect("quantity");
    let links_before = links(&pool).await;

    // Act
    let plan = plan_account(&operator, &account_id).await;

    // Assert: the changed records with their old and new values; the
    // contact is unchanged; nothing was written.
    let planned = actions(&plan);
    assert_eq!(planned[&account_id], Action::Update, "{plan:?}");
    assert_eq!(
        changes(record(&plan, &account_id)),
        BTreeMap::from([("accountName", ("Edit Plan Corp", "Edit Plan Corp II"))])
    );
    assert_eq!(planned[&opportunity_id], Action::Update);
    assert_eq!(planned[&line_ids[0]], Action::Update);
    assert_eq!(
        changes(record(&plan, &line_ids[0])),
        BTreeMap::from([("numberOfCopies", ("2", "5"))])
    );
    let contact = plan
        .records
        .iter()
        .find(|r| r.object == "Contact")
        .expect("contact");
    assert_eq!(contact.action, Action::Nothing as i32, "{contact:?}");
    assert_eq!(links(&pool).await, links_before, "a plan changes no link");

    // The sync sends what the plan showed.
    let run = sync_and_wait(&operator, &account_id).await;
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    assert_eq!(
        app.fno.store().account(&account_id).expect("account").name,
        "Edit Plan Corp II"
    );
    let done = logged(&logs_of(&app.viewer().await, &run.run_id).await);
    assert_eq!(done[&contact.salesforce_id], [Action::Nothing]);
    assert!(!done[&account_id].contains(&Action::Nothing), "{done:?}");
    let after = links(&pool).await;
    for id in [&account_id, &opportunity_id, &line_ids[0]] {
        assert_ne!(after[id].1, links_before[id].1, "{id} was sent again");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn plan_sync_needs_the_operator_role_and_a_scope(pool: PgPool) {
    let app = TestApp::ready(pool).await;
    let denied = app
        .viewer()
        .await
        .sync()
        .plan_sync(proto::PlanSyncRequest {
            scope: Some(proto::plan_sync_request::Scope::AccountId(
                "001000000000001AAA".into(),
            )),
        })
        .await
        .expect_err("a viewer may not plan");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let operator = app.operator().await;
    let missing = operator
        .sync()
        .plan_sync(proto::PlanSyncRequest { scope: None })
        .await
        .expect_err("no scope");
    assert_eq!(missing.code(), tonic::Code::InvalidArgument);
    let bad = operator
        .sync()
        .plan_sync(proto::PlanSyncRequest {
            scope: Some(proto::plan_sync_request::Scope::LastHours(0)),
        })
        .await
        .expect_err("zero hours");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    assert!(bad.message().contains("last_hours"), "{bad:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_window_plan_shows_a_lost_deal_and_a_removed_line_as_obsolete(pool: PgPool) {
    // Arrange: two synced orders under the `obsolete` policy; one deal is
    // then lost, and a line is removed from the other.
    let app = TestApp::ready(pool.clone()).await;
    app.deploy_closed_won_cancelling(proto::CancellationPolicy::Obsolete)
        .await;
    let (lost_account, lost, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Lost Plan Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 1.0)],
    );
    let (kept_account, _, lines) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Trimmed Plan Corp" }),
        &[],
        json!({}),
        &[
            LineSpec::permanent("SF01demo", 1.0),
            LineSpec::permanent("SF01demo", 2.0),
        ],
    );
    let operator = app.operator().await;
    for account in [&lost_account, &kept_account] {
        let run = sync_and_wait(&operator, account).await;
        assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    }
    app.salesforce
        .update("Opportunity", &lost, json!({ "StageName": "Closed Lost" }))
        .expect("lose the deal");
    app.salesforce
        .delete("OpportunityLineItem", &lines[1])
        .expect("remove the line");
    let writes = app.fno.write_call_count();

    // Act
    let plan = operator
        .sync()
        .plan_sync(proto::PlanSyncRequest {
            scope: Some(proto::plan_sync_request::Scope::LastHours(1)),
        })
        .await
        .expect("plan")
        .into_inner();

    // Assert: the lost order and the removed line are to be set OBSOLETE;
    // the trimmed order is updated; FNO is untouched.
    let planned = actions(&plan);
    assert_eq!(planned[&lost], Action::Obsolete, "{plan:?}");
    assert_eq!(record(&plan, &lost).account_id, lost_account);
    assert_eq!(planned[&lines[1]], Action::Obsolete, "{plan:?}");
    assert_eq!(planned[&lines[0]], Action::Nothing, "{plan:?}");
    assert_eq!(app.fno.write_call_count(), writes, "{:?}", app.fno.counts());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_plan_names_a_bad_scope_before_what_the_connector_lacks(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let operator = app.operator().await;
    let bad = operator
        .sync()
        .plan_sync(proto::PlanSyncRequest {
            scope: Some(proto::plan_sync_request::Scope::AccountId(
                "0065e00000Xyz".into(),
            )),
        })
        .await
        .expect_err("not an account ID");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument, "{bad:?}");
    assert!(bad.message().contains("account_id"), "{bad:?}");
    let unready = operator
        .sync()
        .plan_sync(proto::PlanSyncRequest {
            scope: Some(proto::plan_sync_request::Scope::AccountId(
                "001000000000001AAA".into(),
            )),
        })
        .await
        .expect_err("nothing connected");
    assert_eq!(
        unready.code(),
        tonic::Code::FailedPrecondition,
        "{unready:?}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_renewal_of_an_order_the_same_sync_creates_is_planned_and_renewed_in_that_sync(
    pool: PgPool,
) {
    // Arrange: a new order and, on the same account, the opportunity that renews it.
    let app = TestApp::ready(pool).await;
    let (account_id, original, _) = seed_sales_order(
        &app.salesforce,
        json!({ "Name": "Renewed Early Corp" }),
        &[],
        json!({}),
        &[LineSpec::permanent("SF01demo", 2.0)],
    );
    let renewal = fnosync_tests::add_opportunity(
        &app.salesforce,
        &account_id,
        &[LineSpec::permanent("SF01demo", 5.0)],
    );
    app.salesforce
        .update(
            "Opportunity",
            &renewal,
            json!({ fnosync_sandbox::salesforce::fields::RENEWED_OPPORTUNITY: original }),
        )
        .expect("renews");
    let operator = app.operator().await;

    // Act
    let plan = plan_account(&operator, &account_id).await;
    let run = sync_and_wait(&operator, &account_id).await;

    // Assert: the plan shows the renewal, and the sync renews in the same run.
    let planned = actions(&plan);
    assert_eq!(planned.get(&original), Some(&Action::Create), "{plan:?}");
    assert_eq!(planned.get(&renewal), Some(&Action::Renew), "{plan:?}");
    assert_eq!(run.state, proto::SyncRunState::Completed as i32, "{run:?}");
    let logs = logs_of(&app.viewer().await, &run.run_id).await;
    assert!(
        logs.iter().any(|l| l.name == "RenewalLineItem Creation"
            && l.status == proto::TransactionStatus::Completed as i32),
        "{logs:#?}"
    );
    assert_eq!(app.fno.call_count("renewLicense"), 1);
}
