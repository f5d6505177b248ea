//! XML codecs of the types several operations share: addresses, custom
//! attributes, dates, start and expiration rules, and the create-line fields.
//! Every writer follows the WSDL's `xsd:sequence` order.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::entitlement_model::{DurationUnit, Expiration, NewLineItem, StartDate};
use super::model::{Address, AttributeValue, CustomAttribute};
use super::xml::{Element, XmlWriter};

/// xsd:date format.
const DATE_FORMAT: &str = "%Y-%m-%d";

/// Formats an xsd:date.
pub fn format_date(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

/// Formats an xsd:dateTime in UTC.
pub fn format_datetime(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Reads an xsd:date (a trailing zone such as `Z` or `+01:00` is ignored).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let day = text.get(..10).unwrap_or(text);
    NaiveDate::parse_from_str(day, DATE_FORMAT).ok()
}

/// Reads an xsd:dateTime; one without a zone is taken as UTC.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|naive| naive.and_utc())
        })
}

/// Writes `addressDataType` under `name` unless the address is empty.
pub fn write_address(writer: &mut XmlWriter, name: &str, address: &Address) {
    if address.is_empty() {
        return;
    }
    writer
        .open(name)
        .opt("address1", address.address1.as_deref())
        .opt("address2", address.address2.as_deref())
        .opt("city", address.city.as_deref())
        .opt("state", address.state.as_deref())
        .opt("zipcode", address.zipcode.as_deref())
        .opt("country", address.country.as_deref())
        .opt("region", address.region.as_deref())
        .close(name);
}

/// Reads `addressDataType`.
pub fn read_address(element: Option<&Element>) -> Address {
    let Some(element) = element else {
        return Address::default();
    };
    Address {
        address1: element.string("address1"),
        address2: element.string("address2"),
        city: element.string("city"),
        state: element.string("state"),
        zipcode: element.string("zipcode"),
        country: element.string("country"),
        region: element.string("region"),
    }
}

/// Writes `attributeDescriptorDataType` under `name` unless there is no attribute.
pub fn write_attributes(writer: &mut XmlWriter, name: &str, attributes: &[CustomAttribute]) {
    if attributes.is_empty() {
        return;
    }
    writer.open(name);
    for attribute in attributes {
        writer
            .open("attribute")
            .leaf("attributeName", &attribute.name);
        match &attribute.value {
            AttributeValue::Text(text) => writer.leaf("stringValue", text),
            AttributeValue::Date(date) => writer.leaf("dateValue", &format_date(*date)),
            AttributeValue::Boolean(flag) => writer.bool("booleanValue", *flag),
            AttributeValue::Integer(number) => writer.number("integerValue", number),
            AttributeValue::Array(values) => {
                for value in values {
                    writer.leaf("arrayValue", value);
                }
                &mut *writer
            }
        };
        writer.close("attribute");
    }
    writer.close(name);
}

/// Reads `attributeDescriptorDataType`; values are typed by the element they came in.
pub fn read_attributes(element: Option<&Element>) -> Vec<CustomAttribute> {
    let Some(element) = element else {
        return Vec::new();
    };
    element
        .children_named("attribute")
        .filter_map(|attribute| {
            let name = attribute.string("attributeName")?;
            let value = if let Some(date) = attribute.value("dateValue").and_then(parse_date) {
                AttributeValue::Date(date)
            } else if let Some(flag) = attribute.bool_of("booleanValue") {
                AttributeValue::Boolean(flag)
            } else if let Some(number) = attribute.int_of("integerValue") {
                AttributeValue::Integer(number)
            } else if attribute.child("arrayValue").is_some() {
                let values = attribute.children_named("arrayValue");
                AttributeValue::Array(values.map(|value| value.text.clone()).collect())
            } else {
                AttributeValue::Text(attribute.string("stringValue").unwrap_or_default())
            };
            Some(CustomAttribute { name, value })
        })
        .collect()
}

/// Writes `startDate?` then `startDateOption?`.
pub fn write_start(writer: &mut XmlWriter, start: StartDate) {
    if let StartDate::On(date) = start {
        writer.leaf("startDate", &format_date(date));
    }
    writer.leaf("startDateOption", start.option());
}

/// Writes `isPermanent?`, `term?`, `expirationDate?` (fno-soap.md §3.4:
/// permanent takes no term or date, otherwise exactly one of them).
pub fn write_expiration(writer: &mut XmlWriter, expiration: Expiration) {
    match expiration {
        Expiration::Permanent => {
            writer.bool("isPermanent", true);
        }
        Expiration::Term { count, unit } => {
            writer.bool("isPermanent", false);
            write_term(writer, "term", count, unit);
        }
        Expiration::On(date) => {
            writer
                .bool("isPermanent", false)
                .leaf("expirationDate", &format_date(date));
        }
    }
}

/// Writes `DurationType {numDuration, durationUnit}` under `name`.
pub fn write_term(writer: &mut XmlWriter, name: &str, count: u32, unit: DurationUnit) {
    writer
        .open(name)
        .number("numDuration", count)
        .leaf("durationUnit", unit.as_str())
        .close(name);
}

/// Writes an `idType`: the given ID, or `autoGenerate=true` when there is none.
pub fn write_id(writer: &mut XmlWriter, name: &str, id: Option<&str>) {
    writer.open(name);
    match id {
        Some(id) => writer.leaf("id", id).bool("autoGenerate", false),
        None => writer.bool("autoGenerate", true),
    };
    writer.close(name);
}

/// Writes one `createEntitlementLineItemDataType` under `name`.
pub fn write_new_line(writer: &mut XmlWriter, name: &str, line: &NewLineItem) {
    writer.open(name);
    write_id(writer, "activationId", line.activation_id.as_deref());
    writer
        .opt("description", line.description.as_deref())
        .identifier("partNumber", "partId", &line.part_number);
    if let Some(model) = &line.license_model {
        writer.identifier("licenseModel", "name", model);
    }
    writer
        .opt("orderId", line.order_id.as_deref())
        .opt("orderLineNumber", line.order_line_number.as_deref())
        .number("numberOfCopies", line.number_of_copies);
    write_start(writer, line.start);
    write_expiration(writer, line.expiration);
    write_attributes(writer, "lineItemAttributes", &line.attributes);
    writer.close(name);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fno::xml::parse;

    #[test]
    fn attributes_are_written_by_type_and_read_back() {
        let attributes = vec![
            CustomAttribute {
                name: "Sales_Rep".into(),
                value: AttributeValue::Text("Ann & Bob".into()),
            },
            CustomAttribute {
                name: "Seats".into(),
                value: AttributeValue::Integer(12),
            },
            CustomAttribute {
                name: "Auto_Renew".into(),
                value: AttributeValue::Boolean(true),
            },
            CustomAttribute {
                name: "Renewal_Date".into(),
                value: AttributeValue::Date(NaiveDate::from_ymd_opt(2026, 1, 31).expect("date")),
            },
        ];
        let mut writer = XmlWriter::new();
        write_attributes(&mut writer, "lineItemAttributes", &attributes);
        let xml = writer.finish();
        assert_eq!(
            xml,
            "<lineItemAttributes><attribute><attributeName>Sales_Rep</attributeName><stringValue>Ann &amp; Bob</stringValue></attribute>\
             <attribute><attributeName>Seats</attributeName><integerValue>12</integerValue></attribute>\
             <attribute><attributeName>Auto_Renew</attributeName><booleanValue>true</booleanValue></attribute>\
             <attribute><attributeName>Renewal_Date</attributeName><dateValue>2026-01-31</dateValue></attribute></lineItemAttributes>"
        );
        let read = read_attributes(Some(&parse(xml.as_bytes()).expect("xml")));
        assert_eq!(read, attributes);
    }

    #[test]
    fn expiration_rules_follow_the_schema_order() {
        let mut writer = XmlWriter::new();
        write_start(
            &mut writer,
            StartDate::On(NaiveDate::from_ymd_opt(2025, 7, 1).expect("date")),
        );
        write_expiration(
            &mut writer,
            Expiration::Term {
                count: 1,
                unit: DurationUnit::Months,
            },
        );
        write_expiration(&mut writer, Expiration::Permanent);
        write_expiration(
            &mut writer,
            Expiration::On(NaiveDate::from_ymd_opt(2026, 6, 30).expect("date")),
        );
        assert_eq!(
            writer.finish(),
            "<startDate>2025-07-01</startDate><startDateOption>DEFINE_NOW</startDateOption>\
             <isPermanent>false</isPermanent><term><numDuration>1</numDuration><durationUnit>MONTHS</durationUnit></term>\
             <isPermanent>true</isPermanent>\
             <isPermanent>false</isPermanent><expirationDate>2026-06-30</expirationDate>"
        );
    }

    #[test]
    fn timestamps_with_and_without_zone_are_read_as_utc() {
        let with_zone = parse_datetime("2025-07-16T07:51:38.123+02:00").expect("zone");
        let without = parse_datetime("2025-07-16T05:51:38.123").expect("naive");
        assert_eq!(with_zone, without);
        assert_eq!(
            parse_date("2025-07-16Z"),
            NaiveDate::from_ymd_opt(2025, 7, 16)
        );
    }
}
