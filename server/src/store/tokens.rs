//! API tokens: stored as SHA-256 hashes with a name and a role.

use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::domain::role::Role;
use crate::error::{is_constraint_violation, Error, Result};

/// A stored token, without its secret.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRecord {
    /// Row id.
    pub token_id: Uuid,
    /// Unique name, e.g. `ci-pipeline`.
    pub name: String,
    /// Role name (`admin`, `operator`, `viewer`).
    pub role: String,
}

/// Hashes a presented token for lookup.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Generates a new random token text.
pub fn generate_token() -> String {
    use base64::Engine as _;
    let bytes: [u8; 32] = rand::random();
    format!(
        "fns_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Stores a token under `name` with `role`.
pub async fn insert_token(
    db: impl PgExecutor<'_>,
    name: &str,
    role: Role,
    token: &str,
) -> Result<TokenRecord> {
    sqlx::query_as::<_, TokenRecord>(
        "INSERT INTO api_tokens (token_id, name, role, token_hash) VALUES ($1, $2, $3, $4) \
         RETURNING token_id, name, role",
    )
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(role.as_str())
    .bind(hash_token(token))
    .fetch_one(db)
    .await
    .map_err(|e| {
        if is_constraint_violation(&e, "api_tokens_name_key") {
            Error::AlreadyExists(format!("a token named {name:?} exists already"))
        } else {
            e.into()
        }
    })
}

/// Finds the token whose hash matches `token`.
pub async fn find_token(pool: &PgPool, token: &str) -> Result<Option<TokenRecord>> {
    Ok(sqlx::query_as::<_, TokenRecord>(
        "SELECT token_id, name, role FROM api_tokens WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(pool)
    .await?)
}

/// A stored token as listed: never its hash.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenListing {
    /// Unique name.
    pub name: String,
    /// Role name.
    pub role: String,
    /// Created at.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last presented at (kept to the minute), if ever.
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Lists every token by name.
pub async fn list_tokens(pool: &PgPool) -> Result<Vec<TokenListing>> {
    Ok(sqlx::query_as::<_, TokenListing>(
        "SELECT name, role, created_at, last_used_at FROM api_tokens ORDER BY name",
    )
    .fetch_all(pool)
    .await?)
}

/// Deletes the token named `name`; `NotFound` when there is none, and
/// `FailedPrecondition` for the last admin token (nobody could then manage
/// tokens through the API).
pub async fn revoke_token(pool: &PgPool, name: &str) -> Result<TokenListing> {
    let mut tx = pool.begin().await?;
    // Revocations take turns, so two cannot remove the last two admin tokens.
    sqlx::query("LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let token = sqlx::query_as::<_, TokenListing>(
        "SELECT name, role, created_at, last_used_at FROM api_tokens WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("API token", name))?;
    if token.role == Role::Admin.as_str() {
        let admins: i64 =
            sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE role = 'admin'")
                .fetch_one(&mut *tx)
                .await?;
        if admins <= 1 {
            return Err(Error::FailedPrecondition(format!(
                "{name:?} is the only admin token: create another admin token before revoking it"
            )));
        }
    }
    sqlx::query("DELETE FROM api_tokens WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// Notes that the token was presented now.
pub async fn note_used(pool: &PgPool, token_id: Uuid) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE token_id = $1")
        .bind(token_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Counts the stored tokens.
pub async fn count_tokens(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(pool)
        .await?)
}
