//! Custom attribute values (`attributeDescriptorDataType`) checked against the
//! definitions of their entity type: unknown or inactive attributes are
//! refused, values must fit the type, and creates must carry every required
//! active attribute. Reason texts are the sandbox's wording (FNO's are not public).

use super::model::{
    AttributeDefinition, AttributeEntity, AttributeType, AttributeValue, TypedValue,
};
use super::query::{format_date, parse_date};
use super::service::MISSING_FIELD;
use super::soap::reason;
use super::state::FnoState;
use super::xml::{parse_bool, Element, XmlWriter};

/// Reason for a value of an attribute that has no definition.
pub const UNKNOWN_ATTRIBUTE: &str = "The custom attribute is not defined";
/// Reason for a value of an inactive attribute.
pub const INACTIVE_ATTRIBUTE: &str = "The custom attribute is inactive";
/// Reason for a value that does not fit the attribute's type.
pub const INVALID_ATTRIBUTE_VALUE: &str = "Invalid value for the custom attribute";

/// Reads and checks the `attribute*` children of `container`.
///
/// With `creating`, every required active attribute must be among them.
pub fn read_attributes(
    state: &FnoState,
    entity: AttributeEntity,
    container: Option<&Element>,
    creating: bool,
) -> Result<Vec<AttributeValue>, String> {
    let mut values = Vec::new();
    for attribute in container
        .into_iter()
        .flat_map(|c| c.children_named("attribute"))
    {
        let name = attribute.value("attributeName").unwrap_or_default().trim();
        let definition = state
            .definitions(entity)
            .find(|definition| definition.name == name)
            .ok_or_else(|| reason(UNKNOWN_ATTRIBUTE, name))?;
        if !definition.active {
            return Err(reason(INACTIVE_ATTRIBUTE, name));
        }
        let value = typed_value(definition, attribute)
            .ok_or_else(|| reason(INVALID_ATTRIBUTE_VALUE, name))?;
        values.push(AttributeValue {
            name: name.to_string(),
            value,
        });
    }
    if creating {
        let missing = state.definitions(entity).any(|definition| {
            definition.required
                && definition.active
                && !values.iter().any(|value| value.name == definition.name)
        });
        if missing {
            return Err(reason(MISSING_FIELD, "0"));
        }
    }
    Ok(values)
}

// The element must suit the type; a stringValue is accepted when it parses.
fn typed_value(definition: &AttributeDefinition, attribute: &Element) -> Option<TypedValue> {
    let text = attribute.text_of("stringValue");
    match definition.data_type {
        AttributeType::Text | AttributeType::LongText => text
            .or_else(|| attribute.text_of("arrayValue"))
            .map(|value| TypedValue::String(value.to_string())),
        AttributeType::Number => attribute
            .text_of("integerValue")
            .or(text)
            .and_then(|value| value.trim().parse().ok())
            .map(TypedValue::Integer),
        AttributeType::Boolean => attribute
            .text_of("booleanValue")
            .or(text)
            .and_then(parse_bool)
            .map(TypedValue::Boolean),
        AttributeType::Date => attribute
            .text_of("dateValue")
            .or(text)
            .and_then(parse_date)
            .map(TypedValue::Date),
    }
}

/// Replaces stored values by the updated ones, keeping the others.
pub fn merge_attributes(stored: &mut Vec<AttributeValue>, updates: Vec<AttributeValue>) {
    for update in updates {
        match stored.iter_mut().find(|value| value.name == update.name) {
            Some(existing) => *existing = update,
            None => stored.push(update),
        }
    }
}

/// Writes `<wrapper><attribute>…</attribute>*</wrapper>` when there are values.
pub fn write_attributes(writer: &mut XmlWriter, wrapper: &str, values: &[AttributeValue]) {
    if values.is_empty() {
        return;
    }
    writer.open(wrapper);
    for value in values {
        writer.open("attribute").leaf("attributeName", &value.name);
        match &value.value {
            TypedValue::String(text) => {
                writer.leaf("stringValue", text);
            }
            TypedValue::Date(date) => {
                writer.leaf("dateValue", &format_date(*date));
            }
            TypedValue::Boolean(flag) => {
                writer.opt_bool("booleanValue", Some(*flag));
            }
            TypedValue::Integer(number) => {
                writer.leaf("integerValue", &number.to_string());
            }
            TypedValue::Array(items) => {
                for item in items {
                    writer.leaf("arrayValue", item);
                }
            }
        }
        writer.close("attribute");
    }
    writer.close(wrapper);
}

/// Returns the stored value of attribute `name` as text (for query filters).
pub fn attribute_text(values: &[AttributeValue], name: &str) -> Option<String> {
    let value = values.iter().find(|value| value.name == name)?;
    Some(match &value.value {
        TypedValue::String(text) => text.clone(),
        TypedValue::Date(date) => format_date(*date),
        TypedValue::Boolean(flag) => flag.to_string(),
        TypedValue::Integer(number) => number.to_string(),
        TypedValue::Array(items) => items.join(","),
    })
}

/// Whether `values` pass the attribute filters under `container` (`attribute*`
/// with `attributeName` and a `stringValue` SimpleQuery).
pub fn attributes_match(values: &[AttributeValue], container: Option<&Element>) -> bool {
    container
        .into_iter()
        .flat_map(|c| c.children_named("attribute"))
        .all(|filter| {
            let name = filter.value("attributeName").unwrap_or_default().trim();
            let text = attribute_text(values, name);
            super::query::text_matches(filter.child("stringValue"), text.as_deref())
        })
}
