//! The read stage of a page: the accounts with their contacts and their
//! sales orders (with line items), and the end customers of partner deals
//! with their contacts, in a few Salesforce queries whatever the number of
//! records. Nothing here writes.

use std::collections::{BTreeSet, HashMap};

use super::pass::Pass;
use crate::salesforce::{AccountWithContacts, SalesOrder};

/// What the read stage brings of one account: the account with its
/// contacts (`None` when Salesforce has no such account) and its sales orders.
#[derive(Clone, Debug, Default)]
pub struct AccountRead {
    /// The account and its contacts.
    pub account: Option<AccountWithContacts>,
    /// Its sales orders: opportunities in the pre-condition stages with at
    /// least one line item (one without is no sales order, spec §2).
    pub orders: Vec<SalesOrder>,
    /// The end customers its orders are sold to (partner deals, spec §4),
    /// with their contacts, when they are not accounts of the page themselves.
    pub end_customers: Vec<AccountWithContacts>,
}

/// Reads the accounts with their contacts and sales orders, two queries per
/// 200 accounts whatever their record counts; opportunities without line
/// items are left out, so nothing is sent to FNO for them. `Err` with a reason when
/// Salesforce could not be read.
pub async fn read_accounts(
    pass: &Pass<'_>,
    account_ids: &[String],
) -> std::result::Result<HashMap<String, AccountRead>, String> {
    let extra = pass.mappings.extra_fields();
    let stages = &pass.filters.pre_condition_stages;
    let (accounts, orders) = pass
        .sf
        .read_accounts_and_orders(account_ids, Some(stages), &extra)
        .await
        .map_err(|error| {
            format!("cannot read the accounts and sales orders from Salesforce: {error}")
        })?;
    let mut reads: HashMap<String, AccountRead> = HashMap::new();
    for account in accounts {
        let id = account.account.id.clone();
        reads.entry(id).or_default().account = Some(account);
    }
    for order in orders.into_iter().filter(|o| !o.line_items.is_empty()) {
        let owner = order.opportunity.text("AccountId").unwrap_or_default();
        reads
            .entry(owner.to_string())
            .or_default()
            .orders
            .push(order);
    }
    read_end_customers(pass, &mut reads, &extra).await?;
    Ok(reads)
}

/// Reads the end customers of the page's partner deals that are not
/// accounts of the page, with their contacts (the people who activate the
/// licences), and gives each owner read the end customers of its orders.
async fn read_end_customers(
    pass: &Pass<'_>,
    reads: &mut HashMap<String, AccountRead>,
    extra: &crate::salesforce::ExtraFields,
) -> std::result::Result<(), String> {
    let end_customers: BTreeSet<String> = reads
        .values()
        .flat_map(|read| &read.orders)
        .filter_map(|order| order.sold_to.as_ref().map(|s| s.id.clone()))
        .filter(|id| !reads.contains_key(id))
        .collect();
    if end_customers.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = end_customers.into_iter().collect();
    let found: HashMap<String, AccountWithContacts> = pass
        .sf
        .read_accounts_with_contacts(&ids, extra)
        .await
        .map_err(|error| format!("cannot read the end customers from Salesforce: {error}"))?
        .into_iter()
        .map(|account| (account.account.id.clone(), account))
        .collect();
    for read in reads.values_mut() {
        let sold_to: BTreeSet<&str> = read
            .orders
            .iter()
            .filter_map(|order| order.sold_to.as_ref().map(|s| s.id.as_str()))
            .collect();
        read.end_customers = sold_to
            .into_iter()
            .filter_map(|id| found.get(id).cloned())
            .collect();
    }
    Ok(())
}
