//! The sandbox and the client under test, and builders of the accounts, line
//! items and entitlements the tests send.

use std::io::Write;
use std::time::Duration;

use fnosync_sandbox::fno::{FnoSandbox, Options};
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::fno::{
    Account, AccountType, DurationUnit, EntitlementState, Expiration, FnoClient, NewEntitlement,
    NewLineItem, StartDate,
};
use fnosync_server::outbound::{build_http_client, OutboundHttp};
use fnosync_server::store::remote_sites::insert_remote_site;
use secrecy::SecretString;
use sqlx::PgPool;

const USER: &str = "admin";

pub(crate) const PASSWORD: &str = "admin";

pub(crate) struct Fno {
    pub(crate) sandbox: FnoSandbox,
    pub(crate) client: FnoClient,
    _ca_file: tempfile::NamedTempFile,
}

pub(crate) async fn start(
    pool: PgPool,
    options: Options,
    register_site: bool,
    password: &str,
) -> Fno {
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

pub(crate) async fn start_default(pool: PgPool) -> Fno {
    start(pool, Options::default(), true, PASSWORD).await
}

pub(crate) fn account(id: &str, name: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        account_type: Some(AccountType::Customer),
        ..Account::default()
    }
}

pub(crate) fn line(part: &str, copies: i64, order_id: &str, order_line: &str) -> NewLineItem {
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

pub(crate) fn entitlement(sold_to: &str, lines: Vec<NewLineItem>) -> NewEntitlement {
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
