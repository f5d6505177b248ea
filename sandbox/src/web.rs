//! Serves an axum router over HTTPS on a local address and hands back its URL
//! and a shutdown switch. Shared by both sandboxes.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;

use crate::tls::SandboxCa;

/// A server that runs until `shutdown` is called or the value is dropped.
pub struct RunningServer {
    addr: SocketAddr,
    handle: axum_server::Handle,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// Returns the bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the base URL, e.g. `https://127.0.0.1:43123`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.handle.shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// Binds `bind` (port 0 picks a free port) and serves `router` over HTTPS with
/// a certificate signed by `ca`.
pub async fn serve_https(
    router: axum::Router,
    bind: SocketAddr,
    ca: &SandboxCa,
) -> anyhow::Result<RunningServer> {
    let listener =
        std::net::TcpListener::bind(bind).with_context(|| format!("failed to bind {bind}"))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let tls = RustlsConfig::from_config(Arc::new(ca.server_config(&[])?));
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(listener, tls).handle(handle.clone());
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(error) = server.serve(service).await {
            tracing::error!(%error, "sandbox server stopped");
        }
    });
    Ok(RunningServer {
        addr,
        handle,
        task: Some(task),
    })
}
