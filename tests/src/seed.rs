//! Fixtures seeded in the Salesforce sandbox: accounts with contacts and
//! Closed Won opportunities with their line items.

use fnosync_sandbox::salesforce::SalesforceSandbox;

/// A line item to seed: product code, quantity and the connector's date fields.
pub struct LineSpec {
    /// Product Code of an existing Product2.
    pub product_code: &'static str,
    /// Quantity.
    pub quantity: f64,
    /// Extra fields of the line (start and expiration options…).
    pub fields: serde_json::Value,
}

impl LineSpec {
    /// A line that starts at first activation and never expires.
    pub fn permanent(product_code: &'static str, quantity: f64) -> Self {
        Self {
            product_code,
            quantity,
            fields: serde_json::json!({
                "FNO__Start_Date_Option__c": "Use First Activation Date",
                "FNO__Expiration_Date_Option__c": "Permanent",
            }),
        }
    }
}

/// Seeds, in the Salesforce sandbox, an account with contacts (first, last,
/// e-mail) and one Closed Won opportunity with the given lines. Returns the
/// account Id, the opportunity Id and the line Ids.
pub fn seed_sales_order(
    salesforce: &SalesforceSandbox,
    account: serde_json::Value,
    contacts: &[serde_json::Value],
    opportunity: serde_json::Value,
    lines: &[LineSpec],
) -> (String, String, Vec<String>) {
    use serde_json::{json, Value};
    let merge = |mut base: Value, extra: Value| {
        if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        base
    };
    let account_id = salesforce.insert("Account", account).expect("account");
    for contact in contacts {
        salesforce
            .insert(
                "Contact",
                merge(json!({ "AccountId": account_id }), contact.clone()),
            )
            .expect("contact");
    }
    let book =
        salesforce.find("Pricebook2", "Name", &json!("Standard Price Book"))[0]["Id"].clone();
    let opportunity_fields = merge(
        json!({
            "AccountId": account_id,
            "Name": "Seeded Opportunity",
            "StageName": "Prospecting",
            "CloseDate": "2026-12-31",
            "Pricebook2Id": book,
        }),
        opportunity,
    );
    let opportunity_id = salesforce
        .insert("Opportunity", opportunity_fields)
        .expect("opportunity");
    let mut line_ids = Vec::new();
    for line in lines {
        // Salesforce compares text case-insensitively; the seed wants this exact code.
        let product = salesforce.find("Product2", "ProductCode", &json!(line.product_code));
        let product_id = product
            .iter()
            .find(|p| p["ProductCode"] == json!(line.product_code))
            .unwrap_or_else(|| panic!("no product {}", line.product_code))["Id"]
            .clone();
        let entry = salesforce.find("PricebookEntry", "Product2Id", &product_id)[0]["Id"].clone();
        let fields = merge(
            json!({
                "OpportunityId": opportunity_id,
                "PricebookEntryId": entry,
                "Quantity": line.quantity,
                "UnitPrice": 100,
            }),
            line.fields.clone(),
        );
        line_ids.push(
            salesforce
                .insert("OpportunityLineItem", fields)
                .expect("line"),
        );
    }
    salesforce
        .update(
            "Opportunity",
            &opportunity_id,
            json!({ "StageName": "Closed Won" }),
        )
        .expect("close the deal");
    (account_id, opportunity_id, line_ids)
}

/// Adds another Closed Won opportunity with `lines` to an existing account.
pub fn add_opportunity(
    salesforce: &SalesforceSandbox,
    account_id: &str,
    lines: &[LineSpec],
) -> String {
    use serde_json::json;
    let book =
        salesforce.find("Pricebook2", "Name", &json!("Standard Price Book"))[0]["Id"].clone();
    let opportunity = salesforce
        .insert(
            "Opportunity",
            json!({
                "AccountId": account_id, "Name": "Another Opportunity", "StageName": "Prospecting",
                "CloseDate": "2026-12-31", "Pricebook2Id": book,
            }),
        )
        .expect("opportunity");
    for line in lines {
        let product = salesforce.find("Product2", "ProductCode", &json!(line.product_code));
        let product_id = product
            .iter()
            .find(|p| p["ProductCode"] == json!(line.product_code))
            .expect("product")["Id"]
            .clone();
        let entry = salesforce.find("PricebookEntry", "Product2Id", &product_id)[0]["Id"].clone();
        let mut fields = json!({
            "OpportunityId": opportunity, "PricebookEntryId": entry, "Quantity": line.quantity, "UnitPrice": 100,
        });
        if let (Some(fields), Some(extra)) = (fields.as_object_mut(), line.fields.as_object()) {
            fields.extend(extra.clone());
        }
        salesforce
            .insert("OpportunityLineItem", fields)
            .expect("line");
    }
    salesforce
        .update(
            "Opportunity",
            &opportunity,
            json!({ "StageName": "Closed Won" }),
        )
        .expect("close");
    opportunity
}
