//! Accounts (organizations) through UserAcctHierarchyService v3, which keys
//! an account by its Account ID (`id`) with a display `name` (fno-soap.md
//! §3.1): find, create, update and link parent and sub-accounts.

use chrono::{DateTime, Utc};

use super::batch::{
    echo_value, failed_items, processed_outcome, require_success, BatchOutcome, FailedShape,
    Processed,
};
use super::client::FnoClient;
use super::codec::{
    format_datetime, parse_datetime, read_address, read_attributes, write_address, write_attributes,
};
use super::error::FnoError;
use super::model::{Account, AccountLink, AccountRecord, AccountType};
use super::operations::{CREATE_ACCOUNT, GET_ACCOUNTS_QUERY, LINK_ACCOUNTS, UPDATE_ACCOUNT};
use super::xml::{Element, XmlWriter};

/// `SimpleQueryType` search for an exact value.
pub(crate) const EQUALS: &str = "EQUALS";
/// `DateTimeQueryType` search for later times.
pub(crate) const AFTER: &str = "AFTER";

/// What a create does when the key exists already (`opType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CreateMode {
    /// No `opType`: an existing key fails the record.
    #[default]
    FailIfExists,
    /// `CREATE_OR_UPDATE`: an existing record is updated.
    CreateOrUpdate,
    /// `CREATE_OR_IGNORE`: an existing record is left as it is.
    CreateOrIgnore,
}

impl CreateMode {
    /// Returns the `opType` value, if any.
    pub fn op_type(self) -> Option<&'static str> {
        match self {
            Self::FailIfExists => None,
            Self::CreateOrUpdate => Some("CREATE_OR_UPDATE"),
            Self::CreateOrIgnore => Some("CREATE_OR_IGNORE"),
        }
    }
}

/// An account FNO created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedAccount {
    /// Position in the input slice.
    pub index: usize,
    /// Account ID.
    pub id: String,
    /// FNO's internal id.
    pub unique_id: Option<String>,
}

/// Filters of `getAccountsQuery`.
enum AccountFilter<'a> {
    Id(&'a str),
    Name(&'a str),
    ModifiedAfter(DateTime<Utc>),
}

impl FnoClient {
    /// Proves that the tenant URL and the credentials work with the cheapest
    /// authenticated read FNO has (one account, no filter). Wrong credentials
    /// give `FnoError::Unauthorized` ("FNO rejected the user name or password").
    pub async fn verify_credentials(&self) -> Result<(), FnoError> {
        let mut writer = XmlWriter::new();
        writer.number("pageNumber", 1).number("batchSize", 1);
        let root = self.call(&GET_ACCOUNTS_QUERY, &writer.finish()).await?;
        require_success(&GET_ACCOUNTS_QUERY, &root)
    }

    /// Finds the account with Account ID `id`.
    pub async fn find_account(&self, id: &str) -> Result<Option<AccountRecord>, FnoError> {
        let accounts = self.query_accounts(AccountFilter::Id(id)).await?;
        Ok(accounts.into_iter().find(|record| record.account.id == id))
    }

    /// Finds the accounts whose display name is exactly `name`.
    pub async fn find_accounts_by_name(&self, name: &str) -> Result<Vec<AccountRecord>, FnoError> {
        self.query_accounts(AccountFilter::Name(name)).await
    }

    /// Lists the accounts changed after `since`.
    pub async fn list_accounts_modified_after(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<AccountRecord>, FnoError> {
        self.query_accounts(AccountFilter::ModifiedAfter(since))
            .await
    }

    async fn query_accounts(
        &self,
        filter: AccountFilter<'_>,
    ) -> Result<Vec<AccountRecord>, FnoError> {
        let build = |writer: &mut XmlWriter, page: usize, size: usize| {
            write_accounts_query(writer, &filter, page, size)
        };
        self.query_all(&GET_ACCOUNTS_QUERY, build, read_accounts)
            .await
    }

    /// Creates accounts in calls of at most 25; per-account refusals keep FNO's reason.
    pub async fn create_accounts(
        &self,
        accounts: &[Account],
        mode: CreateMode,
    ) -> Result<BatchOutcome<CreatedAccount>, FnoError> {
        let build =
            |writer: &mut XmlWriter, chunk: &[Account]| write_create_accounts(writer, chunk, mode);
        self.write_in_batches(&CREATE_ACCOUNT, accounts, build, read_created_accounts)
            .await
    }

    /// Creates one account; FNO's refusal becomes `FnoError::Rejected`.
    pub async fn create_account(&self, account: &Account) -> Result<CreatedAccount, FnoError> {
        self.create_accounts(std::slice::from_ref(account), CreateMode::FailIfExists)
            .await?
            .into_single(&CREATE_ACCOUNT)
    }

    /// Updates accounts (name, description, address, visibility, attributes;
    /// FNO's update has no account type).
    pub async fn update_accounts(
        &self,
        accounts: &[Account],
    ) -> Result<BatchOutcome<Processed>, FnoError> {
        self.write_in_batches(
            &UPDATE_ACCOUNT,
            accounts,
            write_update_accounts,
            |root, offset, chunk| {
                let keys: Vec<String> = chunk.iter().map(|a| a.id.clone()).collect();
                processed_outcome(&UPDATE_ACCOUNT, root, &UPDATE_SHAPE, &keys, offset)
            },
        )
        .await
    }

    /// Updates one account.
    pub async fn update_account(&self, account: &Account) -> Result<(), FnoError> {
        self.update_accounts(std::slice::from_ref(account))
            .await?
            .into_single(&UPDATE_ACCOUNT)
            .map(|_| ())
    }

    /// Links sub-accounts to parents (e.g. an end customer under its channel partner).
    pub async fn link_accounts(
        &self,
        links: &[AccountLink],
    ) -> Result<BatchOutcome<Processed>, FnoError> {
        self.write_in_batches(&LINK_ACCOUNTS, links, write_links, |root, offset, chunk| {
            let keys: Vec<String> = chunk.iter().map(|l| l.child_id.clone()).collect();
            processed_outcome(&LINK_ACCOUNTS, root, &LINK_SHAPE, &keys, offset)
        })
        .await
    }
}

const CREATE_SHAPE: FailedShape = FailedShape {
    item: "failedAcct",
    key_of: |echo| echo_value(echo, &["id"]),
};
const UPDATE_SHAPE: FailedShape = FailedShape {
    item: "failedAccount",
    key_of: |echo| echo_value(echo, &["account", "primaryKeys", "id"]),
};
const LINK_SHAPE: FailedShape = FailedShape {
    item: "failedAcctData",
    key_of: |echo| echo_value(echo, &["subAcct", "primaryKeys", "id"]),
};

fn write_accounts_query(
    writer: &mut XmlWriter,
    filter: &AccountFilter<'_>,
    page: usize,
    size: usize,
) {
    writer.open("queryParams");
    match filter {
        AccountFilter::Id(id) => writer.simple_query("accountID", id, EQUALS),
        AccountFilter::Name(name) => writer.simple_query("accountName", name, EQUALS),
        AccountFilter::ModifiedAfter(since) => {
            writer.simple_query("lastModifiedDateTime", &format_datetime(*since), AFTER)
        }
    };
    writer
        .close("queryParams")
        .number("pageNumber", page)
        .number("batchSize", size);
}

fn read_accounts(root: &Element) -> Result<Vec<AccountRecord>, FnoError> {
    require_success(&GET_ACCOUNTS_QUERY, root)?;
    let Some(data) = root.child("responseData") else {
        return Ok(Vec::new());
    };
    Ok(data.children_named("acctData").map(read_account).collect())
}

fn read_account(data: &Element) -> AccountRecord {
    let identifier = data.child("account");
    let id = identifier.and_then(|i| i.value_at(&["primaryKeys", "id"]));
    AccountRecord {
        unique_id: identifier.and_then(|i| i.string("uniqueId")),
        account: Account {
            id: id.unwrap_or_default().to_string(),
            name: data.string("name").unwrap_or_default(),
            description: data.string("description"),
            address: read_address(data.child("address")),
            visible: data.bool_of("visible"),
            account_type: data.value("accountType").map(AccountType::parse),
            custom_attributes: read_attributes(data.child("customAttributes")),
        },
        last_modified: data.value("dateLastModified").and_then(parse_datetime),
    }
}

fn write_create_accounts(writer: &mut XmlWriter, accounts: &[Account], mode: CreateMode) {
    for account in accounts {
        writer
            .open("account")
            .leaf("id", &account.id)
            .leaf("name", &account.name)
            .opt("description", account.description.as_deref());
        write_address(writer, "address", &account.address);
        writer.opt_bool("visible", account.visible);
        // `Unknown` is only ever read; FNO's default (CUSTOMER) applies instead.
        let account_type = account
            .account_type
            .as_ref()
            .filter(|t| !matches!(t, AccountType::Unknown(_)));
        writer.opt("accountType", account_type.map(AccountType::as_str));
        write_attributes(writer, "customAttributes", &account.custom_attributes);
        writer.close("account");
    }
    writer.opt("opType", mode.op_type());
}

fn read_created_accounts(
    root: &Element,
    offset: usize,
    chunk: &[Account],
) -> Result<BatchOutcome<CreatedAccount>, FnoError> {
    let keys: Vec<String> = chunk.iter().map(|a| a.id.clone()).collect();
    let mut succeeded = Vec::new();
    let created = root
        .child("responseData")
        .into_iter()
        .flat_map(|d| d.children_named("account"));
    for identifier in created {
        let Some(id) = identifier.value_at(&["primaryKeys", "id"]) else {
            continue;
        };
        if let Some(position) = keys.iter().position(|key| key == id) {
            succeeded.push(CreatedAccount {
                index: offset + position,
                id: id.to_string(),
                unique_id: identifier.string("uniqueId"),
            });
        }
    }
    let done: Vec<usize> = succeeded.iter().map(|c| c.index - offset).collect();
    let failed = failed_items(&CREATE_ACCOUNT, root, &CREATE_SHAPE, &keys, &done, offset)?;
    Ok(BatchOutcome { succeeded, failed })
}

fn write_update_accounts(writer: &mut XmlWriter, accounts: &[Account]) {
    for account in accounts {
        writer
            .open("acctData")
            .identifier("account", "id", &account.id)
            .leaf("name", &account.name)
            .opt("description", account.description.as_deref());
        write_address(writer, "address", &account.address);
        writer.opt_bool("visible", account.visible);
        write_attributes(writer, "customAttributes", &account.custom_attributes);
        writer.close("acctData");
    }
}

fn write_links(writer: &mut XmlWriter, links: &[AccountLink]) {
    for link in links {
        writer
            .open("acctData")
            .identifier("parentAcct", "id", &link.parent_id)
            .identifier("subAcct", "id", &link.child_id)
            .close("acctData");
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
