//! Runs `fnosync serve` as a child process with the demo's keys, and waits
//! until it serves.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::Context;
use fnosync_server::license::{LicenseClaims, LicenseIssuer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// The keys of one demo run.
pub struct DemoKeys {
    /// `FNOSYNC_MASTER_KEY`.
    pub master_key: String,
    /// `FNOSYNC_LICENSE_PUBLIC_KEY`.
    pub license_public_key: String,
    /// A licence key for a year.
    pub license_key: String,
    /// The bootstrap admin token.
    pub admin_token: String,
}

impl DemoKeys {
    /// Generates fresh keys, a licence and an admin token.
    pub fn generate() -> Self {
        let issuer = LicenseIssuer::generate();
        let license_key = issuer.issue(&LicenseClaims {
            license_id: "LIC-DEMO".into(),
            licensee: "Demo Corp".into(),
            expiry_date: chrono::Utc::now().date_naive() + chrono::Duration::days(365),
        });
        Self {
            master_key: fnosync_server::crypto::generate_key(),
            license_public_key: issuer.public_key(),
            license_key,
            admin_token: fnosync_server::store::tokens::generate_token(),
        }
    }
}

/// The running service.
pub struct Service {
    child: Child,
    /// Where its log goes.
    pub log_path: PathBuf,
}

impl Service {
    /// Waits for the process to exit.
    pub async fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.child.wait().await
    }

    /// Kills the process at once (SIGKILL), as a crash would, and waits for it.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Asks the service to stop (SIGTERM) and waits for it.
    pub async fn stop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        let _ = self.child.wait().await;
    }
}

/// Where and how to start `fnosync serve`.
pub struct Launch<'a> {
    /// The `fnosync` binary.
    pub binary: &'a Path,
    /// Its database.
    pub database_url: &'a str,
    /// Its gRPC address.
    pub listen: &'a SocketAddr,
    /// The sandboxes' CA certificate, which it must trust.
    pub ca_path: &'a Path,
    /// Folder for its log.
    pub state_dir: &'a Path,
    /// More settings, as environment variables.
    pub env: &'a [(&'a str, String)],
}

/// Starts `fnosync serve` and returns once it logs that it serves.
pub async fn start(launch: &Launch<'_>, keys: &DemoKeys) -> anyhow::Result<Service> {
    let Launch {
        binary,
        database_url,
        listen,
        ca_path,
        state_dir,
        env,
    } = launch;
    let log_path = state_dir.join("server.log");
    let mut child = Command::new(binary)
        .args(["serve", "--listen", &listen.to_string()])
        .env("FNOSYNC_DATABASE_URL", database_url)
        .env("FNOSYNC_MASTER_KEY", &keys.master_key)
        .env("FNOSYNC_LICENSE_PUBLIC_KEY", &keys.license_public_key)
        .env("FNOSYNC_BOOTSTRAP_ADMIN_TOKEN", &keys.admin_token)
        .env("FNOSYNC_EXTRA_CA_CERTS", ca_path)
        .envs(env.iter().map(|(key, value)| (*key, value)))
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let mut lines = BufReader::new(child.stderr.take().context("no stderr")?).lines();
    let mut log = tokio::fs::File::create(&log_path).await?;
    loop {
        let Some(line) = lines.next_line().await? else {
            anyhow::bail!("fnosync exited before serving; see {}", log_path.display());
        };
        log.write_all(format!("{line}\n").as_bytes()).await?;
        if line.contains("fnosync is serving") {
            break;
        }
    }
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = log.write_all(format!("{line}\n").as_bytes()).await;
        }
    });
    Ok(Service { child, log_path })
}

impl Service {
    /// The process ID, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}
