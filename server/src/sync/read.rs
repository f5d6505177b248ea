//! The read stage of a page: the accounts with their contacts and their
//! sales orders (with line items), and the end customers of partner deals
//! with their contacts, in a few Salesforce queries whatever the number of
//! records. Nothing here writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::mapping::Mappings;
use crate::domain::filters::Filters;
use crate::salesforce::{
    AccountWithContacts, Condition, SalesOrder, SalesforceClient, SalesforceError, Soql,
    SoqlBuilder,
};

/// What the read stage needs of a run (or of a plan): the Salesforce
/// client and the settings read at the start.
#[derive(Clone, Copy)]
pub struct Reader<'r> {
    /// Salesforce client.
    pub sf: &'r SalesforceClient,
    /// The mappings (the fields read besides the standard ones).
    pub mappings: &'r Mappings,
    /// The filters (the pre-condition stages).
    pub filters: &'r Filters,
    /// Changed records read per page.
    pub page_size: u32,
}

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
    pass: Reader<'_>,
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
    pass: Reader<'_>,
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

/// The object a Salesforce record Id names, by its key prefix, among those
/// whose records lead to an account.
pub fn object_of(id: &str) -> Option<&'static str> {
    match id.get(..3)? {
        "001" => Some("Account"),
        "003" => Some("Contact"),
        "006" => Some("Opportunity"),
        "00k" => Some("OpportunityLineItem"),
        _ => None,
    }
}

/// Ids per account query (a SOQL statement stays far below Salesforce's length limit).
const IDS_PER_QUERY: usize = 500;

/// The field of an object's record that holds its account.
fn account_field(object: &str) -> &'static str {
    match object {
        "Account" => "Id",
        "OpportunityLineItem" => "Opportunity.AccountId",
        _ => "AccountId",
    }
}

/// The queries that read the account of each record, by object.
fn account_queries(
    records: &BTreeMap<&'static str, BTreeSet<String>>,
) -> Result<Vec<(&'static str, Soql)>, SalesforceError> {
    let mut queries = Vec::new();
    for (&object, ids) in records {
        let field = account_field(object);
        let select: Vec<&str> = if field == "Id" {
            vec!["Id"]
        } else {
            vec!["Id", field]
        };
        let ids: Vec<&String> = ids.iter().collect();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let soql = SoqlBuilder::select(select.iter().copied())
                .from(object)
                .filter(Condition::is_in("Id", chunk.iter().map(|id| id.as_str())))
                .build()?;
            queries.push((object, soql));
        }
    }
    Ok(queries)
}

/// Reads the accounts the records belong to (an account is its own; a
/// contact's and an opportunity's `AccountId`; a line's opportunity's), in
/// one `composite` call per five queries. Returns each account found with
/// the object of the record that led to it; records Salesforce no longer
/// has lead nowhere.
pub async fn accounts_of_records(
    sf: &SalesforceClient,
    records: &BTreeMap<&'static str, BTreeSet<String>>,
) -> Result<Vec<(&'static str, String)>, SalesforceError> {
    let queries = account_queries(records)?;
    if queries.is_empty() {
        return Ok(Vec::new());
    }
    let soqls: Vec<Soql> = queries.iter().map(|(_, soql)| soql.clone()).collect();
    let rows = sf
        .query_many(&soqls, |index, row| {
            let object = queries[index].0;
            Ok((object, account_of(object, &row)))
        })
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(object, account)| account.map(|account| (object, account)))
        .collect())
}

/// The account of a row of `object` read by [`accounts_of_records`].
fn account_of(object: &str, row: &Value) -> Option<String> {
    account_field(object)
        .split('.')
        .try_fold(row, |value, key| value.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The stored links of a page's orders by opportunity Id.
pub type OrderLinks = HashMap<String, crate::store::links::LinkRecord>;

/// Reads the links of the orders of `reads` in one statement.
pub async fn order_links<'r>(
    pool: &sqlx::PgPool,
    reads: impl IntoIterator<Item = &'r AccountRead>,
) -> crate::error::Result<OrderLinks> {
    let ids: Vec<String> = reads
        .into_iter()
        .flat_map(|read| read.orders.iter().map(|o| o.opportunity.id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(OrderLinks::new());
    }
    Ok(crate::store::links::get_links(pool, "Opportunity", &ids)
        .await?
        .into_iter()
        .map(|(link, _)| (link.salesforce_id.clone(), link))
        .collect())
}

/// The sales orders of `reads`.
pub fn orders_of(reads: &HashMap<String, AccountRead>) -> impl Iterator<Item = &SalesOrder> {
    reads.values().flat_map(|read| read.orders.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_object_s_query_asks_for_its_account() {
        let records = BTreeMap::from([
            ("Contact", BTreeSet::from(["003A".to_string()])),
            ("OpportunityLineItem", BTreeSet::from(["00kA".to_string()])),
            ("Account", BTreeSet::from(["001A".to_string()])),
        ]);
        let queries: Vec<(&str, String)> = account_queries(&records)
            .expect("queries")
            .into_iter()
            .map(|(object, soql)| (object, soql.to_string()))
            .collect();
        assert_eq!(
            queries,
            [
                ("Account", "SELECT Id FROM Account WHERE Id IN ('001A')".to_string()),
                ("Contact", "SELECT Id, AccountId FROM Contact WHERE Id IN ('003A')".to_string()),
                (
                    "OpportunityLineItem",
                    "SELECT Id, Opportunity.AccountId FROM OpportunityLineItem WHERE Id IN ('00kA')"
                        .to_string()
                ),
            ]
        );
        let line = serde_json::json!({"Id": "00kA", "Opportunity": {"AccountId": "001A"}});
        assert_eq!(
            account_of("OpportunityLineItem", &line).as_deref(),
            Some("001A")
        );
        let contact = serde_json::json!({"Id": "003A", "AccountId": null});
        assert_eq!(
            account_of("Contact", &contact),
            None,
            "a contact without an account leads nowhere"
        );
        let account = serde_json::json!({"Id": "001A"});
        assert_eq!(account_of("Account", &account).as_deref(), Some("001A"));
        assert_eq!(object_of("006xx"), Some("Opportunity"));
        assert_eq!(object_of("a0Bxx"), None);
    }
}
