//! The writes a page's accounts plan and the page then sends together: the
//! new entitlements, created in calls of 25 once every account of the page
//! is planned. Plain data; the stages that fill and send it are elsewhere.

use crate::fno::{NewEntitlement, NewLineItem};
use crate::salesforce::SalesOrder;

/// A new entitlement planned by an account's pass, created with those of the
/// whole page (`orders::create_pending`).
#[derive(Clone, Debug)]
pub struct PendingCreate {
    /// The sales order it comes from.
    pub order: SalesOrder,
    /// What FNO gets.
    pub entitlement: NewEntitlement,
    /// Its lines with the Salesforce line item Ids they come from.
    pub lines: Vec<(String, NewLineItem)>,
    /// The fingerprint of what is sent, stored with the link.
    pub print: String,
    /// How the log names what is sent.
    pub sent: String,
}
