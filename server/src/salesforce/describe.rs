//! Describe (reference §4): an object's fields with their types, and the
//! schema check that tells which connector fields (spec §7) the org has and
//! which are missing.

use serde::Deserialize;

use super::client::{ApiRequest, SalesforceClient};
use super::error::SalesforceError;
use super::fields::CONNECTOR_FIELDS;
use super::soql_literal::validate_identifier;

const DESCRIBE: &str = "describe";

/// Most lookups a SOQL field path may follow (child-to-parent relationships).
pub const MAX_RELATIONSHIP_HOPS: usize = 5;

/// One field of a describe answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FieldDescription {
    /// API name, e.g. `FNO__Entitlement_ID__c`.
    pub name: String,
    /// Label shown to users.
    #[serde(default)]
    pub label: String,
    /// Salesforce field type, e.g. `string`, `picklist`, `reference`, `date`.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Whether it is a custom field.
    #[serde(default)]
    pub custom: bool,
    /// Whether the API may update it.
    #[serde(default)]
    pub updateable: bool,
    /// Objects a lookup points to.
    #[serde(rename = "referenceTo", default)]
    pub reference_to: Vec<String>,
    /// Relationship name of a lookup, e.g. `FNO__SoldTo_Account__r`.
    #[serde(rename = "relationshipName", default)]
    pub relationship_name: Option<String>,
}

/// The part of a describe answer the connector uses.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ObjectDescription {
    /// Object API name.
    pub name: String,
    /// Its fields.
    pub fields: Vec<FieldDescription>,
}

impl ObjectDescription {
    /// Finds a field by API name (Salesforce names ignore case).
    pub fn field(&self, name: &str) -> Option<&FieldDescription> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Finds a lookup by its relationship name, e.g. `Account` or `FNO__SoldTo_Account__r`.
    pub fn lookup(&self, relationship: &str) -> Option<&FieldDescription> {
        self.fields.iter().find(|f| {
            f.relationship_name
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(relationship))
        })
    }

    /// Returns the names in `wanted` that the object lacks.
    pub fn missing<'a>(&self, wanted: &[&'a str]) -> Vec<&'a str> {
        wanted
            .iter()
            .copied()
            .filter(|name| self.field(name).is_none())
            .collect()
    }
}

/// Which connector fields one object has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSchemaStatus {
    /// Object API name.
    pub object: String,
    /// Connector fields present, with their types.
    pub present: Vec<(String, String)>,
    /// Connector fields missing.
    pub missing: Vec<String>,
}

impl SalesforceClient {
    /// Describes one object (one API call; cache the answer, it rarely changes).
    pub async fn describe(&self, object: &str) -> Result<ObjectDescription, SalesforceError> {
        validate_identifier(object)?;
        let request = ApiRequest::get(DESCRIBE, format!("sobjects/{object}/describe"));
        let body = self
            .call(request, true)
            .await?
            .ok_or_else(|| SalesforceError::decode(DESCRIBE, "empty describe answer"))?;
        serde_json::from_value(body).map_err(|e| SalesforceError::decode(DESCRIBE, e))
    }

    /// Follows `path` from `object` — a field such as `Website`, or one reached
    /// through lookups such as `Account.Owner.Email` — and returns the field it
    /// ends at, `None` when a step does not exist. One describe per object on
    /// the way (at most [`MAX_RELATIONSHIP_HOPS`] + 1).
    pub async fn resolve_field(
        &self,
        object: &str,
        path: &str,
    ) -> Result<Option<FieldDescription>, SalesforceError> {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() > MAX_RELATIONSHIP_HOPS + 1 {
            return Ok(None);
        }
        let mut object = object.to_string();
        for (index, segment) in segments.iter().enumerate() {
            let description = self.describe(&object).await?;
            if index + 1 == segments.len() {
                return Ok(description.field(segment).cloned());
            }
            match description
                .lookup(segment)
                .and_then(|f| f.reference_to.first())
            {
                Some(target) => object = target.clone(),
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Describes the four objects carrying connector fields and reports, per
    /// object, the fields present and missing (four API calls).
    pub async fn connector_schema_status(
        &self,
    ) -> Result<Vec<ObjectSchemaStatus>, SalesforceError> {
        let mut statuses = Vec::with_capacity(CONNECTOR_FIELDS.len());
        for (object, wanted) in CONNECTOR_FIELDS {
            let description = self.describe(object).await?;
            let present = wanted
                .iter()
                .filter_map(|name| description.field(name))
                .map(|f| (f.name.clone(), f.field_type.clone()))
                .collect();
            let missing = description
                .missing(wanted)
                .into_iter()
                .map(str::to_string)
                .collect();
            statuses.push(ObjectSchemaStatus {
                object: object.to_string(),
                present,
                missing,
            });
        }
        Ok(statuses)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_describe_answer_tells_present_and_missing_fields() {
        let body = json!({
            "name": "Opportunity", "label": "Opportunity", "custom": false,
            "fields": [
                {"name": "Id", "label": "Opportunity ID", "type": "id", "custom": false, "updateable": false, "referenceTo": []},
                {"name": "FNO__Entitlement_ID__c", "label": "Entitlement ID", "type": "string", "custom": true, "updateable": true},
                {"name": "FNO__SoldTo_Account__c", "label": "SoldTo Account", "type": "reference", "custom": true,
                 "updateable": true, "referenceTo": ["Account"], "relationshipName": "FNO__SoldTo_Account__r"}
            ],
            "childRelationships": []
        });

        let description: ObjectDescription = serde_json::from_value(body).expect("valid describe");

        assert_eq!(
            description
                .field("fno__entitlement_id__c")
                .map(|f| f.field_type.as_str()),
            Some("string")
        );
        assert_eq!(
            description
                .field("FNO__SoldTo_Account__c")
                .expect("lookup")
                .reference_to,
            vec!["Account".to_string()]
        );
        assert_eq!(
            description.missing(&["FNO__Entitlement_ID__c", "FNO__Entitlement_State__c"]),
            vec!["FNO__Entitlement_State__c"]
        );
        assert_eq!(
            description
                .lookup("fno__soldto_account__r")
                .map(|f| f.name.as_str()),
            Some("FNO__SoldTo_Account__c")
        );
        assert!(description.lookup("FNO__Entitlement_ID__c").is_none());
    }
}
