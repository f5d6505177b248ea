//! API names of the objects, the connector's custom fields and their picklist
//! values, shared by the sandbox and by the tests of fnosync that seed it.
//! The connector's fields carry the namespace prefix `FNO__`, as a managed
//! package's fields do in a real org.

/// Namespace prefix of the connector's custom fields.
pub const NAMESPACE: &str = "FNO";

/// Object API names.
pub mod objects {
    /// Account.
    pub const ACCOUNT: &str = "Account";
    /// Contact.
    pub const CONTACT: &str = "Contact";
    /// Opportunity.
    pub const OPPORTUNITY: &str = "Opportunity";
    /// OpportunityLineItem.
    pub const OPPORTUNITY_LINE_ITEM: &str = "OpportunityLineItem";
    /// Product2.
    pub const PRODUCT2: &str = "Product2";
    /// Pricebook2.
    pub const PRICEBOOK2: &str = "Pricebook2";
    /// PricebookEntry.
    pub const PRICEBOOK_ENTRY: &str = "PricebookEntry";
}

/// Account: the connector's "Account Type" picklist.
pub const ACCOUNT_TYPE: &str = "FNO__Account_Type__c";
/// Account: the connector's "Account ID" (the FNO account id written back).
pub const ACCOUNT_ID: &str = "FNO__Account_ID__c";

/// Opportunity: "Entitlement State" picklist (Draft / Deployed, and the
/// Inactive / Obsolete the connector writes back from FNO).
pub const ENTITLEMENT_STATE: &str = "FNO__Entitlement_State__c";
/// Opportunity: "Entitlement ID" written back by the connector.
pub const ENTITLEMENT_ID: &str = "FNO__Entitlement_ID__c";
/// Opportunity: "SoldTo Account" lookup to Account.
pub const SOLD_TO_ACCOUNT: &str = "FNO__SoldTo_Account__c";
/// Relationship name of [`SOLD_TO_ACCOUNT`].
pub const SOLD_TO_ACCOUNT_RELATIONSHIP: &str = "FNO__SoldTo_Account__r";
/// Opportunity: "Ship-to Email".
pub const SHIP_TO_EMAIL: &str = "FNO__Ship_To_Email__c";
/// Opportunity: "Ship-to mail" (postal address).
pub const SHIP_TO_MAIL: &str = "FNO__Ship_To_Mail__c";
/// Opportunity: "Renewed Opportunity" lookup to Opportunity.
pub const RENEWED_OPPORTUNITY: &str = "FNO__Renewed_Opportunity__c";
/// Relationship name of [`RENEWED_OPPORTUNITY`].
pub const RENEWED_OPPORTUNITY_RELATIONSHIP: &str = "FNO__Renewed_Opportunity__r";

/// Product2: "Include in FlexNet Operations Sync" checkbox.
pub const INCLUDE_IN_SYNC: &str = "FNO__Include_In_Sync__c";

/// OpportunityLineItem: "Start Date Option" picklist.
pub const START_DATE_OPTION: &str = "FNO__Start_Date_Option__c";
/// OpportunityLineItem: "Start Date".
pub const START_DATE: &str = "FNO__Start_Date__c";
/// OpportunityLineItem: "Expiration Date Option" picklist.
pub const EXPIRATION_DATE_OPTION: &str = "FNO__Expiration_Date_Option__c";
/// OpportunityLineItem: "Expiration Date".
pub const EXPIRATION_DATE: &str = "FNO__Expiration_Date__c";
/// OpportunityLineItem: "Expiration Term" (number).
pub const EXPIRATION_TERM: &str = "FNO__Expiration_Term__c";
/// OpportunityLineItem: "Expiration Term Option" picklist (unit of the term).
pub const EXPIRATION_TERM_OPTION: &str = "FNO__Expiration_Term_Option__c";
/// OpportunityLineItem: "Remaining Quantity" written back by the connector.
pub const REMAINING_QUANTITY: &str = "FNO__Remaining_Quantity__c";
/// OpportunityLineItem: "Activation ID" written back by the connector.
pub const ACTIVATION_ID: &str = "FNO__Activation_ID__c";

/// Values of [`ACCOUNT_TYPE`].
pub const ACCOUNT_TYPE_VALUES: &[&str] = &["End User", "Channel Partner"];
/// Values of [`ENTITLEMENT_STATE`].
pub const ENTITLEMENT_STATE_VALUES: &[&str] = &["Draft", "Deployed", "Inactive", "Obsolete"];
/// Values of [`START_DATE_OPTION`], as the product guide spells them.
pub const START_DATE_OPTION_VALUES: &[&str] = &[
    "Specify value now",
    "Use First Activation Date",
    "Use Each Activation Date",
    "Specify at First Activation",
    "Specify at Each Activation",
];
/// Values of [`EXPIRATION_DATE_OPTION`].
pub const EXPIRATION_DATE_OPTION_VALUES: &[&str] =
    &["Specify Duration", "Permanent", "Specify Expiration Date"];
/// Values of [`EXPIRATION_TERM_OPTION`].
pub const EXPIRATION_TERM_OPTION_VALUES: &[&str] = &["Days", "Weeks", "Months", "Years"];

/// Every connector field per object, for "which fields are missing" checks.
pub const CONNECTOR_FIELDS: &[(&str, &[&str])] = &[
    (objects::ACCOUNT, &[ACCOUNT_TYPE, ACCOUNT_ID]),
    (
        objects::OPPORTUNITY,
        &[
            ENTITLEMENT_STATE,
            ENTITLEMENT_ID,
            SOLD_TO_ACCOUNT,
            SHIP_TO_EMAIL,
            SHIP_TO_MAIL,
            RENEWED_OPPORTUNITY,
        ],
    ),
    (objects::PRODUCT2, &[INCLUDE_IN_SYNC]),
    (
        objects::OPPORTUNITY_LINE_ITEM,
        &[
            START_DATE_OPTION,
            START_DATE,
            EXPIRATION_DATE_OPTION,
            EXPIRATION_DATE,
            EXPIRATION_TERM,
            EXPIRATION_TERM_OPTION,
            REMAINING_QUANTITY,
            ACTIVATION_ID,
        ],
    ),
];
