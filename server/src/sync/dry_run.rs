//! Sync plans: what a sync of some accounts would do in FNO, record by
//! record, without writing anything on either side. A plan goes through the
//! sync's own read stage, its builders (accounts, users, lines with their
//! product checks, entitlements) and its decisions on the stored links
//! ([`decide`]); Salesforce and FNO are only read, PostgreSQL only for the
//! links and the versions last synced.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sqlx::PgPool;

use super::accounts::{account_from_record, user_from_contact, PageRecords};
use super::cancellations::{cancelled_soql, why};
use super::changes::{self, Phase, Window};
use super::lines::{LineRefused, PartLookup, PartStates};
use super::page::not_synced_note;
use super::plan::{decide, not_synced_reason, plan_order, renewed_before, Decision, OrderAction};
use super::read::{orders_of, read_accounts, AccountRead, Reader};
use super::sent::{self, fingerprint, FieldChange, Fields, SentFields};
use crate::domain::filters::CancellationPolicy;
use crate::error::Result;
use crate::fno::NewLineItem;
use crate::salesforce::SalesOrder;
use crate::store::links::{self, LinkRecord};

/// What a sync would do with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create it in FNO.
    Create,
    /// Update what FNO has.
    Update,
    /// Renew the lines of the entitlement it renews.
    Renew,
    /// Set its FNO line OBSOLETE.
    Obsolete,
    /// Nothing: FNO has it as it would be sent, or it is not synced.
    Nothing,
    /// It would fail, for the reason given.
    Fail,
}

/// One record of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRecord {
    /// Salesforce object: Account, Contact, Opportunity or OpportunityLineItem.
    pub object: &'static str,
    /// Salesforce record Id.
    pub salesforce_id: String,
    /// The account it is synced with.
    pub account_id: String,
    /// What the sync would do.
    pub action: Action,
    /// The FNO ID it has or would get, when known.
    pub fno_id: String,
    /// The fields that would change (all of them for a create).
    pub changes: Vec<FieldChange>,
    /// Why (always for a failure and for nothing done; a note otherwise).
    pub reason: String,
}

/// A plan of some accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncPlan {
    /// The accounts planned.
    pub accounts: Vec<String>,
    /// Their records, account by account.
    pub records: Vec<PlannedRecord>,
    /// More accounts (or records) would be synced than the plan shows.
    pub truncated: bool,
}

/// What a plan reads with.
pub struct Planner<'p> {
    /// The read stage's client and settings.
    pub reader: Reader<'p>,
    /// FNO part numbers, looked up once per plan.
    pub parts: PartLookup,
    /// The links.
    pub pool: &'p PgPool,
}

/// Accounts a window's plan shows at most.
pub const MAX_PLAN_ACCOUNTS: usize = 200;

/// Records a plan shows at most.
pub const MAX_PLAN_RECORDS: usize = 5_000;

/// Part numbers a plan looks up in FNO at the same time.
const PART_LOOKUPS_AT_ONCE: usize = 4;

impl Planner<'_> {
    /// The plan of a window: the accounts a scheduled or immediate sync of
    /// it would sync (from the first page of each change query, at most
    /// [`MAX_PLAN_ACCOUNTS`]), each planned as [`Planner::accounts`] does.
    /// `Err` with the reason when Salesforce or FNO could not be read.
    pub async fn window(&self, window: Window) -> Result<std::result::Result<SyncPlan, String>> {
        let stages = &self.reader.filters.pre_condition_stages;
        let cancelled = match cancelled_soql(stages, window) {
            Ok(soql) => soql,
            Err(error) => return Ok(Err(error.to_string())),
        };
        let first = changes::first_pages(self.reader, &Phase::SALESFORCE, window, Some(cancelled));
        let read = match first.await {
            Ok(read) => read,
            Err(error) => {
                return Ok(Err(format!(
                    "cannot read the changed records from Salesforce: {error}"
                )))
            }
        };
        let page_size = self.reader.page_size as usize;
        let mut truncated = false;
        let mut accounts: Vec<String> = Vec::new();
        for (phase, page) in &read.pages {
            truncated |= page.len() >= page_size;
            let found = match phase.record_object() {
                Some(object) => {
                    super::batch::changed_with_synced_orders(self.pool, object, page).await?
                }
                None => changes::accounts_of(page),
            };
            for account in found {
                if !accounts.contains(&account) {
                    accounts.push(account);
                }
            }
        }
        if accounts.len() > MAX_PLAN_ACCOUNTS {
            accounts.truncate(MAX_PLAN_ACCOUNTS);
            truncated = true;
        }
        let mut plan = match self.accounts(&accounts).await? {
            Ok(plan) => plan,
            Err(reason) => return Ok(Err(reason)),
        };
        plan.truncated |= truncated;
        let rows = read.other.unwrap_or_default();
        plan.records.extend(self.cancellations(&rows).await?);
        Ok(Ok(plan))
    }

    /// The synced orders a window cancelled (left the pre-condition stages,
    /// or deleted), handled by the filters' cancellation policy after the
    /// rest of the run.
    async fn cancellations(&self, rows: &[serde_json::Value]) -> Result<Vec<PlannedRecord>> {
        let found: HashMap<String, String> = rows.iter().filter_map(why).collect();
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let account_of: HashMap<&str, &str> = rows
            .iter()
            .filter_map(|row| Some((row.get("Id")?.as_str()?, row.get("AccountId")?.as_str()?)))
            .collect();
        let ids: Vec<String> = found.keys().cloned().collect();
        let policy = self.reader.filters.cancellation_policy;
        let mut records = Vec::new();
        for (opportunity_id, entitlement_id) in links::cancellable_orders(self.pool, &ids).await? {
            let why = found.get(&opportunity_id).cloned().unwrap_or_default();
            let account_id = account_of
                .get(opportunity_id.as_str())
                .copied()
                .unwrap_or_default();
            let keys = ("Opportunity", opportunity_id.as_str(), account_id);
            records.push(match policy {
                CancellationPolicy::Obsolete => record(
                    keys,
                    Action::Obsolete,
                    &entitlement_id,
                    format!(
                        "{why} after it synced: the lines of {entitlement_id} without \
                         activations are set OBSOLETE, those with activations are reported"
                    ),
                ),
                CancellationPolicy::Leave => nothing(
                    keys,
                    &entitlement_id,
                    format!(
                        "{why} after it synced: FNO keeps {entitlement_id} as it is \
                         (cancellation policy leave)"
                    ),
                ),
            });
        }
        Ok(records)
    }

    /// The plan of a sync of `account_ids`: their accounts (and the sold-to
    /// accounts of their orders), contacts, orders and lines, and the lines
    /// removed from their synced orders. `Err` with the reason when
    /// Salesforce could not be read.
    pub async fn accounts(
        &self,
        account_ids: &[String],
    ) -> Result<std::result::Result<SyncPlan, String>> {
        let reads = match read_accounts(self.reader, account_ids).await {
            Ok(reads) => reads,
            Err(reason) => return Ok(Err(reason)),
        };
        let stored = self.stored_links(&reads).await?;
        let parts = self
            .parts
            .resolve(orders_of(&reads), PART_LOOKUPS_AT_ONCE)
            .await;
        let mut plan = SyncPlan {
            accounts: account_ids.to_vec(),
            ..SyncPlan::default()
        };
        let page = PageRecords::of(&reads);
        let fno_accounts = self.plan_accounts(&page, &stored, &mut plan.records);
        self.plan_users(&page, &fno_accounts, &stored, &mut plan.records);
        let created = self.created_orders(&reads, &parts, &fno_accounts, &stored);
        let mut updated = Vec::new();
        for account_id in account_ids {
            let read = reads.get(account_id).cloned().unwrap_or_default();
            let known = (account_id.as_str(), &parts, &created);
            let planned = self.plan_orders(known, &read, &fno_accounts, &stored);
            for record in planned {
                if record.object == "Opportunity" && record.action == Action::Update {
                    updated.push(record.clone());
                }
                plan.records.push(record);
            }
        }
        let removed = self.removed_lines(&reads, &updated).await?;
        plan.records.extend(removed);
        if plan.records.len() > MAX_PLAN_RECORDS {
            plan.records.truncate(MAX_PLAN_RECORDS);
            plan.truncated = true;
        }
        Ok(Ok(plan))
    }

    /// The links of every record read, by object and Salesforce Id.
    async fn stored_links(
        &self,
        reads: &HashMap<String, AccountRead>,
    ) -> Result<HashMap<(&'static str, String), LinkRecord>> {
        let mut ids: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
        for read in reads.values() {
            let accounts = read.account.iter().chain(&read.end_customers);
            for account in accounts {
                let account_ids = ids.entry("Account").or_default();
                account_ids.insert(account.account.id.clone());
                let contacts = ids.entry("Contact").or_default();
                contacts.extend(account.contacts.iter().map(|c| c.id.clone()));
            }
            for order in &read.orders {
                if let Some(sold_to) = &order.sold_to {
                    ids.entry("Account").or_default().insert(sold_to.id.clone());
                }
                let opportunity = order.opportunity.id.clone();
                ids.entry("Opportunity").or_default().insert(opportunity);
                let lines = ids.entry("OpportunityLineItem").or_default();
                lines.extend(order.line_items.iter().map(|l| l.record.id.clone()));
            }
        }
        let mut stored = HashMap::new();
        for (object, ids) in ids {
            let ids: Vec<String> = ids.into_iter().collect();
            for (link, _) in links::get_links(self.pool, object, &ids).await? {
                stored.insert((object, link.salesforce_id.clone()), link);
            }
        }
        Ok(stored)
    }

    /// The accounts round; returns the FNO account IDs the accounts would have.
    fn plan_accounts(
        &self,
        page: &PageRecords<'_>,
        stored: &HashMap<(&'static str, String), LinkRecord>,
        records: &mut Vec<PlannedRecord>,
    ) -> HashMap<String, String> {
        let mut fno_accounts = HashMap::new();
        for (id, record) in &page.accounts {
            let planned = match account_from_record(self.reader.mappings, record) {
                Ok(account) => {
                    let link = stored.get(&("Account", id.clone()));
                    let decision = decide(link, Some(&account.id), &fingerprint(&account));
                    fno_accounts.insert(id.clone(), account.id.clone());
                    planned(("Account", id, id), &account.id, decision, link, &account)
                }
                Err(reason) => failed(("Account", id, id), reason),
            };
            records.push(planned);
        }
        fno_accounts
    }

    /// The users round: the contacts of accounts FNO would have.
    fn plan_users(
        &self,
        page: &PageRecords<'_>,
        fno_accounts: &HashMap<String, String>,
        stored: &HashMap<(&'static str, String), LinkRecord>,
        records: &mut Vec<PlannedRecord>,
    ) {
        for (id, (contact, owner)) in &page.contacts {
            let Some(fno_account) = fno_accounts.get(*owner) else {
                continue;
            };
            let keys = ("Contact", *id, *owner);
            let planned = match user_from_contact(self.reader.mappings, contact, fno_account) {
                Ok(user) => {
                    let link = stored.get(&("Contact", id.to_string()));
                    let decision = decide(link, Some(&user.user_name), &fingerprint(&user));
                    planned(keys, &user.user_name, decision, link, &user)
                }
                Err(reason) => failed(keys, reason),
            };
            records.push(planned);
        }
    }

    /// The orders of one account and their lines.
    /// The orders of `reads` the sync would create: a renewal of one of
    /// them renews it in the same sync (the renewals round comes after the
    /// entitlements round).
    fn created_orders(
        &self,
        reads: &HashMap<String, AccountRead>,
        parts: &PartStates,
        fno_accounts: &HashMap<String, String>,
        stored: &HashMap<(&'static str, String), LinkRecord>,
    ) -> HashSet<String> {
        let account_ids: BTreeMap<String, String> = fno_accounts
            .iter()
            .map(|(sf, fno)| (sf.clone(), fno.clone()))
            .collect();
        let sources = (parts, self.reader.mappings, self.reader.filters);
        orders_of(reads)
            .filter(|order| {
                let link = stored.get(&("Opportunity", order.opportunity.id.clone()));
                let action = plan_order(sources, (*order).clone(), &account_ids, link).action;
                matches!(
                    action,
                    OrderAction::Send(Decision::Create | Decision::InDoubt, _)
                )
            })
            .map(|order| order.opportunity.id.clone())
            .collect()
    }

    fn plan_orders(
        &self,
        (account_id, parts, created): (&str, &PartStates, &HashSet<String>),
        read: &AccountRead,
        fno_accounts: &HashMap<String, String>,
        stored: &HashMap<(&'static str, String), LinkRecord>,
    ) -> Vec<PlannedRecord> {
        let keys = ("Account", account_id, account_id);
        if read.account.is_none() {
            return vec![failed(
                keys,
                format!("Salesforce has no account {account_id}"),
            )];
        }
        if read.orders.is_empty() {
            let note = not_synced_note(&self.reader.filters.pre_condition_stages);
            return vec![nothing(keys, "", note)];
        }
        if !fno_accounts.contains_key(account_id) {
            return Vec::new();
        }
        let account_ids: BTreeMap<String, String> = fno_accounts
            .iter()
            .map(|(sf, fno)| (sf.clone(), fno.clone()))
            .collect();
        let mut records = Vec::new();
        for order in &read.orders {
            let keys = (account_id, parts, created);
            self.plan_order(keys, order, &account_ids, stored, &mut records);
        }
        records
    }

    fn plan_order(
        &self,
        (account_id, parts, created): (&str, &PartStates, &HashSet<String>),
        order: &SalesOrder,
        account_ids: &BTreeMap<String, String>,
        stored: &HashMap<(&'static str, String), LinkRecord>,
        records: &mut Vec<PlannedRecord>,
    ) {
        let link = stored.get(&("Opportunity", order.opportunity.id.clone()));
        let sources = (parts, self.reader.mappings, self.reader.filters);
        let order_plan = plan_order(sources, order.clone(), account_ids, link);
        for (line_id, LineRefused { field, reason }) in &order_plan.refused_lines {
            records.push(failed(
                ("OpportunityLineItem", line_id, account_id),
                format!("{field}: {reason}; the line would not be sent"),
            ));
        }
        let keys = ("Opportunity", order_plan.order_id.as_str(), account_id);
        let (decision, sent) = match order_plan.action {
            OrderAction::Renew(renewal) => {
                let renewed = (renewal.renewed.as_str(), created);
                records.push(plan_renewal(keys, renewed, &renewal.lines, stored));
                return;
            }
            OrderAction::Refused(refused) => {
                records.push(failed(keys, refused.message));
                return;
            }
            OrderAction::Send(decision, sent) => (decision, sent),
        };
        let fno_id = link.map(|l| l.fno_id.clone()).unwrap_or_default();
        let created = matches!(decision, Decision::Create | Decision::InDoubt);
        records.push(planned(
            keys,
            &fno_id,
            decision.clone(),
            link,
            &sent.entitlement,
        ));
        for (sf_line, line) in &sent.lines {
            let keys = ("OpportunityLineItem", sf_line.as_str(), account_id);
            let link = stored
                .get(&("OpportunityLineItem", sf_line.clone()))
                .filter(|_| !created);
            records.push(plan_line(keys, &decision, link, line));
        }
    }

    /// The lines removed from the updated orders `updated`: what FNO holds
    /// of their entitlements that the orders no longer have.
    async fn removed_lines(
        &self,
        reads: &HashMap<String, AccountRead>,
        updated: &[PlannedRecord],
    ) -> Result<Vec<PlannedRecord>> {
        if updated.is_empty() {
            return Ok(Vec::new());
        }
        let entitlements: Vec<String> = updated.iter().map(|r| r.fno_id.clone()).collect();
        let present: BTreeSet<&str> = reads
            .values()
            .flat_map(|read| &read.orders)
            .flat_map(|order| &order.line_items)
            .map(|line| line.record.id.as_str())
            .collect();
        let account_of: HashMap<&str, &str> = updated
            .iter()
            .map(|r| (r.fno_id.as_str(), r.account_id.as_str()))
            .collect();
        let policy = self.reader.filters.cancellation_policy;
        let mut records = Vec::new();
        for (sf_line, activation_id, entitlement_id) in
            links::live_lines_of(self.pool, &entitlements).await?
        {
            if present.contains(sf_line.as_str()) {
                continue;
            }
            let account_id = account_of
                .get(entitlement_id.as_str())
                .copied()
                .unwrap_or_default();
            let (action, reason) = match policy {
                CancellationPolicy::Obsolete => (
                    Action::Obsolete,
                    format!(
                        "removed from its order in Salesforce: {activation_id} of {entitlement_id} \
                         is set OBSOLETE (a line with activations is reported, not set)"
                    ),
                ),
                CancellationPolicy::Leave => (
                    Action::Nothing,
                    format!(
                        "removed from its order in Salesforce: {activation_id} of {entitlement_id} \
                         is left as it is (cancellation policy leave)"
                    ),
                ),
            };
            records.push(PlannedRecord {
                object: "OpportunityLineItem",
                salesforce_id: sf_line,
                account_id: account_id.to_string(),
                action,
                fno_id: activation_id,
                changes: Vec::new(),
                reason,
            });
        }
        Ok(records)
    }
}

/// Object, Salesforce Id and account of a planned record.
type Keys<'k> = (&'static str, &'k str, &'k str);

fn record(keys: Keys<'_>, action: Action, fno_id: &str, reason: String) -> PlannedRecord {
    PlannedRecord {
        object: keys.0,
        salesforce_id: keys.1.to_string(),
        account_id: keys.2.to_string(),
        action,
        fno_id: fno_id.to_string(),
        changes: Vec::new(),
        reason,
    }
}

fn failed(keys: Keys<'_>, reason: String) -> PlannedRecord {
    record(keys, Action::Fail, "", reason)
}

fn nothing(keys: Keys<'_>, fno_id: &str, reason: String) -> PlannedRecord {
    record(keys, Action::Nothing, fno_id, reason)
}

/// The fields a link stored, when it stored them.
fn old_fields(link: Option<&LinkRecord>) -> Option<Fields> {
    link.and_then(|l| sent::of_text(&l.sent_fields))
}

/// A record the sync would send (or find unchanged), by its decision.
fn planned(
    keys: Keys<'_>,
    fno_id: &str,
    decision: Decision,
    link: Option<&LinkRecord>,
    sent: &impl SentFields,
) -> PlannedRecord {
    let fields = sent.sent_fields();
    let (action, reason) = match &decision {
        Decision::Create => (Action::Create, String::new()),
        Decision::Update(_) => (Action::Update, String::new()),
        Decision::Unchanged(_) => (
            Action::Nothing,
            "unchanged since the last sync; nothing would be sent".to_string(),
        ),
        Decision::InDoubt => (
            Action::Create,
            "a run that stopped sent its create: the sync looks the order up in FNO first, \
             and creates it only when FNO does not have it"
                .to_string(),
        ),
    };
    let changes = match action {
        Action::Create => sent::changes(None, &fields),
        Action::Update => sent::changes(old_fields(link).as_ref(), &fields),
        _ => Vec::new(),
    };
    let mut planned = record(keys, action, fno_id, reason);
    if action == Action::Update && old_fields(link).is_none() {
        planned.reason =
            "changed since the last sync (the values last sent are not known)".to_string();
    }
    planned.changes = changes;
    planned
}

/// A line of an order the sync would create (every line new) or update.
fn plan_line(
    keys: Keys<'_>,
    order: &Decision,
    link: Option<&LinkRecord>,
    line: &NewLineItem,
) -> PlannedRecord {
    let print = fingerprint(line);
    let decision = match (order, link) {
        (Decision::Unchanged(_), Some(link)) => Decision::Unchanged(link.fno_id.clone()),
        (_, link) => decide(link, None, &print),
    };
    let fno_id = link.map(|l| l.fno_id.as_str()).unwrap_or_default();
    let mut planned = planned(keys, fno_id, decision, link, line);
    let swapped = link
        .filter(|l| !l.part_number.is_empty() && l.part_number != line.part_number)
        .filter(|_| planned.action == Action::Update);
    if let Some(old) = swapped {
        planned.action = Action::Create;
        planned.reason = format!(
            "its product changed from {} to {}: a new FNO line replaces {}, which is set OBSOLETE",
            old.part_number, line.part_number, old.fno_id
        );
        planned.changes = sent::changes(None, &line.sent_fields());
    }
    planned
}

/// A renewal: the lines of the renewed opportunity's entitlement renewed.
fn plan_renewal(
    keys: Keys<'_>,
    (renewed, created): (&str, &HashSet<String>),
    lines: &[(String, NewLineItem)],
    stored: &HashMap<(&'static str, String), LinkRecord>,
) -> PlannedRecord {
    let entitlement = stored
        .get(&("Opportunity", renewed.to_string()))
        .map(|l| l.fno_id.clone())
        .filter(|id| !id.is_empty());
    let Some(entitlement_id) = entitlement else {
        if created.contains(renewed) {
            let reason = format!(
                "renews {} line(s) of the entitlement this sync creates for {renewed}",
                lines.len()
            );
            return record(keys, Action::Renew, "", reason);
        }
        return failed(keys, not_synced_reason(renewed));
    };
    let own = stored.get(&("Opportunity", keys.1.to_string()));
    if renewed_before(own, lines, &entitlement_id) {
        let note = format!("unchanged since the last sync; {entitlement_id} was renewed before");
        return nothing(keys, &entitlement_id, note);
    }
    let parts: Vec<String> = lines
        .iter()
        .map(|(_, l)| format!("{} x {}", l.part_number, l.number_of_copies))
        .collect();
    let reason = format!(
        "renews {} line(s) of {entitlement_id} (the entitlement of {renewed}): {}",
        lines.len(),
        parts.join(", ")
    );
    record(keys, Action::Renew, &entitlement_id, reason)
}
