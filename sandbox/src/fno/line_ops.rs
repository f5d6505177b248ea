//! EntitlementOrderService writes on line items: `createEntitlementLineItem`
//! (add lines), `updateEntitlementLineItem` and `renewLicense` (a RENEWAL
//! line that points at its parent). Each record is atomic.

use super::attributes::{merge_attributes, read_attributes};
use super::entitlements::{resolve_entitlement, write_line_identifier};
use super::lines::{
    apply_line_fields, check_dates, read_id, read_new_line, DEPLOYED, DRAFT, INVALID_VALUE,
};
use super::model::{AttributeEntity, LineItem};
use super::service::{Ctx, MISSING_FIELD};
use super::soap::{reason, Batch};
use super::xml::{Element, XmlWriter};

/// Reason for an identifier that names no line item.
pub const UNKNOWN_LINE_ITEM: &str = "The line item does not exist";
/// Reason for fewer copies than already activated.
pub const COPIES_BELOW_FULFILLED: &str = "The number of copies is lower than the fulfilled count";

/// `createEntitlementLineItem`.
pub fn create_line_items(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("lineItem") {
        match add_lines(ctx, item) {
            Ok((position, first_new)) => write_added(batch.succeed(), ctx, position, first_new),
            Err(why) => batch.fail("failedLineItemData", "lineItem", item, why),
        }
    }
    batch.finish(true)
}

fn add_lines(ctx: &mut Ctx<'_>, item: &Element) -> Result<(usize, usize), String> {
    let position = resolve_entitlement(ctx.state, item)?;
    if item.child("maintenanceLineItems").is_some() {
        return Err(reason(super::entitlements::MAINTENANCE_UNSUPPORTED, "0"));
    }
    let deploy = item.bool_of("autoDeploy") == Some(true);
    let mut pending = Vec::new();
    let mut lines = Vec::new();
    for line in item.children_named("lineItems") {
        let mut line = read_new_line(ctx, line, &mut pending)?;
        line.state = if deploy { DEPLOYED } else { DRAFT }.to_string();
        lines.push(line);
    }
    let first_new = ctx.state.entitlements[position].line_items.len();
    commit_lines(ctx, position, lines);
    Ok((position, first_new))
}

fn commit_lines(ctx: &mut Ctx<'_>, position: usize, lines: Vec<LineItem>) {
    for line in lines {
        let entitlement = &mut ctx.state.entitlements[position];
        entitlement.line_items.push(line);
        entitlement.last_modified = ctx.now;
        entitlement.last_modified_by = ctx.caller.to_string();
        let at = (position, entitlement.line_items.len() - 1);
        ctx.state.index_line_item(at, None);
    }
}

fn write_added(writer: &mut XmlWriter, ctx: &Ctx<'_>, position: usize, first_new: usize) {
    let entitlement = &ctx.state.entitlements[position];
    let added = &entitlement.line_items[first_new..];
    writer
        .open("addedLineItems")
        .open("entitlementIdentifier")
        .leaf("uniqueId", &entitlement.unique_id)
        .open("primaryKeys")
        .leaf("entitlementId", &entitlement.entitlement_id)
        .close("primaryKeys")
        .close("entitlementIdentifier");
    for line in added {
        writer.leaf("lineItemUniqueIds", &line.unique_id);
    }
    for line in added {
        write_line_identifier(
            writer,
            "lineItemIdentifiers",
            &line.unique_id,
            &line.activation_id,
        );
    }
    writer.close("addedLineItems");
}

/// `updateEntitlementLineItem`.
pub fn update_line_items(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("lineItemData") {
        match update_lines(ctx, item) {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail("failedData", "failedData", item, why),
        }
    }
    batch.finish(false)
}

// Every line of the record is checked on a copy first, so the record is all or nothing.
fn update_lines(ctx: &mut Ctx<'_>, item: &Element) -> Result<(), String> {
    let position = resolve_entitlement(ctx.state, item)?;
    let mut updated = Vec::new();
    let mut pending = Vec::new();
    for data in item.children_named("lineItemData") {
        let identifier = data
            .child("lineItemIdentifier")
            .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        let at = ctx
            .state
            .resolve_line(identifier)
            .filter(|(entitlement, _)| *entitlement == position)
            .ok_or_else(|| {
                reason(
                    UNKNOWN_LINE_ITEM,
                    &super::accounts::identifier_text(identifier, "activationId"),
                )
            })?;
        let mut line = ctx.state.entitlements[at.0].line_items[at.1].clone();
        let old_id = line.activation_id.clone();
        if data
            .value_at(&["activationId", "id"])
            .is_some_and(|id| id != old_id)
        {
            line.activation_id = read_id(ctx.state, data.child("activationId"), &mut pending)?;
        }
        update_line(ctx, &mut line, data)?;
        updated.push((at, line, old_id));
    }
    if item.bool_of("autoDeploy") == Some(true) {
        let (now, caller) = (ctx.now, ctx.caller);
        super::entitlements::set_state(
            &mut ctx.state.entitlements[position],
            DEPLOYED,
            now,
            caller,
        );
    }
    for (at, mut line, old_id) in updated {
        if ctx.state.entitlements[at.0].state == DEPLOYED && line.state == DRAFT {
            line.state = DEPLOYED.to_string();
        }
        ctx.state.entitlements[at.0].line_items[at.1] = line;
        ctx.state.index_line_item(at, Some(&old_id));
    }
    let entitlement = &mut ctx.state.entitlements[position];
    entitlement.last_modified = ctx.now;
    entitlement.last_modified_by = ctx.caller.to_string();
    Ok(())
}

fn update_line(ctx: &Ctx<'_>, line: &mut LineItem, data: &Element) -> Result<(), String> {
    apply_line_fields(line, data)?;
    if let Some(copies) = data.value("numberOfCopies") {
        let copies = copies
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|c| *c >= 0)
            .ok_or_else(|| reason(INVALID_VALUE, copies.trim()))?;
        if copies < line.fulfilled_count {
            return Err(reason(COPIES_BELOW_FULFILLED, &copies.to_string()));
        }
        line.number_of_copies = copies;
    }
    if let Some(model) = data.value_at(&["licenseModel", "primaryKeys", "name"]) {
        line.license_model = Some(model.to_string());
    }
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::LineItem,
        data.child("lineItemAttributes"),
        false,
    )?;
    merge_attributes(&mut line.custom_attributes, attributes);
    check_dates(line)?;
    line.last_modified = ctx.now;
    line.last_modified_by = ctx.caller.to_string();
    Ok(())
}

/// `renewLicense`.
pub fn renew_license(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut batch = Batch::new();
    for (index, item) in body.children_named("entitlementData").enumerate() {
        match renew_one(ctx, item) {
            Ok(renewed) => write_renewed(batch.succeed(), ctx, index + 1, &renewed),
            Err(why) => batch.fail("failedEntitlement", "entitlementData", item, why),
        }
    }
    batch.finish(true)
}

type Renewed = Vec<((usize, usize), (usize, usize))>;

fn renew_one(ctx: &mut Ctx<'_>, item: &Element) -> Result<Renewed, String> {
    let mut planned = Vec::new();
    let mut pending = Vec::new();
    for (index, data) in item.children_named("renewLineItemData").enumerate() {
        let identifier = data
            .child("parentLineItemIdentifier")
            .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        let parent = ctx.state.resolve_line(identifier).ok_or_else(|| {
            reason(
                UNKNOWN_LINE_ITEM,
                &super::accounts::identifier_text(identifier, "activationId"),
            )
        })?;
        let params = data
            .child("renewParameters")
            .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        let mut line = ctx.state.entitlements[parent.0].line_items[parent.1].clone();
        line.activation_id = read_id(ctx.state, params.child("activationId"), &mut pending)?;
        line.parent_line_item = Some(
            ctx.state.entitlements[parent.0].line_items[parent.1]
                .activation_id
                .clone(),
        );
        line.line_item_type = Some("RENEWAL".to_string());
        line.fulfilled_count = 0;
        update_line(ctx, &mut line, params)?;
        line.unique_id = format!("pending-{index}");
        line.created = ctx.now;
        line.created_by = ctx.caller.to_string();
        line.state = if data.bool_of("autoDeploy") == Some(true) {
            DEPLOYED
        } else {
            DRAFT
        }
        .to_string();
        planned.push((parent, line));
    }
    let mut renewed = Vec::new();
    for (parent, mut line) in planned {
        line.unique_id = ctx.state.next_unique_id();
        commit_lines(ctx, parent.0, vec![line]);
        let added = (
            parent.0,
            ctx.state.entitlements[parent.0].line_items.len() - 1,
        );
        renewed.push((parent, added));
    }
    Ok(renewed)
}

fn write_renewed(writer: &mut XmlWriter, ctx: &Ctx<'_>, record: usize, renewed: &Renewed) {
    let Some(((entitlement_at, _), _)) = renewed.first() else {
        return;
    };
    let entitlement = &ctx.state.entitlements[*entitlement_at];
    writer
        .open("entitlementData")
        .leaf("entitlementRecordRefNo", &record.to_string())
        .open("parentEntitlementIdentifier")
        .leaf("uniqueId", &entitlement.unique_id)
        .open("primaryKeys")
        .leaf("entitlementId", &entitlement.entitlement_id)
        .close("primaryKeys")
        .close("parentEntitlementIdentifier");
    for (index, (parent, added)) in renewed.iter().enumerate() {
        let parent = &ctx.state.entitlements[parent.0].line_items[parent.1];
        let added = &ctx.state.entitlements[added.0].line_items[added.1];
        writer
            .open("renewedLineItem")
            .leaf("lineItemRecordRefNo", &(index + 1).to_string());
        write_line_identifier(
            writer,
            "parentLineItemIdentifier",
            &parent.unique_id,
            &parent.activation_id,
        );
        writer
            .open("newLineItem")
            .leaf("uniqueId", &added.unique_id)
            .leaf("activationId", &added.activation_id)
            .close("newLineItem")
            .close("renewedLineItem");
    }
    writer.close("entitlementData");
}
