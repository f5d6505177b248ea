//! Builds the FNO and Salesforce clients from the stored connections (secrets
//! opened here and handed straight to the clients), and verifies credentials.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::Value;

use crate::crypto::SecretBox;
use crate::domain::connection::SalesforceFlow;
use crate::error::{Error, Result};
use crate::fno::{FnoClient, FnoError};
use crate::outbound::OutboundHttp;
use crate::salesforce::{OAuthFlow, SalesforceClient, SalesforceConfig, SalesforceError};
use crate::store::connections::{self, ConnectionRecord, System};

/// The client's flow of a stored flow.
fn oauth_flow(flow: SalesforceFlow) -> OAuthFlow {
    match flow {
        SalesforceFlow::UsernamePassword => OAuthFlow::UsernamePassword,
        SalesforceFlow::ClientCredentials => OAuthFlow::ClientCredentials,
        SalesforceFlow::JwtBearer => OAuthFlow::JwtBearer,
    }
}

fn secret(secrets: &Value, key: &str) -> SecretString {
    SecretString::from(
        secrets
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    )
}

/// Builds a Salesforce configuration from settings and secrets.
pub fn salesforce_config(
    login_url: &str,
    flow: &str,
    user_name: &str,
    settings: &Value,
    secrets: &Value,
) -> SalesforceConfig {
    let text = |key: &str| {
        settings
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    SalesforceConfig {
        login_url: login_url.to_string(),
        flow: SalesforceFlow::parse(flow)
            .map(oauth_flow)
            .unwrap_or_default(),
        client_id: text("client_id"),
        client_secret: secret(secrets, "client_secret"),
        user_name: user_name.to_string(),
        password: secret(secrets, "password"),
        private_key_pem: secret(secrets, "private_key_pem"),
        api_version: text("api_version").trim_start_matches('v').to_string(),
    }
}

/// Every stored secret of both connections (and each long line of a
/// many-line one, such as a PEM key), for the transaction logs to mask.
pub async fn stored_secrets(pool: &sqlx::PgPool, secret_box: &SecretBox) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for system in [System::Fno, System::Salesforce] {
        let Some(Value::Object(secrets)) =
            connections::open_secrets(pool, secret_box, system).await?
        else {
            continue;
        };
        for value in secrets.values().filter_map(Value::as_str) {
            texts.push(value.to_string());
            if value.contains('\n') {
                texts.extend(
                    value
                        .lines()
                        .map(str::trim)
                        .filter(|line| line.len() >= 16)
                        .map(str::to_string),
                );
            }
        }
    }
    Ok(texts)
}

/// Builds the FNO client of the stored connection.
pub async fn stored_fno_client(
    pool: &sqlx::PgPool,
    secret_box: &SecretBox,
    outbound: &OutboundHttp,
) -> Result<FnoClient> {
    let record = connections::get_connection(pool, System::Fno)
        .await?
        .ok_or_else(|| Error::FailedPrecondition("the FNO connection is not configured".into()))?;
    let secrets = connections::open_secrets(pool, secret_box, System::Fno)
        .await?
        .unwrap_or_default();
    Ok(FnoClient::new(
        outbound.clone(),
        &record.url,
        &record.user_name,
        secret(&secrets, "password"),
    ))
}

async fn salesforce_connection(pool: &sqlx::PgPool) -> Result<ConnectionRecord> {
    connections::get_connection(pool, System::Salesforce)
        .await?
        .ok_or_else(|| {
            Error::FailedPrecondition("the Salesforce connection is not configured".into())
        })
}

async fn salesforce_client_of(
    record: &ConnectionRecord,
    pool: &sqlx::PgPool,
    secret_box: &SecretBox,
    outbound: &OutboundHttp,
) -> Result<SalesforceClient> {
    let secrets = connections::open_secrets(pool, secret_box, System::Salesforce)
        .await?
        .unwrap_or_default();
    let config = salesforce_config(
        &record.url,
        &record.flow,
        &record.user_name,
        &record.settings,
        &secrets,
    );
    Ok(SalesforceClient::new(outbound.clone(), config))
}

/// The Salesforce client of the stored connection, kept by a process
/// between its runs, so that one session (one log-in) serves them all; made
/// anew when the connection is changed. An expired session is renewed by
/// the client itself.
#[derive(Clone, Default)]
pub struct SalesforceSessions {
    current: Arc<tokio::sync::Mutex<Option<KeptClient>>>,
}

/// A kept client with the change time of the connection it was made from.
type KeptClient = (DateTime<Utc>, SalesforceClient);

impl SalesforceSessions {
    /// The client of the connection as stored now.
    pub async fn client(
        &self,
        pool: &sqlx::PgPool,
        secret_box: &SecretBox,
        outbound: &OutboundHttp,
    ) -> Result<SalesforceClient> {
        let record = salesforce_connection(pool).await?;
        let mut current = self.current.lock().await;
        if let Some((stamp, client)) = current.as_ref() {
            if *stamp == record.updated_at {
                return Ok(client.clone());
            }
        }
        let client = salesforce_client_of(&record, pool, secret_box, outbound).await?;
        *current = Some((record.updated_at, client.clone()));
        Ok(client)
    }
}

/// Turns a failed FNO verification into the answer for the administrator.
pub fn fno_verification_error(error: FnoError) -> Error {
    match error {
        FnoError::Unauthorized { .. } => Error::FailedPrecondition(
            "FNO rejected the user name or password; nothing was saved".into(),
        ),
        FnoError::Outbound(e) => Error::FailedPrecondition(format!("{e}; nothing was saved")),
        other => Error::Unavailable(format!(
            "cannot verify the FNO credentials: {other}; nothing was saved"
        )),
    }
}

/// Turns a failed Salesforce verification into the answer for the administrator.
pub fn salesforce_verification_error(error: SalesforceError) -> Error {
    match error {
        SalesforceError::Outbound(e) => {
            Error::FailedPrecondition(format!("{e}; nothing was saved"))
        }
        login @ (SalesforceError::Login { .. } | SalesforceError::Config(_)) => {
            Error::FailedPrecondition(format!(
                "Salesforce rejected the login: {login}; nothing was saved"
            ))
        }
        other => Error::Unavailable(format!(
            "cannot verify the Salesforce connection: {other}; nothing was saved"
        )),
    }
}
