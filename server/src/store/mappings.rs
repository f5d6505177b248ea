//! Field mappings and the custom attributes that add mappings of their own.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::domain::mapping::{CustomAttribute, EntityType, SfObject};
use crate::error::{is_constraint_violation, Error, Result};

/// A stored field mapping.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MappingRecord {
    /// Object name as stored.
    pub sf_object: String,
    /// FNO field name.
    pub fno_field: String,
    /// Salesforce field, `None` when unmapped.
    pub sf_field: Option<String>,
    /// Cannot be cleared.
    pub required: bool,
    /// `default` or `custom`.
    pub kind: String,
    /// Custom mappings: editable in FNO.
    pub editable: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const MAPPING_COLUMNS: &str =
    "sf_object, fno_field, sf_field, required, kind, editable, updated_at";

/// Lists the mappings of an object: defaults first, then custom ones.
pub async fn list_mappings(
    db: impl PgExecutor<'_>,
    object: SfObject,
) -> Result<Vec<MappingRecord>> {
    Ok(sqlx::query_as::<_, MappingRecord>(&format!(
        "SELECT {MAPPING_COLUMNS} FROM field_mappings WHERE sf_object = $1 \
         ORDER BY kind, position, fno_field"
    ))
    .bind(object.as_db())
    .fetch_all(db)
    .await?)
}

/// Reads one mapping; unknown is `NotFound`.
pub async fn get_mapping(
    db: impl PgExecutor<'_>,
    object: SfObject,
    fno_field: &str,
) -> Result<MappingRecord> {
    sqlx::query_as::<_, MappingRecord>(&format!(
        "SELECT {MAPPING_COLUMNS} FROM field_mappings WHERE sf_object = $1 AND fno_field = $2"
    ))
    .bind(object.as_db())
    .bind(fno_field)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| not_found(object, fno_field))
}

fn not_found(object: SfObject, fno_field: &str) -> Error {
    Error::not_found(
        "field mapping",
        format!("{}.{fno_field}", object.api_name()),
    )
}

/// Points a mapping at a Salesforce field, or clears it with `None`.
pub async fn set_mapping_field(
    db: impl PgExecutor<'_>,
    object: SfObject,
    fno_field: &str,
    sf_field: Option<&str>,
) -> Result<MappingRecord> {
    sqlx::query_as::<_, MappingRecord>(&format!(
        "UPDATE field_mappings SET sf_field = $3, updated_at = now() \
         WHERE sf_object = $1 AND fno_field = $2 RETURNING {MAPPING_COLUMNS}"
    ))
    .bind(object.as_db())
    .bind(fno_field)
    .bind(sf_field)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| not_found(object, fno_field))
}

/// A stored custom attribute.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomAttributeRecord {
    /// Attribute name.
    pub name: String,
    /// Entity type as stored.
    pub entity_type: String,
    /// Data type as stored.
    pub data_type: String,
    /// Editable in FNO.
    pub editable: bool,
    /// Required in FNO.
    pub required: bool,
    /// Active in FNO.
    pub active: bool,
    /// Object as stored.
    pub sf_object: String,
    /// Salesforce field.
    pub sf_field: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

// The Salesforce field of an attribute is the one of its mapping, so that
// re-pointing the mapping re-points the attribute.
const ATTRIBUTE_SELECT: &str = "SELECT a.name, a.entity_type, a.data_type, a.editable, a.required, \
     a.active, a.sf_object, COALESCE(m.sf_field, '') AS sf_field, a.created_at \
     FROM custom_attributes a LEFT JOIN field_mappings m ON m.custom_attribute_id = a.custom_attribute_id";

/// Registers an attribute and adds its custom mapping, in one transaction.
pub async fn insert_custom_attribute(
    tx: &mut PgConnection,
    attribute: &CustomAttribute,
) -> Result<CustomAttributeRecord> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO custom_attributes (custom_attribute_id, name, entity_type, data_type, \
         editable, required, active, sf_object) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&attribute.name)
    .bind(attribute.entity_type.as_db())
    .bind(attribute.data_type.as_db())
    .bind(attribute.editable)
    .bind(attribute.required)
    .bind(attribute.active)
    .bind(attribute.sf_object.as_db())
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if is_constraint_violation(&e, "custom_attributes_entity_type_name_key") {
            Error::AlreadyExists(format!(
                "a custom attribute named {:?} exists already for entity type {}",
                attribute.name,
                attribute.entity_type.as_db()
            ))
        } else {
            e.into()
        }
    })?;
    sqlx::query(
        "INSERT INTO field_mappings (sf_object, fno_field, sf_field, required, kind, editable, \
         custom_attribute_id, position) VALUES ($1, $2, $3, $4, 'custom', $5, $6, 1000)",
    )
    .bind(attribute.sf_object.as_db())
    .bind(&attribute.name)
    .bind(&attribute.sf_field)
    .bind(attribute.required)
    .bind(attribute.editable)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if is_constraint_violation(&e, "field_mappings_sf_object_fno_field_key") {
            Error::AlreadyExists(format!(
                "{} already has a mapping for FNO field {:?}",
                attribute.sf_object.api_name(),
                attribute.name
            ))
        } else {
            e.into()
        }
    })?;
    Ok(sqlx::query_as::<_, CustomAttributeRecord>(&format!(
        "{ATTRIBUTE_SELECT} WHERE a.custom_attribute_id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?)
}

/// Lists attributes, optionally of one entity type.
pub async fn list_custom_attributes(
    db: impl PgExecutor<'_>,
    entity_type: Option<EntityType>,
) -> Result<Vec<CustomAttributeRecord>> {
    Ok(sqlx::query_as::<_, CustomAttributeRecord>(&format!(
        "{ATTRIBUTE_SELECT} WHERE $1::text IS NULL OR a.entity_type = $1 \
         ORDER BY a.entity_type, a.name"
    ))
    .bind(entity_type.map(EntityType::as_db))
    .fetch_all(db)
    .await?)
}

/// Removes an attribute; its mapping goes with it (foreign key cascade).
pub async fn delete_custom_attribute(
    db: impl PgExecutor<'_>,
    entity_type: EntityType,
    name: &str,
) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM custom_attributes WHERE entity_type = $1 AND name = $2")
        .bind(entity_type.as_db())
        .bind(name)
        .execute(db)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::not_found(
            "custom attribute",
            format!("{}/{name}", entity_type.as_db()),
        ));
    }
    Ok(())
}
