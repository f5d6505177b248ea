//! Starting both sandboxes and seeding them: Salesforce accounts, FNO
//! accounts, users and entitlements, and the targets the clients aim at.

use anyhow::Context;
use chrono::Utc;
use fnosync_sandbox::fno::seed::DEFAULT_USER as FNO_USER;
use fnosync_sandbox::fno::{FnoSandbox, FnoState};
use fnosync_sandbox::salesforce::SalesforceSandbox;
use fnosync_sandbox::tls::SandboxCa;
use fnosync_sandbox::{fno, salesforce};
use serde_json::json;
use tokio::sync::oneshot;

/// The daily API allocation is a functional limit, not what is measured here.
const BENCH_DAILY_API_MAX: u64 = 1_000_000_000;

/// Part number of the seeded demo product, present in the default FNO tenant.
pub(crate) const PART_NUMBER: &str = "SF01demo";

const PORTAL_ROLE: &str = "Portal User";

const DEPLOYED: &str = "DEPLOYED";

/// What the clients need to know about the seeded sandboxes.
pub(crate) struct Targets {
    pub(crate) ca_pem: String,
    pub(crate) salesforce_url: String,
    pub(crate) fno_url: String,
    pub(crate) account_ids: Vec<String>,
    pub(crate) records: usize,
}

pub(crate) fn account_name(index: usize) -> String {
    format!("Bench Account {index:06}")
}

pub(crate) fn entitlement_id(index: usize) -> String {
    format!("BENCH-ENT-{index:06}")
}

pub(crate) fn fno_account_id(index: usize) -> String {
    format!("BENCH-ACC-{index:05}")
}

pub(crate) fn fno_user_name(index: usize) -> String {
    format!("bench.user.{index:05}@example.com")
}

pub(crate) fn fno_account_count(records: usize) -> usize {
    (records / 10).max(1)
}

/// Starts and seeds both sandboxes, reports where they are, serves until told to stop.
pub(crate) async fn host_sandboxes(
    records: usize,
    ready: oneshot::Sender<anyhow::Result<Targets>>,
    stop: oneshot::Receiver<()>,
) {
    match start_sandboxes(records).await {
        Ok((salesforce, fno, targets)) => {
            let _ = ready.send(Ok(targets));
            let _ = stop.await;
            salesforce.shutdown().await;
            fno.shutdown().await;
        }
        Err(error) => {
            let _ = ready.send(Err(error));
        }
    }
}

async fn start_sandboxes(
    records: usize,
) -> anyhow::Result<(SalesforceSandbox, FnoSandbox, Targets)> {
    let ca = SandboxCa::generate()?;
    let options = salesforce::Options {
        api_daily_max: BENCH_DAILY_API_MAX,
        ..Default::default()
    };
    let salesforce = SalesforceSandbox::start(options, ca.clone()).await?;
    let fno = FnoSandbox::start(fno::Options::default(), ca.clone()).await?;
    let account_ids = (0..records)
        .map(|index| salesforce.insert("Account", json!({ "Name": account_name(index) })))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| anyhow::anyhow!("failed to seed an account: {}", error.to_json()))?;
    seed_fno(&fno, records)?;
    let targets = Targets {
        ca_pem: ca.ca_pem(),
        salesforce_url: salesforce.url(),
        fno_url: fno.url(),
        account_ids,
        records,
    };
    Ok((salesforce, fno, targets))
}

/// Adds a tenth as many accounts as entitlements, one user per account, and
/// `records` entitlements with one deployed line each, spread over the accounts.
/// The records are written in the sandbox's JSON seed format.
fn seed_fno(fno: &FnoSandbox, records: usize) -> anyhow::Result<()> {
    let (accounts, now) = (fno_account_count(records), Utc::now().to_rfc3339());
    let account = |i| {
        json!({"uniqueId": format!("HID-BA{i}"), "id": fno_account_id(i), "name": format!("Bench account {i}"),
               "accountType": "CUSTOMER", "created": now, "lastModified": now})
    };
    let user = |i| {
        json!({"uniqueId": format!("HID-BU{i}"), "userName": fno_user_name(i), "firstName": "Bench",
               "lastName": format!("User {i}"), "emailAddress": fno_user_name(i), "canLogin": true, "status": "Active",
               "accountRoles": [{"accountId": fno_account_id(i), "roles": [PORTAL_ROLE]}],
               "created": now, "lastModified": now})
    };
    let entitlement = |i| {
        let line = json!({"uniqueId": format!("HID-BL{i}"), "activationId": format!("BENCH-ACT-{i:06}"),
               "product": ["SF-DemoProduct", "1.0"], "partNumber": PART_NUMBER, "numberOfCopies": 5,
               "isPermanent": true, "state": DEPLOYED, "created": now, "lastModified": now});
        json!({"uniqueId": format!("HID-BE{i}"), "entitlementId": entitlement_id(i), "soldTo": fno_account_id(i % accounts),
               "state": DEPLOYED, "lineItems": [line], "created": now, "lastModified": now,
               "createdBy": FNO_USER, "lastModifiedBy": FNO_USER})
    };
    let bench: FnoState = serde_json::from_value(json!({
        "accounts": (0..accounts).map(account).collect::<Vec<_>>(),
        "users": (0..accounts).map(user).collect::<Vec<_>>(),
        "entitlements": (0..records).map(entitlement).collect::<Vec<_>>(),
    }))
    .context("failed to build the fno seed")?;
    fno.store().update(|state| {
        state.accounts.extend(bench.accounts);
        state.users.extend(bench.users);
        state.entitlements.extend(bench.entitlements);
    });
    Ok(())
}
