//! The Fno sandbox (to be filled in).

use std::net::SocketAddr;
use std::sync::Arc;

use crate::tls::SandboxCa;
use crate::web::{serve_https, RunningServer};

/// Start-up options of the Fno sandbox.
#[derive(clap::Args, Clone, Debug)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long = "fno-listen", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// A running Fno sandbox.
pub struct FnoSandbox {
    server: RunningServer,
}

impl FnoSandbox {
    /// Starts the sandbox over HTTPS with a certificate signed by `ca`.
    pub async fn start(options: Options, ca: Arc<SandboxCa>) -> anyhow::Result<Self> {
        let router = axum::Router::new();
        let server = serve_https(router, options.listen, &ca).await?;
        Ok(Self { server })
    }

    /// Returns the base URL, e.g. `https://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Stops the sandbox.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
