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
    /// For line items: the part number sent (empty when not known).
    pub part_number: String,
    /// The fields sent, FNO field name to value, as a JSON object (empty
    /// when not known): what a plan compares the next values with.
    #[sqlx(default)]
    pub sent_fields: String,
}

impl LinkRecord {
    /// The link with the fields sent (see `sync::sent`), as stored text.
    pub fn with_sent_fields(mut self, sent_fields: String) -> Self {
        self.sent_fields = sent_fields;
        self
    }
}

/// Creates or replaces links in one statement.
pub async fn save_links(db: impl PgExecutor<'_>, links: &[LinkRecord]) -> Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let column = |get: fn(&LinkRecord) -> &String| -> Vec<String> {
        links.iter().map(|l| get(l).clone()).collect()
    };
    sqlx::query(
        "INSERT INTO sync_links (sf_object, salesforce_id, fno_kind, fno_id, fingerprint, parent_id, part_number, sent_fields) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) \
         ON CONFLICT (sf_object, salesforce_id) DO UPDATE SET \
         fno_kind = EXCLUDED.fno_kind, fno_id = EXCLUDED.fno_id, fingerprint = EXCLUDED.fingerprint, \
         parent_id = EXCLUDED.parent_id, part_number = EXCLUDED.part_number, \
         sent_fields = EXCLUDED.sent_fields, updated_at = now()",
    )
    .bind(column(|l| &l.sf_object))
    .bind(column(|l| &l.salesforce_id))
    .bind(column(|l| &l.fno_kind))
    .bind(column(|l| &l.fno_id))
    .bind(column(|l| &l.fingerprint))
    .bind(column(|l| &l.parent_id))
    .bind(column(|l| &l.part_number))
    .bind(column(|l| &l.sent_fields))
    .execute(db)
    .await?;
    Ok(())
}

/// Stamps the intents (links without an FNO ID yet) of `salesforce_ids` with
/// the time now: each time their create call is sent.
pub async fn stamp_intents(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    salesforce_ids: &[String],
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_links SET updated_at = now() \
         WHERE sf_object = $1 AND salesforce_id = ANY($2) AND fno_id = ''",
    )
    .bind(sf_object)
    .bind(salesforce_ids)
    .execute(db)
    .await?;
    Ok(())
}

/// How long ago the intent of a record was last stamped; `None` when the
/// record has no intent.
pub async fn intent_age(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    salesforce_id: &str,
) -> Result<Option<std::time::Duration>> {
    let seconds: Option<f64> = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM now() - updated_at)::float8 FROM sync_links \
         WHERE sf_object = $1 AND salesforce_id = $2 AND fno_id = ''",
    )
    .bind(sf_object)
    .bind(salesforce_id)
    .fetch_optional(db)
    .await?;
    Ok(seconds.map(|s| std::time::Duration::from_secs_f64(s.max(0.0))))
}

/// The links of `sf_object` to the FNO objects `fno_ids`, with what was
/// last written back to each.
pub async fn links_to(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    fno_ids: &[String],
) -> Result<Vec<(LinkRecord, String)>> {
    links_where(
        db,
        "l.sf_object = $1 AND l.fno_id = ANY($2)",
        sf_object,
        fno_ids,
    )
    .await
}

/// Reads the links of `salesforce_ids` of one object, with what fnosync last
/// wrote back onto each record (empty when nothing yet), in one statement.
pub async fn get_links(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    salesforce_ids: &[String],
) -> Result<Vec<(LinkRecord, String)>> {
    let condition = "l.sf_object = $1 AND l.salesforce_id = ANY($2)";
    links_where(db, condition, sf_object, salesforce_ids).await
}

/// [`get_links`] of line items, leaving out the lines removed from their
/// orders and the lines of cancelled orders (whose handling is done; a
/// deleted one has no Salesforce record left to write to).
pub async fn live_line_links(
    db: impl PgExecutor<'_>,
    salesforce_ids: &[String],
) -> Result<Vec<(LinkRecord, String)>> {
    let condition = "l.sf_object = $1 AND l.salesforce_id = ANY($2) AND l.cancelled = '' \
         AND NOT EXISTS (SELECT 1 FROM sync_links o WHERE o.sf_object = 'Opportunity' \
             AND o.fno_kind = 'entitlement' AND o.fno_id = l.parent_id AND o.fno_id <> '' AND o.cancelled <> '')";
    links_where(db, condition, "OpportunityLineItem", salesforce_ids).await
}

/// The links of `sf_object` (`$1`) that meet `condition` on `ids` (`$2`),
/// with what was written back, in one statement.
async fn links_where(
    db: impl PgExecutor<'_>,
    condition: &str,
    sf_object: &str,
    ids: &[String],
) -> Result<Vec<(LinkRecord, String)>> {
    let rows: Vec<LinkRow> = sqlx::query_as(&format!(
        "SELECT l.sf_object, l.salesforce_id, l.fno_kind, l.fno_id, l.fingerprint, l.parent_id, \
         l.part_number, l.sent_fields, l.written_back FROM sync_links l WHERE {condition}"
    ))
    .bind(sf_object)
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(with_written).collect())
}

/// A link as read with what was written back.
#[derive(sqlx::FromRow)]
struct LinkRow {
    #[sqlx(flatten)]
    link: LinkRecord,
    written_back: String,
}

fn with_written(row: LinkRow) -> (LinkRecord, String) {
    (row.link, row.written_back)
}

/// Of the opportunities `ids`, those whose entitlement FNO holds and whose
/// cancellation was not handled yet, with their entitlement IDs.
pub async fn cancellable_orders(
    db: impl PgExecutor<'_>,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT salesforce_id, fno_id FROM sync_links WHERE sf_object = 'Opportunity' \
         AND fno_kind = 'entitlement' AND salesforce_id = ANY($1) AND fno_id <> '' AND cancelled = '' \
         ORDER BY salesforce_id",
    )
    .bind(ids)
    .fetch_all(db)
    .await?)
}

/// The lines FNO holds of the entitlements `entitlement_ids` whose removal
/// was not handled yet: Salesforce line Id, activation ID, entitlement ID.
pub async fn live_lines_of(
    db: impl PgExecutor<'_>,
    entitlement_ids: &[String],
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        // `parent_id <> ''` names the partial index's predicate, so a generic
        // plan of the prepared statement can use `sync_links_parent_idx` too.
        "SELECT salesforce_id, fno_id, parent_id FROM sync_links \
         WHERE sf_object = 'OpportunityLineItem' AND parent_id = ANY($1) AND parent_id <> '' \
         AND fno_id <> '' \
         AND cancelled = '' ORDER BY salesforce_id",
    )
    .bind(entitlement_ids)
    .fetch_all(db)
    .await?)
}

/// The links of the lines of the entitlements `entitlement_ids` that FNO
/// holds and whose removal was not handled, in the order of their
/// Salesforce line Ids, in one statement.
pub async fn lines_of(
    db: impl PgExecutor<'_>,
    entitlement_ids: &[String],
) -> Result<Vec<LinkRecord>> {
    let condition = "l.sf_object = $1 AND l.parent_id = ANY($2) AND l.parent_id <> '' \
         AND l.fno_id <> '' AND l.cancelled = ''";
    let mut lines: Vec<LinkRecord> =
        links_where(db, condition, "OpportunityLineItem", entitlement_ids)
            .await?
            .into_iter()
            .map(|(link, _)| link)
            .collect();
    lines.sort_by(|a, b| a.salesforce_id.cmp(&b.salesforce_id));
    Ok(lines)
}

/// Notes cancelled orders (`sf_object` Opportunity) or removed lines
/// (OpportunityLineItem) as handled (`left` or `obsoleted`), in one statement.
pub async fn note_cancelled(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    records: &[(String, &str)],
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let (ids, how): (Vec<String>, Vec<String>) = records
        .iter()
        .map(|(id, how)| (id.clone(), how.to_string()))
        .unzip();
    sqlx::query(
        "UPDATE sync_links AS l SET cancelled = c.how, updated_at = now() \
         FROM unnest($2::text[], $3::text[]) AS c(id, how) \
         WHERE l.sf_object = $1 AND l.salesforce_id = c.id",
    )
    .bind(sf_object)
    .bind(&ids)
    .bind(&how)
    .execute(db)
    .await?;
    Ok(())
}

/// Notes what was written back onto records of one object, in one statement.
pub async fn note_written_back(
    db: impl PgExecutor<'_>,
    sf_object: &str,
    written: &[(String, String)],
) -> Result<()> {
    if written.is_empty() {
        return Ok(());
    }
    let (ids, values): (Vec<String>, Vec<String>) = written.iter().cloned().unzip();
    sqlx::query(
        "UPDATE sync_links AS l SET written_back = w.value \
         FROM unnest($2::text[], $3::text[]) AS w(id, value) \
         WHERE l.sf_object = $1 AND l.salesforce_id = w.id",
    )
    .bind(sf_object)
    .bind(&ids)
    .bind(&values)
    .execute(db)
    .await?;
    Ok(())
}
