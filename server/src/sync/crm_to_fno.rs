//! The one-time sync of one account, Salesforce to FNO: the account (and
//! sold-to accounts), its contacts as users, its sales orders as
//! entitlements, then the IDs FNO assigned written back to Salesforce.

use std::collections::{BTreeMap, HashMap};

use super::engine::Ended;
use super::mapping::value_text;
use super::pass::{fingerprint, Pass, SALESFORCE_COMPONENT};
use super::{orders, rules, write_back};
use crate::domain::mapping::SfObject;
use crate::error::Result;
use crate::fno::{retry, Account, Address, User};
use crate::salesforce::{fields, AccountWithContacts, RecordUpdate, SalesOrder, SfRecord};
use crate::store::links::{self, LinkRecord};

/// Step names of the transaction log (spec §9).
pub const ACCOUNT_STEP: &str = "Account Creation/Update";
/// Step name of users.
pub const CONTACT_STEP: &str = "Contact Creation/Update";

/// How the sync of one account ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountOutcome {
    /// Its records were processed (failures, if any, are in the counters).
    Synced,
    /// It has no sales order in the pre-condition stages.
    NotSynced(String),
    /// It could not be synced at all.
    Failed(String),
    /// The run was cancelled while it was processed.
    Cancelled,
}

/// What the read stage brings of one account: the account with its
/// contacts (`None` when Salesforce has no such account) and its sales orders.
#[derive(Clone, Debug, Default)]
pub struct AccountRead {
    /// The account and its contacts.
    pub account: Option<AccountWithContacts>,
    /// Its opportunities in the pre-condition stages, with line items.
    pub orders: Vec<SalesOrder>,
}

/// Reads the accounts with their contacts and sales orders, two queries per
/// 200 accounts whatever their record counts. `Err` with a reason when
/// Salesforce could not be read.
pub async fn read_accounts(
    pass: &Pass<'_>,
    account_ids: &[String],
) -> std::result::Result<HashMap<String, AccountRead>, String> {
    let extra = pass.mappings.extra_fields();
    let stages = &pass.filters.pre_condition_stages;
    let accounts = pass
        .sf
        .read_accounts_with_contacts(account_ids, &extra)
        .await
        .map_err(|error| format!("cannot read the accounts from Salesforce: {error}"))?;
    let orders = pass
        .sf
        .read_sales_orders(account_ids, stages, &extra)
        .await
        .map_err(|error| format!("cannot read the sales orders from Salesforce: {error}"))?;
    let mut reads: HashMap<String, AccountRead> = HashMap::new();
    for account in accounts {
        let id = account.account.id.clone();
        reads.entry(id).or_default().account = Some(account);
    }
    for order in orders {
        let owner = order.opportunity.text("AccountId").unwrap_or_default();
        reads
            .entry(owner.to_string())
            .or_default()
            .orders
            .push(order);
    }
    Ok(reads)
}

/// Carries out the one-time sync of the run's account.
pub async fn sync_account(pass: &mut Pass<'_>) -> Result<Ended> {
    let account_id = pass.run.account_id.clone();
    let mut reads = match read_accounts(pass, std::slice::from_ref(&account_id)).await {
        Ok(reads) => reads,
        Err(reason) => return Ok(Ended::failed(reason)),
    };
    let read = reads.remove(&account_id).unwrap_or_default();
    let outcome = sync_read_account(pass, &account_id, read).await?;
    write_back::send(pass).await?;
    Ok(match outcome {
        AccountOutcome::Synced => Ended::from_counters(pass.counters()),
        AccountOutcome::NotSynced(note) => Ended::completed_with(note),
        AccountOutcome::Failed(reason) => Ended::failed(reason),
        AccountOutcome::Cancelled => Ended::cancelled(),
    })
}

/// Syncs one account read by [`read_accounts`], Salesforce to FNO, and
/// queues the IDs to write back in the pass.
pub async fn sync_read_account(
    pass: &mut Pass<'_>,
    account_id: &str,
    read: AccountRead,
) -> Result<AccountOutcome> {
    let account_id = account_id.to_string();
    let stages = pass.filters.pre_condition_stages.clone();
    let Some(account) = read.account else {
        let reason = format!("Salesforce has no account {account_id}");
        pass.failed_step(
            ACCOUNT_STEP,
            &account_id,
            SALESFORCE_COMPONENT,
            reason.clone(),
            reason.clone(),
        )
        .await?;
        return Ok(AccountOutcome::Failed(reason));
    };
    let sales_orders = read.orders;
    if sales_orders.is_empty() {
        let note = format!(
            "no opportunity in the stages {stages:?} with line items: the account is not synced"
        );
        pass.completed(ACCOUNT_STEP, &account_id, note.clone())
            .await?;
        return Ok(AccountOutcome::NotSynced(note));
    }
    let lines: usize = sales_orders.iter().map(|o| o.line_items.len()).sum();
    let sold_to: BTreeMap<String, SfRecord> = sales_orders
        .iter()
        .filter_map(|o| o.sold_to.clone())
        .filter(|s| s.id != account_id)
        .map(|s| (s.id.clone(), s))
        .collect();
    pass.add_total(
        (1 + sold_to.len() + account.contacts.len() + sales_orders.len() + lines) as i64,
    );

    let Some(fno_account_id) = sync_fno_account(pass, &account.account).await? else {
        return Ok(AccountOutcome::Failed(format!(
            "the account {account_id} could not be created in FNO; see the transaction log"
        )));
    };
    let mut account_ids = BTreeMap::from([(account_id.clone(), fno_account_id.clone())]);
    for record in sold_to.values() {
        if let Some(id) = sync_fno_account(pass, record).await? {
            account_ids.insert(record.id.clone(), id);
        }
    }
    for contact in &account.contacts {
        if pass.is_cancelled() {
            return Ok(AccountOutcome::Cancelled);
        }
        sync_user(pass, contact, &fno_account_id).await?;
    }
    for order in &sales_orders {
        if pass.is_cancelled() {
            return Ok(AccountOutcome::Cancelled);
        }
        orders::sync_order(pass, order, &account_ids).await?;
    }
    Ok(AccountOutcome::Synced)
}

fn account_from_record(pass: &Pass<'_>, record: &SfRecord) -> Result<Account, String> {
    let text = |field: &str| pass.mappings.text(SfObject::Account, field, record);
    let name = text("accountName")
        .ok_or_else(|| "accountName: the mapped field Name is empty".to_string())?;
    let custom_attributes = pass
        .mappings
        .custom_attributes(SfObject::Account, record)
        .map_err(|(field, reason)| format!("{field}: {reason}"))?;
    Ok(Account {
        id: text("accountID").unwrap_or_else(|| record.id.clone()),
        name,
        description: text("description"),
        address: Address {
            address1: text("address1"),
            address2: text("address2"),
            city: text("city"),
            state: text("state"),
            zipcode: text("zipcode"),
            country: text("country"),
            region: text("region"),
        },
        visible: None,
        account_type: Some(rules::account_type(text("accountType").as_deref())),
        custom_attributes,
    })
}

/// Creates or updates the FNO account of a Salesforce account; returns its
/// FNO account ID, or `None` when it failed (logged).
async fn sync_fno_account(pass: &mut Pass<'_>, record: &SfRecord) -> Result<Option<String>> {
    let account = match account_from_record(pass, record) {
        Ok(account) => account,
        Err(reason) => {
            pass.failed_step(
                ACCOUNT_STEP,
                &record.id,
                SALESFORCE_COMPONENT,
                reason.clone(),
                reason,
            )
            .await?;
            pass.record_done(true).await?;
            return Ok(None);
        }
    };
    let print = fingerprint(&account);
    let link = links::get_link(&pass.ctx.pool, "Account", &record.id).await?;
    let unchanged = link
        .as_ref()
        .is_some_and(|l| l.fno_id == account.id && l.fingerprint == print);
    let account_type = account
        .account_type
        .as_ref()
        .map(|t| format!("{t:?}"))
        .unwrap_or_default();
    let sent = format!(
        "account {} ({:?}, type {account_type})",
        account.id, account.name
    );
    if !unchanged {
        let fno = pass.fno.clone();
        let existing = retry::with_backoff(&pass.retry, || fno.find_account(&account.id)).await;
        let written = match existing {
            Ok(Some(_)) => retry::with_backoff(&pass.retry, || fno.update_account(&account))
                .await
                .map(|()| "updated"),
            Ok(None) => retry::create_with_lookup(
                &pass.retry,
                skip_first(|| async { Ok(fno.find_account(&account.id).await?.map(drop)) }),
                || async { fno.create_account(&account).await.map(drop) },
            )
            .await
            .map(|()| "created"),
            Err(error) => Err(error),
        };
        match written {
            Ok(action) => {
                pass.completed(ACCOUNT_STEP, &record.id, format!("{action} {sent}"))
                    .await?
            }
            Err(error) => {
                pass.fno_failure(ACCOUNT_STEP, &record.id, &error, &sent)
                    .await?;
                pass.record_done(true).await?;
                return Ok(None);
            }
        }
        links::save_link(
            &pass.ctx.pool,
            &LinkRecord {
                sf_object: "Account".into(),
                salesforce_id: record.id.clone(),
                fno_kind: "account".into(),
                fno_id: account.id.clone(),
                fingerprint: print,
                parent_id: String::new(),
            },
        )
        .await?;
    } else {
        pass.completed(
            ACCOUNT_STEP,
            &record.id,
            format!("unchanged since the last sync; nothing sent for {sent}"),
        )
        .await?;
    }
    if record.text(fields::ACCOUNT_ID) != Some(account.id.as_str()) {
        pass.write_back.push(RecordUpdate {
            object: "Account".into(),
            id: record.id.clone(),
            fields: serde_json::json!({ fields::ACCOUNT_ID: account.id }),
        });
    }
    pass.record_done(false).await?;
    Ok(Some(account.id))
}

fn user_from_contact(
    pass: &Pass<'_>,
    contact: &SfRecord,
    account_id: &str,
) -> Result<User, String> {
    let text = |field: &str| pass.mappings.text(SfObject::Contact, field, contact);
    let first = text("firstName").unwrap_or_default();
    let last = text("lastName").unwrap_or_default();
    let email = text("emailAddress").unwrap_or_default();
    let mut user = User::portal_admin(&first, &last, &email, account_id);
    user.display_name = text("displayName");
    // Salesforce stores "Email Opt Out"; FNO wants the opposite, opt-in.
    user.opt_in = pass
        .mappings
        .sf_field(SfObject::Contact, "optIn")
        .and_then(|field| contact.get(field))
        .and_then(value_text)
        .map(|opted_out| opted_out != "true");
    user.phone_number = text("phoneNumber");
    user.fax_number = text("faxNumber");
    user.street = text("street");
    user.city = text("city");
    user.state = text("state");
    user.zipcode = text("zipcode");
    user.country = text("country");
    user.locale = text("locale");
    user.timezone = text("timezone");
    user.custom_attributes = pass
        .mappings
        .custom_attributes(SfObject::Contact, contact)
        .map_err(|(field, reason)| format!("{field}: {reason}"))?;
    Ok(user)
}

/// Creates or updates the FNO user of a contact, linked to the account with
/// the portal admin role. A contact without first name, last name or e-mail
/// is still sent, so that it fails with FNO's own reason.
async fn sync_user(pass: &mut Pass<'_>, contact: &SfRecord, account_id: &str) -> Result<()> {
    let user = match user_from_contact(pass, contact, account_id) {
        Ok(user) => user,
        Err(reason) => {
            pass.failed_step(
                CONTACT_STEP,
                &contact.id,
                SALESFORCE_COMPONENT,
                reason.clone(),
                reason,
            )
            .await?;
            return pass.record_done(true).await;
        }
    };
    let print = fingerprint(&user);
    let link = links::get_link(&pass.ctx.pool, "Contact", &contact.id).await?;
    let roles: Vec<&str> = user
        .account_roles
        .iter()
        .flat_map(|r| r.roles.iter().map(String::as_str))
        .collect();
    let sent = format!(
        "user {:?} ({} {}), account {account_id}, roles {}",
        user.user_name,
        user.first_name,
        user.last_name,
        roles.join(", ")
    );
    if link
        .as_ref()
        .is_some_and(|l| l.fno_id == user.user_name && l.fingerprint == print)
    {
        pass.completed(
            CONTACT_STEP,
            &contact.id,
            format!("unchanged since the last sync; nothing sent for {sent}"),
        )
        .await?;
        return pass.record_done(false).await;
    }
    let fno = pass.fno.clone();
    let existing = if user.user_name.is_empty() {
        Ok(None)
    } else {
        retry::with_backoff(&pass.retry, || fno.find_user(&user.user_name)).await
    };
    let written = match existing {
        Ok(Some(_)) => retry::with_backoff(&pass.retry, || fno.update_user(&user))
            .await
            .map(|()| "updated"),
        Ok(None) => retry::create_with_lookup(
            &pass.retry,
            skip_first(|| async { Ok(fno.find_user(&user.user_name).await?.map(drop)) }),
            || async { fno.create_user(&user).await.map(drop) },
        )
        .await
        .map(|()| "created"),
        Err(error) => Err(error),
    };
    match written {
        Ok(action) => {
            pass.completed(CONTACT_STEP, &contact.id, format!("{action} {sent}"))
                .await?;
            links::save_link(
                &pass.ctx.pool,
                &LinkRecord {
                    sf_object: "Contact".into(),
                    salesforce_id: contact.id.clone(),
                    fno_kind: "user".into(),
                    fno_id: user.user_name.clone(),
                    fingerprint: print,
                    parent_id: account_id.to_string(),
                },
            )
            .await?;
            pass.record_done(false).await
        }
        Err(error) => {
            pass.fno_failure(CONTACT_STEP, &contact.id, &error, &sent)
                .await?;
            pass.record_done(true).await
        }
    }
}

/// Wraps a look-up for `create_with_lookup` after the caller has just looked
/// itself: the first attempt answers "not there" without a call, retries look.
pub fn skip_first<F, Fut>(
    mut lookup: F,
) -> impl FnMut() -> futures::future::Either<
    futures::future::Ready<std::result::Result<Option<()>, crate::fno::FnoError>>,
    Fut,
>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<Option<()>, crate::fno::FnoError>>,
{
    let mut first = true;
    move || {
        if std::mem::take(&mut first) {
            futures::future::Either::Left(futures::future::ready(Ok(None)))
        } else {
            futures::future::Either::Right(lookup())
        }
    }
}
