//! Idempotency keys: the first response of a create-like call, replayed when
//! the same `request_id` comes again. The first caller claims the key with a
//! row whose response is still empty; repeats that arrive meanwhile wait for
//! it without holding a connection. A claim whose owner died is taken over
//! after `CLAIM_TIMEOUT`.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::error::{Error, Result};

/// After this long an unfinished claim counts as abandoned.
const CLAIM_TIMEOUT_SECS: i64 = 60;
/// How long a repeat waits for the first call to finish.
const WAIT_LIMIT: Duration = Duration::from_secs(30);
/// How often a waiting repeat looks again.
const WAIT_INTERVAL: Duration = Duration::from_millis(25);

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
    let started = Instant::now();
    loop {
        if claim(pool, method, request_id, &request_hash).await? {
            return finish(pool, method, request_id, work().await).await;
        }
        if let Some(response) = stored_response(pool, method, request_id, &request_hash).await? {
            return Ok(response);
        }
        if started.elapsed() > WAIT_LIMIT {
            return Err(Error::Unavailable(format!(
                "a request with request_id {request_id:?} is still in progress; retry later"
            )));
        }
        tokio::time::sleep(WAIT_INTERVAL).await;
    }
}

async fn claim(pool: &PgPool, method: &str, request_id: &str, request_hash: &[u8]) -> Result<bool> {
    let claimed: Option<(bool,)> = sqlx::query_as(
        "INSERT INTO idempotency_keys (method, request_id, request_hash) VALUES ($1, $2, $3) \
         ON CONFLICT (method, request_id) DO UPDATE SET claimed_at = now(), \
         request_hash = EXCLUDED.request_hash \
         WHERE idempotency_keys.response IS NULL \
         AND idempotency_keys.claimed_at < now() - make_interval(secs => $4) \
         RETURNING TRUE",
    )
    .bind(method)
    .bind(request_id)
    .bind(request_hash)
    .bind(CLAIM_TIMEOUT_SECS as f64)
    .fetch_optional(pool)
    .await?;
    Ok(claimed.is_some())
}

async fn finish<Resp: prost::Message>(
    pool: &PgPool,
    method: &str,
    request_id: &str,
    outcome: Result<Resp>,
) -> Result<Resp> {
    match &outcome {
        Ok(response) => {
            sqlx::query(
                "UPDATE idempotency_keys SET response = $3 WHERE method = $1 AND request_id = $2",
            )
            .bind(method)
            .bind(request_id)
            .bind(response.encode_to_vec())
            .execute(pool)
            .await?;
        }
        Err(_) => {
            sqlx::query("DELETE FROM idempotency_keys WHERE method = $1 AND request_id = $2 AND response IS NULL")
                .bind(method)
                .bind(request_id)
                .execute(pool)
                .await?;
        }
    }
    outcome
}

async fn stored_response<Resp: prost::Message + Default>(
    pool: &PgPool,
    method: &str,
    request_id: &str,
    request_hash: &[u8],
) -> Result<Option<Resp>> {
    let row: Option<(Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT request_hash, response FROM idempotency_keys WHERE method = $1 AND request_id = $2",
    )
    .bind(method)
    .bind(request_id)
    .fetch_optional(pool)
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
    response
        .map(|bytes| Resp::decode(bytes.as_slice()).map_err(|e| Error::Internal(e.into())))
        .transpose()
}
