//! EntitlementOrderService reads: `getEntitlementsQuery` (body root
//! `searchEntitlementRequest`, answer without a `responseData` wrapper) and
//! `getEntitlementCount`. Line item properties live in `line_query.rs`.

use super::attributes::{attributes_match, write_attributes};
use super::lines::write_line;
use super::model::{Entitlement, LineItem};
use super::query::{date_matches, format_datetime, state_matches, text_matches};
use super::service::Ctx;
use super::soap::{write_status, SUCCESS};
use super::state::FnoState;
use super::xml::{Element, XmlWriter};

/// `getEntitlementsQuery`.
pub fn entitlements_query(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let criteria = body.child("entitlementSearchCriteria");
    let state: &FnoState = ctx.state;
    let matching = state
        .entitlements
        .iter()
        .filter(|entitlement| entitlement_matches(entitlement, criteria));
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    for entitlement in ctx.page.take(matching) {
        writer.open("entitlement");
        write_simple_entitlement(state, &mut writer, entitlement);
        writer.close("entitlement");
    }
    writer.finish()
}

/// `getEntitlementCount`.
pub fn entitlement_count(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let criteria = body.child("queryParams");
    let total = ctx
        .state
        .entitlements
        .iter()
        .filter(|entitlement| entitlement_matches(entitlement, criteria))
        .count();
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    writer.leaf("count", &total.to_string());
    writer.finish()
}

fn entitlement_matches(entitlement: &Entitlement, criteria: Option<&Element>) -> bool {
    let Some(criteria) = criteria else {
        return true;
    };
    let header: [(&str, Option<&str>); 7] = [
        ("entitlementId", Some(&entitlement.entitlement_id)),
        ("entDescription", entitlement.description.as_deref()),
        ("soldTo", entitlement.sold_to.as_deref()),
        ("shipToEmail", entitlement.ship_to_email.as_deref()),
        ("shipToAddress", entitlement.ship_to_address.as_deref()),
        (
            "emailTemplateVariation",
            entitlement.email_template_variation.as_deref(),
        ),
        ("createdUserId", Some(&entitlement.created_by)),
    ];
    header
        .iter()
        .all(|(name, value)| text_matches(criteria.child(name), *value))
        && state_matches(criteria.child("state"), &entitlement.state)
        && date_matches(
            criteria.child("createdOn"),
            Some(entitlement.created.date_naive()),
        )
        && date_matches(
            criteria.child("lastModifiedDate"),
            Some(entitlement.last_modified.date_naive()),
        )
        && attributes_match(
            &entitlement.custom_attributes,
            criteria.child("entitlementAttributes"),
        )
        && lines_match(entitlement, criteria)
}

// Line filters match when some line passes all of them.
fn lines_match(entitlement: &Entitlement, criteria: &Element) -> bool {
    const LINE_FILTERS: [&str; 7] = [
        "productName",
        "productVersion",
        "partNumber",
        "description",
        "startDate",
        "expirationDate",
        "isPermanent",
    ];
    if !LINE_FILTERS
        .iter()
        .any(|name| criteria.child(name).is_some())
    {
        return true;
    }
    entitlement
        .line_items
        .iter()
        .any(|line| line_matches(line, criteria))
}

fn line_matches(line: &LineItem, criteria: &Element) -> bool {
    text_matches(criteria.child("productName"), Some(&line.product.0))
        && text_matches(criteria.child("productVersion"), Some(&line.product.1))
        && text_matches(criteria.child("partNumber"), line.part_number.as_deref())
        && text_matches(criteria.child("description"), line.description.as_deref())
        && date_matches(criteria.child("startDate"), line.start_date)
        && date_matches(criteria.child("expirationDate"), line.expiration_date)
        && criteria
            .bool_of("isPermanent")
            .is_none_or(|p| p == line.is_permanent)
}

fn write_simple_entitlement(state: &FnoState, writer: &mut XmlWriter, entitlement: &Entitlement) {
    let sold_to_name = entitlement
        .sold_to
        .as_deref()
        .and_then(|id| state.account_position(id))
        .map(|at| state.accounts[at].name.as_str());
    writer
        .open("simpleEntitlement")
        .open("entitlementId")
        .leaf("id", &entitlement.entitlement_id)
        .close("entitlementId")
        .leaf(
            "lastModifiedDateTime",
            &format_datetime(entitlement.last_modified),
        )
        .opt("description", entitlement.description.as_deref())
        .leaf("soldTo", entitlement.sold_to.as_deref().unwrap_or_default())
        .opt("soldToName", sold_to_name)
        .opt("shipToEmail", entitlement.ship_to_email.as_deref())
        .opt("shipToAddress", entitlement.ship_to_address.as_deref())
        .opt(
            "emailTemplateVariation",
            entitlement.email_template_variation.as_deref(),
        )
        .leaf("state", &entitlement.state)
        .leaf("createdUserId", &entitlement.created_by);
    for line in &entitlement.line_items {
        write_line(writer, line);
    }
    write_partners(state, writer, entitlement);
    writer.opt_bool("allowPortalLogin", entitlement.allow_portal_login);
    write_attributes(
        writer,
        "entitlementAttributes",
        &entitlement.custom_attributes,
    );
    writer.close("simpleEntitlement");
}

/// Writes `channelPartners` when the entitlement has any.
pub fn write_partners(state: &FnoState, writer: &mut XmlWriter, entitlement: &Entitlement) {
    if entitlement.channel_partners.is_empty() {
        return;
    }
    writer.open("channelPartners");
    for partner in &entitlement.channel_partners {
        let unique_id = state
            .account_position(&partner.account_id)
            .map(|at| state.accounts[at].unique_id.as_str());
        writer
            .open("channelPartner")
            .leaf("tierName", &partner.tier_name)
            .open("accountUnit")
            .opt("uniqueId", unique_id)
            .open("primaryKeys")
            .leaf("id", &partner.account_id)
            .close("primaryKeys")
            .close("accountUnit");
        if let Some(contact) = &partner.contact {
            writer
                .open("contact")
                .leaf("userName", contact)
                .close("contact");
        }
        writer
            .opt_bool("currentOwner", partner.current_owner)
            .close("channelPartner");
    }
    writer.close("channelPartners");
}
