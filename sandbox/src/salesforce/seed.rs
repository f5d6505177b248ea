//! Seed data: the product guide's example (SF-DemoProduct / SF01demo,
//! SF-DemoAccount, contact Ms. Demo SF-TestUser, SF-TestOpportunity with
//! 10 × SF-DemoProduct) plus the guide's product list, and the JSON seed
//! file format the sandbox loads and dumps.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::auth::{default_client, default_user, ClientConfig, UserConfig};
use super::fields::{self as f, objects as o};
use super::schema::schema;
use super::store::{Record, Store, ID};

/// A seed file: users, connected apps and records per object.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Seed {
    /// Users who can log in; the default user when empty.
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// Connected apps; the default app when empty.
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
    /// Records per object name. Records with an `Id` are loaded as they are
    /// (a dump); records without one are created with the REST rules.
    #[serde(default)]
    pub records: BTreeMap<String, Vec<Map<String, Value>>>,
}

impl Seed {
    /// Returns the users, or the default user when none is given.
    pub fn users_or_default(&self) -> Vec<UserConfig> {
        if self.users.is_empty() {
            vec![default_user()]
        } else {
            self.users.clone()
        }
    }

    /// Returns the clients, or the default connected app when none is given.
    pub fn clients_or_default(&self) -> Vec<ClientConfig> {
        if self.clients.is_empty() {
            vec![default_client()]
        } else {
            self.clients.clone()
        }
    }
}

/// Loads `seed`'s records into `store`, parents first.
pub fn load_records(store: &mut Store, seed: &Seed) -> anyhow::Result<()> {
    for def in &schema().objects {
        let Some(records) = seed
            .records
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(def.name))
            .map(|(_, r)| r)
        else {
            continue;
        };
        for record in records {
            if record.contains_key(ID) {
                import(store, def.name, record.clone());
            } else {
                store
                    .insert(def.name, record)
                    .map_err(|e| anyhow::anyhow!("{}", e.to_json()))
                    .with_context(|| format!("failed to seed a {} record", def.name))?;
            }
        }
    }
    Ok(())
}

/// Stores a dumped record as it is, filling fields it lacks.
fn import(store: &mut Store, object: &'static str, mut record: Record) {
    let def = schema()
        .object(object)
        .expect("seed objects come from the schema");
    let now = store.now_text();
    for field in &def.fields {
        if !record.contains_key(field.name) {
            let value = match field.name {
                "CreatedDate" | "LastModifiedDate" | "SystemModstamp" => Value::String(now.clone()),
                _ => super::objects::default_value(field),
            };
            record.insert(field.name.to_string(), value);
        }
    }
    let id = record[ID].as_str().unwrap_or_default().to_string();
    store.put(def.name, id, record);
}

/// Dumps every record (deleted ones included) with users and clients.
pub fn dump(store: &Store, users: Vec<UserConfig>, clients: Vec<ClientConfig>) -> Seed {
    let records = schema()
        .objects
        .iter()
        .map(|def| {
            (
                def.name.to_string(),
                store.table(def.name).cloned().collect(),
            )
        })
        .collect();
    Seed {
        users,
        clients,
        records,
    }
}

fn insert(store: &mut Store, object: &str, body: Value) -> anyhow::Result<String> {
    let fields = body.as_object().cloned().unwrap_or_default();
    store
        .insert(object, &fields)
        .map_err(|e| anyhow::anyhow!("failed to seed {object}: {}", e.to_json()))
}

/// The guide's product list: name, product code, list price, included in sync, active.
pub const GUIDE_PRODUCTS: &[(&str, &str, f64, bool, bool)] = &[
    ("GenWatt Diesel 1000kW", "GC1060", 100_000.0, true, true),
    ("GenWatt Diesel 10kW", "GC1020", 5_000.0, true, true),
    ("GenWatt Diesel 200kW", "GC1040", 25_000.0, false, true),
    ("GenWatt Gasoline 300kW", "GC3020", 35_000.0, false, true),
    ("GenWatt Propane 500kW", "GC5040", 50_000.0, true, true),
    (
        "Installation: Industrial - High",
        "IN7080",
        85_000.0,
        false,
        true,
    ),
    (
        "Installation: Industrial - Medium",
        "IN7040",
        65_000.0,
        true,
        true,
    ),
    (
        "Installation: Industrial - Low",
        "IN7020",
        45_000.0,
        false,
        true,
    ),
    ("Installation: Portable", "IN7060", 5_000.0, false, false),
    ("SLA: Bronze", "SL9020", 20_000.0, true, true),
    ("SLA: Silver", "SL9030", 30_000.0, false, true),
    ("SLA: Gold", "SL9040", 40_000.0, true, true),
    ("SLA: Platinum", "SL9050", 50_000.0, false, true),
];

/// Name of the standard price book.
pub const STANDARD_PRICE_BOOK: &str = "Standard Price Book";

/// Seeds the product guide's example.
pub fn load_default(store: &mut Store) -> anyhow::Result<()> {
    let book = insert(
        store,
        o::PRICEBOOK2,
        json!({"Name": STANDARD_PRICE_BOOK, "IsActive": true}),
    )?;
    // IsStandard is read-only through the API; the platform sets it.
    store.set_field(o::PRICEBOOK2, &book, "IsStandard", Value::Bool(true));
    let demo_product = insert(
        store,
        o::PRODUCT2,
        json!({
            "Name": "SF-DemoProduct", "ProductCode": "SF01demo", "IsActive": true, f::INCLUDE_IN_SYNC: true,
        }),
    )?;
    let demo_entry = insert(
        store,
        o::PRICEBOOK_ENTRY,
        json!({
            "Pricebook2Id": book, "Product2Id": demo_product, "UnitPrice": 1000.0, "IsActive": true,
        }),
    )?;
    for (name, code, price, included, active) in GUIDE_PRODUCTS {
        let product = insert(
            store,
            o::PRODUCT2,
            json!({
                "Name": name, "ProductCode": code, "IsActive": active, f::INCLUDE_IN_SYNC: included,
            }),
        )?;
        insert(
            store,
            o::PRICEBOOK_ENTRY,
            json!({
                "Pricebook2Id": book, "Product2Id": product, "UnitPrice": price, "IsActive": true,
            }),
        )?;
    }
    let account = insert(store, o::ACCOUNT, json!({"Name": "SF-DemoAccount"}))?;
    insert(
        store,
        o::CONTACT,
        json!({
            "AccountId": account, "Salutation": "Ms.", "FirstName": "Demo", "LastName": "SF-TestUser",
            "Email": "SF-TestUser@mycompany.com",
        }),
    )?;
    let close = (store.clock().now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let opportunity = insert(
        store,
        o::OPPORTUNITY,
        json!({
            "AccountId": account, "Name": "SF-TestOpportunity", "StageName": "Prospecting",
            "CloseDate": close, "Pricebook2Id": book,
        }),
    )?;
    insert(
        store,
        o::OPPORTUNITY_LINE_ITEM,
        json!({
            "OpportunityId": opportunity, "PricebookEntryId": demo_entry, "Quantity": 10, "UnitPrice": 1000,
            f::START_DATE_OPTION: "Use First Activation Date",
            f::EXPIRATION_DATE_OPTION: "Specify Duration",
            f::EXPIRATION_TERM: 1, f::EXPIRATION_TERM_OPTION: "Months",
        }),
    )?;
    // The guide sets the stage to Closed Won once the line is added.
    let won = json!({"StageName": "Closed Won"});
    store
        .update(
            o::OPPORTUNITY,
            &opportunity,
            won.as_object().expect("literal object"),
        )
        .map_err(|e| anyhow::anyhow!("failed to close the demo opportunity: {}", e.to_json()))?;
    Ok(())
}
