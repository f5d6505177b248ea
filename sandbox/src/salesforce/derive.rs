//! Fields the platform computes: Contact.Name, Opportunity.IsClosed/IsWon/
//! Probability from the stage, price book entry and line item values taken
//! from the product and price, and the Opportunity roll-ups of its lines
//! (Amount, HasOpportunityLineItem), which also stamp the opportunity.

use std::collections::HashSet;

use serde_json::{Number, Value};

use super::errors::{ApiError, ApiResult};
use super::fields::objects as o;
use super::objects::stage;
use super::schema::ObjectDef;
use super::store::{id_of, is_deleted, number, text, Record, Store};

/// Applies the object's rules to a record about to be written.
pub fn before_write(
    store: &Store,
    def: &ObjectDef,
    record: &mut Record,
    previous: Option<&Record>,
    given: &HashSet<&str>,
) -> ApiResult<()> {
    match def.name {
        o::CONTACT => contact_name(record),
        o::OPPORTUNITY => opportunity_stage(record, previous, given),
        o::PRICEBOOK_ENTRY if previous.is_none() => pricebook_entry(store, record)?,
        o::OPPORTUNITY_LINE_ITEM => line_item(store, record, previous, given)?,
        _ => {}
    }
    Ok(())
}

/// Propagates a write to records that depend on it.
pub fn after_write(store: &mut Store, def: &ObjectDef, id: &str) {
    match def.name {
        o::OPPORTUNITY_LINE_ITEM => {
            let opportunity = store
                .get(def.name, id)
                .and_then(|r| text(r, "OpportunityId"))
                .map(str::to_string);
            if let Some(opportunity) = opportunity {
                roll_up_opportunity(store, &opportunity);
            }
        }
        o::PRODUCT2 => copy_product_fields(store, id),
        _ => {}
    }
}

fn contact_name(record: &mut Record) {
    let first = text(record, "FirstName").unwrap_or_default();
    let last = text(record, "LastName").unwrap_or_default();
    let name = format!("{first} {last}").trim().to_string();
    record.insert("Name".into(), Value::String(name));
}

fn opportunity_stage(record: &mut Record, previous: Option<&Record>, given: &HashSet<&str>) {
    let Some((probability, closed, won)) = text(record, "StageName").and_then(stage) else {
        return;
    };
    record.insert("IsClosed".into(), Value::Bool(closed));
    record.insert("IsWon".into(), Value::Bool(won));
    let stage_changed = previous.is_none_or(|p| p.get("StageName") != record.get("StageName"));
    if stage_changed && !given.contains("Probability") {
        record.insert("Probability".into(), Value::from(f64::from(probability)));
    }
}

fn pricebook_entry(store: &Store, record: &mut Record) -> ApiResult<()> {
    let product_id = text(record, "Product2Id").unwrap_or_default().to_string();
    let pricebook_id = text(record, "Pricebook2Id").unwrap_or_default().to_string();
    let product = store
        .get(o::PRODUCT2, &product_id)
        .cloned()
        .unwrap_or_default();
    let is_standard = store
        .get(o::PRICEBOOK2, &pricebook_id)
        .and_then(|p| p.get("IsStandard"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let entries: Vec<&Record> = store
        .table(o::PRICEBOOK_ENTRY)
        .filter(|e| !is_deleted(e) && text(e, "Product2Id") == Some(product_id.as_str()))
        .collect();
    if entries
        .iter()
        .any(|e| text(e, "Pricebook2Id") == Some(pricebook_id.as_str()))
    {
        return Err(ApiError::bad_request(
            "DUPLICATE_VALUE",
            "This price definition already exists in this price book",
        ));
    }
    let has_standard = entries.iter().any(|e| {
        text(e, "Pricebook2Id")
            .and_then(|p| store.get(o::PRICEBOOK2, p))
            .and_then(|p| p.get("IsStandard"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    });
    if !is_standard && !has_standard {
        return Err(ApiError::bad_request(
            "STANDARD_PRICE_NOT_DEFINED",
            "No standard price defined for this product",
        ));
    }
    record.insert(
        "Name".into(),
        product.get("Name").cloned().unwrap_or(Value::Null),
    );
    record.insert(
        "ProductCode".into(),
        product.get("ProductCode").cloned().unwrap_or(Value::Null),
    );
    Ok(())
}

fn line_item(
    store: &Store,
    record: &mut Record,
    previous: Option<&Record>,
    given: &HashSet<&str>,
) -> ApiResult<()> {
    if given.contains("UnitPrice") && given.contains("TotalPrice") {
        return Err(ApiError::on_fields(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: TotalPrice (can not specify both unit price and total price)",
            &["TotalPrice"],
        ));
    }
    if previous.is_none() {
        line_item_from_entry(store, record)?;
    }
    let quantity = number(record, "Quantity").unwrap_or(0.0);
    let discount = number(record, "Discount").unwrap_or(0.0);
    if given.contains("TotalPrice") && quantity != 0.0 {
        let total = number(record, "TotalPrice").unwrap_or(0.0);
        record.insert(
            "UnitPrice".into(),
            money(total / quantity / (1.0 - discount / 100.0)),
        );
    } else {
        let unit = number(record, "UnitPrice").unwrap_or(0.0);
        record.insert(
            "TotalPrice".into(),
            money(unit * quantity * (1.0 - discount / 100.0)),
        );
    }
    Ok(())
}

fn line_item_from_entry(store: &Store, record: &mut Record) -> ApiResult<()> {
    let entry_id = text(record, "PricebookEntryId").unwrap_or_default();
    let entry = store
        .get(o::PRICEBOOK_ENTRY, entry_id)
        .cloned()
        .unwrap_or_default();
    let opportunity_id = text(record, "OpportunityId").unwrap_or_default();
    let opportunity = store
        .get(o::OPPORTUNITY, opportunity_id)
        .cloned()
        .unwrap_or_default();
    let book = text(&opportunity, "Pricebook2Id");
    if book.is_some() && book != text(&entry, "Pricebook2Id") {
        return Err(ApiError::on_fields(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)",
            &["PricebookEntryId"],
        ));
    }
    for (target, source) in [
        ("Product2Id", "Product2Id"),
        ("ProductCode", "ProductCode"),
        ("ListPrice", "UnitPrice"),
    ] {
        record.insert(
            target.into(),
            entry.get(source).cloned().unwrap_or(Value::Null),
        );
    }
    let name = format!(
        "{} {}",
        text(&opportunity, "Name").unwrap_or_default(),
        text(&entry, "Name").unwrap_or_default()
    );
    record.insert("Name".into(), Value::String(name));
    let no_price = record.get("UnitPrice").is_none_or(Value::is_null)
        && record.get("TotalPrice").is_none_or(Value::is_null);
    if no_price {
        record.insert(
            "UnitPrice".into(),
            entry.get("UnitPrice").cloned().unwrap_or(Value::Null),
        );
    }
    Ok(())
}

fn money(amount: f64) -> Value {
    let rounded = (amount * 100.0).round() / 100.0;
    Number::from_f64(rounded)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Recomputes Amount, HasOpportunityLineItem and the price book of an
/// opportunity from its live lines; stamps it only when something changed,
/// as a roll-up does.
fn roll_up_opportunity(store: &mut Store, opportunity_id: &str) {
    let lines: Vec<&Record> =
        match store.children(o::OPPORTUNITY_LINE_ITEM, "OpportunityId", opportunity_id) {
            Some(lines) => lines.filter(|l| !is_deleted(l)).collect(),
            None => store
                .table(o::OPPORTUNITY_LINE_ITEM)
                .filter(|l| !is_deleted(l) && text(l, "OpportunityId") == Some(opportunity_id))
                .collect(),
        };
    let total: f64 = lines.iter().filter_map(|l| number(l, "TotalPrice")).sum();
    let book = lines
        .first()
        .and_then(|l| text(l, "PricebookEntryId"))
        .and_then(|e| store.get(o::PRICEBOOK_ENTRY, e))
        .and_then(|e| e.get("Pricebook2Id").cloned());
    let has_lines = !lines.is_empty();
    let Some(opportunity) = store.get(o::OPPORTUNITY, opportunity_id) else {
        return;
    };
    let mut updated = opportunity.clone();
    updated.insert("HasOpportunityLineItem".into(), Value::Bool(has_lines));
    if has_lines {
        updated.insert("Amount".into(), money(total));
    }
    if updated.get("Pricebook2Id").is_none_or(Value::is_null) {
        if let Some(book) = book {
            updated.insert("Pricebook2Id".into(), book);
        }
    }
    if &updated != opportunity {
        store.stamp(&mut updated);
        store.put(o::OPPORTUNITY, opportunity_id.to_string(), updated);
    }
}

/// Copies a product's Name and ProductCode onto its price book entries and
/// line items (formula-like fields: their modstamps do not move).
fn copy_product_fields(store: &mut Store, product_id: &str) {
    let Some(product) = store.get(o::PRODUCT2, product_id).cloned() else {
        return;
    };
    for object in [o::PRICEBOOK_ENTRY, o::OPPORTUNITY_LINE_ITEM] {
        let stale: Vec<Record> = store
            .table(object)
            .filter(|r| text(r, "Product2Id") == Some(product_id))
            .filter(|r| {
                r.get("ProductCode") != product.get("ProductCode")
                    || (object == o::PRICEBOOK_ENTRY && r.get("Name") != product.get("Name"))
            })
            .cloned()
            .collect();
        for mut record in stale {
            record.insert(
                "ProductCode".into(),
                product.get("ProductCode").cloned().unwrap_or(Value::Null),
            );
            if object == o::PRICEBOOK_ENTRY {
                record.insert(
                    "Name".into(),
                    product.get("Name").cloned().unwrap_or(Value::Null),
                );
            }
            let id = id_of(&record).to_string();
            store.put(object, id, record);
        }
    }
}
