//! `token create`: a new API token with a role, printed once.

use clap::Subcommand;
use fnosync_client::proto;
use serde_json::json;

use crate::exit::Failure;
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
    let TokenCommand::Create { role, name } = command;
    let request = proto::CreateApiTokenRequest {
        name: name.clone(),
        role: parse_role(role)? as i32,
    };
    let created = ctx
        .client
        .admin()
        .create_api_token(request)
        .await?
        .into_inner();
    let role = proto::ApiTokenRole::try_from(created.role)
        .map(|r| {
            r.as_str_name()
                .trim_start_matches("API_TOKEN_ROLE_")
                .to_lowercase()
        })
        .unwrap_or_default();
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
