//! Users: create, update and role changes (v3 and v1). A user is linked to an
//! account by a role entry; every role named must exist in the tenant, which
//! is how a missing portal admin role shows up.

use chrono::{DateTime, Utc};

use super::accounts::{apply_collection, identifier_text, UNKNOWN_ACCOUNT};
use super::attributes::{merge_attributes, read_attributes};
use super::dialect::{Dialect, V1, V3};
use super::model::{AccountRoles, AttributeEntity, User};
use super::query::parse_date;
use super::service::{Ctx, MISSING_FIELD};
use super::soap::{reason, Batch};
use super::state::FnoState;
use super::xml::{Element, XmlWriter};

/// Reason for a role name or id the tenant does not have.
pub const UNKNOWN_ROLE: &str = "The role does not exist";
/// Reason for a create whose user name is taken.
pub const DUPLICATE_USER: &str = "A user with this user name already exists";
/// Reason for an identifier that names no user.
pub const UNKNOWN_USER: &str = "The user does not exist";
/// Default `status` of new users.
pub const ACTIVE: &str = "Active";

/// `createUser` (v3).
pub fn create_user_v3(ctx: &mut Ctx<'_>, body: &Element) -> String {
    create(ctx, body, &V3)
}
/// `createUser` (v1).
pub fn create_user_v1(ctx: &mut Ctx<'_>, body: &Element) -> String {
    create(ctx, body, &V1)
}
/// `updateUser` (v3).
pub fn update_user_v3(ctx: &mut Ctx<'_>, body: &Element) -> String {
    update(ctx, body, &V3)
}
/// `updateUser` (v1).
pub fn update_user_v1(ctx: &mut Ctx<'_>, body: &Element) -> String {
    update(ctx, body, &V1)
}
/// `updateUserRoles` (v3).
pub fn update_roles_v3(ctx: &mut Ctx<'_>, body: &Element) -> String {
    update_roles(ctx, body, &V3)
}
/// `updateUserRoles` (v1).
pub fn update_roles_v1(ctx: &mut Ctx<'_>, body: &Element) -> String {
    update_roles(ctx, body, &V1)
}

fn create(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let op_type = body.value("opType").map(str::trim);
    let mut batch = Batch::new();
    for item in body.children_named("user") {
        match create_one(ctx, item, op_type, d) {
            Ok(position) => write_created(batch.succeed(), &ctx.state.users[position]),
            Err(why) => batch.fail("failedUser", "user", item, why),
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
    let missing = || reason(MISSING_FIELD, "0");
    let first_name = item.value("firstName").ok_or_else(missing)?;
    let last_name = item.value("lastName").ok_or_else(missing)?;
    let email = item.value("emailAddress").ok_or_else(missing)?;
    let can_login = item.bool_of("canLogin").ok_or_else(missing)?;
    // User name and roles are required when the user can log in.
    let user_name = match item.value("userName") {
        Some(name) => name,
        None if can_login => return Err(missing()),
        None => email,
    };
    let list = item.child(d.roles_list.0).ok_or_else(missing)?;
    let memberships = read_memberships(ctx.state, list, d, can_login)?;
    if memberships.is_empty() {
        return Err(missing());
    }
    let existing = ctx.state.user_position(user_name);
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::User,
        item.child("customAttributes"),
        existing.is_none(),
    )?;
    if let Some(position) = existing {
        return match op_type {
            Some("CREATE_OR_IGNORE") => Ok(position),
            Some("CREATE_OR_UPDATE") => {
                let (now, caller) = (ctx.now, ctx.caller);
                let user = &mut ctx.state.users[position];
                apply_fields(user, item);
                user.can_login = can_login;
                merge_memberships(&mut user.account_roles, memberships);
                merge_attributes(&mut user.custom_attributes, attributes);
                touch(user, now, caller);
                Ok(position)
            }
            _ => Err(reason(DUPLICATE_USER, user_name)),
        };
    }
    let mut user = User {
        unique_id: ctx.state.next_unique_id(),
        user_name: user_name.to_string(),
        first_name: first_name.to_string(),
        last_name: last_name.to_string(),
        email_address: email.to_string(),
        can_login,
        status: ACTIVE.to_string(),
        account_roles: memberships,
        custom_attributes: attributes,
        created: ctx.now,
        created_by: ctx.caller.to_string(),
        ..User::default()
    };
    apply_fields(&mut user, item);
    touch(&mut user, ctx.now, ctx.caller);
    ctx.state.insert_user(user);
    Ok(ctx.state.users.len() - 1)
}

fn touch(user: &mut User, now: DateTime<Utc>, caller: &str) {
    user.last_modified = now;
    user.last_modified_by = caller.to_string();
}

// Reads `acctRoles+` (v1 `orgRoles+`): each account and role must exist.
fn read_memberships(
    state: &FnoState,
    list: &Element,
    d: &Dialect,
    roles_required: bool,
) -> Result<Vec<AccountRoles>, String> {
    let mut memberships = Vec::new();
    for entry in list.children_named(d.roles_list.1) {
        let identifier = entry
            .child(d.identifier)
            .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        let account = state
            .resolve_account(identifier, d.key)
            .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))?;
        let roles = read_roles(state, entry.child("roles"))?;
        if roles_required && roles.is_empty() {
            return Err(reason(MISSING_FIELD, "0"));
        }
        memberships.push(AccountRoles {
            account_id: state.accounts[account].id.clone(),
            expiry_date: entry.value("expiryDate").and_then(parse_date),
            roles,
        });
    }
    Ok(memberships)
}

fn read_roles(state: &FnoState, roles: Option<&Element>) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for role in roles
        .into_iter()
        .flat_map(|roles| roles.children_named("role"))
    {
        let found = state
            .resolve_role(role)
            .ok_or_else(|| reason(UNKNOWN_ROLE, &identifier_text(role, "name")))?;
        if !names.contains(&found.name) {
            names.push(found.name.clone());
        }
    }
    Ok(names)
}

fn merge_memberships(stored: &mut Vec<AccountRoles>, updates: Vec<AccountRoles>) {
    for update in updates {
        match stored
            .iter_mut()
            .find(|m| m.account_id == update.account_id)
        {
            Some(existing) => {
                apply_collection(&mut existing.roles, update.roles, "ADD");
                existing.expiry_date = update.expiry_date.or(existing.expiry_date);
            }
            None => stored.push(update),
        }
    }
}

fn apply_fields(user: &mut User, item: &Element) {
    let texts: [(&str, &mut Option<String>); 10] = [
        ("displayName", &mut user.display_name),
        ("phoneNumber", &mut user.phone_number),
        ("faxNumber", &mut user.fax_number),
        ("street", &mut user.street),
        ("city", &mut user.city),
        ("state", &mut user.state),
        ("zipcode", &mut user.zipcode),
        ("country", &mut user.country),
        ("locale", &mut user.locale),
        ("timezone", &mut user.timezone),
    ];
    for (name, slot) in texts {
        if let Some(value) = item.text_of(name) {
            *slot = Some(value.to_string());
        }
    }
    if let Some(first) = item.value("firstName") {
        user.first_name = first.to_string();
    }
    if let Some(last) = item.value("lastName") {
        user.last_name = last.to_string();
    }
    if let Some(email) = item.value("emailAddress") {
        user.email_address = email.to_string();
    }
    if let Some(status) = item.value("status") {
        user.status = status.trim().to_string();
    }
    user.opt_in = item.bool_of("optIn").or(user.opt_in);
    user.shared = item.bool_of("shared").or(user.shared);
}

/// Writes a created user's identifier (`uniqueId`, `userName`, `primaryKeys`).
pub fn write_created(writer: &mut XmlWriter, user: &User) {
    writer.open("user");
    write_identifier_content(writer, user);
    writer.close("user");
}

/// Writes the content of a `userIdentifierType` for `user`.
pub fn write_identifier_content(writer: &mut XmlWriter, user: &User) {
    writer
        .leaf("uniqueId", &user.unique_id)
        .leaf("userName", &user.user_name)
        .open("primaryKeys")
        .leaf("firstName", &user.first_name)
        .leaf("lastName", &user.last_name)
        .leaf("emailAddress", &user.email_address)
        .opt("phoneNumber", user.phone_number.as_deref())
        .close("primaryKeys");
}

fn update(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("userData") {
        match update_one(ctx, item, d) {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail("failedUser", "userData", item, why),
        }
    }
    batch.finish(false)
}

fn update_one(ctx: &mut Ctx<'_>, item: &Element, d: &Dialect) -> Result<(), String> {
    let position = resolve_user(ctx.state, item)?;
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::User,
        item.child("customAttributes"),
        false,
    )?;
    let memberships = match item.child(d.roles_list.0) {
        Some(list) => {
            let op = list.value("opType").unwrap_or("ADD").trim().to_string();
            Some((read_memberships(ctx.state, list, d, false)?, op))
        }
        None => None,
    };
    let (now, caller) = (ctx.now, ctx.caller);
    let user = &mut ctx.state.users[position];
    apply_fields(user, item);
    merge_attributes(&mut user.custom_attributes, attributes);
    match memberships {
        Some((list, op)) if op == "REPLACE" => user.account_roles = list,
        Some((list, op)) if op == "DELETE" => user
            .account_roles
            .retain(|m| !list.iter().any(|gone| gone.account_id == m.account_id)),
        Some((list, _)) => merge_memberships(&mut user.account_roles, list),
        None => {}
    }
    touch(user, now, caller);
    Ok(())
}

fn resolve_user(state: &FnoState, item: &Element) -> Result<usize, String> {
    let identifier = item
        .child("user")
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    state.resolve_user(identifier).ok_or_else(|| {
        let name = identifier
            .value("userName")
            .or_else(|| identifier.value("uniqueId"))
            .or_else(|| identifier.value_at(&["primaryKeys", "emailAddress"]))
            .unwrap_or_default();
        reason(UNKNOWN_USER, name)
    })
}

fn update_roles(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("userData") {
        match update_roles_one(ctx, item, d) {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail("failedUser", "userData", item, why),
        }
    }
    batch.finish(false)
}

fn update_roles_one(ctx: &mut Ctx<'_>, item: &Element, d: &Dialect) -> Result<(), String> {
    let position = resolve_user(ctx.state, item)?;
    let missing = || reason(MISSING_FIELD, "0");
    let entry = item.child(d.update_roles).ok_or_else(missing)?;
    let identifier = entry.child(d.identifier).ok_or_else(missing)?;
    let account = ctx
        .state
        .resolve_account(identifier, d.key)
        .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(identifier, d.key)))?;
    let account_id = ctx.state.accounts[account].id.clone();
    let roles_element = entry.child("roles").ok_or_else(missing)?;
    let roles = read_roles(ctx.state, Some(roles_element))?;
    let op = roles_element
        .value("opType")
        .unwrap_or("ADD")
        .trim()
        .to_string();
    let (now, caller) = (ctx.now, ctx.caller);
    let user = &mut ctx.state.users[position];
    match user
        .account_roles
        .iter_mut()
        .find(|m| m.account_id == account_id)
    {
        Some(membership) => apply_collection(&mut membership.roles, roles, &op),
        None if op != "DELETE" => user.account_roles.push(AccountRoles {
            account_id,
            expiry_date: None,
            roles,
        }),
        None => {}
    }
    touch(user, now, caller);
    Ok(())
}
