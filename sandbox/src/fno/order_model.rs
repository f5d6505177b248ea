//! Entitlement records (entitlements, line items, terms, channel partners) of
//! the FNO sandbox's seed and dump; re-exported by `model`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::model::AttributeValue;

/// A term (`DurationType`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Term {
    /// Number of units.
    pub num_duration: i64,
    /// DAYS, WEEKS, MONTHS or YEARS.
    pub duration_unit: String,
}

/// A channel partner of an entitlement.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct ChannelPartner {
    /// Tier key, e.g. `bo.constants.partnertiernames.endcustomer`.
    pub tier_name: String,
    /// Account ID.
    pub account_id: String,
    /// Contact user name.
    pub contact: Option<String>,
    /// Current owner flag.
    pub current_owner: Option<bool>,
}

/// An activatable line item of an entitlement.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct LineItem {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Activation ID, the key.
    pub activation_id: String,
    /// Free text.
    pub description: Option<String>,
    /// Product `(name, version)`.
    pub product: (String, String),
    /// Part number.
    pub part_number: Option<String>,
    /// Licence model name.
    pub license_model: Option<String>,
    /// Caller's order id (fnosync stamps Salesforce ids here).
    pub order_id: Option<String>,
    /// Caller's order line number.
    pub order_line_number: Option<String>,
    /// Copies bought.
    pub number_of_copies: i64,
    /// Copies activated so far.
    pub fulfilled_count: i64,
    /// Start date.
    pub start_date: Option<NaiveDate>,
    /// StartDateOptionType value.
    pub start_date_option: Option<String>,
    /// Permanent licence.
    pub is_permanent: bool,
    /// Term when not permanent.
    pub term: Option<Term>,
    /// Expiration date when not permanent.
    pub expiration_date: Option<NaiveDate>,
    /// Version date.
    pub version_date: Option<NaiveDate>,
    /// UPGRADE, UPSELL or RENEWAL.
    pub line_item_type: Option<String>,
    /// Activation ID of the parent line (renewals).
    pub parent_line_item: Option<String>,
    /// FNP time zone.
    pub fnp_time_zone_value: Option<String>,
    /// DRAFT, DEPLOYED, …
    pub state: String,
    /// Custom attribute values.
    pub custom_attributes: Vec<AttributeValue>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change (activations included).
    pub last_modified: DateTime<Utc>,
    /// Web-service user that created it.
    pub created_by: String,
    /// Web-service user that changed it last.
    pub last_modified_by: String,
}

impl LineItem {
    /// Copies not yet fulfilled.
    pub fn remaining_copies(&self) -> i64 {
        self.number_of_copies - self.fulfilled_count
    }
}

/// A simple entitlement with its line items.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Entitlement {
    /// Server-assigned `HID-…` id.
    pub unique_id: String,
    /// Entitlement ID, the key.
    pub entitlement_id: String,
    /// Free text.
    pub description: Option<String>,
    /// Account ID of the end customer.
    pub sold_to: Option<String>,
    /// Ship-to e-mail.
    pub ship_to_email: Option<String>,
    /// Ship-to address.
    pub ship_to_address: Option<String>,
    /// E-mail template variation.
    pub email_template_variation: Option<String>,
    /// DRAFT, DEPLOYED, INACTIVE or OBSOLETE.
    pub state: String,
    /// Allow portal login.
    pub allow_portal_login: Option<bool>,
    /// Channel partners.
    pub channel_partners: Vec<ChannelPartner>,
    /// Custom attribute values.
    pub custom_attributes: Vec<AttributeValue>,
    /// Line items.
    pub line_items: Vec<LineItem>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_modified: DateTime<Utc>,
    /// Web-service user that created it.
    pub created_by: String,
    /// Web-service user that changed it last.
    pub last_modified_by: String,
}
