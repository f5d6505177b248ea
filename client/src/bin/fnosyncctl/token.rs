//! `token create|list|revoke`: API tokens with their roles; a new token is
//! printed once, a listed one never.

use clap::Subcommand;
use fnosync_client::proto;
use serde_json::json;

use crate::exit::Failure;
use crate::output::{short_name, time_json, time_text};
use crate::Context;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Creates an API token (admin role) and prints it once: only its hash is stored.
    Create {
        /// Role of the new token: admin, operator or viewer.
        #[arg(long, default_value = "operator")]
        role: String,
        /// Unique name of the new token, e.g. the person or platform using it.
        #[arg(long)]
        name: String,
    },
    /// Lists the tokens (admin role): names, roles, created and last used; never the tokens.
    List,
    /// Revokes a token by name (admin role): calls with it are refused from then on.
    Revoke {
        /// Name of the token.
        #[arg(long)]
        name: String,
    },
}

fn parse_role(role: &str) -> Result<proto::ApiTokenRole, Failure> {
    match role.to_ascii_lowercase().as_str() {
        "viewer" => Ok(proto::ApiTokenRole::Viewer),
        "operator" => Ok(proto::ApiTokenRole::Operator),
        "admin" => Ok(proto::ApiTokenRole::Admin),
        other => Err(Failure::usage(format!(
            "--role {other}: choose admin, operator or viewer"
        ))),
    }
}

pub async fn run(ctx: &Context, command: &TokenCommand) -> Result<u8, Failure> {
    match command {
        TokenCommand::Create { role, name } => create(ctx, role, name).await,
        TokenCommand::List => {
            let listed = ctx
                .client
                .admin()
                .list_api_tokens(proto::ListApiTokensRequest {})
                .await?
                .into_inner();
            for token in &listed.tokens {
                print_token(ctx, token);
            }
            Ok(0)
        }
        TokenCommand::Revoke { name } => {
            let request = proto::RevokeApiTokenRequest { name: name.clone() };
            let revoked = ctx
                .client
                .admin()
                .revoke_api_token(request)
                .await?
                .into_inner();
            let token = revoked.token.unwrap_or_default();
            if ctx.printer.is_json() {
                ctx.printer.json(json!({ "revoked": token.name }));
            } else {
                println!("revoked token {:?}", token.name);
            }
            Ok(0)
        }
    }
}

fn role_name(role: i32) -> String {
    proto::ApiTokenRole::try_from(role)
        .map(|r| short_name(r.as_str_name(), "API_TOKEN_ROLE_").to_lowercase())
        .unwrap_or_default()
}

fn print_token(ctx: &Context, token: &proto::ApiToken) {
    let role = role_name(token.role);
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "name": token.name, "role": role,
            "create_time": time_json(token.create_time.as_ref()),
            "last_use_time": time_json(token.last_use_time.as_ref()),
        }));
    } else {
        let last = match token.last_use_time.as_ref() {
            Some(time) => format!("last used {}", time_text(Some(time))),
            None => "never used".to_string(),
        };
        println!(
            "{:<24} {:<8} created {}  {last}",
            token.name,
            role,
            time_text(token.create_time.as_ref())
        );
    }
}

async fn create(ctx: &Context, role: &str, name: &str) -> Result<u8, Failure> {
    let request = proto::CreateApiTokenRequest {
        name: name.to_string(),
        role: parse_role(role)? as i32,
    };
    let created = ctx
        .client
        .admin()
        .create_api_token(request)
        .await?
        .into_inner();
    let role = role_name(created.role);
    if ctx.printer.is_json() {
        ctx.printer
            .json(json!({ "name": created.name, "role": role, "token": created.token }));
    } else {
        eprintln!(
            "token {:?} ({role}) created; it is shown this once, keep it safe:",
            created.name
        );
        println!("{}", created.token);
    }
    Ok(0)
}
