//! The Salesforce version (`SystemModstamp`) of each account and contact as
//! a run last read it and FNO took it: a change found again by a later run's
//! look-back with that stamp (or an older one) is no change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::error::Result;

/// Notes the stamps of records of `sf_object` (never moves one back).
pub async fn note_seen(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    records: &[(String, DateTime<Utc>)],
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
    let stamps: Vec<DateTime<Utc>> = records.iter().map(|(_, stamp)| *stamp).collect();
    sqlx::query(
        "INSERT INTO sync_seen (sf_object, salesforce_id, stamp) \
         SELECT $1, id, stamp FROM unnest($2::text[], $3::timestamptz[]) AS t(id, stamp) \
         ON CONFLICT (sf_object, salesforce_id) DO UPDATE SET \
         stamp = GREATEST(sync_seen.stamp, EXCLUDED.stamp)",
    )
    .bind(sf_object)
    .bind(&ids)
    .bind(&stamps)
    .execute(db)
    .await?;
    Ok(())
}

/// The noted stamps of the records of `sf_object` among `ids`.
pub async fn seen(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    ids: &[String],
) -> Result<HashMap<String, DateTime<Utc>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT salesforce_id, stamp FROM sync_seen WHERE sf_object = $1 AND salesforce_id = ANY($2)",
    )
    .bind(sf_object)
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}
