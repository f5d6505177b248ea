//! Record writes with Salesforce's rules: defaults, required fields, audit
//! stamps (`CreatedDate`, `LastModifiedDate`, `SystemModstamp`) on every
//! write, derived fields (see `derive.rs`), cascading deletes and upsert.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::derive;
use super::errors::{ApiError, ApiResult};
use super::ids;
use super::schema::{schema, ObjectDef};
use super::store::{id_of, is_deleted, Record, Store, ID, IS_DELETED};
use super::validate::{coerce_body, coerce_value, required_missing, Mode};

/// Outcome of an upsert: the record id and whether it was created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upserted {
    /// Record id.
    pub id: String,
    /// True when a new record was inserted.
    pub created: bool,
}

/// Resolves an object name from a URL or body, as the REST API does.
pub fn object_def(name: &str) -> ApiResult<&'static ObjectDef> {
    schema().object(name).ok_or_else(ApiError::not_found)
}

impl Store {
    /// Creates a record of `object` from a REST body; returns its id.
    pub fn insert(&mut self, object: &str, body: &Map<String, Value>) -> ApiResult<String> {
        let def = object_def(object)?;
        let values = coerce_body(self, def, body, Mode::Create)?;
        let given: HashSet<&str> = values.iter().map(|(f, _)| f.name).collect();
        let mut record: Record = def
            .fields
            .iter()
            .map(|f| (f.name.to_string(), super::objects::default_value(f)))
            .collect();
        for (field, value) in values {
            record.insert(field.name.to_string(), value);
        }
        let missing: Vec<&str> = def
            .fields
            .iter()
            .filter(|f| f.required_on_create() && record[f.name].is_null())
            .map(|f| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(required_missing(&missing));
        }
        let id = self.next_id(def.key_prefix);
        let now = self.now_text();
        for (field, value) in [
            (ID, Value::String(id.clone())),
            ("CreatedDate", Value::String(now.clone())),
            ("LastModifiedDate", Value::String(now.clone())),
            ("SystemModstamp", Value::String(now)),
            ("CreatedById", Value::String(self.user_id.clone())),
            ("LastModifiedById", Value::String(self.user_id.clone())),
        ] {
            record.insert(field.to_string(), value);
        }
        if record.get("OwnerId").is_some_and(Value::is_null) {
            record.insert("OwnerId".into(), Value::String(self.user_id.clone()));
        }
        derive::before_write(self, def, &mut record, None, &given)?;
        self.put(def.name, id.clone(), record);
        derive::after_write(self, def, &id);
        Ok(id)
    }

    /// Updates record `id` of `object` from a REST body.
    pub fn update(&mut self, object: &str, id: &str, body: &Map<String, Value>) -> ApiResult<()> {
        let def = object_def(object)?;
        let existing = self.live_record(def, id)?.clone();
        let values = coerce_body(self, def, body, Mode::Update)?;
        let given: HashSet<&str> = values.iter().map(|(f, _)| f.name).collect();
        let mut record = existing.clone();
        for (field, value) in values {
            record.insert(field.name.to_string(), value);
        }
        derive::before_write(self, def, &mut record, Some(&existing), &given)?;
        self.stamp(&mut record);
        let id = id_of(&record).to_string();
        self.put(def.name, id.clone(), record);
        derive::after_write(self, def, &id);
        Ok(())
    }

    /// Deletes record `id` of `object` and its cascade children (kept as deleted).
    pub fn delete(&mut self, object: &str, id: &str) -> ApiResult<()> {
        let def = object_def(object)?;
        self.live_record(def, id)?;
        self.delete_cascade(def, &normalize_path_id(def, id)?);
        Ok(())
    }

    fn delete_cascade(&mut self, def: &'static ObjectDef, id: &str) {
        let Some(mut record) = self.get(def.name, id).cloned() else {
            return;
        };
        record.insert(IS_DELETED.into(), Value::Bool(true));
        self.stamp(&mut record);
        self.put(def.name, id.to_string(), record);
        for relationship in def.children.iter().filter(|c| c.cascade_delete) {
            let Some(child_def) = schema().object(relationship.child) else {
                continue;
            };
            let children: Vec<String> = self
                .table(child_def.name)
                .filter(|r| {
                    !is_deleted(r) && r.get(relationship.field).and_then(Value::as_str) == Some(id)
                })
                .map(|r| id_of(r).to_string())
                .collect();
            for child in children {
                self.delete_cascade(child_def, &child);
            }
        }
        derive::after_write(self, def, id);
    }

    /// Inserts or updates the record of `object` whose `field` equals `value`.
    pub fn upsert(
        &mut self,
        object: &str,
        field: &str,
        value: &str,
        body: &Map<String, Value>,
    ) -> ApiResult<Upserted> {
        let def = object_def(object)?;
        let ext = def
            .field(field)
            .filter(|f| f.external_id || f.name == ID)
            .ok_or_else(ApiError::not_found)?;
        let matches = self.find_by_external_id(def, ext.name, value);
        match matches.as_slice() {
            [] => {
                let mut with_key = body.clone();
                if ext.name != ID {
                    with_key.insert(ext.name.to_string(), Value::String(value.to_string()));
                }
                let id = self.insert(def.name, &with_key)?;
                Ok(Upserted { id, created: true })
            }
            [id] => {
                let id = id.clone();
                self.update(def.name, &id, body)?;
                Ok(Upserted { id, created: false })
            }
            _ => Err(ApiError::new(
                StatusCode::MULTIPLE_CHOICES,
                "MULTIPLE_RECORDS",
                format!("more than one record found for external id field: {matches:?}"),
            )),
        }
    }

    /// Returns the ids of live records whose `field` equals `value`
    /// (case-insensitively, as external ids match by default).
    pub fn find_by_external_id(&self, def: &ObjectDef, field: &str, value: &str) -> Vec<String> {
        if field == ID {
            return ids::normalize(value)
                .filter(|id| self.get(def.name, id).is_some_and(|r| !is_deleted(r)))
                .into_iter()
                .collect();
        }
        self.table(def.name)
            .filter(|r| !is_deleted(r))
            .filter(|r| {
                r.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
            .map(|r| id_of(r).to_string())
            .collect()
    }

    /// Returns the live record `id` (15 or 18 chars) of `def`, or the REST error.
    pub fn live_record(&self, def: &ObjectDef, id: &str) -> ApiResult<&Record> {
        let id = normalize_path_id(def, id)?;
        let record = self.get(def.name, &id).ok_or_else(ApiError::not_found)?;
        if is_deleted(record) {
            return Err(ApiError::entity_is_deleted());
        }
        Ok(record)
    }

    /// Sets one field without the REST checks, stamping the record
    /// (used for roll-ups and by tests that play the platform).
    pub fn set_field(&mut self, object: &'static str, id: &str, field: &str, value: Value) {
        if let Some(mut record) = self.get(object, id).cloned() {
            // Stamped first, so a test can set the stamps themselves.
            self.stamp(&mut record);
            record.insert(field.to_string(), value);
            self.put(object, id.to_string(), record);
        }
    }

    /// Converts one value for `field` of `object` with the REST checks.
    pub fn coerce(&self, object: &str, field: &str, value: &Value) -> ApiResult<Value> {
        let def = object_def(object)?;
        let field = def.field(field).ok_or_else(ApiError::not_found)?;
        coerce_value(self, field, value)
    }

    pub(super) fn stamp(&self, record: &mut Record) {
        let now = Value::String(self.now_text());
        record.insert("LastModifiedDate".into(), now.clone());
        record.insert("SystemModstamp".into(), now);
        record.insert(
            "LastModifiedById".into(),
            Value::String(self.user_id.clone()),
        );
    }
}

/// Checks an id taken from a URL against the object and returns its 18-char form.
pub fn normalize_path_id(def: &ObjectDef, id: &str) -> ApiResult<String> {
    let normalized = ids::normalize(id).filter(|n| ids::prefix(n) == def.key_prefix);
    normalized.ok_or_else(|| ApiError::malformed_id(&format!("{} ID", def.name), id, ID))
}
