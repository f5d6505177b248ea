//! `license show|submit|refresh`: the connector's licence. A key is read
//! from a file or stdin, and is never printed.

use std::path::PathBuf;

use clap::Subcommand;
use fnosync_client::proto;
use serde_json::{json, Value};

use crate::exit::Failure;
use crate::output::{short_name, time_json, Tone};
use crate::secrets::SecretReader;
use crate::Context;

#[derive(Subcommand)]
pub enum LicenseCommand {
    /// Shows the licensee, expiry date and whether renewal is due.
    Show,
    /// Submits a licence key, read from FILE or, without one (or with -), from stdin.
    Submit {
        /// File holding the key.
        file: Option<PathBuf>,
    },
    /// Verifies the stored licence again.
    Refresh,
}

pub async fn run(ctx: &Context, command: &LicenseCommand) -> Result<u8, Failure> {
    let mut admin = ctx.client.admin();
    let license = match command {
        LicenseCommand::Show => {
            let response = admin
                .get_license_info(proto::GetLicenseInfoRequest {})
                .await?;
            response.into_inner().license
        }
        LicenseCommand::Submit { file } => {
            let key = match file.as_deref() {
                Some(path) if path.as_os_str() != "-" => std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?,
                _ => SecretReader::new(true).rest_of_stdin("licence key")?,
            };
            let request = proto::SubmitLicenseKeyRequest {
                license_key: key.trim().to_string(),
            };
            admin
                .submit_license_key(request)
                .await?
                .into_inner()
                .license
        }
        LicenseCommand::Refresh => {
            let request = proto::RefreshLicenseInfoRequest {};
            admin
                .refresh_license_info(request)
                .await?
                .into_inner()
                .license
        }
    };
    let license = license.unwrap_or_default();
    if ctx.printer.is_json() {
        ctx.printer.json(license_json(&license));
        return Ok(0);
    }
    println!("state     {}", state_painted(ctx, &license));
    println!("licensee  {}", license.licensee);
    println!("licence   {}", license.license_id);
    println!("expires   {}", expiry_text(&license));
    if !license.message.is_empty() {
        println!("message   {}", license.message);
    }
    Ok(0)
}

fn state_painted(ctx: &Context, license: &proto::LicenseInfo) -> String {
    let state = proto::LicenseState::try_from(license.state);
    let tone = match state {
        Ok(proto::LicenseState::Valid) if license.renewal_due => Tone::Warn,
        Ok(proto::LicenseState::Valid) => Tone::Good,
        Ok(proto::LicenseState::Expired | proto::LicenseState::Invalid) => Tone::Bad,
        _ => Tone::Warn,
    };
    let name = state
        .map(|s| short_name(s.as_str_name(), "LICENSE_STATE_"))
        .unwrap_or_default();
    ctx.printer.paint(tone, &name)
}

fn expiry_text(license: &proto::LicenseInfo) -> String {
    if license.expiry_date.is_empty() {
        return "-".to_string();
    }
    let renewal = if license.renewal_due {
        ", renewal due"
    } else {
        ""
    };
    format!(
        "{} ({} days left{renewal})",
        license.expiry_date, license.days_left
    )
}

/// Returns the licence as JSON.
pub fn license_json(license: &proto::LicenseInfo) -> Value {
    let state = proto::LicenseState::try_from(license.state)
        .map(|s| short_name(s.as_str_name(), "LICENSE_STATE_"))
        .unwrap_or_default();
    json!({
        "state": state, "license_id": license.license_id, "licensee": license.licensee,
        "expiry_date": license.expiry_date, "days_left": license.days_left,
        "renewal_due": license.renewal_due, "message": license.message,
        "refresh_time": time_json(license.refresh_time.as_ref()),
    })
}

/// Returns a one-line summary: state, licensee and expiry.
pub fn summary(ctx: &Context, license: &proto::LicenseInfo) -> String {
    format!(
        "{}  {}  {}",
        state_painted(ctx, license),
        license.licensee,
        expiry_text(license)
    )
}
