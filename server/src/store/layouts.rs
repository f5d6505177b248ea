//! Page layouts and whether they show the connector's fields.

use sqlx::PgExecutor;

use crate::domain::mapping::SfObject;
use crate::error::{Error, Result};

/// A stored page layout.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LayoutRecord {
    /// Object as stored.
    pub sf_object: String,
    /// Layout name.
    pub layout_name: String,
    /// Shows the connector's fields.
    pub shows_connector_fields: bool,
}

/// Lists layouts, optionally of one object.
pub async fn list_layouts(
    db: impl PgExecutor<'_>,
    object: Option<SfObject>,
) -> Result<Vec<LayoutRecord>> {
    Ok(sqlx::query_as::<_, LayoutRecord>(
        "SELECT sf_object, layout_name, shows_connector_fields FROM page_layouts \
         WHERE $1::text IS NULL OR sf_object = $1 ORDER BY sf_object, layout_name",
    )
    .bind(object.map(SfObject::as_db))
    .fetch_all(db)
    .await?)
}

/// Sets whether one layout shows the connector's fields; unknown is `NotFound`.
pub async fn set_layout(
    db: impl PgExecutor<'_>,
    object: SfObject,
    layout_name: &str,
    shows_connector_fields: bool,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE page_layouts SET shows_connector_fields = $3, updated_at = now() \
         WHERE sf_object = $1 AND layout_name = $2",
    )
    .bind(object.as_db())
    .bind(layout_name)
    .bind(shows_connector_fields)
    .execute(db)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(Error::not_found(
            "page layout",
            format!("{}/{layout_name}", object.api_name()),
        ));
    }
    Ok(())
}
