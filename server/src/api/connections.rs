//! The FNO and Salesforce connections as the API sets and shows them. The
//! secrets go into the store sealed and never come back out through here.

use fnosync_proto::v1 as pb;
use serde_json::json;

use super::convert::timestamp;
use super::ApiContext;
use crate::domain::connection::{
    FnoInput, FnoSettings, SalesforceFlow, SalesforceInput, SalesforceSettings,
};
use crate::error::{Error, Result};
use crate::fno::FnoClient;
use crate::salesforce::SalesforceClient;
use crate::store::connections::{self, ConnectionRecord, NewConnection, System};
use crate::sync::clients;
use secrecy::SecretString;

const FLOWS: [(SalesforceFlow, pb::SalesforceAuthFlow); 3] = [
    (
        SalesforceFlow::UsernamePassword,
        pb::SalesforceAuthFlow::UsernamePassword,
    ),
    (
        SalesforceFlow::ClientCredentials,
        pb::SalesforceAuthFlow::ClientCredentials,
    ),
    (SalesforceFlow::JwtBearer, pb::SalesforceAuthFlow::JwtBearer),
];

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
    let given = FnoSettings::parse(FnoInput {
        tenant_url: &request.tenant_url,
        user_name: &request.user_name,
        password: &request.password,
    })?;
    check_url_allowed(ctx, "tenant_url", &given.tenant_url).await?;
    let client = FnoClient::new(
        ctx.outbound.clone(),
        &given.tenant_url,
        &given.user_name,
        SecretString::from(given.password.clone()),
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
            url: &given.tenant_url,
            user_name: &given.user_name,
            flow: "",
            settings: json!({}),
            secrets: given.secrets(),
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
    let given = SalesforceSettings::parse(SalesforceInput {
        login_url: &request.login_url,
        flow: FLOWS
            .iter()
            .find(|(_, proto)| *proto as i32 == request.flow)
            .map(|(flow, _)| *flow),
        client_id: &request.client_id,
        client_secret: &request.client_secret,
        user_name: &request.user_name,
        password: &request.password,
        private_key_pem: &request.private_key_pem,
        api_version: &request.api_version,
    })?;
    check_url_allowed(ctx, "login_url", &given.login_url).await?;
    let flow = given.flow.as_str();
    let config = clients::salesforce_config(
        &given.login_url,
        flow,
        &given.user_name,
        &given.settings(),
        &given.secrets(),
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
            url: &given.login_url,
            user_name: &given.user_name,
            flow,
            settings: given.settings(),
            secrets: given.secrets(),
            verified: true,
        },
    )
    .await?;
    tracing::info!(url = %record.url, flow, "salesforce connection saved");
    Ok(status(System::Salesforce, Some(record)))
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
    let flow = SalesforceFlow::parse(&record.flow)
        .and_then(|flow| FLOWS.iter().find(|(f, _)| *f == flow))
        .map(|(_, proto)| *proto as i32)
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
