//! `fnosync-sandbox`: runs the Salesforce and FNO sandboxes on their own,
//! for the demo and for trying fnosync by hand.

use std::path::PathBuf;

use clap::Parser;
use fnosync_sandbox::{fno, salesforce, tls::SandboxCa};

/// Runs local stand-ins for Salesforce (REST) and FlexNet Operations (SOAP).
#[derive(Parser, Debug)]
#[command(name = "fnosync-sandbox", version)]
struct Cli {
    /// File to write the sandboxes' CA certificate to (PEM), for clients to trust.
    #[arg(long, env = "FNOSYNC_SANDBOX_CA_OUT", default_value = "sandbox-ca.pem")]
    ca_out: PathBuf,
    #[command(flatten)]
    salesforce: salesforce::Options,
    #[command(flatten)]
    fno: fno::Options,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let ca = SandboxCa::generate()?;
    ca.write_ca_pem(&cli.ca_out)?;
    let salesforce = salesforce::SalesforceSandbox::start(cli.salesforce, ca.clone()).await?;
    let fno = fno::FnoSandbox::start(cli.fno, ca.clone()).await?;
    println!("salesforce sandbox: {}", salesforce.url());
    println!("salesforce pub/sub: {}", salesforce.pubsub_url());
    println!("fno sandbox:        {}", fno.url());
    println!("ca certificate:     {}", cli.ca_out.display());
    tokio::signal::ctrl_c().await?;
    salesforce.shutdown().await;
    fno.shutdown().await;
    Ok(())
}
