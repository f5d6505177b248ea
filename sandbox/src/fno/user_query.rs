//! User reads: `getUsersQuery`, `getUserCount` and `getUserPermissions`
//! (the side-effect-free credential check the reference suggests).

use super::accounts::UNKNOWN_ACCOUNT;
use super::attributes::{attributes_match, write_attributes};
use super::dialect::{Dialect, V1, V3};
use super::model::User;
use super::query::{datetime_matches, format_date, format_datetime, text_matches};
use super::service::Ctx;
use super::soap::{failure_only, reason, write_status, SUCCESS};
use super::users::{write_identifier_content, UNKNOWN_USER};
use super::xml::{Element, XmlWriter};

/// Permissions reported for web-service users.
const WEB_SERVICE_PERMISSIONS: [&str; 5] = [
    "Execute Web Services",
    "View and Manage Accounts",
    "View and Manage Users",
    "View and Manage Entitlements",
    "View Products",
];
/// Domain FNO reports for its own users.
const DEFAULT_DOMAIN: &str = "FLEXnet";

/// `getUsersQuery` (v3).
pub fn users_query_v3(ctx: &mut Ctx<'_>, body: &Element) -> String {
    query(ctx, body, &V3)
}
/// `getUsersQuery` (v1).
pub fn users_query_v1(ctx: &mut Ctx<'_>, body: &Element) -> String {
    query(ctx, body, &V1)
}
/// `getUserCount` (v3).
pub fn user_count_v3(ctx: &mut Ctx<'_>, body: &Element) -> String {
    count(ctx, body, &V3)
}
/// `getUserCount` (v1).
pub fn user_count_v1(ctx: &mut Ctx<'_>, body: &Element) -> String {
    count(ctx, body, &V1)
}
/// `getUserPermissions` (v3).
pub fn permissions_v3(ctx: &mut Ctx<'_>, body: &Element) -> String {
    permissions(ctx, body, &V3)
}
/// `getUserPermissions` (v1).
pub fn permissions_v1(ctx: &mut Ctx<'_>, body: &Element) -> String {
    permissions(ctx, body, &V1)
}

fn matches(ctx: &Ctx<'_>, user: &User, params: Option<&Element>, d: &Dialect) -> bool {
    let Some(params) = params else {
        return true;
    };
    let texts: [(&str, Option<&str>); 12] = [
        ("userName", Some(&user.user_name)),
        ("firstName", Some(&user.first_name)),
        ("lastName", Some(&user.last_name)),
        ("displayName", user.display_name.as_deref()),
        ("emailAddress", Some(&user.email_address)),
        ("phoneNumber", user.phone_number.as_deref()),
        ("faxNumber", user.fax_number.as_deref()),
        ("street", user.street.as_deref()),
        ("city", user.city.as_deref()),
        ("state", user.state.as_deref()),
        ("zipcode", user.zipcode.as_deref()),
        ("country", user.country.as_deref()),
    ];
    texts
        .iter()
        .all(|(name, value)| text_matches(params.child(name), *value))
        && params
            .bool_of("isActive")
            .is_none_or(|active| active == (user.status == "Active"))
        && params
            .bool_of("canLogIn")
            .is_none_or(|can| can == user.can_login)
        && membership_matches(ctx, user, params, d)
        && attributes_match(&user.custom_attributes, params.child("customAttributes"))
        && datetime_matches(params.child("lastModifiedDateTime"), user.last_modified)
        && roles_match(user, params.child("roles"))
}

// Account filters match when any membership's account passes all of them.
fn membership_matches(ctx: &Ctx<'_>, user: &User, params: &Element, d: &Dialect) -> bool {
    let key = params.child(d.query_key);
    let display = params.child(d.query_display);
    let account_type = params.value(d.type_element).map(str::trim);
    if key.is_none() && display.is_none() && account_type.is_none() {
        return true;
    }
    user.account_roles.iter().any(|membership| {
        let Some(position) = ctx.state.account_position(&membership.account_id) else {
            return false;
        };
        let account = &ctx.state.accounts[position];
        text_matches(key, Some(&account.id))
            && text_matches(display, Some(&account.name))
            && account_type.is_none_or(|wanted| wanted == account.account_type)
    })
}

fn roles_match(user: &User, roles: Option<&Element>) -> bool {
    let Some(roles) = roles else {
        return true;
    };
    let wanted: Vec<&str> = roles
        .children_named("roleName")
        .map(|r| r.text.trim())
        .collect();
    user.account_roles
        .iter()
        .any(|m| m.roles.iter().any(|role| wanted.contains(&role.as_str())))
}

fn query(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let params = body.child("queryParams");
    let ctx_ref: &Ctx<'_> = ctx;
    let matching = ctx_ref
        .state
        .users
        .iter()
        .filter(|u| matches(ctx_ref, u, params, d));
    let mut data = XmlWriter::new();
    let mut found = 0;
    for user in ctx_ref.page.take(matching) {
        found += 1;
        write_detail(ctx_ref, &mut data, user, d);
    }
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    if found > 0 {
        writer
            .open("responseData")
            .raw(&data.finish())
            .close("responseData");
    }
    writer.finish()
}

fn write_detail(ctx: &Ctx<'_>, writer: &mut XmlWriter, user: &User, d: &Dialect) {
    writer.open("user").open("userIdentifier");
    write_identifier_content(writer, user);
    writer
        .close("userIdentifier")
        .opt("displayName", user.display_name.as_deref())
        .opt_bool("optIn", user.opt_in)
        .opt("faxNumber", user.fax_number.as_deref())
        .opt("street", user.street.as_deref())
        .opt("city", user.city.as_deref())
        .opt("state", user.state.as_deref())
        .opt("zipcode", user.zipcode.as_deref())
        .opt("country", user.country.as_deref())
        .leaf("status", &user.status)
        .opt("locale", user.locale.as_deref())
        .opt("timezone", user.timezone.as_deref())
        .opt_bool("shared", user.shared)
        .leaf("domain", DEFAULT_DOMAIN)
        .leaf("dateCreated", &format_datetime(user.created))
        .leaf("dateLastModified", &format_datetime(user.last_modified));
    write_memberships(ctx, writer, user, d);
    if d.is_v3 {
        let expiry = user.account_roles.iter().find_map(|m| m.expiry_date);
        writer.opt("expiryDate", expiry.map(format_date).as_deref());
    }
    write_attributes(writer, "customAttributes", &user.custom_attributes);
    if d.is_v3 {
        writer
            .leaf("createdBy", &user.created_by)
            .leaf("lastModifiedBy", &user.last_modified_by);
    }
    writer.close("user");
}

fn write_memberships(ctx: &Ctx<'_>, writer: &mut XmlWriter, user: &User, d: &Dialect) {
    if user.account_roles.is_empty() {
        return;
    }
    writer.open(d.query_roles_list);
    for membership in &user.account_roles {
        let unique_id = ctx
            .state
            .account_position(&membership.account_id)
            .map(|at| ctx.state.accounts[at].unique_id.as_str());
        writer
            .open(d.roles_list.1)
            .open(d.identifier)
            .opt("uniqueId", unique_id)
            .open("primaryKeys")
            .leaf(d.key, &membership.account_id)
            .close("primaryKeys")
            .close(d.identifier);
        if !membership.roles.is_empty() {
            writer.open("roles");
            for role in &membership.roles {
                writer.leaf("roleName", role);
            }
            writer.close("roles");
        }
        writer.close(d.roles_list.1);
    }
    writer.close(d.query_roles_list);
}

fn count(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let params = body.child("queryParams");
    let ctx_ref: &Ctx<'_> = ctx;
    let total = ctx_ref
        .state
        .users
        .iter()
        .filter(|u| matches(ctx_ref, u, params, d))
        .count();
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    writer
        .open("responseData")
        .leaf("count", &total.to_string())
        .close("responseData");
    writer.finish()
}

fn permissions(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let name = body.value("userName").unwrap_or_default().trim();
    let bare = name.split("##").next().unwrap_or_default();
    let (account_type, permissions): (String, Vec<&str>) = if ctx
        .state
        .web_service_users
        .iter()
        .any(|u| u.user_name == bare)
    {
        ("PUBLISHER".into(), WEB_SERVICE_PERMISSIONS.to_vec())
    } else if let Some(position) = ctx.state.user_position(bare) {
        let user = &ctx.state.users[position];
        let Some(account) = user
            .account_roles
            .first()
            .and_then(|m| ctx.state.account_position(&m.account_id))
        else {
            return failure_only(&reason(UNKNOWN_ACCOUNT, bare));
        };
        (
            ctx.state.accounts[account].account_type.clone(),
            vec!["View Entitlements"],
        )
    } else {
        return failure_only(&reason(UNKNOWN_USER, bare));
    };
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    writer
        .open("responseData")
        .leaf("userName", bare)
        .leaf(d.type_element, &account_type)
        .open("permissions");
    for permission in permissions {
        writer.leaf("permission", permission);
    }
    writer.close("permissions").close("responseData");
    writer.finish()
}
