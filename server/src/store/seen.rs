//! A digest of the fields of each account and contact as a run last read it
//! and FNO took it: a change found again by a later run's look-back with the
//! same digest is no change.

use std::collections::HashMap;

use sqlx::PgExecutor;

use crate::error::Result;

/// Notes the digests of records of `sf_object`: (Id, digest).
pub async fn note_seen(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    records: &[(String, String)],
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
    let digests: Vec<&str> = records.iter().map(|(_, digest)| digest.as_str()).collect();
    sqlx::query(
        "INSERT INTO sync_seen (sf_object, salesforce_id, digest) \
         SELECT $1, id, digest FROM unnest($2::text[], $3::text[]) AS t(id, digest) \
         ON CONFLICT (sf_object, salesforce_id) DO UPDATE SET digest = EXCLUDED.digest",
    )
    .bind(sf_object)
    .bind(&ids)
    .bind(&digests)
    .execute(db)
    .await?;
    Ok(())
}

/// The noted digests of the records of `sf_object` among `ids`.
pub async fn seen(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    ids: &[String],
) -> Result<HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT salesforce_id, digest FROM sync_seen WHERE sf_object = $1 AND salesforce_id = ANY($2)",
    )
    .bind(sf_object)
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}
