//! `fnosyncctl`: the operators' command line over the fnosync API. This file
//! owns the global flags, the connection and the dispatch to one module per
//! command group; the modules call the RPCs and print, and nothing else.

mod connection;
mod events;
mod exit;
mod filters;
mod license;
mod logs;
mod mappings;
mod output;
mod overview;
mod plan;
mod products;
mod progress;
mod schedule;
mod secrets;
mod sites;
mod sync;
mod token;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fnosync_client::FnosyncClient;

use exit::Failure;
use output::{Output, Printer};

/// Talks to a fnosync server: syncs, logs, schedule, mappings, filters,
/// products, remote sites, connections and the licence.
#[derive(Parser)]
#[command(name = "fnosyncctl", version, after_help = exit::EXIT_CODES_HELP)]
struct Cli {
    /// Server URL: http://… plaintext, https://… TLS.
    #[arg(long, env = "FNOSYNC_SERVER", default_value = "http://127.0.0.1:50051")]
    server: String,
    /// API token (`fnosync token create` prints one on the server host).
    #[arg(long, env = "FNOSYNC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Output format: table for people, json for scripts (one object per line).
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
    /// PEM file of a CA to trust besides the system's roots (https only).
    #[arg(long, env = "FNOSYNC_CA_CERT", value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// PEM file of the client certificate for mutual TLS.
    #[arg(
        long,
        env = "FNOSYNC_CLIENT_CERT",
        value_name = "FILE",
        requires = "client_key"
    )]
    client_cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key for mutual TLS.
    #[arg(
        long,
        env = "FNOSYNC_CLIENT_KEY",
        value_name = "FILE",
        requires = "client_cert"
    )]
    client_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Transaction logs.
    #[command(subcommand)]
    Logs(logs::LogsCommand),
    /// Sync runs: start, follow, list, cancel.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// The scheduled sync FNOSyncBatch.
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
    /// Event-driven sync: Salesforce change events start syncs within seconds.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Field mappings per Salesforce object.
    #[command(subcommand)]
    Mappings(mappings::MappingsCommand),
    /// FNO custom attributes and the Salesforce fields that feed them.
    #[command(subcommand)]
    Attributes(mappings::AttributesCommand),
    /// The sync filters: opportunity stages and entitlement state.
    #[command(subcommand)]
    Filters(filters::FiltersCommand),
    /// Products and whether their line items can sync.
    #[command(subcommand)]
    Products(products::ProductsCommand),
    /// Remote sites: the URL prefixes outbound calls may reach.
    #[command(subcommand)]
    Sites(sites::SitesCommand),
    /// The FNO and Salesforce connections (secrets are prompted for, never arguments).
    #[command(subcommand)]
    Connection(connection::ConnectionCommand),
    /// The connector's licence.
    #[command(subcommand)]
    License(license::LicenseCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Licence, connections, schedule, last run and recent counts.
    Overview,
}

/// The connection and the printer every command works with.
pub struct Context {
    /// The connected client.
    pub client: FnosyncClient,
    /// Prints results in the chosen format.
    pub printer: Printer,
}

fn read_pem(flag: &str, path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::usage(format!("{flag} {}: {e}", path.display())))
}

async fn connect(cli: &Cli) -> Result<FnosyncClient, Failure> {
    let token = cli
        .token
        .clone()
        .ok_or_else(|| Failure::usage("no token: set FNOSYNC_TOKEN or pass --token"))?;
    let mut builder = FnosyncClient::builder(cli.server.clone(), token);
    if let Some(path) = &cli.ca_cert {
        builder = builder.ca_pem(read_pem("--ca-cert", path)?);
    }
    if let (Some(cert), Some(key)) = (&cli.client_cert, &cli.client_key) {
        builder = builder.identity(
            read_pem("--client-cert", cert)?,
            read_pem("--client-key", key)?,
        );
    }
    Ok(builder.connect().await?)
}

async fn run(cli: &Cli) -> Result<u8, Failure> {
    let ctx = Context {
        client: connect(cli).await?,
        printer: Printer::for_stdout(cli.output),
    };
    match &cli.command {
        Command::Logs(command) => logs::run(&ctx, command).await,
        Command::Sync(command) => sync::run(&ctx, command).await,
        Command::Schedule(command) => schedule::run(&ctx, command).await,
        Command::Events(command) => events::run(&ctx, command).await,
        Command::Mappings(command) => mappings::run_mappings(&ctx, command).await,
        Command::Attributes(command) => mappings::run_attributes(&ctx, command).await,
        Command::Filters(command) => filters::run(&ctx, command).await,
        Command::Products(command) => products::run(&ctx, command).await,
        Command::Sites(command) => sites::run(&ctx, command).await,
        Command::Connection(command) => connection::run(&ctx, command).await,
        Command::License(command) => license::run(&ctx, command).await,
        Command::Overview => overview::run(&ctx).await,
        Command::Token(command) => token::run(&ctx, command).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with 0; usage errors get their own code.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { exit::USAGE } else { 0 });
        }
    };
    match run(&cli).await {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
