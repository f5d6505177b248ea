//! Remote sites: the URL prefixes outbound calls may reach.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::error::{is_constraint_violation, Error, Result};

/// A stored remote site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RemoteSiteRecord {
    /// Unique name.
    pub name: String,
    /// Normalised https URL.
    pub url: String,
    /// Free text.
    pub description: String,
    /// Whether calls are admitted.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "name, url, description, active, created_at, updated_at";

/// Stores a new site; a taken name is `AlreadyExists`.
pub async fn insert_remote_site(
    db: impl PgExecutor<'_>,
    name: &str,
    url: &str,
    description: &str,
    active: bool,
) -> Result<RemoteSiteRecord> {
    sqlx::query_as::<_, RemoteSiteRecord>(&format!(
        "INSERT INTO remote_sites (remote_site_id, name, url, description, active) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(url)
    .bind(description)
    .bind(active)
    .fetch_one(db)
    .await
    .map_err(|e| {
        if is_constraint_violation(&e, "remote_sites_name_key") {
            Error::AlreadyExists(format!("a remote site named {name:?} exists already"))
        } else {
            e.into()
        }
    })
}

/// Lists every site by name.
pub async fn list_remote_sites(db: impl PgExecutor<'_>) -> Result<Vec<RemoteSiteRecord>> {
    Ok(sqlx::query_as::<_, RemoteSiteRecord>(&format!(
        "SELECT {COLUMNS} FROM remote_sites ORDER BY name"
    ))
    .fetch_all(db)
    .await?)
}

/// Lists the URLs of the active sites.
pub async fn list_active_urls(pool: &PgPool) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT url FROM remote_sites WHERE active ORDER BY name")
            .fetch_all(pool)
            .await?,
    )
}

/// Changes the given fields of a site; unknown name is `NotFound`.
pub async fn update_remote_site(
    db: impl PgExecutor<'_>,
    name: &str,
    url: Option<&str>,
    description: Option<&str>,
    active: Option<bool>,
) -> Result<RemoteSiteRecord> {
    sqlx::query_as::<_, RemoteSiteRecord>(&format!(
        "UPDATE remote_sites SET url = COALESCE($2, url), \
         description = COALESCE($3, description), active = COALESCE($4, active), \
         updated_at = now() WHERE name = $1 RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(url)
    .bind(description)
    .bind(active)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| Error::not_found("remote site", name))
}

/// Deletes a site; unknown name is `NotFound`.
pub async fn delete_remote_site(db: impl PgExecutor<'_>, name: &str) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM remote_sites WHERE name = $1")
        .bind(name)
        .execute(db)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::not_found("remote site", name));
    }
    Ok(())
}
