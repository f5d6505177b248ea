//! The first rounds of a page, before its orders: the FNO accounts of every
//! account read (and of the sold-to accounts of their orders), then the FNO
//! users of their contacts, in create calls of 25 with `CREATE_OR_UPDATE`;
//! unchanged records (same fingerprint as their link) are not sent.

use std::collections::{BTreeMap, HashMap};

use futures::stream::StreamExt;

use super::calls;
use super::echo::record_digest;
use super::logger::steps::{ACCOUNT_STEP, CONTACT_STEP};
use super::mapping::{value_text, Mappings};
use super::pass::{Pass, SALESFORCE_COMPONENT};
use super::plan::{decide, Decision};
use super::read::AccountRead;
use super::rules;
use super::sent::fingerprint;
use super::sent::{self, SentFields};
use crate::domain::mapping::SfObject;
use crate::error::Result;
use crate::fno::operations::CREATE_ACCOUNT;
use crate::fno::{
    user_failure, Account, Address, BatchOutcome, CreateMode, FnoError, ItemFailure, User,
    UserStatus, MAX_WRITE_RECORDS,
};
use crate::salesforce::{fields, RecordUpdate, SfRecord};
use crate::store::links::{self, LinkRecord};

/// FNO account IDs of the Salesforce accounts (owners and sold-to) that FNO
/// has after [`apply_accounts_and_users`].
pub type FnoAccounts = HashMap<String, String>;

/// The first rounds of a page, before its orders: the FNO accounts of every
/// account read (and of the sold-to accounts of their orders), then the FNO
/// users of their contacts, each round in create calls of 25 records with
/// `CREATE_OR_UPDATE` (so a record sent again after a lost answer is simply
/// updated). Unchanged records (same fingerprint as last sent) are not sent.
/// Each record keeps its own transaction log and FNO's own reason.
pub async fn apply_accounts_and_users(
    pass: &mut Pass<'_>,
    reads: &HashMap<String, AccountRead>,
) -> Result<FnoAccounts> {
    let page = PageRecords::of(reads);
    pass.add_total(page.total as i64);
    let fno_accounts = apply_accounts(pass, page.accounts.into_values().collect()).await?;
    if pass.is_cancelled() {
        return Ok(fno_accounts);
    }
    let users = page
        .contacts
        .into_values()
        .filter_map(|(contact, owner)| fno_accounts.get(owner).map(|id| (contact, id.as_str())))
        .collect();
    apply_users(pass, users).await?;
    Ok(fno_accounts)
}

/// The accounts and contacts a page sends to FNO before its orders.
pub struct PageRecords<'r> {
    /// The accounts with sales orders, and the sold-to accounts of those
    /// orders, each once, by Salesforce Id.
    pub accounts: BTreeMap<String, &'r SfRecord>,
    /// Each contact once, by Id, with the Salesforce account its user belongs to.
    pub contacts: BTreeMap<&'r str, (&'r SfRecord, &'r str)>,
    /// The records the page counts: accounts, sold-to accounts, orders,
    /// lines and contacts.
    pub total: usize,
}

impl<'r> PageRecords<'r> {
    /// The records of the accounts read that have sales orders.
    pub fn of(reads: &'r HashMap<String, AccountRead>) -> Self {
        let mut page = PageRecords {
            accounts: BTreeMap::new(),
            contacts: BTreeMap::new(),
            total: 0,
        };
        for (account_id, read) in reads {
            page.add(account_id, read);
        }
        page.total += page.contacts.len();
        page
    }

    fn add(&mut self, account_id: &'r String, read: &'r AccountRead) {
        let Some(account) = read.account.as_ref().filter(|_| !read.orders.is_empty()) else {
            return;
        };
        let (records, contacts) = (&mut self.accounts, &mut self.contacts);
        let lines: usize = read.orders.iter().map(|o| o.line_items.len()).sum();
        let sold_to: Vec<&SfRecord> = read
            .orders
            .iter()
            .filter_map(|o| o.sold_to.as_ref())
            .filter(|s| s.id != *account_id)
            .collect();
        self.total += 1 + sold_to.len() + read.orders.len() + lines;
        records.insert(account_id.clone(), &account.account);
        for record in sold_to {
            records.entry(record.id.clone()).or_insert(record);
        }
        let owned = account.contacts.iter().map(|c| (c, account_id.as_str()));
        // In a partner deal the end customer's contacts are users of the end
        // customer's account: they activate the licences (spec §4).
        let end = read.end_customers.iter().flat_map(|end| {
            end.contacts
                .iter()
                .map(move |c| (c, end.account.id.as_str()))
        });
        for (contact, owner) in owned.chain(end) {
            contacts
                .entry(contact.id.as_str())
                .or_insert((contact, owner));
        }
    }
}

/// A record to send in a round: its Salesforce record, what goes to FNO, its
/// fingerprint and how the log names it.
struct Outgoing<'r, T> {
    record: &'r SfRecord,
    fno: T,
    print: String,
    sent: String,
}

/// A record with what goes to FNO for it and the log text, or why it cannot go.
type Built<'r, T> = (&'r SfRecord, std::result::Result<(T, String), String>);

/// Builds what goes to FNO for each record; a record that cannot be built
/// is logged as failed. Returns what is left to send, with the unchanged
/// ones (same FNO key and fingerprint as the stored link) logged and counted.
async fn changed_only<'r, T>(
    pass: &mut Pass<'_>,
    step: &str,
    object: &str,
    built: Vec<Built<'r, T>>,
    key: impl Fn(&T) -> &str,
) -> Result<(Vec<Outgoing<'r, T>>, Vec<Outgoing<'r, T>>)>
where
    T: std::fmt::Debug,
{
    let ids: Vec<String> = built.iter().map(|(r, _)| r.id.clone()).collect();
    let links: HashMap<String, LinkRecord> = links::get_links(&pass.ctx.pool, object, &ids)
        .await?
        .into_iter()
        .map(|(link, _)| (link.salesforce_id.clone(), link))
        .collect();
    let (mut changed, mut unchanged) = (Vec::new(), Vec::new());
    for (record, outcome) in built {
        let (fno, sent) = match outcome {
            Ok(built) => built,
            Err(reason) => {
                pass.failed_step(
                    step,
                    &record.id,
                    SALESFORCE_COMPONENT,
                    reason.clone(),
                    reason,
                )
                .await?;
                pass.record_done(true).await?;
                continue;
            }
        };
        let print = fingerprint(&fno);
        let same = matches!(
            decide(links.get(&record.id), Some(key(&fno)), &print),
            Decision::Unchanged(_)
        );
        let outgoing = Outgoing {
            record,
            fno,
            print,
            sent,
        };
        if same {
            pass.completed(
                step,
                &record.id,
                format!(
                    "unchanged since the last sync; nothing sent for {}",
                    outgoing.sent
                ),
            )
            .await?;
            pass.record_done(false).await?;
            unchanged.push(outgoing);
        } else {
            changed.push(outgoing);
        }
    }
    Ok((changed, unchanged))
}

/// Logs the outcome of a round's create call for each record sent and saves
/// the links of those FNO took. Returns the positions FNO took.
async fn record_round<T: SentFields>(
    pass: &mut Pass<'_>,
    step: &str,
    (object, kind): (&str, &str),
    sent: &[Outgoing<'_, T>],
    outcome: std::result::Result<Vec<(usize, Option<FnoError>)>, FnoError>,
    (key, parent): (impl Fn(&T) -> String, impl Fn(&T) -> String),
) -> Result<Vec<usize>> {
    let results = match outcome {
        Ok(results) => results,
        Err(error) => {
            for item in sent {
                pass.fno_failure(step, &item.record.id, &error, &item.sent)
                    .await?;
                pass.record_done(true).await?;
            }
            return Ok(Vec::new());
        }
    };
    let mut taken = Vec::new();
    let mut taken_links = Vec::new();
    for (index, failure) in results {
        let item = &sent[index];
        match failure {
            None => {
                pass.completed(
                    step,
                    &item.record.id,
                    format!("created or updated {}", item.sent),
                )
                .await?;
                taken_links.push(LinkRecord {
                    sf_object: object.into(),
                    salesforce_id: item.record.id.clone(),
                    fno_kind: kind.into(),
                    fno_id: key(&item.fno),
                    fingerprint: item.print.clone(),
                    parent_id: parent(&item.fno),
                    part_number: String::new(),
                    sent_fields: sent::stored(&item.fno),
                });
                pass.record_done(false).await?;
                taken.push(index);
            }
            Some(error) => {
                pass.fno_failure(step, &item.record.id, &error, &item.sent)
                    .await?;
                pass.record_done(true).await?;
            }
        }
    }
    pass.to_record.links(taken_links);
    Ok(taken)
}

/// Sends the changed records of a round in create calls of
/// [`MAX_WRITE_RECORDS`], each call retried on its own (the creates are
/// `CREATE_OR_UPDATE`, so a call sent again after a lost answer only
/// updates), and records each call's outcome: a call that still fails fails
/// its own records only. Returns the positions in `changed` FNO took.
async fn send_in_calls<'r, T, F, Fut>(
    pass: &mut Pass<'_>,
    step: &str,
    kinds: (&str, &str),
    changed: &[Outgoing<'r, T>],
    send: F,
    keys: (impl Fn(&T) -> String + Copy, impl Fn(&T) -> String + Copy),
) -> Result<Vec<usize>>
where
    T: Clone + SentFields,
    F: Fn(Vec<T>) -> Fut,
    Fut:
        std::future::Future<Output = std::result::Result<Vec<(usize, Option<FnoError>)>, FnoError>>,
{
    // Up to `ctx.concurrency` calls are under way at once; each is recorded
    // as it comes back.
    let (retry, send) = (pass.retry.clone(), &send);
    let mut answers = calls::in_chunks(changed, pass.ctx.concurrency, |chunk| {
        let items: Vec<T> = chunk.iter().map(|c| c.fno.clone()).collect();
        let retry = retry.clone();
        async move { retry.run(|| send(items.clone())).await }
    });
    let mut taken = Vec::new();
    while let Some((number, chunk, outcome)) = answers.next().await {
        let offset = number * MAX_WRITE_RECORDS;
        let chunk_taken = record_round(pass, step, kinds, chunk, outcome, keys).await?;
        taken.extend(chunk_taken.into_iter().map(|i| i + offset));
    }
    taken.sort_unstable();
    Ok(taken)
}

/// Pairs a batch outcome with the records sent: each position with its failure, if any.
fn by_position<T>(
    count: usize,
    outcome: BatchOutcome<T>,
    failure: impl Fn(&ItemFailure) -> FnoError,
) -> Vec<(usize, Option<FnoError>)> {
    let mut results: Vec<(usize, Option<FnoError>)> = (0..count).map(|i| (i, None)).collect();
    for item in &outcome.failed {
        if let Some(slot) = results.get_mut(item.index) {
            slot.1 = Some(failure(item));
        }
    }
    results
}

/// The accounts round: creates or updates the FNO accounts of `records`.
async fn apply_accounts(pass: &mut Pass<'_>, records: Vec<&SfRecord>) -> Result<FnoAccounts> {
    let built = records
        .into_iter()
        .map(|record| {
            let account = account_from_record(&pass.mappings, record).map(|account| {
                let account_type = account
                    .account_type
                    .as_ref()
                    .map(|t| format!("{t:?}"))
                    .unwrap_or_default();
                let sent = format!(
                    "account {} ({:?}, type {account_type})",
                    account.id, account.name
                );
                (account, sent)
            });
            (record, account)
        })
        .collect();
    let (changed, unchanged) = changed_only(pass, ACCOUNT_STEP, "Account", built, |a: &Account| {
        a.id.as_str()
    })
    .await?;
    let fno = pass.fno.clone();
    let taken = send_in_calls(
        pass,
        ACCOUNT_STEP,
        ("Account", "account"),
        &changed,
        |accounts: Vec<Account>| {
            let fno = fno.clone();
            async move {
                let outcome = fno
                    .create_accounts(&accounts, CreateMode::CreateOrUpdate)
                    .await?;
                Ok(by_position(accounts.len(), outcome, |failure| {
                    FnoError::Rejected {
                        operation: CREATE_ACCOUNT.name,
                        reason: failure.reason.clone(),
                    }
                }))
            }
        },
        (|a: &Account| a.id.clone(), |_: &Account| String::new()),
    )
    .await?;
    let mut fno_accounts = FnoAccounts::new();
    let present: Vec<&Outgoing<'_, Account>> = unchanged
        .iter()
        .chain(taken.iter().map(|&i| &changed[i]))
        .collect();
    pass.to_record
        .seen("Account", digests(present.iter().map(|i| i.record)));
    for item in present {
        let (record, account) = (item.record, &item.fno);
        if record.text(fields::ACCOUNT_ID) != Some(account.id.as_str()) {
            pass.to_record.write_back([RecordUpdate {
                object: "Account".into(),
                id: record.id.clone(),
                fields: serde_json::json!({ fields::ACCOUNT_ID: account.id }),
            }]);
        }
        fno_accounts.insert(record.id.clone(), account.id.clone());
    }
    Ok(fno_accounts)
}

/// The users round: creates or updates the FNO users of `contacts`, each
/// linked to its FNO account with the portal admin role. A contact without
/// first name, last name or e-mail is still sent, so that it fails with
/// FNO's own reason.
async fn apply_users(pass: &mut Pass<'_>, contacts: Vec<(&SfRecord, &str)>) -> Result<()> {
    let built = contacts
        .into_iter()
        .map(|(contact, account_id)| {
            let user = user_from_contact(&pass.mappings, contact, account_id).map(|user| {
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
                (user, sent)
            });
            (contact, user)
        })
        .collect();
    let (changed, unchanged) = changed_only(pass, CONTACT_STEP, "Contact", built, |u: &User| {
        u.user_name.as_str()
    })
    .await?;
    let unchanged = digests(unchanged.iter().map(|item| item.record));
    pass.to_record.seen("Contact", unchanged);
    if changed.is_empty() {
        return Ok(());
    }
    let fno = pass.fno.clone();
    let account_of = |user: &User| {
        user.account_roles
            .first()
            .map(|r| r.account_id.clone())
            .unwrap_or_default()
    };
    let taken = send_in_calls(
        pass,
        CONTACT_STEP,
        ("Contact", "user"),
        &changed,
        |users: Vec<User>| {
            let fno = fno.clone();
            async move {
                let outcome = fno.create_users(&users, CreateMode::CreateOrUpdate).await?;
                Ok(by_position(users.len(), outcome, |failure| {
                    user_failure(&users[failure.index], failure)
                }))
            }
        },
        (|u: &User| u.user_name.clone(), account_of),
    )
    .await?;
    let taken = digests(taken.iter().map(|&i| changed[i].record));
    pass.to_record.seen("Contact", taken);
    Ok(())
}

/// The digests of records FNO has as they were read.
fn digests<'r>(records: impl Iterator<Item = &'r SfRecord>) -> Vec<(String, String)> {
    records
        .map(|record| (record.id.clone(), record_digest(record)))
        .collect()
}

/// What FNO gets for a Salesforce account, or why it cannot be sent.
pub fn account_from_record(mappings: &Mappings, record: &SfRecord) -> Result<Account, String> {
    let text = |field: &str| mappings.text(SfObject::Account, field, record);
    let name = text("accountName")
        .ok_or_else(|| "accountName: the mapped field Name is empty".to_string())?;
    let custom_attributes = mappings
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

/// FNO's user status of a mapped value (Active or Inactive, any case).
fn user_status(text: &str) -> Option<UserStatus> {
    [UserStatus::Active, UserStatus::Inactive]
        .into_iter()
        .find(|status| status.as_str().eq_ignore_ascii_case(text.trim()))
}

/// What FNO gets for a contact, as a user of the FNO account `account_id`,
/// or why it cannot be sent.
pub fn user_from_contact(
    mappings: &Mappings,
    contact: &SfRecord,
    account_id: &str,
) -> Result<User, String> {
    let text = |field: &str| mappings.text(SfObject::Contact, field, contact);
    let first = text("firstName").unwrap_or_default();
    let last = text("lastName").unwrap_or_default();
    let email = text("emailAddress").unwrap_or_default();
    let mut user = User::portal_admin(&first, &last, &email, account_id);
    user.display_name = text("displayName");
    // Salesforce stores "Email Opt Out"; FNO wants the opposite, opt-in.
    user.opt_in = mappings
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
    user.status = match text("status") {
        None => None,
        Some(status) => Some(user_status(&status).ok_or_else(|| {
            format!(
                "status: {status:?} is not a user status; map a field holding Active or Inactive"
            )
        })?),
    };
    user.custom_attributes = mappings
        .custom_attributes(SfObject::Contact, contact)
        .map_err(|(field, reason)| format!("{field}: {reason}"))?;
    Ok(user)
}
