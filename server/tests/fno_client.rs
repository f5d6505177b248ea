//! The FNO client against the FNO sandbox over HTTPS: a real PostgreSQL for
//! the remote-site check, the sandbox in-process on port 0 with its CA
//! trusted, and the sandbox's call counters to see what was sent.

use std::io::Write;
use std::time::Duration;

use fnosync_sandbox::faults::FaultSettings;
use fnosync_sandbox::fno::{FnoSandbox, Options};
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::fno::retry::{create_with_lookup, with_backoff};
use fnosync_server::fno::{
    Account, AccountLink, AccountType, CreateMode, Disposition, DurationUnit, EntitlementState,
    EntitlementUpdate, Expiration, FnoClient, FnoError, LineItemQuery, LineItemUpdate, LineRenewal,
    NewEntitlement, NewLineItem, RetryPolicy, ServiceVersions, StartDate, User,
};
use fnosync_server::outbound::{build_http_client, OutboundError, OutboundHttp};
use fnosync_server::store::remote_sites::insert_remote_site;
use secrecy::SecretString;
use sqlx::PgPool;

const USER: &str = "admin";
const PASSWORD: &str = "admin";

struct Fno {
    sandbox: FnoSandbox,
    client: FnoClient,
    _ca_file: tempfile::NamedTempFile,
}

async fn start(pool: PgPool, options: Options, register_site: bool, password: &str) -> Fno {
    let ca = SandboxCa::generate().expect("ca");
    let sandbox = FnoSandbox::start(options, ca.clone())
        .await
        .expect("sandbox");
    let mut ca_file = tempfile::NamedTempFile::new().expect("temp file");
    ca_file.write_all(ca.ca_pem().as_bytes()).expect("write ca");
    let http =
        build_http_client(&[ca_file.path().to_path_buf()], Duration::from_secs(10)).expect("http");
    if register_site {
        insert_remote_site(&pool, "FNO_Sandbox", &sandbox.url(), "", true)
            .await
            .expect("site");
    }
    let outbound = OutboundHttp::new(http, pool);
    let client = FnoClient::new(
        outbound,
        &sandbox.url(),
        USER,
        SecretString::from(password.to_string()),
    );
    Fno {
        sandbox,
        client,
        _ca_file: ca_file,
    }
}

async fn start_default(pool: PgPool) -> Fno {
    start(pool, Options::default(), true, PASSWORD).await
}

fn account(id: &str, name: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        account_type: Some(AccountType::Customer),
        ..Account::default()
    }
}

fn line(part: &str, copies: i64, order_id: &str, order_line: &str) -> NewLineItem {
    NewLineItem {
        activation_id: None,
        description: None,
        part_number: part.into(),
        license_model: None,
        order_id: Some(order_id.into()),
        order_line_number: Some(order_line.into()),
        number_of_copies: copies,
        start: StartDate::FirstActivationDate,
        expiration: Expiration::Term {
            count: 1,
            unit: DurationUnit::Months,
        },
        attributes: vec![],
    }
}

fn entitlement(sold_to: &str, lines: Vec<NewLineItem>) -> NewEntitlement {
    NewEntitlement {
        entitlement_id: None,
        description: Some("SF-TestOpportunity".into()),
        sold_to: Some(sold_to.into()),
        ship_to_email: None,
        ship_to_address: None,
        line_items: lines,
        state: EntitlementState::Draft,
        channel_partners: vec![],
        attributes: vec![],
    }
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn verify_credentials_accepts_the_right_password(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client.verify_credentials().await.expect("verified");
    assert_eq!(fno.sandbox.call_count("getAccountsQuery"), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn verify_credentials_rejects_a_wrong_password_clearly(pool: PgPool) {
    let fno = start(pool, Options::default(), true, "not-the-password").await;
    let error = fno.client.verify_credentials().await.expect_err("rejected");
    assert!(matches!(error, FnoError::Unauthorized { status: 401 }));
    assert_eq!(
        error.to_string(),
        "FNO rejected the user name or password (HTTP 401)"
    );
    assert!(!error.to_string().contains("not-the-password"));
    assert_eq!(error.disposition(), Disposition::Fail);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_tenant_no_remote_site_covers_is_refused_before_any_call(pool: PgPool) {
    let fno = start(pool, Options::default(), false, PASSWORD).await;
    let error = fno.client.verify_credentials().await.expect_err("refused");
    assert!(matches!(
        error,
        FnoError::Outbound(OutboundError::NotAllowed { .. })
    ));
    assert_eq!(error.disposition(), Disposition::Fail);
    assert!(fno.sandbox.counts().is_empty());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn an_account_is_created_and_found_with_escaped_values(pool: PgPool) {
    let fno = start_default(pool).await;
    let name = r#"O'Brien & <Sons> "EU""#;
    let created = fno
        .client
        .create_account(&account("001ACC", name))
        .await
        .expect("created");
    assert_eq!(created.id, "001ACC");
    let found = fno
        .client
        .find_account("001ACC")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.account.name, name);
    assert_eq!(found.account.account_type, Some(AccountType::Customer));
    assert_eq!(
        fno.sandbox.store().account("001ACC").expect("stored").name,
        name
    );
    assert!(fno
        .client
        .find_account("001NOPE")
        .await
        .expect("query")
        .is_none());
    let by_name = fno.client.find_accounts_by_name(name).await.expect("query");
    assert_eq!(by_name.len(), 1);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_partial_account_batch_keeps_successes_and_fnos_reasons(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("TAKEN", "Taken"))
        .await
        .expect("first");
    let batch = [
        account("NEW-1", "One"),
        account("TAKEN", "Again"),
        account("NEW-2", "Two"),
    ];
    let outcome = fno
        .client
        .create_accounts(&batch, CreateMode::FailIfExists)
        .await
        .expect("outcome");
    let created: Vec<usize> = outcome.succeeded.iter().map(|c| c.index).collect();
    assert_eq!(created, vec![0, 2]);
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(
        (outcome.failed[0].index, outcome.failed[0].key.as_str()),
        (1, "TAKEN")
    );
    assert!(
        outcome.failed[0].reason.starts_with("9999:"),
        "{}",
        outcome.failed[0].reason
    );
    let error = fno
        .client
        .create_account(&account("TAKEN", "Again"))
        .await
        .expect_err("taken");
    assert!(matches!(error, FnoError::Rejected { .. }));
    assert_eq!(error.disposition(), Disposition::Fail);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_portal_admin_user_is_created_and_found(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let user = User::portal_admin("Demo", "SF-TestUser", "SF-TestUser@mycompany.com", "001ACC");
    fno.client.create_user(&user).await.expect("user");
    let found = fno
        .client
        .find_user("sf-testuser@mycompany.com")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found.user.first_name, "Demo");
    assert_eq!(found.user.account_roles[0].account_id, "001ACC");
    assert_eq!(
        found.user.account_roles[0].roles,
        vec!["Portal Admin User".to_string()]
    );
    let updated = User {
        last_name: "Renamed".into(),
        ..user
    };
    fno.client.update_user(&updated).await.expect("update");
    let stored = fno
        .sandbox
        .store()
        .user("sf-testuser@mycompany.com")
        .expect("stored");
    assert_eq!(stored.last_name, "Renamed");
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_user_fails_with_a_message_naming_the_missing_role(pool: PgPool) {
    let options = Options {
        without_portal_admin_role: true,
        ..Options::default()
    };
    let fno = start(pool, options, true, PASSWORD).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let user = User::portal_admin("Demo", "SF-TestUser", "SF-TestUser@mycompany.com", "001ACC");
    let error = fno.client.create_user(&user).await.expect_err("no role");
    assert!(
        matches!(&error, FnoError::MissingRole { role, .. } if role == "Portal Admin User"),
        "{error}"
    );
    assert!(error
        .to_string()
        .contains("no role named \"Portal Admin User\""));
    assert!(fno
        .sandbox
        .store()
        .user("sf-testuser@mycompany.com")
        .is_none());
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn part_numbers_report_their_products_readiness(pool: PgPool) {
    let fno = start_default(pool).await;
    let ready = fno
        .client
        .find_part_number("SF01demo")
        .await
        .expect("query")
        .expect("found");
    assert!(ready.is_ready());
    let product = ready.product.expect("product");
    assert_eq!(
        (product.name.as_str(), product.version.as_deref()),
        ("SF-DemoProduct", Some("1.0"))
    );
    let draft = fno
        .client
        .find_part_number("GC3020")
        .await
        .expect("query")
        .expect("found");
    assert!(!draft.is_ready());
    assert_eq!(draft.product.expect("product").state, "DRAFT");
    assert!(fno
        .client
        .find_part_number("SL9020")
        .await
        .expect("query")
        .is_none());
    assert!(fno
        .client
        .find_part_number("sf01demo")
        .await
        .expect("query")
        .is_none());
    let products = fno.client.list_products().await.expect("products");
    assert!(products
        .iter()
        .any(|p| p.part_numbers.contains(&"SF01demo".to_string()) && p.is_deployed()));
}

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
async fn queries_page_until_a_short_page(pool: PgPool) {
    let fno = start_default(pool).await;
    let accounts: Vec<Account> = (0..5)
        .map(|i| account(&format!("ACC-{i}"), "Paged"))
        .collect();
    fno.client
        .create_accounts(&accounts, CreateMode::FailIfExists)
        .await
        .expect("created");
    fno.sandbox.reset_counts();
    let paged = fno.client.clone().with_page_size(2);
    let found = paged.find_accounts_by_name("Paged").await.expect("query");
    assert_eq!(found.len(), 5);
    assert_eq!(fno.sandbox.call_count("getAccountsQuery"), 3);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_500_is_retried_until_success(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.sandbox.faults().set(FaultSettings {
        fail_next: 1,
        ..FaultSettings::default()
    });
    let first = fno.client.verify_credentials().await.expect_err("500");
    assert_eq!(first.disposition(), Disposition::Retry, "{first}");
    fno.sandbox.faults().set(FaultSettings {
        fail_next: 1,
        failure_status: 503,
        ..FaultSettings::default()
    });
    fno.sandbox.reset_counts();
    with_backoff(&RetryPolicy::immediate(3), || {
        fno.client.verify_credentials()
    })
    .await
    .expect("retried");
    assert_eq!(fno.sandbox.call_count("getAccountsQuery"), 2);
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_soap_fault_for_a_bad_request_is_not_retried(pool: PgPool) {
    let fno = start_default(pool).await;
    let mut services = ServiceVersions::default();
    services.entitlement_order.namespace = "urn:v9.webservices.operations.flexnet.com".into();
    let misconfigured = fno.client.clone().with_services(services);
    let query = LineItemQuery::by_order("006OPP", None);
    let result = with_backoff(&RetryPolicy::immediate(3), || {
        misconfigured.find_line_items(&query)
    })
    .await;
    let error = result.expect_err("fault");
    assert!(
        matches!(&error, FnoError::Fault { code, .. } if code.ends_with("Client")),
        "{error}"
    );
    assert_eq!(error.disposition(), Disposition::Fail);
    assert_eq!(
        fno.sandbox
            .call_count("searchEntitlementLineItemPropertiesRequest"),
        1
    );
}

#[sqlx::test(migrator = "fnosync_server::MIGRATOR")]
async fn a_create_whose_answer_is_lost_is_not_sent_twice(pool: PgPool) {
    let fno = start_default(pool).await;
    fno.client
        .create_account(&account("001ACC", "SF-DemoAccount"))
        .await
        .expect("account");
    let order = entitlement("001ACC", vec![line("SF01demo", 10, "006LOST", "00k1")]);
    fno.sandbox.faults().set(FaultSettings {
        malformed_next: 1,
        operation_filter: "createSimpleEntitlement".into(),
        ..FaultSettings::default()
    });
    let lookup = || async {
        let lines = fno
            .client
            .find_line_items(&LineItemQuery::by_order("006LOST", Some("00k1")))
            .await?;
        Ok(lines
            .into_iter()
            .next()
            .and_then(|line| line.entitlement_id))
    };
    let create = || async { Ok(fno.client.create_entitlement(&order).await?.entitlement_id) };
    let id = create_with_lookup(&RetryPolicy::immediate(3), lookup, create)
        .await
        .expect("created once");
    assert_eq!(fno.sandbox.call_count("createSimpleEntitlement"), 1);
    let entitlements = fno.sandbox.store().read(|state| state.entitlements.len());
    assert_eq!(entitlements, 1);
    assert!(fno.sandbox.store().entitlement(&id).is_some());
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
