//! The echo of the write-back. Writing the IDs FNO assigned back to
//! Salesforce stamps those records as changed by the integration user; the
//! change query of the next run leaves such records out (see
//! [`super::changes`]), so a run without changes costs a handful of calls.
//! A person's edit that lands between a run's read and its write-back would
//! be hidden behind that stamp, so the orders written back are read again
//! after the write-back and compared, field by field of what the plan used,
//! with what the run read: an order that differs is synced again.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::pass::Pass;
use super::read::AccountRead;
use crate::salesforce::{fields, RecordUpdate, SalesOrder, SfRecord};

/// Fields the connector writes itself or Salesforce stamps on every write:
/// a change of them alone is no change of an order.
const NOT_PLAN_INPUTS: &[&str] = &[
    fields::ENTITLEMENT_ID,
    fields::ACTIVATION_ID,
    fields::REMAINING_QUANTITY,
    fields::ACCOUNT_ID,
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
];

/// The orders of a page as the run read them.
#[derive(Debug, Default)]
pub struct OrdersRead {
    /// Opportunity Id to its account and the digests of what the plan used,
    /// with and without the entitlement state.
    orders: HashMap<String, (String, String, String)>,
    /// Line item Id to its opportunity Id.
    lines: HashMap<String, String>,
    /// Opportunities whose entitlement state the write-back sets: that
    /// field of theirs changes by the run's own hand.
    state_written: HashSet<String>,
}

impl OrdersRead {
    /// Notes the orders of the read accounts.
    pub fn of<'a>(reads: impl IntoIterator<Item = &'a AccountRead>) -> Self {
        let mut read = Self::default();
        for order in reads.into_iter().flat_map(|r| &r.orders) {
            let account = order
                .opportunity
                .text("AccountId")
                .unwrap_or_default()
                .to_string();
            for line in &order.line_items {
                read.lines
                    .insert(line.record.id.clone(), order.opportunity.id.clone());
            }
            let digests = (digest(order), digest_without_state(order));
            read.orders.insert(
                order.opportunity.id.clone(),
                (account, digests.0, digests.1),
            );
        }
        read
    }

    /// The accounts of the orders (or lines) among `updates`, each once;
    /// notes the opportunities whose entitlement state they set.
    pub fn accounts_written_back(&mut self, updates: &[RecordUpdate]) -> Vec<String> {
        self.state_written.extend(
            updates
                .iter()
                .filter(|update| update.fields.get(fields::ENTITLEMENT_STATE).is_some())
                .map(|update| update.id.clone()),
        );
        let accounts: BTreeSet<&String> = updates
            .iter()
            .filter_map(|update| {
                let order = self.lines.get(&update.id).unwrap_or(&update.id);
                self.orders.get(order).map(|(account, ..)| account)
            })
            .collect();
        accounts.into_iter().cloned().collect()
    }

    /// Reads the sales orders of `accounts` again and returns the accounts
    /// with an order that differs from what the run read.
    pub async fn changed_since(
        &self,
        pass: &Pass<'_>,
        accounts: &[String],
    ) -> Result<Vec<String>, String> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let extra = pass.mappings.extra_fields();
        let orders = pass
            .sf
            .read_sales_orders(accounts, &pass.filters.pre_condition_stages, &extra)
            .await
            .map_err(|error| {
                format!("cannot read back the sales orders written to Salesforce: {error}")
            })?;
        let changed: BTreeSet<String> = orders
            .iter()
            .filter_map(|order| {
                let id = &order.opportunity.id;
                let (account, seen, seen_without_state) = self.orders.get(id)?;
                let changed = if self.state_written.contains(id) {
                    *seen_without_state != digest_without_state(order)
                } else {
                    *seen != digest(order)
                };
                changed.then(|| account.clone())
            })
            .collect();
        Ok(changed.into_iter().collect())
    }
}

/// Digest of an order's fields the plan uses, leaving out [`NOT_PLAN_INPUTS`].
pub fn digest(order: &SalesOrder) -> String {
    let records =
        std::iter::once(&order.opportunity).chain(order.line_items.iter().map(|l| &l.record));
    digest_of(records)
}

/// [`digest`], leaving out the entitlement state too (the write-back sets it).
fn digest_without_state(order: &SalesOrder) -> String {
    let mut opportunity = order.opportunity.clone();
    opportunity.fields.remove(fields::ENTITLEMENT_STATE);
    let records = std::iter::once(&opportunity).chain(order.line_items.iter().map(|l| &l.record));
    digest_of(records)
}

/// Digest of one record's fields, leaving out [`NOT_PLAN_INPUTS`]: the same
/// for two reads of the same fields of one version.
pub fn record_digest(record: &SfRecord) -> String {
    digest_of(std::iter::once(record))
}

fn digest_of<'r>(records: impl Iterator<Item = &'r SfRecord>) -> String {
    let mut hash = Sha256::new();
    for record in records {
        hash.update(plan_inputs(&Value::Object(record.fields.clone())).to_string());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

fn plan_inputs(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| {
                    !NOT_PLAN_INPUTS
                        .iter()
                        .any(|name| name.eq_ignore_ascii_case(key))
                })
                .map(|(key, value)| (key.clone(), plan_inputs(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(quantity: f64, activation: &str) -> SalesOrder {
        SalesOrder::from_json(&json!({
            "attributes": {"type": "Opportunity"},
            "Id": "006A", "AccountId": "001A", "Name": "Deal",
            "LastModifiedDate": "2026-12-01T10:00:00.000+0000",
            fields::ENTITLEMENT_ID: activation,
            "OpportunityLineItems": {"totalSize": 1, "done": true, "records": [{
                "attributes": {"type": "OpportunityLineItem"},
                "Id": "00kA", "Quantity": quantity, fields::ACTIVATION_ID: activation,
                "SystemModstamp": activation,
            }]}
        }))
        .expect("order")
    }

    #[test]
    fn the_written_back_fields_are_no_change_but_a_quantity_is() {
        assert_eq!(digest(&order(2.0, "")), digest(&order(2.0, "ACT-1")));
        assert_ne!(digest(&order(2.0, "")), digest(&order(5.0, "")));
    }

    #[test]
    fn a_written_back_line_names_the_account_of_its_order() {
        let read = AccountRead {
            orders: vec![order(2.0, "")],
            ..AccountRead::default()
        };
        let mut orders = OrdersRead::of([&read]);
        let update = |object: &str, id: &str| RecordUpdate {
            object: object.into(),
            id: id.into(),
            fields: json!({}),
        };

        assert_eq!(
            orders.accounts_written_back(&[update("OpportunityLineItem", "00kA")]),
            ["001A"]
        );
        assert!(orders
            .accounts_written_back(&[update("Account", "001A")])
            .is_empty());
    }
}
