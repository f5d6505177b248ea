//! Accounts (v3) and organizations (v1): create, update, query, count and
//! link. Records are processed one by one; each failure is echoed in
//! `failedData` with its reason, the rest go on.

use chrono::{DateTime, Utc};

use super::attributes::{attributes_match, merge_attributes, read_attributes, write_attributes};
use super::dialect::{Dialect, ACCOUNT_TYPES, DEFAULT_ACCOUNT_TYPE, V1, V3};
use super::model::{Account, Address, AttributeEntity};
use super::query::{datetime_matches, format_datetime, text_matches};
use super::service::{Ctx, MISSING_FIELD};
use super::soap::{reason, write_status, Batch, SUCCESS};
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
/// `getAccountsQuery` (v3).
pub fn accounts_query(ctx: &mut Ctx<'_>, body: &Element) -> String {
    query(ctx, body, &V3)
}
/// `getOrganizationsQuery` (v1).
pub fn organizations_query(ctx: &mut Ctx<'_>, body: &Element) -> String {
    query(ctx, body, &V1)
}
/// `getAccountCount` (v3).
pub fn account_count(ctx: &mut Ctx<'_>, body: &Element) -> String {
    count(ctx, body, &V3)
}
/// `getOrganizationCount` (v1).
pub fn organization_count(ctx: &mut Ctx<'_>, body: &Element) -> String {
    count(ctx, body, &V1)
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

fn create_one(ctx: &mut Ctx<'_>, item: &Element, op_type: Option<&str>, d: &Dialect) -> Result<usize, String> {
    let (Some(id), Some(name)) = (item.value(d.key), item.value(d.display)) else {
        return Err(reason(MISSING_FIELD, "0"));
    };
    let account_type = read_account_type(item, d)?;
    let existing = ctx.state.account_position(id);
    let attributes = read_attributes(ctx.state, AttributeEntity::Account, item.child("customAttributes"), existing.is_none())?;
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
    let identifier = item.child(d.identifier).ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    let position = ctx
        .state
        .resolve_account(identifier, d.key)
        .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))?;
    let attributes = read_attributes(ctx.state, AttributeEntity::Account, item.child("customAttributes"), false)?;
    let subs = read_account_list(ctx, item.child(d.subs.0), d.subs.1, d)?;
    let related = read_account_list(ctx, item.child(d.related.0), d.related.1, d)?;
    let new_id = item.value(d.key).filter(|id| *id != ctx.state.accounts[position].id);
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

fn read_account_list(ctx: &Ctx<'_>, list: Option<&Element>, item: &str, d: &Dialect) -> Result<AccountList, String> {
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

fn matches(ctx: &Ctx<'_>, account: &Account, params: Option<&Element>, d: &Dialect) -> bool {
    let Some(params) = params else {
        return true;
    };
    let address = &account.address;
    let texts: [(&str, Option<&str>); 10] = [
        (d.query_key, Some(&account.id)),
        (d.query_display, Some(&account.name)),
        ("description", account.description.as_deref()),
        ("address1", address.address1.as_deref()),
        ("address2", address.address2.as_deref()),
        ("city", address.city.as_deref()),
        ("state", address.state.as_deref()),
        ("zipcode", address.zipcode.as_deref()),
        ("country", address.country.as_deref()),
        ("region", address.region.as_deref()),
    ];
    let types: Vec<&str> = params
        .child(d.type_list.0)
        .map(|list| list.children_named(d.type_list.1).map(|t| t.text.trim()).collect())
        .unwrap_or_default();
    let is_root = || !ctx.state.accounts.iter().any(|other| other.sub_accounts.contains(&account.id));
    texts.iter().all(|(name, value)| text_matches(params.child(name), *value))
        && params.value(d.type_element).is_none_or(|t| t.trim() == account.account_type)
        && (types.is_empty() || types.contains(&account.account_type.as_str()))
        && (params.bool_of(d.only_root) != Some(true) || is_root())
        && attributes_match(&account.custom_attributes, params.child("customAttributes"))
        && datetime_matches(params.child("lastModifiedDateTime"), account.last_modified)
}

fn query(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let params = body.child("queryParams");
    let ctx_ref: &Ctx<'_> = ctx;
    let matching = ctx_ref.state.accounts.iter().filter(|a| matches(ctx_ref, a, params, d));
    let mut data = XmlWriter::new();
    let mut found = 0;
    for account in ctx_ref.page.take(matching) {
        found += 1;
        write_detail(&mut data, account, d);
    }
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    if found > 0 {
        writer.open("responseData").raw(&data.finish()).close("responseData");
    }
    writer.finish()
}

fn write_detail(writer: &mut XmlWriter, account: &Account, d: &Dialect) {
    writer.open(d.data);
    write_identifier(writer, d.identifier, d, account);
    writer
        .leaf(d.display, &account.name)
        .opt("description", account.description.as_deref());
    write_address(writer, &account.address);
    writer
        .opt_bool("visible", account.visible)
        .leaf(d.type_element, &account.account_type);
    write_attributes(writer, "customAttributes", &account.custom_attributes);
    writer.leaf("dateLastModified", &format_datetime(account.last_modified));
    if d.is_v3 {
        writer
            .leaf("createdDate", &format_datetime(account.created))
            .leaf("createdBy", &account.created_by)
            .leaf("lastModifiedBy", &account.last_modified_by);
    }
    writer.close(d.data);
}

fn write_address(writer: &mut XmlWriter, address: &Address) {
    let fields = [
        ("address1", &address.address1),
        ("address2", &address.address2),
        ("city", &address.city),
        ("state", &address.state),
        ("zipcode", &address.zipcode),
        ("country", &address.country),
        ("region", &address.region),
    ];
    if fields.iter().all(|(_, value)| value.is_none()) {
        return;
    }
    writer.open("address");
    for (name, value) in fields {
        writer.opt(name, value.as_deref());
    }
    writer.close("address");
}

fn count(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let params = body.child("queryParams");
    let ctx_ref: &Ctx<'_> = ctx;
    let total = ctx_ref.state.accounts.iter().filter(|a| matches(ctx_ref, a, params, d)).count();
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    writer
        .open("responseData")
        .leaf("count", &total.to_string())
        .close("responseData");
    writer.finish()
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
    let mut resolve = |name: &str| -> Result<usize, String> {
        let identifier = item.child(name).ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        ctx.state
            .resolve_account(identifier, d.key)
            .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))
    };
    let parent = resolve(d.link.0)?;
    let child = resolve(d.link.1)?;
    let child_id = ctx.state.accounts[child].id.clone();
    if parent == child {
        return Err(reason("An account cannot be its own sub-account", &child_id));
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
