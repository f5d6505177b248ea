//! The read stage of a page: the accounts with their contacts and their
//! sales orders (with line items), in a few Salesforce queries whatever
//! the number of records. Nothing here writes.

use std::collections::HashMap;

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
    Ok(reads)
}
