//! `connection show|set-fno|set-salesforce`: the two connections. Secrets are
//! read by `SecretReader` (prompt or stdin), never from arguments, and are
//! never printed; the server verifies each connection before storing it.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use fnosync_client::proto;
use serde_json::{json, Value};

use crate::exit::Failure;
use crate::output::{short_name, time_json, Tone};
use crate::secrets::SecretReader;
use crate::Context;

/// How fnosync obtains a Salesforce access token.
#[derive(Clone, Copy, ValueEnum)]
pub enum Flow {
    /// Client id and secret, user name, password and security token.
    UsernamePassword,
    /// Client id and secret of a connected app with a run-as user.
    ClientCredentials,
    /// Client id, user name and the connected app's private key.
    JwtBearer,
}

#[derive(Subcommand)]
pub enum ConnectionCommand {
    /// Shows whether each connection is configured and verified.
    Show,
    /// Sets the FNO connection; the password is prompted for, or read from stdin.
    SetFno {
        /// Tenant URL, covered by an active remote site.
        #[arg(long)]
        url: String,
        /// User name of an FNO system administrator.
        #[arg(long)]
        user: String,
        /// Read the password from the first line of stdin even on a terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets the Salesforce connection. Secrets are prompted for, or read from
    /// stdin one per line: client secret, then password followed by the
    /// security token (username-password); client secret (client-credentials);
    /// the PEM private key (jwt-bearer, unless --private-key-file).
    SetSalesforce {
        /// Login URL, covered by an active remote site.
        #[arg(long)]
        login_url: String,
        /// The OAuth flow.
        #[arg(long, value_enum)]
        flow: Flow,
        /// Consumer key of the connected app.
        #[arg(long)]
        client_id: String,
        /// Salesforce user name (username-password and jwt-bearer flows).
        #[arg(long, default_value = "")]
        user: String,
        /// REST API version, e.g. v62.0.
        #[arg(long, default_value = "")]
        api_version: String,
        /// PEM file of the private key (jwt-bearer flow).
        #[arg(long, value_name = "FILE")]
        private_key_file: Option<PathBuf>,
        /// Read the secrets from stdin even on a terminal.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(ctx: &Context, command: &ConnectionCommand) -> Result<u8, Failure> {
    let mut admin = ctx.client.admin();
    match command {
        ConnectionCommand::Show => {
            let request = proto::GetConnectionStatusRequest {};
            let status = admin.get_connection_status(request).await?.into_inner();
            let fno = status.fno.unwrap_or_default();
            let salesforce = status.salesforce.unwrap_or_default();
            if ctx.printer.is_json() {
                ctx.printer.json(json!({
                    "fno": status_json(&fno), "salesforce": status_json(&salesforce),
                }));
            } else {
                println!("fno         {}", summary(ctx, &fno));
                println!("salesforce  {}", summary(ctx, &salesforce));
            }
        }
        ConnectionCommand::SetFno {
            url,
            user,
            password_stdin,
        } => {
            let password = SecretReader::new(*password_stdin).line("FNO password")?;
            let request = proto::SetFnoConnectionRequest {
                tenant_url: url.clone(),
                user_name: user.clone(),
                password,
            };
            let stored = admin.set_fno_connection(request).await?.into_inner();
            print_status(ctx, &stored.status.unwrap_or_default());
        }
        ConnectionCommand::SetSalesforce { .. } => {
            let request = salesforce_request(command)?;
            let stored = admin.set_salesforce_connection(request).await?.into_inner();
            print_status(ctx, &stored.status.unwrap_or_default());
        }
    }
    Ok(0)
}

fn salesforce_request(
    command: &ConnectionCommand,
) -> Result<proto::SetSalesforceConnectionRequest, Failure> {
    let ConnectionCommand::SetSalesforce {
        login_url,
        flow,
        client_id,
        user,
        api_version,
        private_key_file,
        password_stdin,
    } = command
    else {
        return Err(Failure::usage("not a set-salesforce command"));
    };
    let secrets = SecretReader::new(*password_stdin);
    let mut request = proto::SetSalesforceConnectionRequest {
        login_url: login_url.clone(),
        client_id: client_id.clone(),
        user_name: user.clone(),
        api_version: api_version.clone(),
        ..Default::default()
    };
    match flow {
        Flow::UsernamePassword => {
            request.flow = proto::SalesforceAuthFlow::UsernamePassword as i32;
            request.client_secret = secrets.line("Salesforce client secret")?;
            request.password =
                secrets.line("Salesforce password followed by the security token")?;
        }
        Flow::ClientCredentials => {
            request.flow = proto::SalesforceAuthFlow::ClientCredentials as i32;
            request.client_secret = secrets.line("Salesforce client secret")?;
        }
        Flow::JwtBearer => {
            request.flow = proto::SalesforceAuthFlow::JwtBearer as i32;
            request.private_key_pem = match private_key_file {
                Some(path) => std::fs::read_to_string(path).map_err(|e| {
                    Failure::usage(format!("--private-key-file {}: {e}", path.display()))
                })?,
                None => secrets.rest_of_stdin("PEM private key")?,
            };
        }
    }
    Ok(request)
}

fn state_name(status: &proto::ConnectionStatus) -> String {
    proto::ConnectionState::try_from(status.state)
        .map(|s| short_name(s.as_str_name(), "CONNECTION_STATE_"))
        .unwrap_or_default()
}

fn state_tone(status: &proto::ConnectionStatus) -> Tone {
    match proto::ConnectionState::try_from(status.state) {
        Ok(proto::ConnectionState::Verified) => Tone::Good,
        Ok(proto::ConnectionState::Failed) => Tone::Bad,
        Ok(proto::ConnectionState::NotVerified) => Tone::Warn,
        _ => Tone::Muted,
    }
}

/// Returns a connection as JSON, without secrets (the server sends none).
pub fn status_json(status: &proto::ConnectionStatus) -> Value {
    let system = proto::RemoteSystem::try_from(status.system)
        .map(|s| short_name(s.as_str_name(), "REMOTE_SYSTEM_"))
        .unwrap_or_default();
    let flow = proto::SalesforceAuthFlow::try_from(status.flow)
        .map(|f| short_name(f.as_str_name(), "SALESFORCE_AUTH_FLOW_"))
        .unwrap_or_default();
    json!({
        "system": system, "state": state_name(status), "url": status.url,
        "user_name": status.user_name, "flow": flow, "message": status.message,
        "verify_time": time_json(status.verify_time.as_ref()),
        "update_time": time_json(status.update_time.as_ref()),
    })
}

/// Returns a one-line summary: state, URL, user and message.
pub fn summary(ctx: &Context, status: &proto::ConnectionStatus) -> String {
    let state = ctx
        .printer
        .paint_padded(state_tone(status), &state_name(status), 14);
    [&status.url, &status.user_name, &status.message]
        .into_iter()
        .filter(|part| !part.is_empty())
        .fold(state, |line, part| format!("{line}  {part}"))
}

fn print_status(ctx: &Context, status: &proto::ConnectionStatus) {
    if ctx.printer.is_json() {
        ctx.printer.json(status_json(status));
    } else {
        println!("{}", summary(ctx, status));
    }
}
