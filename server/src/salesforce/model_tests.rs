use serde_json::json;

use super::*;

fn sales_order_json() -> Value {
    json!({
        "attributes": {"type": "Opportunity", "url": "/services/data/v59.0/sobjects/Opportunity/006A"},
        "Id": "006A", "Name": "SF-TestOpportunity", "StageName": "Closed Won",
        "FNO__Entitlement_ID__c": null,
        "FNO__SoldTo_Account__r": {"attributes": {"type": "Account"}, "Id": "001B", "Name": "End Customer"},
        "OpportunityLineItems": {"totalSize": 1, "done": true, "records": [{
            "attributes": {"type": "OpportunityLineItem"},
            "Id": "00kA", "Quantity": 10.0, "ProductCode": "SF01demo",
            "PricebookEntry": {"attributes": {"type": "PricebookEntry"}, "Product2": {
                "attributes": {"type": "Product2"}, "Id": "01tA", "Name": "SF-DemoProduct",
                "ProductCode": "SF01demo", "IsActive": true, "FNO__Include_In_Sync__c": true}}
        }]}
    })
}

#[test]
fn a_sales_order_reads_its_lines_products_and_sold_to_account() {
    let order = SalesOrder::from_json(&sales_order_json()).expect("valid order");

    assert_eq!(order.opportunity.object, "Opportunity");
    assert_eq!(order.opportunity.id, "006A");
    assert_eq!(order.opportunity.text("StageName"), Some("Closed Won"));
    assert_eq!(order.opportunity.text(f::ENTITLEMENT_ID), None);
    assert!(order.opportunity.get(LINE_ITEMS_RELATIONSHIP).is_none());
    assert_eq!(order.sold_to.as_ref().map(|a| a.id.as_str()), Some("001B"));
    let line = &order.line_items[0];
    assert_eq!(line.quantity(), Some(10.0));
    assert_eq!(line.product_code(), Some("SF01demo"));
    let product = line.product.as_ref().expect("product");
    assert!(product.is_active && product.include_in_sync);
    assert_eq!(product.name, "SF-DemoProduct");
}

#[test]
fn field_paths_ignore_case_and_stop_at_empty_lookups() {
    let record = SfRecord::from_json(&json!({
        "attributes": {"type": "Contact"}, "Id": "003A",
        "Email": "a@b.c", "Account": {"attributes": {"type": "Account"}, "Name": "Acme"},
        "ReportsTo": null, "HasOptedOutOfEmail": true
    }))
    .expect("valid record");

    assert_eq!(record.text("email"), Some("a@b.c"));
    assert_eq!(record.text("Account.Name"), Some("Acme"));
    assert_eq!(record.get("ReportsTo.Name"), None);
    assert!(record.flag("HasOptedOutOfEmail"));
    assert!(!record.flag("Missing"));
    assert!(record.fields["Account"].get("attributes").is_none());
}

#[test]
fn an_account_without_contacts_has_an_empty_list() {
    let account = AccountWithContacts::from_json(&json!({
        "attributes": {"type": "Account"}, "Id": "001A", "Name": "x", "Contacts": null
    }))
    .expect("valid account");

    assert!(account.contacts.is_empty());
    assert_eq!(account.account.text("Name"), Some("x"));
}

#[test]
fn a_record_without_id_is_a_decode_error() {
    let outcome = SfRecord::from_json(&json!({"attributes": {"type": "Account"}, "Name": "x"}));

    assert!(matches!(outcome, Err(SalesforceError::Decode { .. })));
}
