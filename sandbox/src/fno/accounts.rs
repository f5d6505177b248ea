//! Accounts (v3) and organizations (v1): create, update and link (reads are
//! in `account_query.rs`). Records are processed one by one; each failure is echoed in
//! `failedData` with its reason, the rest go on.

use chrono::{DateTime, Utc};

use super::attributes::{merge_attributes, read_attributes};
use super::dialect::{Dialect, ACCOUNT_TYPES, DEFAULT_ACCOUNT_TYPE, V1, V3};
use super::model::{Account, Address, AttributeEntity};
use super::service::{Ctx, MISSING_FIELD};
use super::soap::{reason, Batch};
use super::xml::{Element, XmlWriter};

/// Reason for a create whose key is taken (without `opType`).
pub const DUPLICATE_ACCOUNT: &str = "An account with this ID already exists";
/// Reason for an identifier that names no account.
pub const UNKNOWN_ACCOUNT: &str = "The account does not exist";
/// Reason for a value outside an enumeration.
pub const INVALID_VALUE: &str = "Invalid value";

const OP_TYPE_UPDATE: &str = "CREATE_OR_UPDATE";
const OP_TYPE_IGNORE: &str = "CREATE_OR_IGNORE";

/// `createAccount` (v3).
pub fn create_account(ctx: &mut Ctx<'_>, body: &Element) -> String {
    create(ctx, body, &V3)
}
/// `createOrganization` (v1).
pub fn create_organization(ctx: &mut Ctx<'_>, body: &Element) -> String {
    create(ctx, body, &V1)
}
/// `updateAccount` (v3).
pub fn update_account(ctx: &mut Ctx<'_>, body: &Element) -> String {
    update(ctx, body, &V3)
}
/// `updateOrganization` (v1).
pub fn update_organization(ctx: &mut Ctx<'_>, body: &Element) -> String {
    update(ctx, body, &V1)
}
/// `linkAccounts` (v3).
pub fn link_accounts(ctx: &mut Ctx<'_>, body: &Element) -> String {
    link(ctx, body, &V3)
}
/// `linkOrganizations` (v1).
pub fn link_organizations(ctx: &mut Ctx<'_>, body: &Element) -> String {
    link(ctx, body, &V1)
}

fn create(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let op_type = body.value("opType").map(str::trim);
    let mut batch = Batch::new();
    for item in body.children_named(d.item) {
        match create_one(ctx, item, op_type, d) {
            Ok(position) => {
                let account = &ctx.state.accounts[position];
                write_identifier(batch.succeed(), d.item, d, account);
            }
            Err(why) => batch.fail(d.failed_create, d.item, item, why),
        }
    }
    batch.finish(true)
}

fn create_one(
    ctx: &mut Ctx<'_>,
    item: &Element,
    op_type: Option<&str>,
    d: &Dialect,
) -> Result<usize, String> {
    let (Some(id), Some(name)) = (item.value(d.key), item.value(d.display)) else {
        return Err(reason(MISSING_FIELD, "0"));
    };
    let account_type = read_account_type(item, d)?;
    let existing = ctx.state.account_position(id);
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::Account,
        item.child("customAttributes"),
        existing.is_none(),
    )?;
    if let Some(position) = existing {
        return match op_type {
            Some(OP_TYPE_IGNORE) => Ok(position),
            Some(OP_TYPE_UPDATE) => {
                let (now, caller) = (ctx.now, ctx.caller);
                let account = &mut ctx.state.accounts[position];
                apply_fields(account, item, d);
                account.account_type = account_type.unwrap_or_else(|| account.account_type.clone());
                merge_attributes(&mut account.custom_attributes, attributes);
                touch(account, now, caller);
                Ok(position)
            }
            _ => Err(reason(DUPLICATE_ACCOUNT, id)),
        };
    }
    let mut account = Account {
        unique_id: ctx.state.next_unique_id(),
        id: id.to_string(),
        name: name.to_string(),
        account_type: account_type.unwrap_or_else(|| DEFAULT_ACCOUNT_TYPE.to_string()),
        custom_attributes: attributes,
        created: ctx.now,
        created_by: ctx.caller.to_string(),
        ..Account::default()
    };
    apply_fields(&mut account, item, d);
    touch(&mut account, ctx.now, ctx.caller);
    ctx.state.insert_account(account);
    Ok(ctx.state.accounts.len() - 1)
}

fn read_account_type(item: &Element, d: &Dialect) -> Result<Option<String>, String> {
    match item.value(d.type_element).map(str::trim) {
        None => Ok(None),
        Some(value) if ACCOUNT_TYPES.contains(&value) => Ok(Some(value.to_string())),
        Some(value) => Err(reason(INVALID_VALUE, value)),
    }
}

// Applies the optional descriptive fields present in a create or update record.
fn apply_fields(account: &mut Account, item: &Element, d: &Dialect) {
    if let Some(name) = item.value(d.display) {
        account.name = name.to_string();
    }
    if let Some(description) = item.text_of("description") {
        account.description = Some(description.to_string());
    }
    if let Some(address) = item.child("address") {
        apply_address(&mut account.address, address);
    }
    if let Some(visible) = item.bool_of("visible") {
        account.visible = Some(visible);
    }
}

fn apply_address(address: &mut Address, element: &Element) {
    let fields: [(&str, &mut Option<String>); 7] = [
        ("address1", &mut address.address1),
        ("address2", &mut address.address2),
        ("city", &mut address.city),
        ("state", &mut address.state),
        ("zipcode", &mut address.zipcode),
        ("country", &mut address.country),
        ("region", &mut address.region),
    ];
    for (name, slot) in fields {
        if let Some(value) = element.text_of(name) {
            *slot = Some(value.to_string());
        }
    }
}

fn touch(account: &mut Account, now: DateTime<Utc>, caller: &str) {
    account.last_modified = now;
    account.last_modified_by = caller.to_string();
}

fn update(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let mut batch = Batch::new();
    for item in body.children_named(d.data) {
        if let Err(why) = update_one(ctx, item, d) {
            batch.fail(d.failed_update, d.data, item, why);
        } else {
            batch.succeed();
        }
    }
    batch.finish(false)
}

fn update_one(ctx: &mut Ctx<'_>, item: &Element, d: &Dialect) -> Result<(), String> {
    let identifier = item
        .child(d.identifier)
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    let position = ctx
        .state
        .resolve_account(identifier, d.key)
        .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))?;
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::Account,
        item.child("customAttributes"),
        false,
    )?;
    let subs = read_account_list(ctx, item.child(d.subs.0), d.subs.1, d)?;
    let related = read_account_list(ctx, item.child(d.related.0), d.related.1, d)?;
    let new_id = item
        .value(d.key)
        .filter(|id| *id != ctx.state.accounts[position].id);
    if let Some(id) = new_id {
        if ctx.state.account_position(id).is_some() {
            return Err(reason(DUPLICATE_ACCOUNT, id));
        }
    }
    let (now, caller) = (ctx.now, ctx.caller);
    let account = &mut ctx.state.accounts[position];
    apply_fields(account, item, d);
    merge_attributes(&mut account.custom_attributes, attributes);
    if let Some((ids, op)) = subs {
        apply_collection(&mut account.sub_accounts, ids, &op);
    }
    if let Some((ids, op)) = related {
        apply_collection(&mut account.related_accounts, ids, &op);
    }
    touch(account, now, caller);
    if let Some(id) = new_id {
        let old = std::mem::replace(&mut ctx.state.accounts[position].id, id.to_string());
        ctx.state.rekey_account(position, &old);
    }
    Ok(())
}

type AccountList = Option<(Vec<String>, String)>;

fn read_account_list(
    ctx: &Ctx<'_>,
    list: Option<&Element>,
    item: &str,
    d: &Dialect,
) -> Result<AccountList, String> {
    let Some(list) = list else {
        return Ok(None);
    };
    let mut ids = Vec::new();
    for identifier in list.children_named(item) {
        let position = ctx
            .state
            .resolve_account(identifier, d.key)
            .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))?;
        ids.push(ctx.state.accounts[position].id.clone());
    }
    let op = list.value("opType").unwrap_or("ADD").trim().to_string();
    Ok(Some((ids, op)))
}

/// Applies a `CollectionOperationType` (REPLACE, ADD, DELETE) to a list of keys.
pub fn apply_collection(stored: &mut Vec<String>, ids: Vec<String>, op: &str) {
    match op {
        "REPLACE" => *stored = ids,
        "DELETE" => stored.retain(|id| !ids.contains(id)),
        _ => {
            for id in ids {
                if !stored.contains(&id) {
                    stored.push(id);
                }
            }
        }
    }
}

/// Text naming an identifier in reasons: its key or its unique id.
pub fn identifier_text(identifier: &Element, key: &str) -> String {
    identifier
        .value_at(&["primaryKeys", key])
        .or_else(|| identifier.value("uniqueId"))
        .unwrap_or_default()
        .to_string()
}

/// Writes an account identifier: `uniqueId` and `primaryKeys > key`.
pub fn write_identifier(writer: &mut XmlWriter, wrapper: &str, d: &Dialect, account: &Account) {
    writer
        .open(wrapper)
        .leaf("uniqueId", &account.unique_id)
        .open("primaryKeys")
        .leaf(d.key, &account.id)
        .close("primaryKeys")
        .close(wrapper);
}

fn link(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let mut batch = Batch::new();
    for item in body.children_named(d.data) {
        match link_one(ctx, item, d) {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail(d.failed_link, d.data, item, why),
        }
    }
    batch.finish(false)
}

fn link_one(ctx: &mut Ctx<'_>, item: &Element, d: &Dialect) -> Result<(), String> {
    let resolve = |name: &str| -> Result<usize, String> {
        let identifier = item.child(name).ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        ctx.state
            .resolve_account(identifier, d.key)
            .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))
    };
    let parent = resolve(d.link.0)?;
    let child = resolve(d.link.1)?;
    let child_id = ctx.state.accounts[child].id.clone();
    if parent == child {
        return Err(reason(
            "An account cannot be its own sub-account",
            &child_id,
        ));
    }
    // An account has one parent: linking moves it.
    for account in &mut ctx.state.accounts {
        account.sub_accounts.retain(|id| *id != child_id);
    }
    let (now, caller) = (ctx.now, ctx.caller);
    let account = &mut ctx.state.accounts[parent];
    account.sub_accounts.push(child_id);
    touch(account, now, caller);
    Ok(())
}
