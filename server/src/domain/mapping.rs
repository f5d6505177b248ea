//! Field mappings and FNO custom attributes: the Salesforce objects, FNO
//! entity types and data types the connector knows, and their naming rules.

/// A Salesforce object whose fields feed FNO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SfObject {
    /// Account.
    Account,
    /// Contact.
    Contact,
    /// Opportunity.
    Opportunity,
    /// OpportunityLineItem.
    OpportunityLineItem,
    /// Product2.
    Product,
}

impl SfObject {
    /// Every object, in display order.
    pub const ALL: [SfObject; 5] = [
        Self::Account,
        Self::Contact,
        Self::Opportunity,
        Self::OpportunityLineItem,
        Self::Product,
    ];

    /// Returns the name stored in the database.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Contact => "contact",
            Self::Opportunity => "opportunity",
            Self::OpportunityLineItem => "opportunity_line_item",
            Self::Product => "product",
        }
    }

    /// Parses the name stored in the database.
    pub fn from_db(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_db() == text)
    }

    /// Returns the Salesforce API name, e.g. `OpportunityLineItem`.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Account => "Account",
            Self::Contact => "Contact",
            Self::Opportunity => "Opportunity",
            Self::OpportunityLineItem => "OpportunityLineItem",
            Self::Product => "Product2",
        }
    }

    /// Tells whether the object has a field-mapping table.
    pub fn has_mappings(self) -> bool {
        !matches!(self, Self::Product)
    }
}

/// The FNO entity a custom attribute belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityType {
    /// FNO account.
    Account,
    /// FNO user.
    User,
    /// FNO entitlement.
    Entitlement,
    /// FNO entitlement line item.
    EntitlementLine,
    /// FNO product (not supported by the connector).
    Product,
    /// FNO maintenance line (not supported).
    MaintenanceLine,
    /// FNO download package (not supported).
    DownloadPackage,
    /// FNO file (not supported).
    File,
}

impl EntityType {
    const SUPPORTED: [EntityType; 4] = [
        Self::Account,
        Self::User,
        Self::Entitlement,
        Self::EntitlementLine,
    ];

    /// Returns the name stored in the database.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::User => "user",
            Self::Entitlement => "entitlement",
            Self::EntitlementLine => "entitlement_line",
            Self::Product => "product",
            Self::MaintenanceLine => "maintenance_line",
            Self::DownloadPackage => "download_package",
            Self::File => "file",
        }
    }

    /// Parses the name stored in the database (supported types only).
    pub fn from_db(text: &str) -> Option<Self> {
        Self::SUPPORTED.into_iter().find(|e| e.as_db() == text)
    }

    /// Returns the Salesforce object of a supported entity type, or why it is not supported.
    pub fn sf_object(self) -> Result<SfObject, String> {
        match self {
            Self::Account => Ok(SfObject::Account),
            Self::User => Ok(SfObject::Contact),
            Self::Entitlement => Ok(SfObject::Opportunity),
            Self::EntitlementLine => Ok(SfObject::OpportunityLineItem),
            Self::Product | Self::MaintenanceLine | Self::DownloadPackage | Self::File => {
                Err(format!(
                    "custom attributes of FNO {} entities are not supported by the connector; \
                 supported entity types are account, user, entitlement and entitlement line",
                    self.as_db().replace('_', " ")
                ))
            }
        }
    }
}

/// The data type of a custom attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataType {
    /// Number.
    Number,
    /// Text.
    Text,
    /// Long text.
    LongText,
    /// Boolean.
    Boolean,
    /// Date.
    Date,
}

impl DataType {
    const ALL: [DataType; 5] = [
        Self::Number,
        Self::Text,
        Self::LongText,
        Self::Boolean,
        Self::Date,
    ];

    /// Returns the name stored in the database.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Boolean => "boolean",
            Self::Date => "date",
        }
    }

    /// Parses the name stored in the database.
    pub fn from_db(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_db() == text)
    }

    /// Returns the name shown to people, e.g. `long text`.
    pub fn label(self) -> &'static str {
        match self {
            Self::LongText => "long text",
            other => other.as_db(),
        }
    }

    /// The Salesforce field types (describe's `type`) whose values an
    /// attribute of this type takes.
    pub fn salesforce_types(self) -> &'static [&'static str] {
        const TEXT: &[&str] = &[
            "string",
            "textarea",
            "picklist",
            "multipicklist",
            "combobox",
            "email",
            "phone",
            "url",
            "id",
            "reference",
            "encryptedstring",
        ];
        match self {
            Self::Text | Self::LongText => TEXT,
            Self::Number => &["int", "long", "double", "currency", "percent"],
            Self::Boolean => &["boolean"],
            Self::Date => &["date", "datetime"],
        }
    }

    /// Checks that a Salesforce field of type `sf_type` can feed an attribute
    /// of this type, saying which types can when it cannot.
    pub fn check_salesforce_type(self, field: &str, sf_type: &str) -> Result<(), String> {
        let accepted = self.salesforce_types();
        if accepted.iter().any(|t| t.eq_ignore_ascii_case(sf_type)) {
            return Ok(());
        }
        Err(format!(
            "{field} is a {sf_type} field in Salesforce; a {} attribute is fed from a field of type {}",
            self.label(),
            accepted.join(", ")
        ))
    }
}

/// Longest Salesforce field API name (40 characters plus namespace and suffix).
const MAX_SF_FIELD_LEN: usize = 120;

/// Checks a Salesforce field reference: an API name such as `BillingCity`,
/// `FNO__Account_Type__c`, or a relationship path such as `Account.Name`.
pub fn validate_sf_field(field: &str) -> Result<(), String> {
    if field.is_empty() {
        return Err("is required; use DeleteFieldMapping to clear a mapping".into());
    }
    if field.len() > MAX_SF_FIELD_LEN {
        return Err(format!("must be at most {MAX_SF_FIELD_LEN} characters"));
    }
    let valid_segment = |segment: &str| {
        segment.starts_with(|c: char| c.is_ascii_alphabetic())
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !segment.ends_with('_')
    };
    if !field.split('.').all(valid_segment) {
        return Err(format!(
            "{field:?} is not a Salesforce field API name (letters, digits and underscores, \
             starting with a letter, e.g. BillingCity or Region__c; relationships as Account.Name)"
        ));
    }
    Ok(())
}

/// Longest custom attribute name.
const MAX_ATTRIBUTE_NAME_LEN: usize = 64;

/// Checks a custom attribute name: letters, digits and underscores, starting with a letter.
pub fn validate_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is required".into());
    }
    if name.len() > MAX_ATTRIBUTE_NAME_LEN {
        return Err(format!(
            "must be at most {MAX_ATTRIBUTE_NAME_LEN} characters"
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("may contain only letters, digits and underscores".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("must start with a letter".into());
    }
    Ok(())
}

/// The object a custom attribute is asked for, as given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenObject {
    /// Left unset: the entity type's object.
    Unset,
    /// A Salesforce object the connector knows.
    Known(SfObject),
    /// A value the connector does not know.
    Unknown,
}

/// Why a default mapping cannot be re-pointed or cleared: its value is
/// fixed by FNO's semantics or by the spec's rules, not by the mapping;
/// `None` for a mapping that drives the value sent.
pub fn fixed_reason(object: SfObject, fno_field: &str) -> Option<&'static str> {
    use SfObject::{Opportunity, OpportunityLineItem};
    Some(match (object, fno_field) {
        (Opportunity, "soldTo") => {
            "the sold-to account is the account the opportunity's FNO__SoldTo_Account__c names \
             (or the opportunity's own account), synced as an FNO account of its own"
        }
        (Opportunity, "entitlementId") => {
            "FNO assigns the entitlement ID; fnosync writes it back to FNO__Entitlement_ID__c"
        }
        (Opportunity, "EntitlementOwnerAccount" | "EntitlementOwnerContact") => {
            "the entitlement belongs to its sold-to account; fnosync sends no other owner"
        }
        (Opportunity, "emailTemplateVariation") => {
            "fnosync creates entitlements without e-mail notifications; FNO's default template applies"
        }
        (OpportunityLineItem, "partNumber") => {
            "the part number is the product's Product Code, checked against FNO's part numbers (spec §3)"
        }
        (OpportunityLineItem, "numberOfCopies") => {
            "the copies are the line's Quantity, a whole number of at least 1"
        }
        (OpportunityLineItem, "startDate" | "startDateOption" | "expirationDate" | "term") => {
            "the dates follow the line's date options (spec §5): FNO__Start_Date_Option__c, \
             FNO__Start_Date__c, FNO__Expiration_Date_Option__c, FNO__Expiration_Date__c, \
             FNO__Expiration_Term__c and FNO__Expiration_Term_Option__c"
        }
        (OpportunityLineItem, "activationId") => {
            "FNO assigns activation IDs; fnosync writes them back to FNO__Activation_ID__c"
        }
        (OpportunityLineItem, "orderId" | "orderLineNumber") => {
            "fnosync stamps each FNO line with the opportunity and line item Ids, by which it finds an order again"
        }
        (OpportunityLineItem, "FNPTimeZoneValue" | "versiondate") => {
            "fnosync sends FNO no time zone or version date of a line; FNO's defaults apply"
        }
        _ => return None,
    })
}

/// A custom attribute mapping as an administrator gives it.
#[derive(Clone, Copy, Debug)]
pub struct CustomAttributeInput<'a> {
    /// FNO attribute name.
    pub name: &'a str,
    /// FNO entity type; `None` when unset or unknown.
    pub entity_type: Option<EntityType>,
    /// The Salesforce object.
    pub sf_object: GivenObject,
    /// Data type; `None` when unset or unknown.
    pub data_type: Option<DataType>,
    /// Salesforce field that feeds it.
    pub sf_field: &'a str,
    /// Editable in FNO.
    pub editable: bool,
    /// Required in FNO.
    pub required: bool,
    /// Active in FNO.
    pub active: bool,
}

/// A valid custom attribute mapping: a supported entity type, its own
/// Salesforce object, a data type and a well-formed field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAttribute {
    /// FNO attribute name.
    pub name: String,
    /// FNO entity type (a supported one).
    pub entity_type: EntityType,
    /// The entity's Salesforce object.
    pub sf_object: SfObject,
    /// Data type.
    pub data_type: DataType,
    /// Salesforce field that feeds it, trimmed.
    pub sf_field: String,
    /// Editable in FNO.
    pub editable: bool,
    /// Required in FNO.
    pub required: bool,
    /// Active in FNO.
    pub active: bool,
}

impl CustomAttribute {
    /// Checks every field, naming each one that is wrong (under `custom_attribute.`).
    pub fn parse(input: CustomAttributeInput<'_>) -> crate::error::Result<Self> {
        let mut violations = crate::error::Violations::default();
        violations.check("custom_attribute.name", validate_attribute_name(input.name));
        let object = match input.entity_type {
            None => {
                violations.add("custom_attribute.entity_type", "is required");
                None
            }
            Some(entity) => violations.check("custom_attribute.entity_type", entity.sf_object()),
        };
        if let Some(object) = object {
            if !matches!(input.sf_object, GivenObject::Unset)
                && input.sf_object != GivenObject::Known(object)
            {
                violations.add(
                    "custom_attribute.sf_object",
                    format!(
                        "must be {} for this entity type (or left unset)",
                        object.api_name()
                    ),
                );
            }
        }
        if input.data_type.is_none() {
            violations.add(
                "custom_attribute.data_type",
                "must be NUMBER, TEXT, LONG_TEXT, BOOLEAN or DATE",
            );
        }
        let sf_field = input.sf_field.trim();
        violations.check("custom_attribute.sf_field", validate_sf_field(sf_field));
        violations.into_result()?;
        match (input.entity_type, object, input.data_type) {
            (Some(entity_type), Some(sf_object), Some(data_type)) => Ok(Self {
                name: input.name.to_string(),
                entity_type,
                sf_object,
                data_type,
                sf_field: sf_field.to_string(),
                editable: input.editable,
                required: input.required,
                active: input.active,
            }),
            _ => Err(crate::error::Error::Internal(anyhow::anyhow!(
                "a custom attribute passed its checks without its types"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attribute_takes_only_salesforce_fields_of_its_type() {
        assert!(DataType::Number
            .check_salesforce_type("Quantity", "double")
            .is_ok());
        assert!(DataType::Date
            .check_salesforce_type("CreatedDate", "datetime")
            .is_ok());
        assert!(DataType::Text
            .check_salesforce_type("Website", "url")
            .is_ok());
        assert!(DataType::LongText
            .check_salesforce_type("Description", "textarea")
            .is_ok());
        let refused = DataType::Number
            .check_salesforce_type("Account.Website", "url")
            .expect_err("a url is not a number");
        assert!(
            refused.starts_with("Account.Website is a url field in Salesforce; a number attribute")
                && refused.contains("currency"),
            "{refused}"
        );
        assert!(DataType::Boolean
            .check_salesforce_type("Name", "string")
            .is_err());
        assert!(DataType::Date
            .check_salesforce_type("Amount", "currency")
            .is_err());
    }

    fn field_errors(input: CustomAttributeInput<'_>) -> Vec<String> {
        match CustomAttribute::parse(input) {
            Err(crate::error::Error::InvalidArgument(violations)) => {
                violations.into_iter().map(|v| v.field).collect()
            }
            Err(other) => panic!("not a field error: {other}"),
            Ok(_) => Vec::new(),
        }
    }

    const REGION: CustomAttributeInput<'static> = CustomAttributeInput {
        name: "Region",
        entity_type: Some(EntityType::Account),
        sf_object: GivenObject::Unset,
        data_type: Some(DataType::Text),
        sf_field: " Region__c ",
        editable: true,
        required: false,
        active: true,
    };

    #[test]
    fn a_custom_attribute_takes_its_entity_types_object() {
        let parsed = CustomAttribute::parse(REGION).expect("valid");
        assert_eq!(parsed.sf_object, SfObject::Account);
        assert_eq!(parsed.sf_field, "Region__c");
        let matching = CustomAttributeInput {
            sf_object: GivenObject::Known(SfObject::Account),
            ..REGION
        };
        assert!(field_errors(matching).is_empty());
    }

    #[test]
    fn a_custom_attribute_names_each_wrong_field() {
        let wrong = CustomAttributeInput {
            name: "1st",
            sf_object: GivenObject::Known(SfObject::Contact),
            data_type: None,
            sf_field: "",
            ..REGION
        };
        assert_eq!(
            field_errors(wrong),
            [
                "custom_attribute.name",
                "custom_attribute.sf_object",
                "custom_attribute.data_type",
                "custom_attribute.sf_field"
            ]
        );
        let unknown = CustomAttributeInput {
            entity_type: None,
            sf_object: GivenObject::Unknown,
            ..REGION
        };
        assert_eq!(field_errors(unknown), ["custom_attribute.entity_type"]);
        let unsupported = CustomAttributeInput {
            entity_type: Some(EntityType::Product),
            ..REGION
        };
        assert_eq!(field_errors(unsupported), ["custom_attribute.entity_type"]);
    }

    #[test]
    fn sf_fields_accept_standard_custom_and_relationship_names() {
        assert_eq!(validate_sf_field("BillingCity"), Ok(()));
        assert_eq!(validate_sf_field("FNO__Account_Type__c"), Ok(()));
        assert_eq!(validate_sf_field("Account.Name"), Ok(()));
        assert!(validate_sf_field("").is_err());
        assert!(validate_sf_field("Name; DROP").is_err());
        assert!(validate_sf_field("Account..Name").is_err());
        assert!(validate_sf_field("1Name").is_err());
    }

    #[test]
    fn unsupported_entity_types_say_which_are_supported() {
        let error = EntityType::DownloadPackage
            .sf_object()
            .expect_err("unsupported");
        assert!(error.contains("download package"), "{error}");
        assert!(error.contains("supported entity types are"), "{error}");
        assert_eq!(EntityType::User.sf_object(), Ok(SfObject::Contact));
    }

    #[test]
    fn attribute_names_are_identifiers() {
        assert_eq!(validate_attribute_name("Region_2"), Ok(()));
        assert!(validate_attribute_name("2Region").is_err());
        assert!(validate_attribute_name("Re gion").is_err());
        assert!(validate_attribute_name("").is_err());
    }
}
