//! Idempotency keys: the first response of a create-like call, replayed when
//! the same `request_id` comes again. An advisory lock per key serialises
//! concurrent repeats, across replicas too.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::error::{Error, Result};

/// Runs `work` once per (`method`, `request_id`): a repeat gets the stored
/// response; a repeat with a different request is refused. An empty key runs
/// `work` without any bookkeeping. Failures are not stored, so a failed call
/// may be retried with the same key.
pub async fn run_once<Req, Resp, Fut>(
    pool: &PgPool,
    method: &str,
    request_id: &str,
    request: &Req,
    work: impl FnOnce() -> Fut,
) -> Result<Resp>
where
    Req: prost::Message,
    Resp: prost::Message + Default,
    Fut: std::future::Future<Output = Result<Resp>>,
{
    if request_id.is_empty() {
        return work().await;
    }
    if request_id.len() > 128 {
        return Err(Error::invalid(
            "request_id",
            "must be at most 128 characters",
        ));
    }
    let request_hash = Sha256::digest(request.encode_to_vec()).to_vec();
    let mut tx = pool.begin().await?;
    lock_key(&mut tx, method, request_id).await?;
    if let Some(response) = find_response(&mut tx, method, request_id, &request_hash).await? {
        return Ok(response);
    }
    let response = work().await?;
    sqlx::query(
        "INSERT INTO idempotency_keys (method, request_id, request_hash, response) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(method)
    .bind(request_id)
    .bind(&request_hash)
    .bind(response.encode_to_vec())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(response)
}

async fn lock_key(tx: &mut PgConnection, method: &str, request_id: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("{method}\u{0}{request_id}"))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn find_response<Resp: prost::Message + Default>(
    tx: &mut PgConnection,
    method: &str,
    request_id: &str,
    request_hash: &[u8],
) -> Result<Option<Resp>> {
    let row: Option<(Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "SELECT request_hash, response FROM idempotency_keys WHERE method = $1 AND request_id = $2",
    )
    .bind(method)
    .bind(request_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((stored_hash, response)) = row else {
        return Ok(None);
    };
    if stored_hash != request_hash {
        return Err(Error::FailedPrecondition(format!(
            "request_id {request_id:?} was already used with a different request; \
             use a new request_id for a new request"
        )));
    }
    let decoded = Resp::decode(response.as_slice()).map_err(anyhow::Error::from)?;
    Ok(Some(decoded))
}
