//! Connections to FNO and Salesforce: public settings in columns, secrets
//! sealed with the master key (see `crypto`). Nothing here returns plaintext
//! secrets except `open_secrets`, which only the remote clients call.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::crypto::{Sealed, SecretBox};
use crate::error::Result;

/// Which remote system a connection reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    /// FlexNet Operations.
    Fno,
    /// Salesforce.
    Salesforce,
}

impl System {
    /// Returns the name stored in the database, also the encryption context.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Fno => "fno",
            Self::Salesforce => "salesforce",
        }
    }
}

/// A stored connection without its secrets.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConnectionRecord {
    /// `fno` or `salesforce`.
    pub system: String,
    /// Tenant or login URL.
    pub url: String,
    /// User the connection acts as.
    pub user_name: String,
    /// Salesforce OAuth flow name; empty for FNO.
    pub flow: String,
    /// Non-secret settings (client id, API version…).
    pub settings: serde_json::Value,
    /// `not_verified`, `verified` or `failed`.
    pub state: String,
    /// Detail of the last verification.
    pub message: String,
    /// When last verified.
    pub verified_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A connection to store: settings plus the secrets to seal.
pub struct NewConnection<'a> {
    /// Which system.
    pub system: System,
    /// Tenant or login URL.
    pub url: &'a str,
    /// User the connection acts as.
    pub user_name: &'a str,
    /// Salesforce OAuth flow name; empty for FNO.
    pub flow: &'a str,
    /// Non-secret settings.
    pub settings: serde_json::Value,
    /// Secrets, as a JSON object; sealed before it is written.
    pub secrets: serde_json::Value,
    /// Whether a real call just proved the credentials.
    pub verified: bool,
}

const COLUMNS: &str =
    "system, url, user_name, flow, settings, state, message, verified_at, updated_at";

/// Seals the secrets and replaces the connection of the system.
pub async fn save_connection(
    db: impl PgExecutor<'_>,
    secret_box: &SecretBox,
    connection: NewConnection<'_>,
) -> Result<ConnectionRecord> {
    let context = connection.system.as_db();
    let plaintext = serde_json::to_vec(&connection.secrets).map_err(anyhow::Error::from)?;
    let sealed = secret_box.seal(&plaintext, context)?;
    Ok(sqlx::query_as::<_, ConnectionRecord>(&format!(
        "INSERT INTO connections (system, url, user_name, flow, settings, secret_ciphertext, secret_nonce, \
         state, verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'verified' THEN now() END) \
         ON CONFLICT (system) DO UPDATE SET url = EXCLUDED.url, user_name = EXCLUDED.user_name, \
         flow = EXCLUDED.flow, settings = EXCLUDED.settings, \
         secret_ciphertext = EXCLUDED.secret_ciphertext, secret_nonce = EXCLUDED.secret_nonce, \
         state = EXCLUDED.state, message = '', verified_at = EXCLUDED.verified_at, updated_at = now() \
         RETURNING {COLUMNS}"
    ))
    .bind(context)
    .bind(connection.url)
    .bind(connection.user_name)
    .bind(connection.flow)
    .bind(connection.settings)
    .bind(sealed.ciphertext)
    .bind(sealed.nonce)
    .bind(if connection.verified { "verified" } else { "not_verified" })
    .fetch_one(db)
    .await?)
}

/// Reads a connection without its secrets.
pub async fn get_connection(
    db: impl PgExecutor<'_>,
    system: System,
) -> Result<Option<ConnectionRecord>> {
    Ok(sqlx::query_as::<_, ConnectionRecord>(&format!(
        "SELECT {COLUMNS} FROM connections WHERE system = $1"
    ))
    .bind(system.as_db())
    .fetch_optional(db)
    .await?)
}

/// Decrypts the secrets of a connection, for the remote clients only.
pub async fn open_secrets(
    db: impl PgExecutor<'_>,
    secret_box: &SecretBox,
    system: System,
) -> Result<Option<serde_json::Value>> {
    let row: Option<(Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT secret_ciphertext, secret_nonce FROM connections WHERE system = $1")
            .bind(system.as_db())
            .fetch_optional(db)
            .await?;
    let Some((ciphertext, nonce)) = row else {
        return Ok(None);
    };
    let plaintext = secret_box.open(&Sealed { nonce, ciphertext }, system.as_db())?;
    Ok(Some(
        serde_json::from_slice(&plaintext).map_err(anyhow::Error::from)?,
    ))
}
