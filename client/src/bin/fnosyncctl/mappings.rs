//! `mappings list|set|delete` and `attributes list|add|delete`: which
//! Salesforce field feeds each FNO field, and the FNO custom attributes.

use clap::{Subcommand, ValueEnum};
use fnosync_client::proto;
use serde_json::json;

use crate::exit::Failure;
use crate::output::{short_name, time_json};
use crate::Context;

/// A Salesforce object with field mappings.
#[derive(Clone, Copy, ValueEnum)]
pub enum SfObject {
    /// Account → FNO account.
    Account,
    /// Contact → FNO user.
    Contact,
    /// Opportunity → FNO entitlement.
    Opportunity,
    /// OpportunityLineItem → FNO entitlement line item.
    OpportunityLineItem,
}

impl SfObject {
    fn to_proto(self) -> i32 {
        let object = match self {
            SfObject::Account => proto::SalesforceObject::Account,
            SfObject::Contact => proto::SalesforceObject::Contact,
            SfObject::Opportunity => proto::SalesforceObject::Opportunity,
            SfObject::OpportunityLineItem => proto::SalesforceObject::OpportunityLineItem,
        };
        object as i32
    }
}

/// An FNO entity that takes custom attributes.
#[derive(Clone, Copy, ValueEnum)]
pub enum Entity {
    /// FNO account (Salesforce Account).
    Account,
    /// FNO user (Salesforce Contact).
    User,
    /// FNO entitlement (Salesforce Opportunity).
    Entitlement,
    /// FNO entitlement line item (Salesforce OpportunityLineItem).
    EntitlementLine,
}

impl Entity {
    fn to_proto(self) -> i32 {
        let entity = match self {
            Entity::Account => proto::EntityType::Account,
            Entity::User => proto::EntityType::User,
            Entity::Entitlement => proto::EntityType::Entitlement,
            Entity::EntitlementLine => proto::EntityType::EntitlementLine,
        };
        entity as i32
    }
}

/// The data type of a custom attribute.
#[derive(Clone, Copy, ValueEnum)]
pub enum DataType {
    /// A number.
    Number,
    /// Short text.
    Text,
    /// Long text.
    LongText,
    /// true or false.
    Boolean,
    /// A date, YYYY-MM-DD.
    Date,
}

impl DataType {
    fn to_proto(self) -> i32 {
        let data_type = match self {
            DataType::Number => proto::AttributeDataType::Number,
            DataType::Text => proto::AttributeDataType::Text,
            DataType::LongText => proto::AttributeDataType::LongText,
            DataType::Boolean => proto::AttributeDataType::Boolean,
            DataType::Date => proto::AttributeDataType::Date,
        };
        data_type as i32
    }
}

#[derive(Subcommand)]
pub enum MappingsCommand {
    /// Lists the mappings of one Salesforce object, default and custom.
    List {
        /// The Salesforce object.
        #[arg(value_enum)]
        object: SfObject,
    },
    /// Points an FNO field at another Salesforce field.
    Set {
        /// The Salesforce object.
        #[arg(value_enum)]
        object: SfObject,
        /// The FNO field, e.g. accountName.
        fno_field: String,
        /// The Salesforce field API name, e.g. BillingCity or Region__c.
        sf_field: String,
    },
    /// Clears a mapping: the FNO field becomes unmapped (required ones refuse).
    Delete {
        /// The Salesforce object.
        #[arg(value_enum)]
        object: SfObject,
        /// The FNO field.
        fno_field: String,
    },
}

#[derive(Subcommand)]
pub enum AttributesCommand {
    /// Lists the registered custom attributes.
    List {
        /// Only attributes of this FNO entity.
        #[arg(long, value_enum)]
        entity: Option<Entity>,
    },
    /// Registers a custom attribute and maps it to a Salesforce field.
    Add {
        /// Attribute name in FNO: letters, digits and underscores.
        name: String,
        /// The FNO entity.
        #[arg(long, value_enum)]
        entity: Entity,
        /// The data type.
        #[arg(long = "type", value_enum)]
        data_type: DataType,
        /// The Salesforce field API name that feeds it.
        #[arg(long)]
        sf_field: String,
        /// The value may be edited in FNO.
        #[arg(long)]
        editable: bool,
        /// FNO requires a value.
        #[arg(long)]
        required: bool,
        /// Register it inactive.
        #[arg(long)]
        inactive: bool,
    },
    /// Removes a custom attribute and its mapping.
    Delete {
        /// Attribute name.
        name: String,
        /// The FNO entity.
        #[arg(long, value_enum)]
        entity: Entity,
    },
}

pub async fn run_mappings(ctx: &Context, command: &MappingsCommand) -> Result<u8, Failure> {
    let mut mappings = ctx.client.mapping();
    match command {
        MappingsCommand::List { object } => {
            let request = proto::ListFieldMappingsRequest {
                sf_object: object.to_proto(),
            };
            let listed = mappings.list_field_mappings(request).await?.into_inner();
            for mapping in &listed.field_mappings {
                print_mapping(ctx, mapping);
            }
        }
        MappingsCommand::Set {
            object,
            fno_field,
            sf_field,
        } => {
            let request = proto::UpdateFieldMappingRequest {
                sf_object: object.to_proto(),
                fno_field: fno_field.clone(),
                sf_field: sf_field.clone(),
            };
            let stored = mappings.update_field_mapping(request).await?.into_inner();
            print_mapping(ctx, &stored.field_mapping.unwrap_or_default());
        }
        MappingsCommand::Delete { object, fno_field } => {
            let request = proto::DeleteFieldMappingRequest {
                sf_object: object.to_proto(),
                fno_field: fno_field.clone(),
            };
            mappings.delete_field_mapping(request).await?;
            deleted(ctx, &format!("mapping of {fno_field}"));
        }
    }
    Ok(0)
}

pub async fn run_attributes(ctx: &Context, command: &AttributesCommand) -> Result<u8, Failure> {
    let mut mappings = ctx.client.mapping();
    match command {
        AttributesCommand::List { entity } => {
            let request = proto::ListCustomAttributesRequest {
                entity_type: entity.map_or(0, Entity::to_proto),
            };
            let listed = mappings.list_custom_attributes(request).await?.into_inner();
            for attribute in &listed.custom_attributes {
                print_attribute(ctx, attribute);
            }
        }
        AttributesCommand::Add {
            name,
            entity,
            data_type,
            sf_field,
            editable,
            required,
            inactive,
        } => {
            let attribute = proto::CustomAttribute {
                name: name.clone(),
                entity_type: entity.to_proto(),
                data_type: data_type.to_proto(),
                editable: *editable,
                required: *required,
                active: !*inactive,
                sf_field: sf_field.clone(),
                ..Default::default()
            };
            let request = proto::CreateCustomAttributeRequest {
                custom_attribute: Some(attribute),
                request_id: String::new(),
            };
            let stored = mappings
                .create_custom_attribute(request)
                .await?
                .into_inner();
            print_attribute(ctx, &stored.custom_attribute.unwrap_or_default());
        }
        AttributesCommand::Delete { name, entity } => {
            let request = proto::DeleteCustomAttributeRequest {
                entity_type: entity.to_proto(),
                name: name.clone(),
            };
            mappings.delete_custom_attribute(request).await?;
            deleted(ctx, &format!("custom attribute {name}"));
        }
    }
    Ok(0)
}

fn deleted(ctx: &Context, what: &str) {
    if ctx.printer.is_json() {
        ctx.printer.json(json!({ "deleted": what }));
    } else {
        println!("deleted {what}");
    }
}

fn object_name(value: i32) -> String {
    proto::SalesforceObject::try_from(value)
        .map(|o| short_name(o.as_str_name(), "SALESFORCE_OBJECT_"))
        .unwrap_or_default()
}

fn print_mapping(ctx: &Context, mapping: &proto::FieldMapping) {
    let kind = proto::MappingKind::try_from(mapping.kind)
        .map(|k| short_name(k.as_str_name(), "MAPPING_KIND_"))
        .unwrap_or_default();
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "sf_object": object_name(mapping.sf_object), "fno_field": mapping.fno_field,
            "sf_field": mapping.sf_field, "required": mapping.required, "kind": kind,
            "editable": mapping.editable, "update_time": time_json(mapping.update_time.as_ref()),
            "fixed_reason": mapping.fixed_reason,
        }));
        return;
    }
    let sf_field = if mapping.sf_field.is_empty() {
        "(unmapped)"
    } else {
        mapping.sf_field.as_str()
    };
    let required = if mapping.required { "required" } else { "" };
    let fixed = if mapping.fixed_reason.is_empty() {
        String::new()
    } else {
        format!("  not editable: {}", mapping.fixed_reason)
    };
    println!(
        "{:<32}  {:<32}  {:<8}  {required}{fixed}",
        mapping.fno_field, sf_field, kind
    );
}

fn print_attribute(ctx: &Context, attribute: &proto::CustomAttribute) {
    let entity = proto::EntityType::try_from(attribute.entity_type)
        .map(|e| short_name(e.as_str_name(), "ENTITY_TYPE_"))
        .unwrap_or_default();
    let data_type = proto::AttributeDataType::try_from(attribute.data_type)
        .map(|t| short_name(t.as_str_name(), "ATTRIBUTE_DATA_TYPE_"))
        .unwrap_or_default();
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "name": attribute.name, "entity_type": entity, "data_type": data_type,
            "editable": attribute.editable, "required": attribute.required, "active": attribute.active,
            "sf_object": object_name(attribute.sf_object), "sf_field": attribute.sf_field,
            "create_time": time_json(attribute.create_time.as_ref()),
        }));
        return;
    }
    let flags: Vec<&str> = [
        (attribute.editable, "editable"),
        (attribute.required, "required"),
        (!attribute.active, "inactive"),
    ]
    .into_iter()
    .filter_map(|(set, flag)| set.then_some(flag))
    .collect();
    println!(
        "{:<18}  {:<24}  {:<10}  {}.{}  {}",
        entity,
        attribute.name,
        data_type,
        object_name(attribute.sf_object),
        attribute.sf_field,
        flags.join(",")
    );
}
