//! Entitlement line items: reading a new line (`createEntitlementLineItemDataType`)
//! with FNO's rules — deployed product and licence model, known part number,
//! start-date and expiration options, unique activation IDs — and writing a
//! line as `getEntitlementsQuery` returns it.

use super::attributes::{read_attributes, write_attributes};
use super::model::{AttributeEntity, LineItem, Term};
use super::query::{format_date, format_datetime, parse_date};
use super::service::{Ctx, MISSING_FIELD};
use super::soap::reason;
use super::state::FnoState;
use super::xml::{Element, XmlWriter};

/// Reason for an unknown part number.
pub const UNKNOWN_PART_NUMBER: &str = "The part number does not exist";
/// Reason for a part number mapped to no product.
pub const UNMAPPED_PART_NUMBER: &str = "The part number is not mapped to a product";
/// Reason for an unknown product.
pub const UNKNOWN_PRODUCT: &str = "The product does not exist";
/// Reason for a product that is not DEPLOYED.
pub const PRODUCT_NOT_DEPLOYED: &str = "The product is not deployed";
/// Reason for a missing or undeployed licence model.
pub const LICENSE_MODEL_NOT_DEPLOYED: &str = "The license model does not exist or is not deployed";
/// Reason for an entitlement or activation ID already in use.
pub const DUPLICATE_ID: &str = "The ID is already in use";
/// Reason for an ID with characters FNO forbids.
pub const INVALID_ID: &str = "The ID contains characters that are not allowed";
/// Reason for contradicting expiration fields.
pub const INVALID_EXPIRATION: &str =
    "Specify exactly one of term and expiration date, or neither for a permanent line item";
/// Reason for a start date given with an activation-date option.
pub const START_DATE_NOT_ALLOWED: &str = "The start date must be empty for this start date option";
/// Reason for other out-of-range values.
pub const INVALID_VALUE: &str = "Invalid value";

/// `StartDateOptionType` values.
pub const START_DATE_OPTIONS: [&str; 5] = [
    "DEFINE_NOW",
    "DEFINE_AT_FIRST_ACTIVATION",
    "DEFINE_AT_EACH_ACTIVATION",
    "DEFINE_ACTDATE_AT_FIRST_ACTIVATION",
    "DEFINE_ACTDATE_AT_EACH_ACTIVATION",
];
const DURATION_UNITS: [&str; 4] = ["DAYS", "WEEKS", "MONTHS", "YEARS"];
const LINE_ITEM_TYPES: [&str; 3] = ["UPGRADE", "UPSELL", "RENEWAL"];
/// Characters an entitlement or activation ID may not contain (createSimpleEntitlement docs).
const FORBIDDEN_ID_CHARS: &str = ",\"&%^()#@!~/<>`}{=|.";
const MAX_ID_LENGTH: usize = 255;
/// State of items that are not deployed yet.
pub const DRAFT: &str = "DRAFT";
/// State of usable items.
pub const DEPLOYED: &str = "DEPLOYED";

/// Reads an `idType` (`id?`, `autoGenerate?`): the given ID or a generated one.
///
/// `pending` holds IDs claimed earlier in the same request.
pub fn read_id(
    state: &FnoState,
    id_type: Option<&Element>,
    pending: &mut Vec<String>,
) -> Result<String, String> {
    let id_type = id_type.ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    if id_type.bool_of("autoGenerate") == Some(true) {
        let mut id = state.generate_id();
        while pending.contains(&id) {
            id = state.generate_id();
        }
        pending.push(id.clone());
        return Ok(id);
    }
    let id = id_type
        .value("id")
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    if id.len() > MAX_ID_LENGTH || id.chars().any(|c| FORBIDDEN_ID_CHARS.contains(c)) {
        return Err(reason(INVALID_ID, id));
    }
    if state.id_taken(id) || pending.iter().any(|taken| taken == id) {
        return Err(reason(DUPLICATE_ID, id));
    }
    pending.push(id.to_string());
    Ok(id.to_string())
}

/// Reads and checks a new line item; the caller sets its state and indexes it.
pub fn read_new_line(
    ctx: &mut Ctx<'_>,
    item: &Element,
    pending: &mut Vec<String>,
) -> Result<LineItem, String> {
    let state: &FnoState = ctx.state;
    let activation_id = read_id(state, item.child("activationId"), pending)?;
    let (product, part_number, part_model) = read_product(state, item)?;
    let license_model = read_license_model(state, item, part_model, &product)?;
    let copies = item
        .value("numberOfCopies")
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    let number_of_copies = parse_count(copies)?;
    let attributes = read_attributes(
        state,
        AttributeEntity::LineItem,
        item.child("lineItemAttributes"),
        true,
    )?;
    let mut line = LineItem {
        activation_id,
        product,
        part_number,
        license_model: Some(license_model),
        number_of_copies,
        custom_attributes: attributes,
        line_item_type: read_enum(item, "lineItemType", &LINE_ITEM_TYPES)?,
        state: DRAFT.to_string(),
        created: ctx.now,
        created_by: ctx.caller.to_string(),
        ..LineItem::default()
    };
    apply_line_fields(&mut line, item)?;
    check_dates(&line)?;
    line.unique_id = ctx.state.next_unique_id();
    line.last_modified = ctx.now;
    line.last_modified_by = ctx.caller.to_string();
    Ok(line)
}

type ProductChoice = ((String, String), Option<String>, Option<String>);

// A line names its product through a part number or directly; either way the
// product must exist and be DEPLOYED.
fn read_product(state: &FnoState, item: &Element) -> Result<ProductChoice, String> {
    let (product, part_id, part_model) = if let Some(part) = item.child("partNumber") {
        let part_id = part.value_at(&["primaryKeys", "partId"]);
        let found = match part_id {
            Some(id) => state.part_number(id),
            None => part
                .value("uniqueId")
                .and_then(|unique| state.part_numbers.iter().find(|p| p.unique_id == unique)),
        };
        let label = part_id
            .or_else(|| part.value("uniqueId"))
            .unwrap_or_default();
        let found = found.ok_or_else(|| reason(UNKNOWN_PART_NUMBER, label))?;
        let product = found
            .product
            .clone()
            .ok_or_else(|| reason(UNMAPPED_PART_NUMBER, label))?;
        (
            product,
            Some(found.part_id.clone()),
            found.license_model.clone(),
        )
    } else if let Some(product) = item.child("product") {
        let name = product
            .value_at(&["primaryKeys", "name"])
            .unwrap_or_default();
        let version = product
            .value_at(&["primaryKeys", "version"])
            .unwrap_or_default();
        ((name.to_string(), version.to_string()), None, None)
    } else {
        return Err(reason(MISSING_FIELD, "0"));
    };
    let label = format!("{} {}", product.0, product.1);
    let found = state
        .product(&product.0, &product.1)
        .ok_or_else(|| reason(UNKNOWN_PRODUCT, &label))?;
    if found.state != DEPLOYED {
        return Err(reason(PRODUCT_NOT_DEPLOYED, &label));
    }
    Ok((product, part_id, part_model))
}

fn read_license_model(
    state: &FnoState,
    item: &Element,
    part_model: Option<String>,
    product: &(String, String),
) -> Result<String, String> {
    let chosen = item
        .value_at(&["licenseModel", "primaryKeys", "name"])
        .map(str::to_string)
        .or(part_model)
        .or_else(|| {
            state
                .product(&product.0, &product.1)
                .and_then(|p| p.license_models.first().cloned())
        })
        .ok_or_else(|| reason(LICENSE_MODEL_NOT_DEPLOYED, &product.0))?;
    match state.license_model(&chosen) {
        Some(model) if model.state == DEPLOYED => Ok(chosen),
        _ => Err(reason(LICENSE_MODEL_NOT_DEPLOYED, &chosen)),
    }
}

fn parse_count(text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|copies| *copies >= 0)
        .ok_or_else(|| reason(INVALID_VALUE, text.trim()))
}

fn read_enum(item: &Element, name: &str, allowed: &[&str]) -> Result<Option<String>, String> {
    match item.value(name).map(str::trim) {
        None => Ok(None),
        Some(value) if allowed.contains(&value) => Ok(Some(value.to_string())),
        Some(value) => Err(reason(INVALID_VALUE, value)),
    }
}

fn read_date(item: &Element, name: &str) -> Result<Option<chrono::NaiveDate>, String> {
    match item.value(name) {
        None => Ok(None),
        Some(text) => parse_date(text)
            .map(Some)
            .ok_or_else(|| reason(INVALID_VALUE, text.trim())),
    }
}

/// Applies the optional fields shared by create, update and renew records.
pub fn apply_line_fields(line: &mut LineItem, item: &Element) -> Result<(), String> {
    let texts: [(&str, &mut Option<String>); 4] = [
        ("description", &mut line.description),
        ("orderId", &mut line.order_id),
        ("orderLineNumber", &mut line.order_line_number),
        ("FNPTimeZoneValue", &mut line.fnp_time_zone_value),
    ];
    for (name, slot) in texts {
        if let Some(value) = item.text_of(name) {
            *slot = Some(value.to_string());
        }
    }
    if let Some(date) = read_date(item, "startDate")? {
        line.start_date = Some(date);
    }
    if let Some(option) = read_enum(item, "startDateOption", &START_DATE_OPTIONS)? {
        line.start_date_option = Some(option);
    }
    if let Some(date) = read_date(item, "versionDate")? {
        line.version_date = Some(date);
    }
    let expiration = item.child("expirationTerms").unwrap_or(item);
    if let Some(permanent) = item.bool_of("isPermanent") {
        line.is_permanent = permanent;
        if permanent {
            line.term = None;
            line.expiration_date = None;
        }
    }
    if let Some(term) = expiration.child("term") {
        line.term = Some(read_term(term)?);
        line.expiration_date = None;
    }
    if let Some(date) = read_date(expiration, "expirationDate")? {
        line.expiration_date = Some(date);
        if expiration.child("term").is_none() {
            line.term = None;
        }
    }
    Ok(())
}

fn read_term(term: &Element) -> Result<Term, String> {
    let number = term
        .value("numDuration")
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    let num_duration = number
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| reason(INVALID_VALUE, number.trim()))?;
    let unit = read_enum(term, "durationUnit", &DURATION_UNITS)?
        .ok_or_else(|| reason(MISSING_FIELD, "0"))?;
    Ok(Term {
        num_duration,
        duration_unit: unit,
    })
}

/// Checks the start-date and expiration combinations of a line.
pub fn check_dates(line: &LineItem) -> Result<(), String> {
    let option = line.start_date_option.as_deref().unwrap_or("DEFINE_NOW");
    if option == "DEFINE_NOW" && line.start_date.is_none() {
        return Err(reason(MISSING_FIELD, "0"));
    }
    if option.starts_with("DEFINE_ACTDATE") && line.start_date.is_some() {
        return Err(reason(START_DATE_NOT_ALLOWED, option));
    }
    let terms = usize::from(line.term.is_some()) + usize::from(line.expiration_date.is_some());
    match (line.is_permanent, terms) {
        (true, 0) | (false, 1) => Ok(()),
        (false, 0) => Err(reason(MISSING_FIELD, "0")),
        _ => Err(reason(INVALID_EXPIRATION, &line.activation_id)),
    }
}

/// Writes a line as an `entitlementLineItemDataType` (getEntitlementsQuery).
pub fn write_line(writer: &mut XmlWriter, line: &LineItem) {
    writer
        .open("lineItems")
        .open("activationId")
        .leaf("id", &line.activation_id)
        .close("activationId")
        .opt("description", line.description.as_deref());
    write_product_identifier(writer, "product", &line.product);
    write_part_identifier(writer, line.part_number.as_deref());
    write_model_identifier(writer, line.license_model.as_deref());
    writer
        .opt("FNPTimeZoneValue", line.fnp_time_zone_value.as_deref())
        .opt("orderId", line.order_id.as_deref())
        .opt("orderLineNumber", line.order_line_number.as_deref())
        .leaf("numberOfCopies", &line.number_of_copies.to_string());
    write_dates(writer, line);
    writer.opt("lineItemType", line.line_item_type.as_deref());
    write_attributes(writer, "lineItemAttributes", &line.custom_attributes);
    writer
        .leaf(
            "numberOfRemainingCopies",
            &line.remaining_copies().to_string(),
        )
        .leaf("fulfilledCount", &line.fulfilled_count.to_string())
        .leaf("state", &line.state);
    write_parent(writer, line.parent_line_item.as_deref());
    writer
        .leaf("createdOnDateTime", &format_datetime(line.created))
        .leaf("lastModifiedDateTime", &format_datetime(line.last_modified))
        .close("lineItems");
}

/// Writes startDate … versionDate in schema order.
pub fn write_dates(writer: &mut XmlWriter, line: &LineItem) {
    writer
        .opt("startDate", line.start_date.map(format_date).as_deref())
        .opt("startDateOption", line.start_date_option.as_deref())
        .opt_bool("isPermanent", Some(line.is_permanent));
    if let Some(term) = &line.term {
        writer
            .open("term")
            .leaf("numDuration", &term.num_duration.to_string())
            .leaf("durationUnit", &term.duration_unit)
            .close("term");
    }
    writer
        .opt(
            "expirationDate",
            line.expiration_date.map(format_date).as_deref(),
        )
        .opt("versionDate", line.version_date.map(format_date).as_deref());
}

/// Writes `<wrapper><primaryKeys><name/><version/></primaryKeys></wrapper>`.
pub fn write_product_identifier(writer: &mut XmlWriter, wrapper: &str, product: &(String, String)) {
    writer
        .open(wrapper)
        .open("primaryKeys")
        .leaf("name", &product.0)
        .leaf("version", &product.1)
        .close("primaryKeys")
        .close(wrapper);
}

/// Writes a `partNumber` identifier when present.
pub fn write_part_identifier(writer: &mut XmlWriter, part_id: Option<&str>) {
    if let Some(part_id) = part_id {
        writer
            .open("partNumber")
            .open("primaryKeys")
            .leaf("partId", part_id)
            .close("primaryKeys")
            .close("partNumber");
    }
}

/// Writes a `licenseModel` identifier when present.
pub fn write_model_identifier(writer: &mut XmlWriter, model: Option<&str>) {
    if let Some(model) = model {
        writer
            .open("licenseModel")
            .open("primaryKeys")
            .leaf("name", model)
            .close("primaryKeys")
            .close("licenseModel");
    }
}

/// Writes a `parentLineItem` identifier when present.
pub fn write_parent(writer: &mut XmlWriter, parent: Option<&str>) {
    if let Some(parent) = parent {
        writer
            .open("parentLineItem")
            .open("primaryKeys")
            .leaf("activationId", parent)
            .close("primaryKeys")
            .close("parentLineItem");
    }
}
