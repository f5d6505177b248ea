//! `sites list|add|remove`: the remote sites, the URL prefixes that outbound
//! calls may reach.

use clap::Subcommand;
use fnosync_client::proto;
use serde_json::json;

use crate::exit::Failure;
use crate::output::{time_json, Tone};
use crate::Context;

#[derive(Subcommand)]
pub enum SitesCommand {
    /// Lists every remote site, ordered by name.
    List,
    /// Registers a remote site.
    Add {
        /// Unique name: letters, digits and underscores, starting with a letter.
        name: String,
        /// The https URL that calls may start with.
        url: String,
        /// Free text for administrators.
        #[arg(long, default_value = "")]
        description: String,
        /// Register it inactive: it admits no calls until activated.
        #[arg(long)]
        inactive: bool,
    },
    /// Deletes a remote site; calls to its URL are refused from then on.
    Remove {
        /// The site's name.
        name: String,
    },
}

pub async fn run(ctx: &Context, command: &SitesCommand) -> Result<u8, Failure> {
    let mut admin = ctx.client.admin();
    match command {
        SitesCommand::List => {
            let listed = admin
                .list_remote_sites(proto::ListRemoteSitesRequest {})
                .await?;
            for site in &listed.into_inner().remote_sites {
                print_site(ctx, site);
            }
        }
        SitesCommand::Add {
            name,
            url,
            description,
            inactive,
        } => {
            let request = proto::CreateRemoteSiteRequest {
                name: name.clone(),
                url: url.clone(),
                description: description.clone(),
                active: Some(!*inactive),
                request_id: String::new(),
            };
            let created = admin.create_remote_site(request).await?.into_inner();
            print_site(ctx, &created.remote_site.unwrap_or_default());
        }
        SitesCommand::Remove { name } => {
            let request = proto::DeleteRemoteSiteRequest { name: name.clone() };
            admin.delete_remote_site(request).await?;
            if ctx.printer.is_json() {
                ctx.printer.json(json!({ "deleted": name }));
            } else {
                println!("deleted remote site {name}");
            }
        }
    }
    Ok(0)
}

fn print_site(ctx: &Context, site: &proto::RemoteSite) {
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "name": site.name, "url": site.url, "description": site.description, "active": site.active,
            "create_time": time_json(site.create_time.as_ref()),
            "update_time": time_json(site.update_time.as_ref()),
        }));
        return;
    }
    let (tone, active) = if site.active {
        (Tone::Good, "active")
    } else {
        (Tone::Muted, "inactive")
    };
    println!(
        "{:<24}  {:<48}  {}  {}",
        site.name,
        site.url,
        ctx.printer.paint_padded(tone, active, 8),
        site.description
    );
}
