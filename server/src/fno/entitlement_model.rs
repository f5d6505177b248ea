//! Plain types of entitlements and their line items: what the client sends
//! (new entitlements, lines, updates, renewals) and what FNO returns.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::CustomAttribute;

/// FNO's lifecycle state (`StateType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntitlementState {
    /// Editable, not yet usable.
    Draft,
    /// Usable by customers.
    Deployed,
    /// Suspended.
    Inactive,
    /// Retired.
    Obsolete,
    /// Active (products).
    Active,
    /// Test.
    Test,
    /// On hold.
    OnHold,
}

impl EntitlementState {
    /// Returns the schema value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Deployed => "DEPLOYED",
            Self::Inactive => "INACTIVE",
            Self::Obsolete => "OBSOLETE",
            Self::Active => "ACTIVE",
            Self::Test => "TEST",
            Self::OnHold => "ON_HOLD",
        }
    }

    /// Reads a schema value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim() {
            "DRAFT" => Self::Draft,
            "DEPLOYED" => Self::Deployed,
            "INACTIVE" => Self::Inactive,
            "OBSOLETE" => Self::Obsolete,
            "ACTIVE" => Self::Active,
            "TEST" => Self::Test,
            "ON_HOLD" => Self::OnHold,
            _ => return None,
        })
    }
}

/// When a line's licences start (`startDate` + `StartDateOptionType`, spec §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartDate {
    /// "Specify value now": the given date (`DEFINE_NOW`).
    On(NaiveDate),
    /// "Use first activation date" (`DEFINE_ACTDATE_AT_FIRST_ACTIVATION`).
    FirstActivationDate,
    /// "Use each activation date" (`DEFINE_ACTDATE_AT_EACH_ACTIVATION`).
    EachActivationDate,
    /// "Specify at first activation" (`DEFINE_AT_FIRST_ACTIVATION`).
    AtFirstActivation,
    /// "Specify at each activation" (`DEFINE_AT_EACH_ACTIVATION`).
    AtEachActivation,
}

impl StartDate {
    /// Returns the `StartDateOptionType` value.
    pub fn option(self) -> &'static str {
        match self {
            Self::On(_) => "DEFINE_NOW",
            Self::FirstActivationDate => "DEFINE_ACTDATE_AT_FIRST_ACTIVATION",
            Self::EachActivationDate => "DEFINE_ACTDATE_AT_EACH_ACTIVATION",
            Self::AtFirstActivation => "DEFINE_AT_FIRST_ACTIVATION",
            Self::AtEachActivation => "DEFINE_AT_EACH_ACTIVATION",
        }
    }
}

/// Unit of a term (`DurationUnit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    /// Days.
    Days,
    /// Weeks.
    Weeks,
    /// Months.
    Months,
    /// Years.
    Years,
}

impl DurationUnit {
    /// Returns the schema value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Days => "DAYS",
            Self::Weeks => "WEEKS",
            Self::Months => "MONTHS",
            Self::Years => "YEARS",
        }
    }

    /// Reads a schema value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim() {
            "DAYS" => Self::Days,
            "WEEKS" => Self::Weeks,
            "MONTHS" => Self::Months,
            "YEARS" => Self::Years,
            _ => return None,
        })
    }
}

/// When a line's licences expire (spec §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiration {
    /// "Specify duration": `term {numDuration, durationUnit}`.
    Term {
        /// Number of units.
        count: u32,
        /// Unit.
        unit: DurationUnit,
    },
    /// "Permanent": `isPermanent=true`, no term, no date.
    Permanent,
    /// "Specify expiration date": `expirationDate`.
    On(NaiveDate),
}

/// A channel partner recorded on an entitlement (`channelPartner`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelPartner {
    /// Tier key, e.g. `bo.constants.partnertiernames.tier1`.
    pub tier_name: String,
    /// Account ID of the partner.
    pub account_id: String,
    /// Whether this partner is the current owner.
    pub current_owner: Option<bool>,
}

/// A line item to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLineItem {
    /// Activation ID to use; `None` lets FNO generate one.
    pub activation_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Part number (= Salesforce Product Code).
    pub part_number: String,
    /// Licence model when the part number does not imply one.
    pub license_model: Option<String>,
    /// Salesforce Opportunity Id the line came from (look-up key).
    pub order_id: Option<String>,
    /// Salesforce OpportunityLineItem Id (look-up key).
    pub order_line_number: Option<String>,
    /// Number of copies (= Quantity).
    pub number_of_copies: i64,
    /// Start rule.
    pub start: StartDate,
    /// Expiration rule.
    pub expiration: Expiration,
    /// Line-item custom attributes.
    pub attributes: Vec<CustomAttribute>,
}

/// An entitlement to create (`simpleEntitlement`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntitlement {
    /// Entitlement ID to use; `None` lets FNO generate one.
    pub entitlement_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Account ID of the sold-to account.
    pub sold_to: Option<String>,
    /// Ship-to e-mail.
    pub ship_to_email: Option<String>,
    /// Ship-to address.
    pub ship_to_address: Option<String>,
    /// Line items.
    pub line_items: Vec<NewLineItem>,
    /// DRAFT, or DEPLOYED (sent as `autoDeploy=true`; the schema has no state element).
    pub state: EntitlementState,
    /// Channel partners recorded on it.
    pub channel_partners: Vec<ChannelPartner>,
    /// Entitlement custom attributes.
    pub attributes: Vec<CustomAttribute>,
}

/// Lines to add to one existing entitlement: one record of a
/// `createEntitlementLineItem` call (at most 25 lines).
#[derive(Clone, Debug, PartialEq)]
pub struct LineAddition {
    /// The entitlement that gets the lines.
    pub entitlement_id: String,
    /// The new lines.
    pub lines: Vec<NewLineItem>,
    /// Whether FNO deploys the new lines at once.
    pub deploy: bool,
}

/// The lines FNO added for one record of an add call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedLines {
    /// Position of the record in the input slice.
    pub index: usize,
    /// The entitlement that got the lines.
    pub entitlement_id: String,
    /// The lines, `line_index` counting within the record's lines.
    pub lines: Vec<CreatedLine>,
}

/// A line FNO created, with the activation ID it assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedLine {
    /// Position of the line in the entitlement's input lines.
    pub line_index: usize,
    /// Activation ID.
    pub activation_id: String,
    /// FNO's internal id.
    pub unique_id: Option<String>,
    /// Order ID sent with the line.
    pub order_id: Option<String>,
    /// Order line number sent with the line.
    pub order_line_number: Option<String>,
}

/// An entitlement FNO created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedEntitlement {
    /// Position in the input slice.
    pub index: usize,
    /// Entitlement ID.
    pub entitlement_id: String,
    /// FNO's internal id.
    pub unique_id: Option<String>,
    /// Its lines in input order.
    pub lines: Vec<CreatedLine>,
}

/// Changes to an entitlement's header (`updateSimpleEntitlement`); `None` leaves a field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntitlementUpdate {
    /// Entitlement to change.
    pub entitlement_id: String,
    /// New description.
    pub description: Option<String>,
    /// New sold-to account ID.
    pub sold_to: Option<String>,
    /// New ship-to e-mail.
    pub ship_to_email: Option<String>,
    /// New ship-to address.
    pub ship_to_address: Option<String>,
    /// Channel partners (replace those recorded).
    pub channel_partners: Option<Vec<ChannelPartner>>,
    /// Custom attribute values to set.
    pub attributes: Vec<CustomAttribute>,
}

/// Changes to one line item (`updateEntitlementLineItem`); `None` leaves a field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineItemUpdate {
    /// Entitlement holding the line.
    pub entitlement_id: String,
    /// Activation ID of the line.
    pub activation_id: String,
    /// New description.
    pub description: Option<String>,
    /// New part number.
    pub part_number: Option<String>,
    /// New order ID.
    pub order_id: Option<String>,
    /// New order line number.
    pub order_line_number: Option<String>,
    /// New number of copies.
    pub number_of_copies: Option<i64>,
    /// New start rule.
    pub start: Option<StartDate>,
    /// New expiration rule.
    pub expiration: Option<Expiration>,
    /// Custom attribute values to set.
    pub attributes: Vec<CustomAttribute>,
}

/// A renewal of one line item (`renewLicense`): a new line that continues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRenewal {
    /// Entitlement holding the line to renew.
    pub entitlement_id: String,
    /// Activation ID of the line to renew.
    pub activation_id: String,
    /// Activation ID of the new line; `None` lets FNO generate one.
    pub new_activation_id: Option<String>,
    /// Copies of the new line.
    pub number_of_copies: Option<i64>,
    /// Start rule of the new line.
    pub start: Option<StartDate>,
    /// Expiration rule of the new line.
    pub expiration: Option<Expiration>,
    /// Description.
    pub description: Option<String>,
    /// Order ID of the renewing opportunity.
    pub order_id: Option<String>,
    /// Order line number of the renewing line.
    pub order_line_number: Option<String>,
    /// Deploy the new line at once.
    pub auto_deploy: bool,
}

/// A renewal FNO made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewedLine {
    /// Position in the input slice.
    pub index: usize,
    /// Activation ID of the renewed (parent) line.
    pub parent_activation_id: String,
    /// Activation ID of the new line.
    pub activation_id: String,
}

/// A line item as FNO reports it (`getEntitlementLineItemPropertiesQuery` or an entitlement search).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineItemRecord {
    /// Activation ID.
    pub activation_id: String,
    /// Entitlement ID.
    pub entitlement_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Line state.
    pub state: Option<EntitlementState>,
    /// State of the entitlement.
    pub entitlement_state: Option<EntitlementState>,
    /// Sold-to account ID.
    pub sold_to: Option<String>,
    /// Part number.
    pub part_number: Option<String>,
    /// Product name and version.
    pub product: Option<(String, String)>,
    /// Order ID.
    pub order_id: Option<String>,
    /// Order line number.
    pub order_line_number: Option<String>,
    /// Copies bought.
    pub number_of_copies: Option<i64>,
    /// Copies fulfilled.
    pub fulfilled_amount: Option<i64>,
    /// Copies not yet fulfilled (written back as Remaining Quantity).
    pub remaining_copies: Option<i64>,
    /// Start date.
    pub start_date: Option<NaiveDate>,
    /// Start date option.
    pub start_date_option: Option<String>,
    /// Permanent licence.
    pub is_permanent: Option<bool>,
    /// Term.
    pub term: Option<(i64, DurationUnit)>,
    /// Expiration date.
    pub expiration_date: Option<NaiveDate>,
    /// When FNO created the line (FNO's clock).
    pub created_on: Option<DateTime<Utc>>,
    /// Last change.
    pub last_modified: Option<DateTime<Utc>>,
}

/// An entitlement as FNO reports it (`getEntitlementsQuery`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntitlementRecord {
    /// Entitlement ID.
    pub entitlement_id: String,
    /// Description.
    pub description: Option<String>,
    /// Sold-to account ID.
    pub sold_to: Option<String>,
    /// Ship-to e-mail.
    pub ship_to_email: Option<String>,
    /// Ship-to address.
    pub ship_to_address: Option<String>,
    /// State.
    pub state: Option<EntitlementState>,
    /// Last change.
    pub last_modified: Option<DateTime<Utc>>,
    /// Line items.
    pub line_items: Vec<LineItemRecord>,
}
