//! The org's metadata: objects, fields (type, label, flags, picklists,
//! lookups) and child relationships. Built once; describe, validation and
//! SOQL binding all read it. Object definitions live in `objects.rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// A field's data type, as describe names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Record id.
    Id,
    /// Checkbox.
    Boolean,
    /// Text.
    String,
    /// Long text.
    TextArea,
    /// Single-select picklist.
    Picklist,
    /// E-mail address.
    Email,
    /// Phone number.
    Phone,
    /// URL.
    Url,
    /// Lookup to another record.
    Reference,
    /// Calendar date.
    Date,
    /// Point in time (UTC).
    DateTime,
    /// Integer.
    Int,
    /// Floating-point number.
    Double,
    /// Money amount.
    Currency,
    /// Percentage.
    Percent,
}

impl FieldType {
    /// Returns describe's `type` value.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::TextArea => "textarea",
            Self::Picklist => "picklist",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
            Self::Reference => "reference",
            Self::Date => "date",
            Self::DateTime => "datetime",
            Self::Int => "int",
            Self::Double => "double",
            Self::Currency => "currency",
            Self::Percent => "percent",
        }
    }

    /// Returns describe's `soapType` value.
    pub fn soap_type(self) -> &'static str {
        match self {
            Self::Id | Self::Reference => "tns:ID",
            Self::Boolean => "xsd:boolean",
            Self::Date => "xsd:date",
            Self::DateTime => "xsd:dateTime",
            Self::Int => "xsd:int",
            Self::Double | Self::Currency | Self::Percent => "xsd:double",
            _ => "xsd:string",
        }
    }

    /// Tells whether values of this type are text (compared case-insensitively).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::String | Self::TextArea | Self::Picklist | Self::Email | Self::Phone | Self::Url
        )
    }

    /// Tells whether values of this type are numbers.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            Self::Int | Self::Double | Self::Currency | Self::Percent
        )
    }
}

/// One field of an object.
#[derive(Clone, Debug)]
pub struct FieldDef {
    /// API name, e.g. `AccountId`.
    pub name: &'static str,
    /// Label shown in the UI.
    pub label: &'static str,
    /// Data type.
    pub kind: FieldType,
    /// Whether it is a custom field (`__c`).
    pub custom: bool,
    /// Whether a create may set it.
    pub createable: bool,
    /// Whether an update may set it.
    pub updateable: bool,
    /// Whether it may be empty.
    pub nillable: bool,
    /// Whether the platform fills it on create when left out.
    pub defaulted_on_create: bool,
    /// Value used on create when left out.
    pub default_value: Option<Value>,
    /// Maximum length of text values.
    pub length: u32,
    /// Whether it is an external id (usable for upsert).
    pub external_id: bool,
    /// Picklist values.
    pub picklist: &'static [&'static str],
    /// Whether only the picklist values are accepted.
    pub restricted: bool,
    /// Object a lookup points to.
    pub reference_to: Option<&'static str>,
    /// Relationship name of a lookup (`Account` for `AccountId`).
    pub relationship_name: Option<&'static str>,
}

/// Default maximum length of a text field.
const DEFAULT_LENGTH: u32 = 255;

impl FieldDef {
    /// Creates a writable, optional field.
    pub fn new(name: &'static str, label: &'static str, kind: FieldType) -> Self {
        let length = match kind {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::TextArea => 32_000,
            k if k.is_text() => DEFAULT_LENGTH,
            _ => 0,
        };
        Self {
            name,
            label,
            kind,
            custom: name.ends_with("__c"),
            createable: true,
            updateable: true,
            nillable: kind != FieldType::Boolean,
            defaulted_on_create: kind == FieldType::Boolean,
            default_value: (kind == FieldType::Boolean).then_some(Value::Bool(false)),
            length,
            external_id: false,
            picklist: &[],
            restricted: false,
            reference_to: None,
            relationship_name: None,
        }
    }

    /// Makes the field mandatory on create and update.
    pub fn required(mut self) -> Self {
        self.nillable = false;
        self
    }

    /// Makes the field read-only (system or derived).
    pub fn read_only(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self
    }

    /// Makes the field settable on create only.
    pub fn create_only(mut self) -> Self {
        self.updateable = false;
        self
    }

    /// Gives the field picklist values; `restricted` refuses other values.
    pub fn picklist(mut self, values: &'static [&'static str], restricted: bool) -> Self {
        self.picklist = values;
        self.restricted = restricted;
        self
    }

    /// Makes the field a lookup to `object` under `relationship`.
    pub fn lookup(mut self, object: &'static str, relationship: &'static str) -> Self {
        self.reference_to = Some(object);
        self.relationship_name = Some(relationship);
        self
    }

    /// Marks the field as an external id.
    pub fn external_id(mut self) -> Self {
        self.external_id = true;
        self
    }

    /// Gives the field a default value on create.
    pub fn default(mut self, value: Value) -> Self {
        self.default_value = Some(value);
        self.defaulted_on_create = true;
        self
    }

    /// Tells whether a create must carry a value.
    pub fn required_on_create(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }
}

/// A parent-to-child relationship (`Account.Contacts`).
#[derive(Clone, Debug)]
pub struct ChildRelationship {
    /// Relationship name used in subqueries.
    pub name: &'static str,
    /// Child object.
    pub child: &'static str,
    /// Lookup field on the child.
    pub field: &'static str,
    /// Whether deleting the parent deletes the children.
    pub cascade_delete: bool,
}

/// One object (sObject type).
#[derive(Debug)]
pub struct ObjectDef {
    /// API name.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// Plural label.
    pub label_plural: &'static str,
    /// Three-character id prefix.
    pub key_prefix: &'static str,
    /// Fields, in describe order.
    pub fields: Vec<FieldDef>,
    /// Child relationships.
    pub children: Vec<ChildRelationship>,
    by_name: HashMap<String, usize>,
    by_relationship: HashMap<String, usize>,
}

impl ObjectDef {
    /// Creates an object from its fields; lookups are indexed by name and relationship.
    pub fn new(
        name: &'static str,
        label: &'static str,
        label_plural: &'static str,
        key_prefix: &'static str,
        fields: Vec<FieldDef>,
    ) -> Self {
        let by_name = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect();
        let by_relationship = fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.relationship_name.map(|r| (r.to_ascii_lowercase(), i)))
            .collect();
        Self {
            name,
            label,
            label_plural,
            key_prefix,
            fields,
            children: Vec::new(),
            by_name,
            by_relationship,
        }
    }

    /// Finds a field by API name, ignoring case.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|i| &self.fields[*i])
    }

    /// Finds a lookup field by its relationship name, ignoring case.
    pub fn relationship(&self, name: &str) -> Option<&FieldDef> {
        self.by_relationship
            .get(&name.to_ascii_lowercase())
            .map(|i| &self.fields[*i])
    }

    /// Finds a child relationship by name, ignoring case.
    pub fn child(&self, name: &str) -> Option<&ChildRelationship> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// All objects of the org.
#[derive(Debug)]
pub struct Schema {
    /// Objects in dependency order (parents before children).
    pub objects: Vec<ObjectDef>,
}

impl Schema {
    /// Finds an object by API name, ignoring case.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// Finds the object whose ids start with `prefix`.
    pub fn object_by_prefix(&self, prefix: &str) -> Option<&ObjectDef> {
        self.objects.iter().find(|o| o.key_prefix == prefix)
    }
}

/// Returns the org's schema.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(super::objects::build_schema)
}
