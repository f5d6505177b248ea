//! The writes a page's accounts plan and the page then sends together: the
//! new entitlements, created in calls of 25 once every account of the page
//! is planned, and the changes to entitlements sent before, sent in rounds
//! of calls of 25. Plain data; the stages that fill and send it are elsewhere.

use crate::fno::{NewEntitlement, NewLineItem};
use crate::salesforce::SalesOrder;
use crate::store::links::LinkRecord;

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

/// A renewal opportunity (spec §5), renewed with the page's others once the
/// page's new entitlements exist (`renewals::renew_pending`).
#[derive(Clone, Debug)]
pub struct PlannedRenewal {
    /// The renewal and its lines as read.
    pub order: SalesOrder,
    /// The Salesforce Id of the opportunity it renews.
    pub renewed: String,
    /// Its valid lines with the Salesforce line item Ids they come from.
    pub lines: Vec<(String, NewLineItem)>,
}

/// The FNO writes a page's accounts planned, sent once all are planned.
#[derive(Clone, Debug, Default)]
pub struct PageWrites {
    /// New entitlements.
    pub creates: Vec<PlannedOrder>,
    /// Changed entitlements.
    pub updates: Vec<PendingUpdate>,
    /// Renewals.
    pub renewals: Vec<PlannedRenewal>,
}

impl PageWrites {
    /// Takes in the writes another account's pass planned.
    pub fn extend(&mut self, other: PageWrites) {
        self.creates.extend(other.creates);
        self.updates.extend(other.updates);
        self.renewals.extend(other.renewals);
    }
}

/// What the stored link of a record says of sending it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// FNO has no such record from fnosync: it is created.
    Create,
    /// FNO has it (this ID) as sent before, and what is sent now differs.
    Update(String),
    /// FNO has it (this ID) exactly as it would be sent now: nothing is sent.
    Unchanged(String),
    /// A run that died sent its create, and FNO may or may not have it: it
    /// is looked up in FNO first.
    InDoubt,
}

/// Decides, from the record's link, what sending `print` (the fingerprint
/// of what FNO would get) means. `key` is the FNO ID the record is sent
/// under when fnosync chooses it (accounts, users): a link to another ID
/// is sent again. Entitlements (`None`) get their ID from FNO.
pub fn decide(link: Option<&LinkRecord>, key: Option<&str>, print: &str) -> Decision {
    let Some(link) = link else {
        return Decision::Create;
    };
    if link.fno_id.is_empty() {
        return match key {
            Some(_) => Decision::Create,
            None => Decision::InDoubt,
        };
    }
    let same_key = key.is_none_or(|key| key == link.fno_id);
    match (same_key, link.fingerprint == print) {
        (true, true) => Decision::Unchanged(link.fno_id.clone()),
        (true, false) => Decision::Update(link.fno_id.clone()),
        (false, _) => Decision::Create,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(fno_id: &str, print: &str) -> LinkRecord {
        LinkRecord {
            sf_object: "Account".into(),
            salesforce_id: "001A".into(),
            fno_kind: "account".into(),
            fno_id: fno_id.into(),
            fingerprint: print.into(),
            parent_id: String::new(),
            part_number: String::new(),
            sent_fields: String::new(),
        }
    }

    #[test]
    fn a_record_is_created_updated_left_or_looked_up_by_its_link() {
        assert_eq!(decide(None, Some("A-1"), "p"), Decision::Create);
        let sent = link("A-1", "p");
        assert_eq!(
            decide(Some(&sent), Some("A-1"), "p"),
            Decision::Unchanged("A-1".into())
        );
        assert_eq!(
            decide(Some(&sent), Some("A-1"), "q"),
            Decision::Update("A-1".into())
        );
        assert_eq!(
            decide(Some(&sent), Some("A-2"), "p"),
            Decision::Create,
            "sent under another ID: a new FNO record"
        );
        assert_eq!(
            decide(Some(&sent), None, "q"),
            Decision::Update("A-1".into())
        );
        let intent = link("", "p");
        assert_eq!(decide(Some(&intent), None, "p"), Decision::InDoubt);
    }
}
