//! `getEntitlementLineItemPropertiesQuery` (body root
//! `searchEntitlementLineItemPropertiesRequest`): the write-back read. Only the
//! fields switched on in `entitlementLineItemResponseConfig` are returned.

use super::attributes::write_attributes;
use super::lines::{
    write_model_identifier, write_parent, write_part_identifier, write_product_identifier,
};
use super::model::{Entitlement, LineItem};
use super::query::{
    date_matches, datetime_matches, format_date, format_datetime, number_matches, text_matches,
};
use super::service::Ctx;
use super::soap::{write_status, SUCCESS};
use super::state::FnoState;
use super::xml::{Element, XmlWriter};

const LINE_ITEM: &str = "LINEITEM";

/// `getEntitlementLineItemPropertiesQuery`.
pub fn line_item_properties_query(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let params = body.child("queryParams");
    let config = body.child("entitlementLineItemResponseConfig");
    let state: &FnoState = ctx.state;
    let candidates: Box<dyn Iterator<Item = (&Entitlement, &LineItem)>> = match exact_order(params)
    {
        // A look-up by order uses the index, as FNO's database would.
        Some(order) => Box::new(state.lines_of_order(order).map(|(e, l)| {
            let entitlement = &state.entitlements[e];
            (entitlement, &entitlement.line_items[l])
        })),
        None => Box::new(state.entitlements.iter().flat_map(|entitlement| {
            entitlement
                .line_items
                .iter()
                .map(move |line| (entitlement, line))
        })),
    };
    let matching = candidates.filter(|(entitlement, line)| line_matches(entitlement, line, params));
    let mut writer = XmlWriter::new();
    write_status(&mut writer, SUCCESS, None);
    for (entitlement, line) in ctx.page.take(matching) {
        write_properties(state, &mut writer, entitlement, line, config);
    }
    writer.finish()
}

/// The `orderId` asked for with `EQUALS` (or no search type), if any.
fn exact_order(params: Option<&Element>) -> Option<&str> {
    let query = params?.child("orderId")?;
    match query.value("searchType").map(str::trim) {
        Some("EQUALS") | None => query.text_of("value"),
        Some(_) => None,
    }
}

fn line_matches(entitlement: &Entitlement, line: &LineItem, params: Option<&Element>) -> bool {
    let Some(params) = params else {
        return true;
    };
    let texts: [(&str, Option<&str>); 8] = [
        ("entitlementId", Some(&entitlement.entitlement_id)),
        ("activationId", Some(&line.activation_id)),
        ("productName", Some(&line.product.0)),
        ("productVersion", Some(&line.product.1)),
        ("partNumber", line.part_number.as_deref()),
        ("orderId", line.order_id.as_deref()),
        ("orderLineNumber", line.order_line_number.as_deref()),
        ("soldTo", entitlement.sold_to.as_deref()),
    ];
    texts
        .iter()
        .all(|(name, value)| text_matches(params.child(name), *value))
        && params
            .bool_of("withNoOrderId")
            .is_none_or(|only| !only || line.order_id.is_none())
        && params
            .bool_of("isPermanent")
            .is_none_or(|p| p == line.is_permanent)
        && params
            .bool_of("restrictToItemsWithCount")
            .is_none_or(|only| !only || line.remaining_copies() > 0)
        && params
            .value("activatableItemType")
            .is_none_or(|t| t.trim() == LINE_ITEM)
        && date_matches(params.child("startDate"), line.start_date)
        && date_matches(params.child("expirationDate"), line.expiration_date)
        && number_matches(params.child("fulfilledAmount"), line.fulfilled_count)
        && datetime_matches(params.child("createdOnDateTime"), line.created)
        && datetime_matches(params.child("lastModifiedDateTime"), line.last_modified)
        && super::attributes::attributes_match(
            &line.custom_attributes,
            params.child("lineItemAttributes"),
        )
}

fn on(config: Option<&Element>, flag: &str) -> bool {
    config.and_then(|config| config.bool_of(flag)) == Some(true)
}

fn write_properties(
    state: &FnoState,
    writer: &mut XmlWriter,
    entitlement: &Entitlement,
    line: &LineItem,
    config: Option<&Element>,
) {
    writer.open("entitlementLineItem");
    write_header_fields(state, writer, entitlement, line, config);
    write_product_fields(state, writer, line, config);
    write_date_fields(writer, line, config);
    let counts = [
        ("numberOfCopies", line.number_of_copies),
        ("fulfilledAmount", line.fulfilled_count),
        ("numberOfRemainingCopies", line.remaining_copies()),
    ];
    for (flag, value) in counts {
        if on(config, flag) {
            writer.leaf(flag, &value.to_string());
        }
    }
    write_selected_attributes(writer, line, config);
    if on(config, "FNPTimeZoneValue") {
        writer.opt("FNPTimeZoneValue", line.fnp_time_zone_value.as_deref());
    }
    if on(config, "createdOnDateTime") {
        writer.leaf("createdOnDateTime", &format_datetime(line.created));
    }
    if on(config, "lastModifiedDateTime") {
        writer.leaf("lastModifiedDateTime", &format_datetime(line.last_modified));
    }
    if on(config, "fetchCreatedBy") {
        writer.leaf("createdBy", &line.created_by);
    }
    if on(config, "fetchLastModifiedBy") {
        writer.leaf("lastModifiedBy", &line.last_modified_by);
    }
    if on(config, "lineItemAttributes") {
        write_attributes(writer, "lineItemAttributes", &line.custom_attributes);
    }
    writer.close("entitlementLineItem");
}

fn write_header_fields(
    state: &FnoState,
    writer: &mut XmlWriter,
    entitlement: &Entitlement,
    line: &LineItem,
    config: Option<&Element>,
) {
    if on(config, "activationId") {
        super::entitlements::write_line_identifier(
            writer,
            "activationId",
            &line.unique_id,
            &line.activation_id,
        );
    }
    if on(config, "description") {
        writer.opt("description", line.description.as_deref());
    }
    if on(config, "state") {
        writer.leaf("state", &line.state);
    }
    if on(config, "activatableItemType") {
        writer.leaf("activatableItemType", LINE_ITEM);
    }
    if on(config, "orderId") {
        writer.opt("orderId", line.order_id.as_deref());
    }
    if on(config, "orderLineNumber") {
        writer.opt("orderLineNumber", line.order_line_number.as_deref());
    }
    if on(config, "entitlementId") {
        writer
            .open("entitlementId")
            .leaf("uniqueId", &entitlement.unique_id)
            .open("primaryKeys")
            .leaf("entitlementId", &entitlement.entitlement_id)
            .close("primaryKeys")
            .close("entitlementId");
    }
    let account = entitlement
        .sold_to
        .as_deref()
        .and_then(|id| state.account_position(id))
        .map(|at| &state.accounts[at]);
    if let (true, Some(account)) = (on(config, "soldTo"), account) {
        writer
            .open("soldTo")
            .leaf("uniqueId", &account.unique_id)
            .open("primaryKeys")
            .leaf("id", &account.id)
            .close("primaryKeys")
            .close("soldTo");
    }
    if on(config, "soldToDisplayName") {
        writer.opt("soldToDisplayName", account.map(|a| a.name.as_str()));
    }
    if on(config, "entitlementState") {
        writer.leaf("entitlementState", &entitlement.state);
    }
    if on(config, "entitlementDescription") {
        writer.opt("entitlementDescription", entitlement.description.as_deref());
    }
    if on(config, "allowPortalLogin") {
        writer.opt_bool("allowPortalLogin", entitlement.allow_portal_login);
    }
    if on(config, "shipToEmail") {
        writer.opt("shipToEmail", entitlement.ship_to_email.as_deref());
    }
    if on(config, "shipToAddress") {
        writer.opt("shipToAddress", entitlement.ship_to_address.as_deref());
    }
}

fn write_product_fields(
    state: &FnoState,
    writer: &mut XmlWriter,
    line: &LineItem,
    config: Option<&Element>,
) {
    let product = state.product(&line.product.0, &line.product.1);
    if on(config, "product") {
        write_product_identifier(writer, "product", &line.product);
    }
    if on(config, "productDescription") {
        writer.opt(
            "productDescription",
            product.and_then(|p| p.description.as_deref()),
        );
    }
    if on(config, "partNumber") {
        write_part_identifier(writer, line.part_number.as_deref());
    }
    if on(config, "partNumberDescription") {
        let part = line
            .part_number
            .as_deref()
            .and_then(|id| state.part_number(id));
        writer.opt(
            "partNumberDescription",
            part.map(|p| p.description.as_str()),
        );
    }
    if let (true, Some(technology)) = (
        on(config, "licenseTechnology"),
        product.and_then(|p| p.license_technology.as_deref()),
    ) {
        writer
            .open("licenseTechnology")
            .open("primaryKeys")
            .leaf("name", technology)
            .close("primaryKeys")
            .close("licenseTechnology");
    }
    if on(config, "licenseModel") {
        write_model_identifier(writer, line.license_model.as_deref());
    }
    if on(config, "lineItemSupportAction") {
        writer.opt("lineItemSupportAction", line.line_item_type.as_deref());
    }
    if on(config, "parentLineItem") {
        write_parent(writer, line.parent_line_item.as_deref());
    }
}

// `customAttributes` in the config lists attribute names to return.
fn write_selected_attributes(writer: &mut XmlWriter, line: &LineItem, config: Option<&Element>) {
    let Some(selection) = config.and_then(|config| config.child("customAttributes")) else {
        return;
    };
    let names: Vec<&str> = selection
        .children_named("attribute")
        .filter_map(|attribute| attribute.value("attributeName"))
        .collect();
    let selected: Vec<_> = line
        .custom_attributes
        .iter()
        .filter(|value| names.contains(&value.name.as_str()))
        .cloned()
        .collect();
    write_attributes(writer, "customAttributes", &selected);
}

fn write_date_fields(writer: &mut XmlWriter, line: &LineItem, config: Option<&Element>) {
    if on(config, "startDate") {
        writer.opt("startDate", line.start_date.map(format_date).as_deref());
    }
    if on(config, "startDateOption") {
        writer.opt("startDateOption", line.start_date_option.as_deref());
    }
    if on(config, "isPermanent") {
        writer.opt_bool("isPermanent", Some(line.is_permanent));
    }
    if let (true, Some(term)) = (on(config, "term"), &line.term) {
        writer
            .open("term")
            .leaf("numDuration", &term.num_duration.to_string())
            .leaf("durationUnit", &term.duration_unit)
            .close("term");
    }
    if on(config, "expirationDate") {
        writer.opt(
            "expirationDate",
            line.expiration_date.map(format_date).as_deref(),
        );
    }
    if on(config, "versionDate") {
        writer.opt("versionDate", line.version_date.map(format_date).as_deref());
    }
}
