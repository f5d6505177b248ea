//! The FNO and Salesforce connections as the API sets and shows them. The
//! secrets go into the store sealed and never come back out through here.

use fnosync_proto::v1 as pb;
use serde_json::json;

use super::convert::timestamp;
use super::ApiContext;
use crate::domain::remote_site::normalize_url;
use crate::error::{Error, Result, Violations};
use crate::fno::FnoClient;
use crate::salesforce::SalesforceClient;
use crate::store::connections::{self, ConnectionRecord, NewConnection, System};
use crate::sync::clients;
use secrecy::SecretString;

/// Salesforce REST API version used when none is given.
pub const DEFAULT_SALESFORCE_API_VERSION: &str = "v62.0";

const FLOWS: [(&str, pb::SalesforceAuthFlow); 3] = [
    (
        "username_password",
        pb::SalesforceAuthFlow::UsernamePassword,
    ),
    (
        "client_credentials",
        pb::SalesforceAuthFlow::ClientCredentials,
    ),
    ("jwt_bearer", pb::SalesforceAuthFlow::JwtBearer),
];

fn required(violations: &mut Violations, field: &str, value: &str) {
    if value.trim().is_empty() {
        violations.add(field, "is required");
    }
}

async fn check_url_allowed(ctx: &ApiContext, field: &str, url: &str) -> Result<()> {
    ctx.outbound.check_allowed(url).await.map_err(|_| {
        Error::FailedPrecondition(format!(
            "{field}: no active remote site covers {url}; register it with CreateRemoteSite first"
        ))
    })?;
    Ok(())
}

/// Validates the FNO credentials, verifies them with a real call and stores them.
pub async fn set_fno(
    ctx: &ApiContext,
    request: pb::SetFnoConnectionRequest,
) -> Result<pb::ConnectionStatus> {
    let mut violations = Violations::default();
    let url = violations.check("tenant_url", normalize_url(&request.tenant_url));
    required(&mut violations, "user_name", &request.user_name);
    required(&mut violations, "password", &request.password);
    violations.into_result()?;
    let url = url.unwrap_or_default();
    check_url_allowed(ctx, "tenant_url", &url).await?;
    let client = FnoClient::new(
        ctx.outbound.clone(),
        &url,
        request.user_name.trim(),
        SecretString::from(request.password.clone()),
    );
    client
        .verify_credentials()
        .await
        .map_err(clients::fno_verification_error)?;
    let record = connections::save_connection(
        &ctx.pool,
        &ctx.secret_box,
        NewConnection {
            system: System::Fno,
            url: &url,
            user_name: request.user_name.trim(),
            flow: "",
            settings: json!({}),
            secrets: json!({ "password": request.password }),
            verified: true,
        },
    )
    .await?;
    tracing::info!(url = %record.url, user = %record.user_name, "fno connection saved");
    Ok(status(System::Fno, Some(record)))
}

/// Validates the Salesforce settings, verifies them with a real login and stores them.
pub async fn set_salesforce(
    ctx: &ApiContext,
    request: pb::SetSalesforceConnectionRequest,
) -> Result<pb::ConnectionStatus> {
    let mut violations = Violations::default();
    let url = violations.check("login_url", normalize_url(&request.login_url));
    required(&mut violations, "client_id", &request.client_id);
    let flow = FLOWS
        .iter()
        .find(|(_, f)| *f as i32 == request.flow)
        .map(|(name, f)| (*name, *f));
    match flow.map(|(_, f)| f) {
        Some(pb::SalesforceAuthFlow::UsernamePassword) => {
            required(&mut violations, "client_secret", &request.client_secret);
            required(&mut violations, "user_name", &request.user_name);
            required(&mut violations, "password", &request.password);
        }
        Some(pb::SalesforceAuthFlow::ClientCredentials) => {
            required(&mut violations, "client_secret", &request.client_secret);
        }
        Some(pb::SalesforceAuthFlow::JwtBearer) => {
            required(&mut violations, "user_name", &request.user_name);
            if !request.private_key_pem.trim_start().starts_with("-----BEGIN") {
                violations.add("private_key_pem", "must be a PEM private key for the JWT bearer flow");
            }
        }
        _ => violations.add(
            "flow",
            "must be SALESFORCE_AUTH_FLOW_USERNAME_PASSWORD, SALESFORCE_AUTH_FLOW_CLIENT_CREDENTIALS \
             or SALESFORCE_AUTH_FLOW_JWT_BEARER",
        ),
    }
    let api_version = if request.api_version.is_empty() {
        DEFAULT_SALESFORCE_API_VERSION.to_string()
    } else {
        request.api_version.clone()
    };
    if !is_api_version(&api_version) {
        violations.add("api_version", "must look like v62.0");
    }
    violations.into_result()?;
    let url = url.unwrap_or_default();
    check_url_allowed(ctx, "login_url", &url).await?;
    let flow_name = flow.map(|(name, _)| name).unwrap_or_default();
    let settings = json!({ "client_id": request.client_id.trim(), "api_version": api_version });
    let secrets = json!({
        "client_secret": request.client_secret,
        "password": request.password,
        "private_key_pem": request.private_key_pem,
    });
    let config = clients::salesforce_config(
        &url,
        flow_name,
        request.user_name.trim(),
        &settings,
        &secrets,
    );
    SalesforceClient::new(ctx.outbound.clone(), config)
        .verify_credentials()
        .await
        .map_err(clients::salesforce_verification_error)?;
    let record = connections::save_connection(
        &ctx.pool,
        &ctx.secret_box,
        NewConnection {
            system: System::Salesforce,
            url: &url,
            user_name: request.user_name.trim(),
            flow: flow_name,
            settings,
            secrets,
            verified: true,
        },
    )
    .await?;
    tracing::info!(url = %record.url, flow = flow_name, "salesforce connection saved");
    Ok(status(System::Salesforce, Some(record)))
}

fn is_api_version(text: &str) -> bool {
    text.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        })
}

/// Reads the status of one connection.
pub async fn get_status(ctx: &ApiContext, system: System) -> Result<pb::ConnectionStatus> {
    Ok(status(
        system,
        connections::get_connection(&ctx.pool, system).await?,
    ))
}

fn status(system: System, record: Option<ConnectionRecord>) -> pb::ConnectionStatus {
    let proto_system = match system {
        System::Fno => pb::RemoteSystem::Fno,
        System::Salesforce => pb::RemoteSystem::Salesforce,
    };
    let Some(record) = record else {
        return pb::ConnectionStatus {
            system: proto_system as i32,
            state: pb::ConnectionState::NotConfigured as i32,
            message: "not configured".into(),
            ..Default::default()
        };
    };
    let (state, default_message) = match record.state.as_str() {
        "verified" => (pb::ConnectionState::Verified, "verified"),
        "failed" => (pb::ConnectionState::Failed, "verification failed"),
        _ => (pb::ConnectionState::NotVerified, "not verified"),
    };
    let flow = FLOWS
        .iter()
        .find(|(name, _)| *name == record.flow)
        .map(|(_, f)| *f as i32)
        .unwrap_or(0);
    pb::ConnectionStatus {
        system: proto_system as i32,
        state: state as i32,
        url: record.url,
        user_name: record.user_name,
        flow,
        message: if record.message.is_empty() {
            default_message.into()
        } else {
            record.message
        },
        verify_time: record.verified_at.map(timestamp),
        update_time: Some(timestamp(record.updated_at)),
    }
}

/// Fails with `FailedPrecondition` unless both connections are verified.
pub async fn require_verified_connections(ctx: &ApiContext) -> Result<()> {
    for (system, name) in [(System::Fno, "FNO"), (System::Salesforce, "Salesforce")] {
        let status = get_status(ctx, system).await?;
        if status.state != pb::ConnectionState::Verified as i32 {
            return Err(Error::FailedPrecondition(format!(
                "the {name} connection is {}: syncs need verified connections",
                status.message
            )));
        }
    }
    Ok(())
}
