//! Definitions of the seven objects the sandbox holds: their standard
//! fields, the connector's custom fields and the relationships between them.

use serde_json::Value;

use super::fields::{self as f, objects as o};
use super::schema::{ChildRelationship, FieldDef, FieldType as T, ObjectDef, Schema};

/// Opportunity stages: name, default probability, IsClosed, IsWon
/// (the default OpportunityStage setup of a new org).
pub const STAGES: &[(&str, u32, bool, bool)] = &[
    ("Prospecting", 10, false, false),
    ("Qualification", 10, false, false),
    ("Needs Analysis", 20, false, false),
    ("Value Proposition", 50, false, false),
    ("Id. Decision Makers", 60, false, false),
    ("Perception Analysis", 70, false, false),
    ("Proposal/Price Quote", 75, false, false),
    ("Negotiation/Review", 90, false, false),
    ("Closed Won", 100, true, true),
    ("Closed Lost", 0, true, false),
];

const STAGE_NAMES: &[&str] = &[
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

const ACCOUNT_TYPES: &[&str] = &[
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
];
const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Banking",
    "Education",
    "Electronics",
    "Energy",
    "Manufacturing",
    "Technology",
    "Other",
];
const SALUTATIONS: &[&str] = &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."];
const PRODUCT_FAMILIES: &[&str] = &["None", "Hardware", "Software", "Services"];
const OPPORTUNITY_TYPES: &[&str] = &[
    "Existing Customer - Upgrade",
    "Existing Customer - Replacement",
    "Existing Customer - Downgrade",
    "New Customer",
];

/// Fields every object has: id, audit fields and the deleted flag.
fn system_fields(with_owner: bool) -> Vec<FieldDef> {
    let mut fields = vec![
        FieldDef::new("Id", "Record ID", T::Id).read_only(),
        FieldDef::new("IsDeleted", "Deleted", T::Boolean).read_only(),
        FieldDef::new("CreatedDate", "Created Date", T::DateTime).read_only(),
        FieldDef::new("CreatedById", "Created By ID", T::Reference)
            .read_only()
            .lookup("User", "CreatedBy"),
        FieldDef::new("LastModifiedDate", "Last Modified Date", T::DateTime).read_only(),
        FieldDef::new("LastModifiedById", "Last Modified By ID", T::Reference)
            .read_only()
            .lookup("User", "LastModifiedBy"),
        FieldDef::new("SystemModstamp", "System Modstamp", T::DateTime).read_only(),
    ];
    if with_owner {
        fields.push(
            FieldDef::new("OwnerId", "Owner ID", T::Reference)
                .lookup("User", "Owner")
                .default(Value::Null),
        );
    }
    fields
}

fn address(prefix: &'static [&'static str; 5]) -> Vec<FieldDef> {
    let labels = [
        "Street",
        "City",
        "State/Province",
        "Zip/Postal Code",
        "Country",
    ];
    prefix
        .iter()
        .zip(labels)
        .map(|(name, label)| {
            let kind = if label == "Street" {
                T::TextArea
            } else {
                T::String
            };
            FieldDef::new(name, label, kind)
        })
        .collect()
}

fn account() -> ObjectDef {
    let mut fields = system_fields(true);
    fields.extend([
        FieldDef::new("Name", "Account Name", T::String).required(),
        FieldDef::new("AccountNumber", "Account Number", T::String),
        FieldDef::new("Type", "Account Type", T::Picklist).picklist(ACCOUNT_TYPES, false),
        FieldDef::new("Industry", "Industry", T::Picklist).picklist(INDUSTRIES, false),
        FieldDef::new("ParentId", "Parent Account ID", T::Reference).lookup(o::ACCOUNT, "Parent"),
        FieldDef::new("Phone", "Account Phone", T::Phone),
        FieldDef::new("Website", "Website", T::Url),
        FieldDef::new("Description", "Account Description", T::TextArea),
    ]);
    fields.extend(address(&[
        "BillingStreet",
        "BillingCity",
        "BillingState",
        "BillingPostalCode",
        "BillingCountry",
    ]));
    fields.extend(address(&[
        "ShippingStreet",
        "ShippingCity",
        "ShippingState",
        "ShippingPostalCode",
        "ShippingCountry",
    ]));
    fields.extend([
        FieldDef::new(f::ACCOUNT_TYPE, "Account Type", T::Picklist)
            .picklist(f::ACCOUNT_TYPE_VALUES, true),
        FieldDef::new(f::ACCOUNT_ID, "Account ID", T::String).external_id(),
    ]);
    ObjectDef::new(o::ACCOUNT, "Account", "Accounts", "001", fields)
}

fn contact() -> ObjectDef {
    let mut fields = system_fields(true);
    fields.extend([
        FieldDef::new("AccountId", "Account ID", T::Reference).lookup(o::ACCOUNT, "Account"),
        FieldDef::new("Salutation", "Salutation", T::Picklist).picklist(SALUTATIONS, false),
        FieldDef::new("FirstName", "First Name", T::String),
        FieldDef::new("LastName", "Last Name", T::String).required(),
        FieldDef::new("Name", "Full Name", T::String).read_only(),
        FieldDef::new("Title", "Title", T::String),
        FieldDef::new("Email", "Email", T::Email),
        FieldDef::new("Phone", "Business Phone", T::Phone),
        FieldDef::new("Fax", "Business Fax", T::Phone),
        FieldDef::new("MobilePhone", "Mobile Phone", T::Phone),
        FieldDef::new("HasOptedOutOfEmail", "Email Opt Out", T::Boolean),
        FieldDef::new("Description", "Contact Description", T::TextArea),
    ]);
    fields.extend(address(&[
        "MailingStreet",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingCountry",
    ]));
    ObjectDef::new(o::CONTACT, "Contact", "Contacts", "003", fields)
}

fn opportunity() -> ObjectDef {
    let mut fields = system_fields(true);
    fields.extend([
        FieldDef::new("AccountId", "Account ID", T::Reference).lookup(o::ACCOUNT, "Account"),
        FieldDef::new("Name", "Name", T::String).required(),
        FieldDef::new("Description", "Description", T::TextArea),
        FieldDef::new("StageName", "Stage", T::Picklist)
            .required()
            .picklist(STAGE_NAMES, true),
        FieldDef::new("Amount", "Amount", T::Currency),
        FieldDef::new("Probability", "Probability (%)", T::Percent),
        FieldDef::new("CloseDate", "Close Date", T::Date).required(),
        FieldDef::new("Type", "Opportunity Type", T::Picklist).picklist(OPPORTUNITY_TYPES, false),
        FieldDef::new("IsClosed", "Closed", T::Boolean).read_only(),
        FieldDef::new("IsWon", "Won", T::Boolean).read_only(),
        FieldDef::new("Pricebook2Id", "Price Book ID", T::Reference)
            .lookup(o::PRICEBOOK2, "Pricebook2"),
        FieldDef::new("HasOpportunityLineItem", "Has Line Item", T::Boolean).read_only(),
        FieldDef::new(f::ENTITLEMENT_STATE, "Entitlement State", T::Picklist)
            .picklist(f::ENTITLEMENT_STATE_VALUES, true),
        FieldDef::new(f::ENTITLEMENT_ID, "Entitlement ID", T::String).external_id(),
        FieldDef::new(f::SOLD_TO_ACCOUNT, "SoldTo Account", T::Reference)
            .lookup(o::ACCOUNT, f::SOLD_TO_ACCOUNT_RELATIONSHIP),
        FieldDef::new(f::SHIP_TO_EMAIL, "Ship-to Email", T::Email),
        FieldDef::new(f::SHIP_TO_MAIL, "Ship-to mail", T::TextArea),
        FieldDef::new(f::RENEWED_OPPORTUNITY, "Renewed Opportunity", T::Reference)
            .lookup(o::OPPORTUNITY, f::RENEWED_OPPORTUNITY_RELATIONSHIP),
    ]);
    ObjectDef::new(
        o::OPPORTUNITY,
        "Opportunity",
        "Opportunities",
        "006",
        fields,
    )
}

fn product2() -> ObjectDef {
    let mut fields = system_fields(false);
    fields.extend([
        FieldDef::new("Name", "Product Name", T::String).required(),
        FieldDef::new("ProductCode", "Product Code", T::String),
        FieldDef::new("Description", "Product Description", T::TextArea),
        FieldDef::new("IsActive", "Active", T::Boolean),
        FieldDef::new("Family", "Product Family", T::Picklist).picklist(PRODUCT_FAMILIES, false),
        FieldDef::new("ExternalId", "External ID", T::String).external_id(),
        FieldDef::new(
            f::INCLUDE_IN_SYNC,
            "Include in FlexNet Operations Sync",
            T::Boolean,
        ),
    ]);
    ObjectDef::new(o::PRODUCT2, "Product", "Products", "01t", fields)
}

fn pricebook2() -> ObjectDef {
    let mut fields = system_fields(false);
    fields.extend([
        FieldDef::new("Name", "Price Book Name", T::String).required(),
        FieldDef::new("IsActive", "Active", T::Boolean),
        FieldDef::new("IsStandard", "Is Standard Price Book", T::Boolean).read_only(),
        FieldDef::new("Description", "Description", T::TextArea),
    ]);
    ObjectDef::new(o::PRICEBOOK2, "Price Book", "Price Books", "01s", fields)
}

fn pricebook_entry() -> ObjectDef {
    let mut fields = system_fields(false);
    fields.extend([
        FieldDef::new("Name", "Product Name", T::String).read_only(),
        FieldDef::new("Pricebook2Id", "Price Book ID", T::Reference)
            .required()
            .create_only()
            .lookup(o::PRICEBOOK2, "Pricebook2"),
        FieldDef::new("Product2Id", "Product ID", T::Reference)
            .required()
            .create_only()
            .lookup(o::PRODUCT2, "Product2"),
        FieldDef::new("ProductCode", "Product Code", T::String).read_only(),
        FieldDef::new("UnitPrice", "List Price", T::Currency).required(),
        FieldDef::new("IsActive", "Active", T::Boolean),
        FieldDef::new("UseStandardPrice", "Use Standard Price", T::Boolean),
    ]);
    ObjectDef::new(
        o::PRICEBOOK_ENTRY,
        "Price Book Entry",
        "Price Book Entries",
        "01u",
        fields,
    )
}

fn opportunity_line_item() -> ObjectDef {
    let mut fields = system_fields(false);
    fields.extend([
        FieldDef::new("OpportunityId", "Opportunity ID", T::Reference)
            .required()
            .create_only()
            .lookup(o::OPPORTUNITY, "Opportunity"),
        FieldDef::new("SortOrder", "Sort Order", T::Int),
        FieldDef::new("PricebookEntryId", "Price Book Entry ID", T::Reference)
            .required()
            .create_only()
            .lookup(o::PRICEBOOK_ENTRY, "PricebookEntry"),
        // Follows the price book entry; writable on create in recent API
        // versions, kept read-only here (see docs/sandbox-salesforce.md).
        FieldDef::new("Product2Id", "Product ID", T::Reference)
            .read_only()
            .lookup(o::PRODUCT2, "Product2"),
        FieldDef::new("ProductCode", "Product Code", T::String).read_only(),
        FieldDef::new("Name", "Opportunity Product Name", T::String).read_only(),
        FieldDef::new("Quantity", "Quantity", T::Double).required(),
        FieldDef::new("TotalPrice", "Total Price", T::Currency),
        FieldDef::new("UnitPrice", "Sales Price", T::Currency),
        FieldDef::new("ListPrice", "List Price", T::Currency).read_only(),
        FieldDef::new("Discount", "Discount", T::Percent),
        FieldDef::new("ServiceDate", "Date", T::Date),
        FieldDef::new("Description", "Line Description", T::String),
        FieldDef::new(f::START_DATE_OPTION, "Start Date Option", T::Picklist)
            .picklist(f::START_DATE_OPTION_VALUES, true),
        FieldDef::new(f::START_DATE, "Start Date", T::Date),
        FieldDef::new(
            f::EXPIRATION_DATE_OPTION,
            "Expiration Date Option",
            T::Picklist,
        )
        .picklist(f::EXPIRATION_DATE_OPTION_VALUES, true),
        FieldDef::new(f::EXPIRATION_DATE, "Expiration Date", T::Date),
        FieldDef::new(f::EXPIRATION_TERM, "Expiration Term", T::Double),
        FieldDef::new(
            f::EXPIRATION_TERM_OPTION,
            "Expiration Term Option",
            T::Picklist,
        )
        .picklist(f::EXPIRATION_TERM_OPTION_VALUES, true),
        FieldDef::new(f::REMAINING_QUANTITY, "Remaining Quantity", T::Double),
        FieldDef::new(f::ACTIVATION_ID, "Activation ID", T::String).external_id(),
    ]);
    ObjectDef::new(
        o::OPPORTUNITY_LINE_ITEM,
        "Opportunity Product",
        "Opportunity Product",
        "00k",
        fields,
    )
}

fn child(
    name: &'static str,
    child: &'static str,
    field: &'static str,
    cascade: bool,
) -> ChildRelationship {
    ChildRelationship {
        name,
        child,
        field,
        cascade_delete: cascade,
    }
}

/// Builds the schema with every object and its child relationships.
pub fn build_schema() -> Schema {
    let mut account = account();
    account.children = vec![
        child("ChildAccounts", o::ACCOUNT, "ParentId", false),
        child("Contacts", o::CONTACT, "AccountId", true),
        child("Opportunities", o::OPPORTUNITY, "AccountId", true),
        child(
            "FNO__SoldTo_Opportunities__r",
            o::OPPORTUNITY,
            f::SOLD_TO_ACCOUNT,
            false,
        ),
    ];
    let mut opportunity = opportunity();
    opportunity.children = vec![
        child(
            "OpportunityLineItems",
            o::OPPORTUNITY_LINE_ITEM,
            "OpportunityId",
            true,
        ),
        child(
            "FNO__Renewing_Opportunities__r",
            o::OPPORTUNITY,
            f::RENEWED_OPPORTUNITY,
            false,
        ),
    ];
    let mut product = product2();
    product.children = vec![
        child("PricebookEntries", o::PRICEBOOK_ENTRY, "Product2Id", true),
        child(
            "OpportunityLineItems",
            o::OPPORTUNITY_LINE_ITEM,
            "Product2Id",
            false,
        ),
    ];
    let mut pricebook = pricebook2();
    pricebook.children = vec![
        child("PricebookEntries", o::PRICEBOOK_ENTRY, "Pricebook2Id", true),
        child("Opportunities", o::OPPORTUNITY, "Pricebook2Id", false),
    ];
    let mut entry = pricebook_entry();
    entry.children = vec![child(
        "OpportunityLineItems",
        o::OPPORTUNITY_LINE_ITEM,
        "PricebookEntryId",
        false,
    )];
    Schema {
        objects: vec![
            pricebook,
            product,
            entry,
            account,
            contact(),
            opportunity,
            opportunity_line_item(),
        ],
    }
}

/// Returns the stage's default probability, IsClosed and IsWon.
pub fn stage(name: &str) -> Option<(u32, bool, bool)> {
    STAGES
        .iter()
        .find(|(stage, ..)| *stage == name)
        .map(|(_, p, closed, won)| (*p, *closed, *won))
}

/// Returns the default value JSON of a field for a new record.
pub fn default_value(field: &FieldDef) -> Value {
    field.default_value.clone().unwrap_or(Value::Null)
}
