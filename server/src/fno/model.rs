//! Plain types of the FNO client for accounts, users, products and custom
//! attributes. No XML here: `codec.rs` and the operation modules translate.

use chrono::{DateTime, NaiveDate, Utc};

/// The role new portal users get by default (spec §4).
pub const PORTAL_ADMIN_ROLE: &str = "Portal Admin User";

/// FNO's account type (`AcctType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountType {
    /// An end customer (the default).
    Customer,
    /// The producer itself.
    Publisher,
    /// A reseller or distributor.
    ChannelPartner,
    /// An account created by self-registration.
    SelfRegistered,
    /// A value FNO returned that the client does not know.
    Unknown(String),
}

impl AccountType {
    /// Returns the schema value, e.g. `CHANNEL_PARTNER`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::Publisher => "PUBLISHER",
            Self::ChannelPartner => "CHANNEL_PARTNER",
            Self::SelfRegistered => "SELF_REGISTERED",
            Self::Unknown(_) => "UNKNOWN",
        }
    }

    /// Reads a schema value; anything else is `Unknown` (spec §4).
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "CUSTOMER" => Self::Customer,
            "PUBLISHER" => Self::Publisher,
            "CHANNEL_PARTNER" => Self::ChannelPartner,
            "SELF_REGISTERED" => Self::SelfRegistered,
            other => Self::Unknown(other.to_string()),
        }
    }
}

/// A postal address (`addressDataType`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    /// First street line.
    pub address1: Option<String>,
    /// Second street line.
    pub address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub zipcode: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Region.
    pub region: Option<String>,
}

impl Address {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        [
            &self.address1,
            &self.address2,
            &self.city,
            &self.state,
            &self.zipcode,
            &self.country,
            &self.region,
        ]
        .iter()
        .all(|field| field.is_none())
    }
}

/// A custom attribute value by its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// Text and long text (`stringValue`).
    Text(String),
    /// A date (`dateValue`).
    Date(NaiveDate),
    /// A boolean (`booleanValue`).
    Boolean(bool),
    /// A whole number (`integerValue`).
    Integer(i64),
    /// Multi-valued text (`arrayValue*`).
    Array(Vec<String>),
}

/// A custom attribute (FNO `attribute {attributeName, …Value}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAttribute {
    /// Attribute name as defined in FNO.
    pub name: String,
    /// Typed value.
    pub value: AttributeValue,
}

/// An FNO account (organization), keyed by its Account ID.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Account ID, the key (spec §4: the Salesforce Account Id by default).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Address.
    pub address: Address,
    /// Visibility flag.
    pub visible: Option<bool>,
    /// Account type; FNO's default is CUSTOMER. Set on create only (updates carry none).
    pub account_type: Option<AccountType>,
    /// Custom attribute values.
    pub custom_attributes: Vec<CustomAttribute>,
}

/// An account as FNO returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRecord {
    /// FNO's internal id (`HID-…`).
    pub unique_id: Option<String>,
    /// The account's fields.
    pub account: Account,
    /// Last change.
    pub last_modified: Option<DateTime<Utc>>,
}

/// A parent account and a sub-account to link (`linkAccounts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountLink {
    /// Account ID of the parent (e.g. the channel partner).
    pub parent_id: String,
    /// Account ID of the sub-account.
    pub child_id: String,
}

/// A user's status (`UserStatusType`, mixed case in the schema).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserStatus {
    /// `Active`.
    Active,
    /// `Inactive`.
    Inactive,
}

impl UserStatus {
    /// Returns the schema value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }
}

/// A user's roles in one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRoles {
    /// Account ID.
    pub account_id: String,
    /// Role names, e.g. `Portal Admin User`.
    pub roles: Vec<String>,
}

/// An FNO portal user (a Salesforce contact).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    /// Login name; the lower-cased e-mail by default.
    pub user_name: String,
    /// First name (required).
    pub first_name: String,
    /// Last name (required).
    pub last_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// E-mail (required).
    pub email_address: String,
    /// Marketing opt-in (false for a contact who opted out of e-mail).
    pub opt_in: Option<bool>,
    /// Phone.
    pub phone_number: Option<String>,
    /// Fax.
    pub fax_number: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Postal code.
    pub zipcode: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Locale, e.g. `en_US`.
    pub locale: Option<String>,
    /// Whether the user may log in to the portal (then user name and roles are required).
    pub can_login: bool,
    /// Active or inactive.
    pub status: Option<UserStatus>,
    /// Time zone.
    pub timezone: Option<String>,
    /// Account memberships with roles (at least one on create).
    pub account_roles: Vec<AccountRoles>,
    /// Custom attribute values.
    pub custom_attributes: Vec<CustomAttribute>,
}

impl User {
    /// Builds a portal user linked to `account_id` with the Portal Admin User
    /// role; the user name is the lower-cased e-mail (spec §4).
    pub fn portal_admin(first_name: &str, last_name: &str, email: &str, account_id: &str) -> Self {
        Self {
            user_name: email.trim().to_lowercase(),
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            email_address: email.trim().to_string(),
            can_login: true,
            account_roles: vec![AccountRoles {
                account_id: account_id.to_string(),
                roles: vec![PORTAL_ADMIN_ROLE.to_string()],
            }],
            ..Self::default()
        }
    }
}

/// A user as FNO returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// FNO's internal id.
    pub unique_id: Option<String>,
    /// The user's fields (`can_login` is not returned and reads as false).
    pub user: User,
    /// Last change.
    pub last_modified: Option<DateTime<Utc>>,
}

/// A product and the part numbers mapped to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// FNO's internal id.
    pub unique_id: String,
    /// Product name.
    pub name: String,
    /// Product version.
    pub version: Option<String>,
    /// Lifecycle state: DRAFT, DEPLOYED, INACTIVE, OBSOLETE …
    pub state: String,
    /// Part numbers mapped to the product, exactly as FNO spells them.
    pub part_numbers: Vec<String>,
    /// Licence models attached to the product.
    pub license_models: Vec<String>,
}

impl Product {
    /// Whether entitlements may be created for it (spec §3: Deployed).
    pub fn is_deployed(&self) -> bool {
        self.state == DEPLOYED
    }
}

/// The DEPLOYED lifecycle state.
pub const DEPLOYED: &str = "DEPLOYED";

/// A part number and, when mapped, its product with the product's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartNumber {
    /// Part number exactly as FNO holds it.
    pub part_id: String,
    /// Description.
    pub description: Option<String>,
    /// The mapped product (`None`: the part number is not mapped).
    pub product: Option<Product>,
    /// The mapped licence model.
    pub license_model: Option<String>,
}

impl PartNumber {
    /// Whether its product exists and is deployed (spec §3).
    pub fn is_ready(&self) -> bool {
        self.product.as_ref().is_some_and(Product::is_deployed)
    }
}
