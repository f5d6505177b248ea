//! Links between Salesforce records and the FNO objects made from them, with
//! a fingerprint of what was last sent. A link with an empty `fno_id` is an
//! intent recorded before the remote write.

use sqlx::PgExecutor;

use crate::error::Result;

/// A stored link.
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
pub struct LinkRecord {
    /// Salesforce object name, e.g. `Opportunity`.
    pub sf_object: String,
    /// Salesforce record Id.
    pub salesforce_id: String,
    /// `account`, `user`, `entitlement` or `line_item`.
    pub fno_kind: String,
    /// FNO identifier (account ID, user name, entitlement ID, activation ID).
    pub fno_id: String,
    /// Hash of what was last sent.
    pub fingerprint: String,
    /// For line items: the entitlement ID.
    pub parent_id: String,
}

/// Reads the link of a record.
pub async fn get_link(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    salesforce_id: &str,
) -> Result<Option<LinkRecord>> {
    Ok(sqlx::query_as::<_, LinkRecord>(
        "SELECT sf_object, salesforce_id, fno_kind, fno_id, fingerprint, parent_id FROM sync_links \
         WHERE sf_object = $1 AND salesforce_id = $2",
    )
    .bind(sf_object)
    .bind(salesforce_id)
    .fetch_optional(db)
    .await?)
}

/// Creates or replaces the link of a record.
pub async fn save_link(db: impl PgExecutor<'_>, link: &LinkRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_links (sf_object, salesforce_id, fno_kind, fno_id, fingerprint, parent_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sf_object, salesforce_id) DO UPDATE SET \
         fno_kind = EXCLUDED.fno_kind, fno_id = EXCLUDED.fno_id, fingerprint = EXCLUDED.fingerprint, \
         parent_id = EXCLUDED.parent_id, updated_at = now()",
    )
    .bind(&link.sf_object)
    .bind(&link.salesforce_id)
    .bind(&link.fno_kind)
    .bind(&link.fno_id)
    .bind(&link.fingerprint)
    .bind(&link.parent_id)
    .execute(db)
    .await?;
    Ok(())
}
