//! Records as the sync engine sees them: `SfRecord` keeps every field a
//! query returned (mappings may name any of them) with typed accessors,
//! and the one-time sync's shapes (account with contacts, sales order with
//! line items, product) are built from query results.

use serde_json::{Map, Value};

use super::error::SalesforceError;
use super::fields as f;
use super::query::child_records;

/// Relationship of an opportunity's line items.
pub const LINE_ITEMS_RELATIONSHIP: &str = "OpportunityLineItems";
/// Relationship of an account's contacts.
pub const CONTACTS_RELATIONSHIP: &str = "Contacts";
/// Path of a line item's product through its price book entry.
pub const LINE_ITEM_PRODUCT_PATH: &str = "PricebookEntry.Product2";
const DECODE: &str = "query";

/// One record: object, id and fields (parents as nested objects, without
/// `attributes` and without child results).
#[derive(Clone, Debug, PartialEq)]
pub struct SfRecord {
    /// Object API name from `attributes.type`.
    pub object: String,
    /// Record id.
    pub id: String,
    /// Fields by API name.
    pub fields: Map<String, Value>,
}

/// Parses a Salesforce datetime (`2024-01-31T23:01:01.000+0000`, or RFC 3339).
pub fn parse_stamp(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|at| at.with_timezone(&chrono::Utc))
}

impl SfRecord {
    /// Reads a record of a query answer.
    pub fn from_json(value: &Value) -> Result<Self, SalesforceError> {
        let map = value
            .as_object()
            .ok_or_else(|| SalesforceError::decode(DECODE, "a record is not an object"))?;
        let object = map
            .get("attributes")
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let id = map
            .get("Id")
            .and_then(Value::as_str)
            .ok_or_else(|| SalesforceError::decode(DECODE, format!("a {object} record has no Id")))?
            .to_string();
        let fields = map
            .iter()
            .filter(|(name, value)| *name != "attributes" && !is_child_result(value))
            .map(|(name, value)| (name.clone(), strip_attributes(value)))
            .collect();
        Ok(Self { object, id, fields })
    }

    /// Returns the value at a field path (`Name`, `Account.Name`), ignoring
    /// case as Salesforce does; `None` when absent or through an empty lookup.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut segments = path.split('.');
        let mut current = lookup(&self.fields, segments.next()?)?;
        for segment in segments {
            current = lookup(current.as_object()?, segment)?;
        }
        Some(current)
    }

    /// Returns a non-empty text value.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Returns a number value.
    pub fn number(&self, path: &str) -> Option<f64> {
        self.get(path).and_then(Value::as_f64)
    }

    /// Returns a checkbox value; absent or null reads as false.
    pub fn flag(&self, path: &str) -> bool {
        self.get(path).and_then(Value::as_bool).unwrap_or(false)
    }

    /// Returns a parent reached through a relationship as its own record.
    pub fn parent(&self, relationship: &str) -> Option<SfRecord> {
        let parent = self.get(relationship)?.as_object()?;
        let id = lookup(parent, "Id")?.as_str()?.to_string();
        Some(Self {
            object: String::new(),
            id,
            fields: parent.clone(),
        })
    }
}

fn lookup<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let value = map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })?;
    (!value.is_null()).then_some(value)
}

fn is_child_result(value: &Value) -> bool {
    value.get("records").is_some_and(Value::is_array) && value.get("totalSize").is_some()
}

fn strip_attributes(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(name, _)| *name != "attributes")
                .map(|(name, v)| (name.clone(), strip_attributes(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn children(record: &Value, relationship: &str) -> Result<Vec<SfRecord>, SalesforceError> {
    child_records(record, relationship)
        .iter()
        .map(SfRecord::from_json)
        .collect()
}

/// An account with its contacts (one query).
#[derive(Clone, Debug, PartialEq)]
pub struct AccountWithContacts {
    /// The account.
    pub account: SfRecord,
    /// Its contacts.
    pub contacts: Vec<SfRecord>,
}

impl AccountWithContacts {
    /// Builds it from an account record with a `Contacts` child result.
    pub fn from_json(value: &Value) -> Result<Self, SalesforceError> {
        Ok(Self {
            account: SfRecord::from_json(value)?,
            contacts: children(value, CONTACTS_RELATIONSHIP)?,
        })
    }
}

/// A product's readiness fields in Salesforce (spec §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Product2 id.
    pub id: String,
    /// Product name.
    pub name: String,
    /// Product Code (compared with the FNO part number exactly).
    pub product_code: Option<String>,
    /// `IsActive`.
    pub is_active: bool,
    /// The connector's "Include in FlexNet Operations Sync" checkbox.
    pub include_in_sync: bool,
}

impl Product {
    /// Builds it from a Product2 record (or a nested Product2 parent).
    pub fn from_record(record: &SfRecord) -> Self {
        Self {
            id: record.id.clone(),
            name: record.text("Name").unwrap_or_default().to_string(),
            // The code is compared verbatim, so no trimming here.
            product_code: record
                .get("ProductCode")
                .and_then(Value::as_str)
                .map(str::to_string),
            is_active: record.flag("IsActive"),
            include_in_sync: record.flag(f::INCLUDE_IN_SYNC),
        }
    }
}

/// One opportunity line item with its product.
#[derive(Clone, Debug, PartialEq)]
pub struct LineItem {
    /// The line item.
    pub record: SfRecord,
    /// Its product, read through the price book entry.
    pub product: Option<Product>,
}

impl LineItem {
    /// Returns the product code: the product's, else the line's own copy.
    pub fn product_code(&self) -> Option<&str> {
        self.product
            .as_ref()
            .and_then(|p| p.product_code.as_deref())
            .or_else(|| self.record.get("ProductCode").and_then(Value::as_str))
    }

    /// Returns the quantity.
    pub fn quantity(&self) -> Option<f64> {
        self.record.number("Quantity")
    }
}

/// An opportunity with its line items: a sales order when it has any.
#[derive(Clone, Debug, PartialEq)]
pub struct SalesOrder {
    /// The opportunity.
    pub opportunity: SfRecord,
    /// The sold-to account (partner scenario), from the lookup.
    pub sold_to: Option<SfRecord>,
    /// Its line items.
    pub line_items: Vec<LineItem>,
}

impl SalesOrder {
    /// Builds it from an opportunity record with an `OpportunityLineItems` child result.
    pub fn from_json(value: &Value) -> Result<Self, SalesforceError> {
        let opportunity = SfRecord::from_json(value)?;
        let sold_to = opportunity.parent(f::SOLD_TO_ACCOUNT_RELATIONSHIP);
        let line_items = children(value, LINE_ITEMS_RELATIONSHIP)?
            .into_iter()
            .map(|record| {
                let product = record
                    .parent(LINE_ITEM_PRODUCT_PATH)
                    .map(|p| Product::from_record(&p));
                LineItem { record, product }
            })
            .collect();
        Ok(Self {
            opportunity,
            sold_to,
            line_items,
        })
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
