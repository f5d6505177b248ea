//! EntitlementOrderService writes on whole entitlements:
//! `createSimpleEntitlement` (each entitlement atomic, with its line items),
//! `updateSimpleEntitlement` and `setEntitlementState`.

use chrono::{DateTime, Utc};

use super::accounts::{identifier_text, UNKNOWN_ACCOUNT};
use super::attributes::{merge_attributes, read_attributes};
use super::lines::{read_id, read_new_line, DEPLOYED, DRAFT};
use super::model::{AttributeEntity, ChannelPartner, Entitlement};
use super::service::{Ctx, MISSING_FIELD};
use super::soap::{reason, Batch};
use super::state::FnoState;
use super::xml::{Element, XmlWriter};

/// Reason for an identifier that names no entitlement.
pub const UNKNOWN_ENTITLEMENT: &str = "The entitlement does not exist";
/// Reason for a state change FNO does not allow.
pub const INVALID_STATE_CHANGE: &str = "The state change is not allowed";
/// Reason for maintenance lines, which the sandbox does not hold.
pub const MAINTENANCE_UNSUPPORTED: &str = "Maintenance line items are not supported by the sandbox";
/// States `setEntitlementState` accepts.
const SETTABLE_STATES: [&str; 4] = [DRAFT, DEPLOYED, "INACTIVE", "OBSOLETE"];

/// `createSimpleEntitlement`.
pub fn create_simple_entitlement(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let op_type = body.value("opType").map(str::trim);
    let mut batch = Batch::new();
    for (index, item) in body.children_named("simpleEntitlement").enumerate() {
        match create_one(ctx, item, op_type) {
            Ok(position) => {
                let entitlement = &ctx.state.entitlements[position];
                write_created(batch.succeed(), index + 1, entitlement);
            }
            Err(why) => batch.fail("failedSimpleEntitlement", "simpleEntitlement", item, why),
        }
    }
    batch.finish(true)
}

fn create_one(ctx: &mut Ctx<'_>, item: &Element, op_type: Option<&str>) -> Result<usize, String> {
    // With an opType, an existing entitlement is left alone (IGNORE) or updated.
    let given = item.value_at(&["entitlementId", "id"]);
    let auto = item
        .child("entitlementId")
        .and_then(|id| id.bool_of("autoGenerate"))
        == Some(true);
    if let (Some(id), false, Some(op)) = (given, auto, op_type) {
        if let Some(position) = ctx.state.entitlement_position(id) {
            if op == "CREATE_OR_UPDATE" {
                update_fields(ctx, position, item)?;
            }
            return Ok(position);
        }
    }
    let mut pending = Vec::new();
    let entitlement_id = read_id(ctx.state, item.child("entitlementId"), &mut pending)?;
    if item.child("maintenanceLineItems").is_some() {
        return Err(reason(MAINTENANCE_UNSUPPORTED, &entitlement_id));
    }
    check_sold_to(ctx.state, item.value("soldTo"))?;
    let partners = read_partners(ctx.state, item.child("channelPartners"))?;
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::Entitlement,
        item.child("entitlementAttributes"),
        true,
    )?;
    let state = if item.bool_of("autoDeploy") == Some(true) {
        DEPLOYED
    } else {
        DRAFT
    };
    let mut lines = Vec::new();
    for line in item.children_named("lineItems") {
        let mut line = read_new_line(ctx, line, &mut pending)?;
        line.state = state.to_string();
        lines.push(line);
    }
    let mut entitlement = Entitlement {
        unique_id: ctx.state.next_unique_id(),
        entitlement_id,
        state: state.to_string(),
        channel_partners: partners,
        custom_attributes: attributes,
        line_items: lines,
        created: ctx.now,
        last_modified: ctx.now,
        created_by: ctx.caller.to_string(),
        last_modified_by: ctx.caller.to_string(),
        ..Entitlement::default()
    };
    apply_header(&mut entitlement, item);
    ctx.state.insert_entitlement(entitlement);
    Ok(ctx.state.entitlements.len() - 1)
}

fn check_sold_to(state: &FnoState, sold_to: Option<&str>) -> Result<(), String> {
    match sold_to {
        Some(id) if state.account_position(id).is_none() => Err(reason(UNKNOWN_ACCOUNT, id)),
        _ => Ok(()),
    }
}

fn read_partners(state: &FnoState, list: Option<&Element>) -> Result<Vec<ChannelPartner>, String> {
    let mut partners = Vec::new();
    for partner in list
        .into_iter()
        .flat_map(|l| l.children_named("channelPartner"))
    {
        let tier = partner
            .value("tierName")
            .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        let unit = partner
            .child("accountUnit")
            .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
        let account = state
            .resolve_account(unit, "id")
            .ok_or_else(|| reason(UNKNOWN_ACCOUNT, &identifier_text(unit, "id")))?;
        partners.push(ChannelPartner {
            tier_name: tier.to_string(),
            account_id: state.accounts[account].id.clone(),
            contact: partner
                .child("contact")
                .and_then(|c| c.value("userName"))
                .map(str::to_string),
            current_owner: partner.bool_of("currentOwner"),
        });
    }
    Ok(partners)
}

// Applies the optional header fields shared by create and update.
fn apply_header(entitlement: &mut Entitlement, item: &Element) {
    let texts: [(&str, &mut Option<String>); 5] = [
        ("description", &mut entitlement.description),
        ("soldTo", &mut entitlement.sold_to),
        ("shipToEmail", &mut entitlement.ship_to_email),
        ("shipToAddress", &mut entitlement.ship_to_address),
        (
            "emailTemplateVariation",
            &mut entitlement.email_template_variation,
        ),
    ];
    for (name, slot) in texts {
        if let Some(value) = item.text_of(name) {
            *slot = Some(value.to_string());
        }
    }
    entitlement.allow_portal_login = item
        .bool_of("allowPortalLogin")
        .or(entitlement.allow_portal_login);
}

fn write_created(writer: &mut XmlWriter, record: usize, entitlement: &Entitlement) {
    writer
        .open("createdSimpleEntitlement")
        .leaf("recordRefNo", &record.to_string())
        .leaf("uniqueId", &entitlement.unique_id)
        .leaf("entitlementId", &entitlement.entitlement_id);
    for line in &entitlement.line_items {
        writer.leaf("lineItemUniqueIds", &line.unique_id);
    }
    for line in &entitlement.line_items {
        write_line_identifier(
            writer,
            "lineItemIdentifiers",
            &line.unique_id,
            &line.activation_id,
        );
    }
    writer.close("createdSimpleEntitlement");
}

/// Writes an `entitlementLineItemIdentifierType`.
pub fn write_line_identifier(
    writer: &mut XmlWriter,
    wrapper: &str,
    unique_id: &str,
    activation_id: &str,
) {
    writer
        .open(wrapper)
        .leaf("uniqueId", unique_id)
        .open("primaryKeys")
        .leaf("activationId", activation_id)
        .close("primaryKeys")
        .close(wrapper);
}

/// Resolves the `entitlementIdentifier` child of `item`.
pub fn resolve_entitlement(state: &FnoState, item: &Element) -> Result<usize, String> {
    let identifier = item
        .child("entitlementIdentifier")
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    state.resolve_entitlement(identifier).ok_or_else(|| {
        reason(
            UNKNOWN_ENTITLEMENT,
            &identifier_text(identifier, "entitlementId"),
        )
    })
}

/// `updateSimpleEntitlement`.
pub fn update_simple_entitlement(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("simpleEntitlement") {
        let result =
            resolve_entitlement(ctx.state, item).and_then(|at| update_fields(ctx, at, item));
        match result {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail("failedSimpleEntitlement", "simpleEntitlement", item, why),
        }
    }
    batch.finish(false)
}

fn update_fields(ctx: &mut Ctx<'_>, position: usize, item: &Element) -> Result<(), String> {
    check_sold_to(ctx.state, item.value("soldTo"))?;
    let partners = match item.child("channelPartners") {
        Some(list) => Some(read_partners(ctx.state, Some(list))?),
        None => None,
    };
    let attributes = read_attributes(
        ctx.state,
        AttributeEntity::Entitlement,
        item.child("entitlementAttributes"),
        false,
    )?;
    let current = ctx.state.entitlements[position].entitlement_id.clone();
    let rename = match item.child("entitlementId") {
        Some(id_type) if id_type.value("id") != Some(current.as_str()) => {
            Some(read_id(ctx.state, Some(id_type), &mut Vec::new())?)
        }
        _ => None,
    };
    let (now, caller) = (ctx.now, ctx.caller);
    let entitlement = &mut ctx.state.entitlements[position];
    apply_header(entitlement, item);
    merge_attributes(&mut entitlement.custom_attributes, attributes);
    if let Some(partners) = partners {
        entitlement.channel_partners = partners;
    }
    if item.bool_of("autoDeploy") == Some(true) {
        set_state(entitlement, DEPLOYED, now, caller);
    }
    entitlement.last_modified = now;
    entitlement.last_modified_by = caller.to_string();
    if let Some(id) = rename {
        entitlement.entitlement_id = id;
        ctx.state.rekey_entitlement(position, &current);
    }
    Ok(())
}

/// Deploys an entitlement and its draft lines.
fn deploy(entitlement: &mut Entitlement) {
    entitlement.state = DEPLOYED.to_string();
    for line in &mut entitlement.line_items {
        if line.state == DRAFT {
            line.state = DEPLOYED.to_string();
        }
    }
}

/// Moves an entitlement to `target` (its lines follow: deploying moves the
/// draft ones), stamping the lines whose state changes.
pub fn set_state(entitlement: &mut Entitlement, target: &str, now: DateTime<Utc>, caller: &str) {
    let before: Vec<String> = entitlement
        .line_items
        .iter()
        .map(|l| l.state.clone())
        .collect();
    if target == DEPLOYED {
        deploy(entitlement);
    } else {
        entitlement.state = target.to_string();
        for line in &mut entitlement.line_items {
            line.state = target.to_string();
        }
    }
    for (line, before) in entitlement.line_items.iter_mut().zip(before) {
        if line.state != before {
            line.last_modified = now;
            line.last_modified_by = caller.to_string();
        }
    }
}

/// `setEntitlementState`.
pub fn set_entitlement_state(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("entitlement") {
        match set_state_one(ctx, item) {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail("failedEntitlement", "entitlement", item, why),
        }
    }
    batch.finish(false)
}

/// Whether an entitlement or a line may go from `from` to `to`: DRAFT →
/// DEPLOYED, DEPLOYED ↔ INACTIVE, anything → OBSOLETE. A deployed one never
/// goes back to DRAFT.
fn may_change(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("DRAFT", "DEPLOYED")
            | ("DEPLOYED", "INACTIVE")
            | ("INACTIVE", "DEPLOYED")
            | (_, "OBSOLETE")
    )
}

/// `setLineItemState`: each line by its activation ID (or unique ID), with
/// the rules of entitlement states; a line of a DRAFT entitlement cannot be
/// deployed on its own. A line whose state changes is stamped.
pub fn set_line_item_state(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut batch = Batch::new();
    for item in body.children_named("lineItem") {
        match set_line_state_one(ctx, item) {
            Ok(()) => {
                batch.succeed();
            }
            Err(why) => batch.fail("failedLineItem", "lineItem", item, why),
        }
    }
    batch.finish(false)
}

fn set_line_state_one(ctx: &mut Ctx<'_>, item: &Element) -> Result<(), String> {
    let identifier = item
        .child("lineItemIdentifier")
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    let (entitlement, line) = ctx.state.resolve_line(identifier).ok_or_else(|| {
        reason(
            super::line_ops::UNKNOWN_LINE_ITEM,
            &identifier_text(identifier, "activationId"),
        )
    })?;
    let target = item
        .value("stateToSet")
        .map(str::trim)
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    if !SETTABLE_STATES.contains(&target) {
        return Err(reason(INVALID_STATE_CHANGE, target));
    }
    let (now, caller) = (ctx.now, ctx.caller);
    let entitlement = &mut ctx.state.entitlements[entitlement];
    if target == DEPLOYED && entitlement.state == DRAFT {
        return Err(reason(
            INVALID_STATE_CHANGE,
            "a line of a DRAFT entitlement to DEPLOYED",
        ));
    }
    let item = &mut entitlement.line_items[line];
    if item.state == target {
        return Ok(());
    }
    if !may_change(&item.state, target) {
        return Err(reason(
            INVALID_STATE_CHANGE,
            &format!("{} to {target}", item.state),
        ));
    }
    item.state = target.to_string();
    item.last_modified = now;
    item.last_modified_by = caller.to_string();
    Ok(())
}

// The current state again is a no-op.
fn set_state_one(ctx: &mut Ctx<'_>, item: &Element) -> Result<(), String> {
    let position = resolve_entitlement(ctx.state, item)?;
    let target = item
        .value("stateToSet")
        .map(str::trim)
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    if !SETTABLE_STATES.contains(&target) {
        return Err(reason(INVALID_STATE_CHANGE, target));
    }
    let (now, caller) = (ctx.now, ctx.caller);
    let entitlement = &mut ctx.state.entitlements[position];
    if entitlement.state == target {
        return Ok(());
    }
    if !may_change(&entitlement.state, target) {
        return Err(reason(
            INVALID_STATE_CHANGE,
            &format!("{} to {target}", entitlement.state),
        ));
    }
    set_state(entitlement, target, now, caller);
    entitlement.last_modified = now;
    entitlement.last_modified_by = caller.to_string();
    Ok(())
}
