//! The records the FNO sandbox holds, in the shape of its JSON seed and dump.
//! Plain data: lookups and indexes live in `state.rs`, rules in the services.
//! Entitlement records are in `order_model.rs` and re-exported here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A user allowed to call the web services (HTTP Basic or SOAP header).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct WebServiceUser {
    /// Login name (without `##domain`).
    pub user_name: String,
    /// Password in clear (a sandbox holds no secrets).
    pub password: String,
}

/// A role that users are given per account.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Role {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Role name, the key in requests.
    pub name: String,
}

/// Entity types that carry custom attributes.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeEntity {
    /// Accounts (organizations).
    #[default]
    Account,
    /// Users.
    User,
    /// Entitlements.
    Entitlement,
    /// Entitlement line items.
    LineItem,
}

/// Data type of a custom attribute, as the producer portal names them.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeType {
    /// Short text (`stringValue`).
    #[default]
    Text,
    /// Long text (`stringValue`).
    LongText,
    /// Whole number (`integerValue`).
    Number,
    /// `true`/`false` (`booleanValue`).
    Boolean,
    /// ISO date (`dateValue`).
    Date,
}

/// A custom attribute definition of one entity type.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct AttributeDefinition {
    /// Entity type the attribute belongs to.
    pub entity: AttributeEntity,
    /// Name: letters, digits and underscores, unique per entity type.
    pub name: String,
    /// Data type.
    pub data_type: AttributeType,
    /// Whether every create must carry a value.
    pub required: bool,
    /// Inactive attributes refuse values.
    pub active: bool,
}

/// A stored custom attribute value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttributeValue {
    /// Attribute name.
    pub name: String,
    /// Value, tagged by the SOAP element it travels in.
    pub value: TypedValue,
}

/// A custom attribute value by its SOAP element.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum TypedValue {
    /// `stringValue`.
    String(String),
    /// `dateValue`.
    Date(NaiveDate),
    /// `booleanValue`.
    Boolean(bool),
    /// `integerValue`.
    Integer(i64),
    /// `arrayValue*`.
    Array(Vec<String>),
}

/// A postal address (`addressDataType`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
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

/// An account (v1: organization).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Account {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Account ID, the key (v1: organization `name`).
    pub id: String,
    /// Display name (v1: `displayName`).
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Address.
    pub address: Address,
    /// Visibility flag.
    pub visible: Option<bool>,
    /// CUSTOMER, PUBLISHER, CHANNEL_PARTNER or SELF_REGISTERED.
    pub account_type: String,
    /// Custom attribute values.
    pub custom_attributes: Vec<AttributeValue>,
    /// Account IDs of sub-accounts.
    pub sub_accounts: Vec<String>,
    /// Account IDs of related accounts.
    pub related_accounts: Vec<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_modified: DateTime<Utc>,
    /// Web-service user that created it.
    pub created_by: String,
    /// Web-service user that changed it last.
    pub last_modified_by: String,
}

/// A user's roles in one account.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountRoles {
    /// Account ID.
    pub account_id: String,
    /// Optional membership expiry.
    pub expiry_date: Option<NaiveDate>,
    /// Role names.
    pub roles: Vec<String>,
}

/// A portal user (contact).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct User {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Login name, unique regardless of case.
    pub user_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// E-mail.
    pub email_address: String,
    /// Marketing opt-in.
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
    /// Whether the user may log in to the portal.
    pub can_login: bool,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Time zone.
    pub timezone: Option<String>,
    /// Shared login.
    pub shared: Option<bool>,
    /// Account memberships with roles.
    pub account_roles: Vec<AccountRoles>,
    /// Custom attribute values.
    pub custom_attributes: Vec<AttributeValue>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_modified: DateTime<Utc>,
    /// Web-service user that created it.
    pub created_by: String,
    /// Web-service user that changed it last.
    pub last_modified_by: String,
}

/// A licence model.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct LicenseModel {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Name, the key.
    pub name: String,
    /// DRAFT, DEPLOYED, …
    pub state: String,
}

/// A feature contained in a product.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct FeatureRef {
    /// Feature name.
    pub name: String,
    /// Feature version.
    pub version: String,
    /// Count per product copy.
    pub count: u32,
}

/// A product (key: name + version).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Product {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Product name.
    pub name: String,
    /// Product version.
    pub version: String,
    /// Free text.
    pub description: Option<String>,
    /// DRAFT, DEPLOYED, INACTIVE or OBSOLETE.
    pub state: String,
    /// Licence technology name, e.g. `FlexNet Licensing`.
    pub license_technology: Option<String>,
    /// Features with counts.
    pub features: Vec<FeatureRef>,
    /// Names of the licence models attached.
    pub license_models: Vec<String>,
    /// Custom attribute values.
    pub custom_attributes: Vec<AttributeValue>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_modified: DateTime<Utc>,
}

/// A part number (SKU), mapped to at most one product.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct PartNumber {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Part number, the key (case and whitespace significant).
    pub part_id: String,
    /// Free text.
    pub description: String,
    /// Mapped product `(name, version)`.
    pub product: Option<(String, String)>,
    /// Mapped licence model name.
    pub license_model: Option<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_modified: DateTime<Utc>,
}

pub use super::order_model::{ChannelPartner, Entitlement, LineItem, Term};
