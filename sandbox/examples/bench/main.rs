//! Throughput benchmark of the two sandboxes: starts both in-process on
//! loopback, seeds them through their Rust APIs, drives a handful of
//! representative operations from concurrent keep-alive HTTPS clients and
//! prints requests/s and latency percentiles per operation, then the
//! process's peak RSS. Bounded in count; it ends by itself.
//!
//! `cargo run --release -p fnosync-sandbox --example bench -- --help`

mod cli;
mod measure;
mod operations;
mod seed;

use std::future::Future;

use anyhow::Context;
use clap::Parser;
use tokio::sync::oneshot;

use crate::cli::Cli;
use crate::measure::{peak_rss, run_all};
use crate::seed::host_sandboxes;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let clients = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to build the clients' runtime")?;
    let (ready_tx, ready_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    let hosting = host_sandboxes(cli.records, ready_tx, stop_rx);
    let (server_thread, shared_task) = match cli.server_threads {
        Some(threads) => (Some(spawn_server_thread(threads, hosting)?), None),
        None => (None, Some(clients.spawn(hosting))),
    };
    let outcome = clients.block_on(async {
        let targets = ready_rx.await.context("the sandboxes did not start")??;
        run_all(&cli, &targets).await
    });
    let _ = stop_tx.send(());
    if let Some(task) = shared_task {
        clients
            .block_on(task)
            .context("the sandboxes' task failed")?;
    }
    if let Some(thread) = server_thread {
        let _ = thread.join();
    }
    outcome?;
    println!(
        "peak RSS (VmHWM): {}",
        peak_rss().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

fn spawn_server_thread(
    threads: usize,
    hosting: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut multi = tokio::runtime::Builder::new_multi_thread();
        multi.worker_threads(threads);
        multi
    };
    let runtime = builder
        .enable_all()
        .build()
        .context("failed to build the sandboxes' runtime")?;
    std::thread::Builder::new()
        .name("sandboxes".into())
        .spawn(move || runtime.block_on(hosting))
        .context("failed to start the sandboxes' thread")
}
