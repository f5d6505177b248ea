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

/// Counts the stored tokens.
pub async fn count_tokens(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(pool)
        .await?)
}
