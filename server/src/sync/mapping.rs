//! The field mappings of one run, read once from PostgreSQL: which
//! Salesforce field feeds each FNO field, and the custom attributes with
//! their types. Values are converted here (dates as ISO dates, booleans,
//! numbers without locale).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::mapping::{DataType, EntityType, SfObject};
use crate::error::Result;
use crate::fno::{AttributeValue, CustomAttribute};
use crate::salesforce::{ExtraFields, SfRecord};
use crate::store::mappings;

/// A custom attribute's mapping.
#[derive(Clone, Debug)]
struct CustomMapping {
    name: String,
    data_type: DataType,
    sf_field: String,
}

/// The mappings in force for a run.
#[derive(Clone, Debug, Default)]
pub struct Mappings {
    fields: HashMap<(SfObject, String), Option<String>>,
    custom: HashMap<SfObject, Vec<CustomMapping>>,
}

impl Mappings {
    /// Reads every mapping and custom attribute.
    pub async fn load(pool: &sqlx::PgPool) -> Result<Self> {
        let mut loaded = Self::default();
        for object in SfObject::ALL.into_iter().filter(|o| o.has_mappings()) {
            for record in mappings::list_mappings(pool, object).await? {
                if record.kind == "default" {
                    loaded
                        .fields
                        .insert((object, record.fno_field), record.sf_field);
                }
            }
        }
        for attribute in mappings::list_custom_attributes(pool, None).await? {
            let (Some(entity), Some(data_type)) = (
                EntityType::from_db(&attribute.entity_type),
                DataType::from_db(&attribute.data_type),
            ) else {
                continue;
            };
            let Ok(object) = entity.sf_object() else {
                continue;
            };
            if attribute.sf_field.is_empty() || !attribute.active {
                continue;
            }
            loaded
                .custom
                .entry(object)
                .or_default()
                .push(CustomMapping {
                    name: attribute.name,
                    data_type,
                    sf_field: attribute.sf_field,
                });
        }
        Ok(loaded)
    }

    /// Returns the Salesforce field mapped to an FNO field, if any.
    pub fn sf_field(&self, object: SfObject, fno_field: &str) -> Option<&str> {
        self.fields
            .get(&(object, fno_field.to_string()))
            .and_then(|f| f.as_deref())
    }

    /// Reads the text of the Salesforce field mapped to `fno_field`; blank is `None`.
    pub fn text(&self, object: SfObject, fno_field: &str, record: &SfRecord) -> Option<String> {
        let field = self.sf_field(object, fno_field)?;
        value_text(record.get(field)?)
    }

    /// Lists every mapped Salesforce field, so the queries read them.
    pub fn extra_fields(&self) -> ExtraFields {
        let mut extra = ExtraFields::default();
        let mut push = |object: SfObject, field: &str| {
            let list = match object {
                SfObject::Account => &mut extra.account,
                SfObject::Contact => &mut extra.contact,
                SfObject::Opportunity => &mut extra.opportunity,
                SfObject::OpportunityLineItem => &mut extra.line_item,
                SfObject::Product => return,
            };
            if !list.iter().any(|f| f.eq_ignore_ascii_case(field)) {
                list.push(field.to_string());
            }
        };
        for ((object, _), field) in &self.fields {
            if let Some(field) = field {
                push(*object, field);
            }
        }
        for (object, customs) in &self.custom {
            for custom in customs {
                push(*object, &custom.sf_field);
            }
        }
        extra
    }

    /// Builds the custom attribute values of a record; a value that does not
    /// convert to its type is an error naming the field.
    pub fn custom_attributes(
        &self,
        object: SfObject,
        record: &SfRecord,
    ) -> std::result::Result<Vec<CustomAttribute>, (String, String)> {
        let mut values = Vec::new();
        for custom in self
            .custom
            .get(&object)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let Some(raw) = record.get(&custom.sf_field).filter(|v| !v.is_null()) else {
                continue;
            };
            let value = convert(raw, custom.data_type).ok_or_else(|| {
                (
                    custom.sf_field.clone(),
                    format!(
                        "value {raw} does not convert to the {} attribute {}",
                        custom.data_type.as_db(),
                        custom.name
                    ),
                )
            })?;
            values.push(CustomAttribute {
                name: custom.name.clone(),
                value,
            });
        }
        Ok(values)
    }
}

/// Reads a JSON value as text; blank and null are `None`.
pub fn value_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.trim().to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    (!text.is_empty()).then_some(text)
}

fn convert(value: &Value, data_type: DataType) -> Option<AttributeValue> {
    match data_type {
        DataType::Text | DataType::LongText => value_text(value).map(AttributeValue::Text),
        DataType::Boolean => match value {
            Value::Bool(b) => Some(AttributeValue::Boolean(*b)),
            Value::String(s) => s.trim().parse().ok().map(AttributeValue::Boolean),
            _ => None,
        },
        DataType::Date => value
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
            .map(AttributeValue::Date),
        DataType::Number => match value {
            Value::Number(n) => n
                .as_i64()
                .map(AttributeValue::Integer)
                .or_else(|| n.as_f64().map(number)),
            Value::String(s) => s.trim().parse::<f64>().ok().map(number),
            _ => None,
        },
    }
}

/// A number as FNO gets it: whole numbers as integers (Salesforce sends
/// `10.0` for a quantity of 10), others as plain decimal text.
fn number(value: f64) -> AttributeValue {
    if value.fract() == 0.0 && value.abs() < 9e15 {
        AttributeValue::Integer(value as i64)
    } else {
        AttributeValue::Text(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_convert_by_type_without_locale() {
        assert_eq!(
            convert(&json!(12.0), DataType::Number),
            Some(AttributeValue::Integer(12))
        );
        assert_eq!(
            convert(&json!("1.5"), DataType::Number),
            Some(AttributeValue::Text("1.5".into()))
        );
        assert_eq!(
            convert(&json!(true), DataType::Boolean),
            Some(AttributeValue::Boolean(true))
        );
        assert_eq!(
            convert(&json!("2026-11-28T10:00:00.000+0000"), DataType::Date),
            Some(AttributeValue::Date(
                NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
            ))
        );
        assert_eq!(convert(&json!("not a date"), DataType::Date), None);
        assert_eq!(convert(&json!("x"), DataType::Number), None);
    }
}
