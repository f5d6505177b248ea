//! Products known to the connector and their "include in sync" flag.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::error::Result;

/// A stored product.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProductRecord {
    /// Salesforce Product2 Id.
    pub salesforce_product_id: String,
    /// Product name.
    pub name: String,
    /// Product Code.
    pub product_code: String,
    /// Included in the sync.
    pub sync_included: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "salesforce_product_id, name, product_code, sync_included, updated_at";

/// Lists products by name.
pub async fn list_products(db: impl PgExecutor<'_>) -> Result<Vec<ProductRecord>> {
    Ok(sqlx::query_as::<_, ProductRecord>(&format!(
        "SELECT {COLUMNS} FROM products ORDER BY name, salesforce_product_id"
    ))
    .fetch_all(db)
    .await?)
}

/// Sets the include flag, recording the product when it is new; a blank name
/// or code keeps what is stored.
pub async fn set_product_included(
    db: impl PgExecutor<'_>,
    salesforce_product_id: &str,
    included: bool,
    name: &str,
    product_code: &str,
) -> Result<ProductRecord> {
    Ok(sqlx::query_as::<_, ProductRecord>(&format!(
        "INSERT INTO products (salesforce_product_id, name, product_code, sync_included) \
         VALUES ($1, $3, $4, $2) ON CONFLICT (salesforce_product_id) DO UPDATE SET \
         sync_included = EXCLUDED.sync_included, \
         name = CASE WHEN EXCLUDED.name = '' THEN products.name ELSE EXCLUDED.name END, \
         product_code = CASE WHEN EXCLUDED.product_code = '' THEN products.product_code \
                        ELSE EXCLUDED.product_code END, \
         updated_at = now() RETURNING {COLUMNS}"
    ))
    .bind(salesforce_product_id)
    .bind(included)
    .bind(name)
    .bind(product_code)
    .fetch_one(db)
    .await?)
}
