//! The plan stage of a page's orders, pure code without I/O: each sales
//! order, with the run's mappings and filters, the part states of the
//! page's product codes and the order's stored link, becomes what FNO is to
//! get — an entitlement to create or update, a renewal, nothing, or a
//! refusal with its reason — and each of its lines a line to send or a
//! refusal. The apply stage (`apply`) sends what the page planned together,
//! in calls of 25; a sync plan (`dry_run`) shows it.

use std::collections::BTreeMap;

use super::lines::{build_line, LineRefused, PartStates};
use super::mapping::Mappings;
use super::rules;
use super::sent::fingerprint;
use crate::domain::filters::Filters;
use crate::domain::mapping::SfObject;
use crate::fno::{ChannelPartner, NewEntitlement, NewLineItem};
use crate::salesforce::{fields, SalesOrder, SfRecord};
use crate::store::links::LinkRecord;

/// FNO's tier key of distributors (the partner that sold to the end customer).
pub const PARTNER_TIER: &str = "bo.constants.partnertiernames.tier1";

/// In the partner scenario (spec §4) the opportunity's own account is the
/// channel partner; it is recorded on the entitlement sold to the end customer.
fn partner_of(
    owner: &str,
    sold_to: &str,
    account_ids: &BTreeMap<String, String>,
) -> Vec<ChannelPartner> {
    if owner == sold_to {
        return Vec::new();
    }
    account_ids
        .get(owner)
        .map(|partner| ChannelPartner {
            tier_name: PARTNER_TIER.to_string(),
            account_id: partner.clone(),
            current_owner: Some(false),
        })
        .into_iter()
        .collect()
}

/// Why an order's entitlement cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRefused {
    /// The error, for the log's error column.
    pub error: String,
    /// What the log says.
    pub message: String,
    /// The records (the order, its lines) it leaves unsynced.
    pub records: usize,
}

impl OrderRefused {
    fn new(error: String, message: String, records: usize) -> Self {
        Self {
            error,
            message,
            records,
        }
    }
}

/// What FNO gets for a sales order (not a renewal) whose valid lines are
/// `lines`; `account_ids` maps Salesforce account Ids to FNO account IDs.
pub fn entitlement_of(
    order: &SalesOrder,
    lines: &[(String, NewLineItem)],
    account_ids: &BTreeMap<String, String>,
    (mappings, filters): (&Mappings, &Filters),
) -> std::result::Result<NewEntitlement, OrderRefused> {
    let opportunity = &order.opportunity;
    let owner = opportunity
        .text("AccountId")
        .unwrap_or_default()
        .to_string();
    let sold_to_sf = order
        .sold_to
        .as_ref()
        .map(|s| s.id.clone())
        .unwrap_or_else(|| owner.clone());
    let Some(sold_to) = account_ids.get(&sold_to_sf).cloned() else {
        let reason = format!("the sold-to account {sold_to_sf} is not in FNO");
        return Err(OrderRefused::new(reason.clone(), reason, lines.len()));
    };
    if lines.is_empty() {
        let reason = "no line item of the opportunity can sync; see the line item logs".to_string();
        return Err(OrderRefused::new(reason.clone(), reason, 1));
    }
    let attributes = mappings
        .custom_attributes(SfObject::Opportunity, opportunity)
        .map_err(|(field, reason)| {
            OrderRefused::new(format!("{field}: {reason}"), reason, lines.len() + 1)
        })?;
    let text = |field: &str| mappings.text(SfObject::Opportunity, field, opportunity);
    Ok(NewEntitlement {
        entitlement_id: opportunity.text(fields::ENTITLEMENT_ID).map(str::to_string),
        description: text("description"),
        sold_to: Some(sold_to),
        ship_to_email: text("shipToEmail"),
        ship_to_address: text("shipToAddress"),
        line_items: lines.iter().map(|(_, l)| l.clone()).collect(),
        state: rules::entitlement_state(
            opportunity.text(fields::ENTITLEMENT_STATE),
            filters.post_condition_state,
        ),
        channel_partners: partner_of(&owner, &sold_to_sf, account_ids),
        attributes,
    })
}

/// The fingerprint of an entitlement as sent. The ID is left out: once
/// written back to the opportunity it is read again, and that alone is no
/// change to send.
pub fn entitlement_print(entitlement: &NewEntitlement) -> String {
    fingerprint(&NewEntitlement {
        entitlement_id: None,
        ..entitlement.clone()
    })
}

/// Returns the Salesforce Id of the opportunity `opportunity` renews, if any.
pub fn renewed_opportunity(opportunity: &SfRecord) -> Option<String> {
    opportunity
        .text(fields::RENEWED_OPPORTUNITY)
        .map(str::to_string)
}

/// Tells whether the renewal's own link (`own`) shows `lines` renewed
/// before on `entitlement_id`, as they are now.
pub fn renewed_before(
    own: Option<&LinkRecord>,
    lines: &[(String, NewLineItem)],
    entitlement_id: &str,
) -> bool {
    let print = renewal_print(lines);
    own.is_some_and(|l| l.fingerprint == print && l.fno_id == entitlement_id)
}

/// The fingerprint of a renewal: the lines it renews, as sent.
pub fn renewal_print(lines: &[(String, NewLineItem)]) -> String {
    fingerprint(&lines.iter().map(|(_, l)| l).collect::<Vec<_>>())
}

/// Why a renewal of an opportunity FNO has no entitlement of fails.
pub fn not_synced_reason(renewed: &str) -> String {
    format!("the renewed opportunity {renewed} has not been synced to FNO; sync it first")
}

/// What the plan makes of one sales order.
#[derive(Clone, Debug)]
pub struct OrderPlan {
    /// The opportunity's Salesforce Id.
    pub order_id: String,
    /// Its lines that cannot be sent (Salesforce line Id, why).
    pub refused_lines: Vec<(String, LineRefused)>,
    /// What becomes of the order.
    pub action: OrderAction,
}

/// What becomes of a sales order.
#[derive(Clone, Debug)]
pub enum OrderAction {
    /// It renews another order's entitlement (the page's renewals round).
    Renew(PlannedRenewal),
    /// Its entitlement cannot be sent.
    Refused(OrderRefused),
    /// Its entitlement, sent as its stored link says.
    Send(Decision, Box<PlannedOrder>),
}

/// What an order is planned with: the part states of the page's product
/// codes, the run's mappings and filters.
pub type PlanSources<'s> = (&'s PartStates, &'s Mappings, &'s Filters);

/// Plans one sales order; `account_ids` maps Salesforce account Ids to FNO
/// account IDs, `stored` is the order's link.
pub fn plan_order(
    (parts, mappings, filters): PlanSources<'_>,
    order: SalesOrder,
    account_ids: &BTreeMap<String, String>,
    stored: Option<&LinkRecord>,
) -> OrderPlan {
    let opportunity = &order.opportunity;
    let order_id = opportunity.id.clone();
    let mut lines = Vec::new();
    let mut refused_lines = Vec::new();
    for line in &order.line_items {
        match build_line((parts, mappings), opportunity, line) {
            Ok(new_line) => lines.push((line.record.id.clone(), new_line)),
            Err(refused) => refused_lines.push((line.record.id.clone(), refused)),
        }
    }
    let action = if let Some(renewed) = renewed_opportunity(opportunity) {
        OrderAction::Renew(PlannedRenewal {
            order,
            renewed,
            lines,
        })
    } else {
        match entitlement_of(&order, &lines, account_ids, (mappings, filters)) {
            Err(refused) => OrderAction::Refused(refused),
            Ok(entitlement) => {
                let print = entitlement_print(&entitlement);
                let decision = decide(stored, None, &print);
                let sent = sent_text(&entitlement, &lines);
                let planned = PlannedOrder {
                    order,
                    entitlement,
                    lines,
                    print,
                    sent,
                };
                OrderAction::Send(decision, Box::new(planned))
            }
        }
    };
    OrderPlan {
        order_id,
        refused_lines,
        action,
    }
}

/// How the log names an entitlement sent.
fn sent_text(entitlement: &NewEntitlement, lines: &[(String, NewLineItem)]) -> String {
    format!(
        "entitlement sold to {}, state {}, {} line(s): {}",
        entitlement.sold_to.as_deref().unwrap_or_default(),
        entitlement.state.as_str(),
        lines.len(),
        lines
            .iter()
            .map(|(_, l)| format!("{} x {}", l.part_number, l.number_of_copies))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

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

/// An order sent before whose lines' activation IDs and remaining copies
/// are read from FNO for the write-back.
#[derive(Clone, Debug)]
pub struct LinesToRead {
    /// The order as read.
    pub order: SalesOrder,
    /// Its entitlement.
    pub entitlement_id: String,
    /// The FNO account the entitlement is sold to.
    pub sold_to: Option<String>,
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
    /// Orders sent before whose lines FNO is asked about for the write-back
    /// (read with the page's others, `record::read_line_states`).
    pub line_reads: Vec<LinesToRead>,
}

impl PageWrites {
    /// Takes in the writes another account's pass planned.
    pub fn extend(&mut self, other: PageWrites) {
        self.creates.extend(other.creates);
        self.updates.extend(other.updates);
        self.renewals.extend(other.renewals);
        self.line_reads.extend(other.line_reads);
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
