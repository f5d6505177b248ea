//! The writes a page's accounts plan and the page then sends together: the
//! new entitlements, created in calls of 25 once every account of the page
//! is planned, and the changes to entitlements sent before, sent in rounds
//! of calls of 25. Plain data; the stages that fill and send it are elsewhere.

use crate::fno::{NewEntitlement, NewLineItem};
use crate::salesforce::SalesOrder;

/// What an order becomes in FNO, as an account's pass planned it: a new
/// entitlement (created with those of the whole page, `creates::create_pending`)
/// or the new state of one sent before (see [`PendingUpdate`]).
#[derive(Clone, Debug)]
pub struct PlannedOrder {
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

/// A changed order whose entitlement FNO has, updated with those of the
/// whole page (`updates::update_pending`).
#[derive(Clone, Debug)]
pub struct PendingUpdate {
    /// The entitlement the order became.
    pub entitlement_id: String,
    /// What the order is now.
    pub planned: PlannedOrder,
}

/// The FNO writes a page's accounts planned, sent once all are planned.
#[derive(Clone, Debug, Default)]
pub struct PageWrites {
    /// New entitlements.
    pub creates: Vec<PlannedOrder>,
    /// Changed entitlements.
    pub updates: Vec<PendingUpdate>,
}

impl PageWrites {
    /// Takes in the writes another account's pass planned.
    pub fn extend(&mut self, other: PageWrites) {
        self.creates.extend(other.creates);
        self.updates.extend(other.updates);
    }
}
