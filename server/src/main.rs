//! `fnosync`: the service and its maintenance commands.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use fnosync_server::app::App;
use fnosync_server::auth::Role;
use fnosync_server::config::{DatabaseSettings, LogSettings, Settings};
use fnosync_server::license::{LicenseClaims, LicenseIssuer};
use fnosync_server::store::{self, tokens};
use fnosync_server::{crypto, telemetry, MIGRATOR};
use tokio_util::sync::CancellationToken;

/// Keeps Salesforce and FlexNet Operations in step.
#[derive(Parser)]
#[command(name = "fnosync", version)]
struct Cli {
    #[command(flatten)]
    log: LogSettings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the gRPC service (applies pending migrations first).
    // Boxed: the settings are much larger than the other commands.
    Serve(Box<Settings>),
    /// Applies pending database migrations and exits.
    Migrate(DatabaseSettings),
    /// Manages API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Makes and signs licence keys (for development, tests and the demo).
    #[command(subcommand)]
    License(LicenseCommand),
    /// Manages the master key that encrypts stored secrets.
    #[command(subcommand, name = "master-key")]
    MasterKey(MasterKeyCommand),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates a token and prints it once; only its hash is stored.
    Create {
        /// Role of the token: admin, operator or viewer.
        #[arg(long)]
        role: Role,
        /// Unique name, e.g. the team or system that uses it.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand)]
enum LicenseCommand {
    /// Generates a signing key pair: writes the private key to a file, prints the public key.
    Keygen {
        /// File to write the private key to (base64, mode 0600).
        #[arg(long)]
        private_key_out: PathBuf,
    },
    /// Signs a licence key with a private key from a file and prints it.
    Issue {
        /// File with the private key from `fnosync license keygen`.
        #[arg(long)]
        private_key: PathBuf,
        /// Who holds the licence.
        #[arg(long)]
        licensee: String,
        /// Last valid day, YYYY-MM-DD.
        #[arg(long)]
        expires: NaiveDate,
        /// Licence identifier; a random one when not given.
        #[arg(long)]
        license_id: Option<String>,
    },
}

#[derive(Subcommand)]
enum MasterKeyCommand {
    /// Prints a new random master key (base64) for FNOSYNC_MASTER_KEY.
    Generate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log.log_format);
    match cli.command {
        Command::Serve(settings) => serve(*settings).await,
        Command::Migrate(database) => {
            let pool = store::connect(&database).await?;
            MIGRATOR
                .run(&pool)
                .await
                .context("failed to apply migrations")?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            role,
            name,
            database,
        }) => {
            let pool = store::connect(&database).await?;
            MIGRATOR
                .run(&pool)
                .await
                .context("failed to apply migrations")?;
            let token = tokens::generate_token();
            tokens::insert_token(&pool, &name, role, &token).await?;
            println!("{token}");
            Ok(())
        }
        Command::License(command) => license(command),
        Command::MasterKey(MasterKeyCommand::Generate) => {
            println!("{}", crypto::generate_key());
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested");
        trigger.cancel();
    });
    app.run_until(shutdown).await
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler cannot fail on unix");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn license(command: LicenseCommand) -> anyhow::Result<()> {
    match command {
        LicenseCommand::Keygen { private_key_out } => {
            let issuer = LicenseIssuer::generate();
            write_private(&private_key_out, &issuer.private_key())?;
            println!("{}", issuer.public_key());
        }
        LicenseCommand::Issue {
            private_key,
            licensee,
            expires,
            license_id,
        } => {
            let text = std::fs::read_to_string(&private_key)
                .with_context(|| format!("failed to read {}", private_key.display()))?;
            let issuer = LicenseIssuer::from_private_key(&text).map_err(anyhow::Error::msg)?;
            let claims = LicenseClaims {
                license_id: license_id
                    .unwrap_or_else(|| format!("LIC-{}", uuid::Uuid::new_v4().simple())),
                licensee,
                expiry_date: expires,
            };
            println!("{}", issuer.issue(&claims));
        }
    }
    Ok(())
}

fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    writeln!(file, "{contents}")?;
    Ok(())
}
