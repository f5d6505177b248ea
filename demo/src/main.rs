//! `fnosync-demo`: the product guide's example flow on one machine. It starts
//! both sandboxes seeded with the guide's data, starts `fnosync serve`,
//! configures it through its own gRPC API (remote sites, connections,
//! licence, filters), runs the one-time sync of SF-DemoAccount and prints
//! what happened on both sides. With `--once` it then stops; otherwise it
//! keeps everything running and prints how to connect.

mod report;

use fnosync_demo::{server, setup};

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
    let launch = server::Launch {
        binary: &cli.fnosync_bin,
        database_url: &cli.database_url,
        listen: &cli.listen,
        ca_path: &ca_path,
        state_dir: &cli.state_dir,
        env: &[],
    };
    let mut service = server::start(&launch, &keys).await?;
    let url = format!("http://{}", cli.listen);
    println!(
        "fnosync             {url} (log: {})",
        service.log_path.display()
    );
    let client = FnosyncClient::connect(&url, &keys.admin_token)
        .await
        .context("cannot reach fnosync")?;

    setup::configure(&client, &salesforce, &fno, &keys.license_key).await?;
    let account = salesforce.find("Account", "Name", &serde_json::json!("SF-DemoAccount"));
    let account_id = account
        .first()
        .and_then(|a| a["Id"].as_str())
        .context("the Salesforce sandbox has no SF-DemoAccount")?
        .to_string();
    println!("\n==> One-time sync of SF-DemoAccount ({account_id})");
    salesforce.reset_counts();
    fno.reset_counts();
    let run = report::sync_and_watch(&client, &account_id).await?;
    report::print_calls(&salesforce.call_counts(), &fno.counts());
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
