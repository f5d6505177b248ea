//! Account (v3) and organization (v1) reads: `getAccountsQuery` /
//! `getOrganizationsQuery` and the counts, with the same filters.

use super::accounts::write_identifier;
use super::attributes::{attributes_match, write_attributes};
use super::dialect::{Dialect, V1, V3};
use super::model::{Account, Address};
use super::query::{datetime_matches, format_datetime, text_matches};
use super::service::Ctx;
use super::soap::{write_status, SUCCESS};
use super::xml::{Element, XmlWriter};

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
        .map(|list| {
            list.children_named(d.type_list.1)
                .map(|t| t.text.trim())
                .collect()
        })
        .unwrap_or_default();
    let is_root = || {
        !ctx.state
            .accounts
            .iter()
            .any(|other| other.sub_accounts.contains(&account.id))
    };
    texts
        .iter()
        .all(|(name, value)| text_matches(params.child(name), *value))
        && params
            .value(d.type_element)
            .is_none_or(|t| t.trim() == account.account_type)
        && (types.is_empty() || types.contains(&account.account_type.as_str()))
        && (params.bool_of(d.only_root) != Some(true) || is_root())
        && attributes_match(&account.custom_attributes, params.child("customAttributes"))
        && datetime_matches(params.child("lastModifiedDateTime"), account.last_modified)
}

fn query(ctx: &mut Ctx<'_>, body: &Element, d: &Dialect) -> String {
    let params = body.child("queryParams");
    let ctx_ref: &Ctx<'_> = ctx;
    let matching = ctx_ref
        .state
        .accounts
        .iter()
        .filter(|a| matches(ctx_ref, a, params, d));
    let mut data = XmlWriter::new();
    let mut found = 0;
    for account in ctx_ref.page.take(matching) {
        found += 1;
        write_detail(&mut data, account, d);
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
    let total = ctx_ref
        .state
        .accounts
        .iter()
        .filter(|a| matches(ctx_ref, a, params, d))
        .count();
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    writer
        .open("responseData")
        .leaf("count", &total.to_string())
        .close("responseData");
    writer.finish()
}
