//! The connector's licence key and the claims read from it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use crate::error::Result;
use crate::license::LicenseClaims;

/// The stored licence.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LicenseRecord {
    /// The key as entered.
    pub license_key: String,
    /// Licence id from the key.
    pub license_id: String,
    /// Licensee from the key.
    pub licensee: String,
    /// Expiry date from the key.
    pub expiry_date: NaiveDate,
    /// When the key was last verified.
    pub refreshed_at: DateTime<Utc>,
}

const COLUMNS: &str = "license_key, license_id, licensee, expiry_date, refreshed_at";

/// Stores a verified key with its claims, replacing any earlier one.
pub async fn save_license(
    db: impl PgExecutor<'_>,
    license_key: &str,
    claims: &LicenseClaims,
) -> Result<LicenseRecord> {
    Ok(sqlx::query_as::<_, LicenseRecord>(&format!(
        "INSERT INTO licenses (singleton, license_key, license_id, licensee, expiry_date) \
         VALUES (TRUE, $1, $2, $3, $4) ON CONFLICT (singleton) DO UPDATE SET \
         license_key = EXCLUDED.license_key, license_id = EXCLUDED.license_id, \
         licensee = EXCLUDED.licensee, expiry_date = EXCLUDED.expiry_date, \
         refreshed_at = now(), updated_at = now() RETURNING {COLUMNS}"
    ))
    .bind(license_key.trim())
    .bind(&claims.license_id)
    .bind(&claims.licensee)
    .bind(claims.expiry_date)
    .fetch_one(db)
    .await?)
}

/// Reads the stored licence, if any.
pub async fn get_license(db: impl PgExecutor<'_>) -> Result<Option<LicenseRecord>> {
    Ok(
        sqlx::query_as::<_, LicenseRecord>(&format!("SELECT {COLUMNS} FROM licenses"))
            .fetch_optional(db)
            .await?,
    )
}
