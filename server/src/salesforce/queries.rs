//! The typed reads of a one-time account sync, each one query whatever the
//! record count (relationship queries, reference §3.1): the account with its
//! contacts; its opportunities in the pre-condition stages with line items,
//! products, sold-to account and renewed opportunity; and products. Field
//! lists are constants; mappings add their own fields through `ExtraFields`.

use super::client::SalesforceClient;
use super::error::SalesforceError;
use super::fields::{self as f, objects};
use super::model::{
    AccountWithContacts, Product, SalesOrder, SfRecord, CONTACTS_RELATIONSHIP,
    LINE_ITEMS_RELATIONSHIP, LINE_ITEM_PRODUCT_PATH,
};
use super::soql::{Condition, Direction, LikePattern, Soql, SoqlBuilder};

/// Account fields of the default mappings and the connector.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "Description",
    "Type",
    "BillingStreet",
    "BillingCity",
    "BillingState",
    "BillingPostalCode",
    "BillingCountry",
    "ShippingStreet",
    "ShippingCity",
    "ShippingState",
    "ShippingPostalCode",
    "ShippingCountry",
    f::ACCOUNT_TYPE,
    f::ACCOUNT_ID,
    "SystemModstamp",
];
/// Contact fields of the default mappings.
pub const CONTACT_FIELDS: &[&str] = &[
    "Id",
    "AccountId",
    "SystemModstamp",
    "FirstName",
    "LastName",
    "Name",
    "Email",
    "Phone",
    "Fax",
    "HasOptedOutOfEmail",
    "MailingStreet",
    "MailingCity",
    "MailingState",
    "MailingPostalCode",
    "MailingCountry",
];
/// Opportunity fields of the default mappings and the connector.
pub const OPPORTUNITY_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "AccountId",
    "StageName",
    "CloseDate",
    "Description",
    "LastModifiedDate",
    f::ENTITLEMENT_STATE,
    f::ENTITLEMENT_ID,
    f::SOLD_TO_ACCOUNT,
    f::SHIP_TO_EMAIL,
    f::SHIP_TO_MAIL,
    f::RENEWED_OPPORTUNITY,
];
/// Fields of the renewed opportunity, read through its lookup.
pub const RENEWED_OPPORTUNITY_FIELDS: &[&str] = &["Id", "Name", f::ENTITLEMENT_ID];
/// Line item fields of the default mappings and the connector.
pub const LINE_ITEM_FIELDS: &[&str] = &[
    "Id",
    "OpportunityId",
    "Quantity",
    "Description",
    "SortOrder",
    "ProductCode",
    "Product2Id",
    f::START_DATE_OPTION,
    f::START_DATE,
    f::EXPIRATION_DATE_OPTION,
    f::EXPIRATION_DATE,
    f::EXPIRATION_TERM,
    f::EXPIRATION_TERM_OPTION,
    f::REMAINING_QUANTITY,
    f::ACTIVATION_ID,
];
/// Product2 fields that decide readiness (spec §3).
pub const PRODUCT_FIELDS: &[&str] = &["Id", "Name", "ProductCode", "IsActive", f::INCLUDE_IN_SYNC];
/// Ids per `Id IN (…)` query, keeping the URL well under Salesforce's 16 KB.
pub const MAX_IDS_PER_QUERY: usize = 200;

/// Fields that mappings read beyond the constant lists, per object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtraFields {
    /// Extra Account fields.
    pub account: Vec<String>,
    /// Extra Contact fields.
    pub contact: Vec<String>,
    /// Extra Opportunity fields.
    pub opportunity: Vec<String>,
    /// Extra OpportunityLineItem fields.
    pub line_item: Vec<String>,
}

/// Which products to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductFilter {
    /// Every product.
    All,
    /// The products with these ids.
    Ids(Vec<String>),
}

fn prefixed(prefix: &str, fields: &[&str], extra: &[String]) -> Vec<String> {
    fields
        .iter()
        .map(|field| field.to_string())
        .chain(extra.iter().cloned())
        .map(|field| format!("{prefix}.{field}"))
        .collect()
}

/// Builds the accounts-with-contacts query of up to [`MAX_IDS_PER_QUERY`] accounts.
pub fn accounts_with_contacts_soql(
    account_ids: &[String],
    extra: &ExtraFields,
) -> Result<Soql, SalesforceError> {
    SoqlBuilder::select(ACCOUNT_FIELDS)
        .fields(&extra.account)
        .subquery(
            SoqlBuilder::select(CONTACT_FIELDS)
                .fields(&extra.contact)
                .from(CONTACTS_RELATIONSHIP)
                .order_by("CreatedDate", Direction::Asc),
        )
        .from(objects::ACCOUNT)
        .filter(Condition::is_in("Id", account_ids))
        .build()
}

/// Builds the sales-order query of up to [`MAX_IDS_PER_QUERY`] accounts:
/// their opportunities in `stages` with sold-to account, renewed opportunity
/// and line items with products.
pub fn sales_orders_soql(
    account_ids: &[String],
    stages: &[String],
    extra: &ExtraFields,
) -> Result<Soql, SalesforceError> {
    let product_fields: Vec<String> = PRODUCT_FIELDS
        .iter()
        .map(|field| format!("{LINE_ITEM_PRODUCT_PATH}.{field}"))
        .collect();
    SoqlBuilder::select(OPPORTUNITY_FIELDS)
        .fields(&extra.opportunity)
        .fields(prefixed(
            f::SOLD_TO_ACCOUNT_RELATIONSHIP,
            ACCOUNT_FIELDS,
            &extra.account,
        ))
        .fields(prefixed(
            f::RENEWED_OPPORTUNITY_RELATIONSHIP,
            RENEWED_OPPORTUNITY_FIELDS,
            &[],
        ))
        .subquery(
            SoqlBuilder::select(LINE_ITEM_FIELDS)
                .fields(&extra.line_item)
                .fields(product_fields)
                .from(LINE_ITEMS_RELATIONSHIP)
                .order_by("SortOrder", Direction::Asc)
                .order_by("CreatedDate", Direction::Asc),
        )
        .from(objects::OPPORTUNITY)
        .filter(Condition::is_in("AccountId", account_ids))
        .filter(Condition::is_in("StageName", stages))
        .order_by("CreatedDate", Direction::Asc)
        .build()
}

/// Builds a products query for up to [`MAX_IDS_PER_QUERY`] ids, or all products.
pub fn products_soql(ids: Option<&[String]>) -> Result<Soql, SalesforceError> {
    let builder = SoqlBuilder::select(PRODUCT_FIELDS)
        .from(objects::PRODUCT2)
        .order_by("ProductCode", Direction::Asc);
    match ids {
        Some(ids) => builder.filter(Condition::is_in("Id", ids)).build(),
        None => builder.build(),
    }
}

/// A row of the accounts-and-orders read.
enum Row {
    Account(AccountWithContacts),
    Order(SalesOrder),
}

impl SalesforceClient {
    /// Reads accounts with their contacts, one query per 200 accounts (and
    /// per 2,000 rows); accounts that do not exist are not in the answer.
    pub async fn read_accounts_with_contacts(
        &self,
        account_ids: &[String],
        extra: &ExtraFields,
    ) -> Result<Vec<AccountWithContacts>, SalesforceError> {
        let (accounts, _) = self
            .read_accounts_and_orders(account_ids, None, extra)
            .await?;
        Ok(accounts)
    }

    /// Reads the opportunities in `stages` of the accounts, with their line
    /// items and products: one query per 200 accounts (and per 2,000 rows),
    /// up to five of them in one `composite` call.
    pub async fn read_sales_orders(
        &self,
        account_ids: &[String],
        stages: &[String],
        extra: &ExtraFields,
    ) -> Result<Vec<SalesOrder>, SalesforceError> {
        let soqls = account_ids
            .chunks(MAX_IDS_PER_QUERY)
            .map(|chunk| sales_orders_soql(chunk, stages, extra))
            .collect::<Result<Vec<_>, _>>()?;
        self.query_many(&soqls, |_, row| SalesOrder::from_json(&row))
            .await
    }

    /// Reads the accounts with their contacts and, when `stages` are given,
    /// their opportunities in those stages with line items and products:
    /// one query of each kind per 200 accounts, up to five queries in one
    /// `composite` call.
    pub async fn read_accounts_and_orders(
        &self,
        account_ids: &[String],
        stages: Option<&[String]>,
        extra: &ExtraFields,
    ) -> Result<(Vec<AccountWithContacts>, Vec<SalesOrder>), SalesforceError> {
        let chunks: Vec<&[String]> = account_ids.chunks(MAX_IDS_PER_QUERY).collect();
        let mut soqls = chunks
            .iter()
            .map(|chunk| accounts_with_contacts_soql(chunk, extra))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(stages) = stages {
            for chunk in &chunks {
                soqls.push(sales_orders_soql(chunk, stages, extra)?);
            }
        }
        let accounts_read = chunks.len();
        let rows = self
            .query_many(&soqls, |query, row| {
                Ok(if query < accounts_read {
                    Row::Account(AccountWithContacts::from_json(&row)?)
                } else {
                    Row::Order(SalesOrder::from_json(&row)?)
                })
            })
            .await?;
        let (mut accounts, mut orders) = (Vec::new(), Vec::new());
        for row in rows {
            match row {
                Row::Account(account) => accounts.push(account),
                Row::Order(order) => orders.push(order),
            }
        }
        Ok((accounts, orders))
    }

    /// Reads products: all of them, or the given ids in chunks of 200 per call.
    pub async fn read_products(
        &self,
        filter: &ProductFilter,
    ) -> Result<Vec<Product>, SalesforceError> {
        let mut records = Vec::new();
        match filter {
            ProductFilter::All => records.extend(self.query(&products_soql(None)?).await?),
            ProductFilter::Ids(ids) => {
                for chunk in ids.chunks(MAX_IDS_PER_QUERY) {
                    records.extend(self.query(&products_soql(Some(chunk))?).await?);
                }
            }
        }
        records
            .iter()
            .map(|record| SfRecord::from_json(record).map(|r| Product::from_record(&r)))
            .collect()
    }

    /// Finds accounts whose name is `name` (LIKE, so case is ignored).
    pub async fn find_accounts_by_name(
        &self,
        name: &str,
    ) -> Result<Vec<SfRecord>, SalesforceError> {
        let soql = SoqlBuilder::select(["Id", "Name"])
            .from(objects::ACCOUNT)
            .filter(Condition::like("Name", LikePattern::exact(name)))
            .order_by("Name", Direction::Asc)
            .build()?;
        self.query(&soql)
            .await?
            .iter()
            .map(SfRecord::from_json)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_query_reads_contacts_in_the_same_call() {
        let extra = ExtraFields {
            account: vec!["Industry".into()],
            ..ExtraFields::default()
        };

        let soql =
            accounts_with_contacts_soql(&["001000000000001AAA".into()], &extra).expect("valid");

        let text = soql.as_str();
        assert!(text.starts_with("SELECT Id, Name, Description, Type, "));
        assert!(text.contains(
            ", SystemModstamp, Industry, (SELECT Id, AccountId, SystemModstamp, FirstName"
        ));
        assert!(text.ends_with(
            "FROM Contacts ORDER BY CreatedDate ASC) FROM Account WHERE Id IN ('001000000000001AAA')"
        ));
    }

    #[test]
    fn the_sales_order_query_reads_lines_products_and_lookups() {
        let soql = sales_orders_soql(
            &["001A".into(), "001B".into()],
            &["Closed Won".into()],
            &ExtraFields::default(),
        )
        .expect("valid");

        let text = soql.as_str();
        assert!(text.contains("FNO__SoldTo_Account__r.Name"));
        assert!(text.contains("FNO__Renewed_Opportunity__r.FNO__Entitlement_ID__c"));
        assert!(text.contains("PricebookEntry.Product2.ProductCode"));
        assert!(text.contains("PricebookEntry.Product2.FNO__Include_In_Sync__c"));
        assert!(text.contains("FROM OpportunityLineItems ORDER BY SortOrder ASC, CreatedDate ASC)"));
        assert!(text.ends_with("FROM Opportunity WHERE AccountId IN ('001A', '001B') AND StageName IN ('Closed Won') ORDER BY CreatedDate ASC"));
    }

    #[test]
    fn a_sales_order_query_without_stages_is_refused() {
        let outcome = sales_orders_soql(&["001A".into()], &[], &ExtraFields::default());

        assert!(matches!(outcome, Err(SalesforceError::Soql(_))));
    }

    #[test]
    fn a_mapping_field_that_is_not_a_name_is_refused() {
        let extra = ExtraFields {
            contact: vec!["Email) FROM Contacts) FROM User --".into()],
            ..ExtraFields::default()
        };

        assert!(accounts_with_contacts_soql(&["001A".into()], &extra).is_err());
    }
}
