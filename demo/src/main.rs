//! `fnosync-demo`: the product guide's example flow on one machine. It starts
//! both sandboxes seeded with the guide's data, starts `fnosync serve`,
//! configures it through its own gRPC API (remote sites, connections,
//! licence, filters), runs the one-time sync of SF-DemoAccount and prints
//! what happened on both sides. With `--once` it then stops; otherwise it
//! keeps everything running and prints how to connect.

mod report;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::SalesforceSandbox;
use fnosync_sandbox::tls::SandboxCa;

/// Runs the guide's example flow against local sandboxes.
#[derive(Parser, Debug)]
#[command(name = "fnosync-demo", version)]
struct Cli {
    /// The `fnosync` binary to run.
    #[arg(long)]
    fnosync_bin: PathBuf,
    /// PostgreSQL URL of the demo database.
    #[arg(long, env = "FNOSYNC_DATABASE_URL")]
    database_url: String,
    /// Folder for the demo's keys, CA certificate and server log.
    #[arg(long, default_value = ".fnosync")]
    state_dir: PathBuf,
    /// Address of the gRPC server.
    #[arg(long, default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    /// Stop after the sync instead of serving until Ctrl-C.
    #[arg(long)]
    once: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.state_dir)?;
    let ca = SandboxCa::generate()?;
    let ca_path = cli.state_dir.join("sandbox-ca.pem");
    ca.write_ca_pem(&ca_path)?;
    let salesforce = SalesforceSandbox::start(Default::default(), Arc::clone(&ca)).await?;
    let fno = FnoSandbox::start(Default::default(), ca).await?;
    println!("Salesforce sandbox  {}", salesforce.url());
    println!("FNO sandbox         {}", fno.url());

    let keys = server::DemoKeys::generate();
    let mut service = server::start(
        &cli.fnosync_bin,
        &cli.database_url,
        &cli.listen,
        &ca_path,
        &keys,
        &cli.state_dir,
    )
    .await?;
    let url = format!("http://{}", cli.listen);
    println!(
        "fnosync             {url} (log: {})",
        service.log_path.display()
    );
    let client = FnosyncClient::connect(&url, &keys.admin_token)
        .await
        .context("cannot reach fnosync")?;

    configure(&client, &salesforce, &fno, &keys).await?;
    let account = salesforce.find("Account", "Name", &serde_json::json!("SF-DemoAccount"));
    let account_id = account
        .first()
        .and_then(|a| a["Id"].as_str())
        .context("the Salesforce sandbox has no SF-DemoAccount")?
        .to_string();
    println!("\n==> One-time sync of SF-DemoAccount ({account_id})");
    let run = report::sync_and_watch(&client, &account_id).await?;
    report::print_outcome(&client, &run, &salesforce, &fno, &account_id).await?;

    let succeeded = run.state == proto::SyncRunState::Completed as i32;
    if cli.once {
        service.stop().await;
        anyhow::ensure!(
            succeeded,
            "the sync did not complete; see the transaction logs above"
        );
        return Ok(());
    }
    report::print_how_to_connect(&cli.listen, &keys.admin_token, &account_id);
    tokio::select! {
        _ = tokio::signal::ctrl_c() => println!("\nstopping"),
        status = service.wait() => println!("fnosync exited: {status:?}"),
    }
    service.stop().await;
    salesforce.shutdown().await;
    fno.shutdown().await;
    Ok(())
}

/// Configures fnosync the way an administrator does, through its API.
async fn configure(
    client: &FnosyncClient,
    salesforce: &SalesforceSandbox,
    fno: &FnoSandbox,
    keys: &server::DemoKeys,
) -> anyhow::Result<()> {
    use fnosync_sandbox::salesforce::auth;
    println!("\n==> Configuring fnosync through its gRPC API");
    for (name, url) in [
        ("Salesforce_Sandbox", salesforce.url()),
        ("FNO_Sandbox", fno.url()),
    ] {
        client
            .admin()
            .create_remote_site(proto::CreateRemoteSiteRequest {
                name: name.into(),
                url: url.clone(),
                description: "local sandbox".into(),
                ..Default::default()
            })
            .await
            .with_context(|| format!("CreateRemoteSite {name}"))?;
        println!("remote site         {name} = {url}");
    }
    let status = client
        .admin()
        .set_fno_connection(proto::SetFnoConnectionRequest {
            tenant_url: fno.url(),
            user_name: fnosync_sandbox::fno::seed::DEFAULT_USER.into(),
            password: fnosync_sandbox::fno::seed::DEFAULT_PASSWORD.into(),
        })
        .await
        .context("SetFnoConnection")?
        .into_inner();
    println!(
        "FNO connection      {}",
        status.status.map(|s| s.message).unwrap_or_default()
    );
    let status = client
        .admin()
        .set_salesforce_connection(proto::SetSalesforceConnectionRequest {
            login_url: salesforce.url(),
            flow: proto::SalesforceAuthFlow::UsernamePassword as i32,
            client_id: auth::DEFAULT_CLIENT_ID.into(),
            client_secret: auth::DEFAULT_CLIENT_SECRET.into(),
            user_name: auth::DEFAULT_USERNAME.into(),
            password: format!("{}{}", auth::DEFAULT_PASSWORD, auth::DEFAULT_SECURITY_TOKEN),
            ..Default::default()
        })
        .await
        .context("SetSalesforceConnection")?
        .into_inner();
    println!(
        "Salesforce conn.    {}",
        status.status.map(|s| s.message).unwrap_or_default()
    );
    let license = client
        .admin()
        .submit_license_key(proto::SubmitLicenseKeyRequest {
            license_key: keys.license_key.clone(),
        })
        .await
        .context("SubmitLicenseKey")?
        .into_inner()
        .license
        .unwrap_or_default();
    println!(
        "licence             {} until {} ({} days left)",
        license.licensee, license.expiry_date, license.days_left
    );
    let filters = client
        .filters()
        .update_filters(proto::UpdateFiltersRequest {
            filters: Some(proto::Filters {
                pre_condition_stages: vec!["Closed Won".into()],
                post_condition_state: proto::EntitlementState::Draft as i32,
            }),
        })
        .await
        .context("UpdateFilters")?
        .into_inner()
        .filters
        .unwrap_or_default();
    println!(
        "filters             stages {:?}, post-condition Draft",
        filters.pre_condition_stages
    );
    Ok(())
}
