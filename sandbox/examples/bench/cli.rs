//! The command line of the benchmark.

use clap::builder::RangedU64ValueParser;
use clap::Parser;

/// Drives the Salesforce and FNO sandboxes with concurrent HTTPS clients.
#[derive(Parser, Debug)]
#[command(name = "bench")]
pub(crate) struct Cli {
    /// Requests per light operation; scans and bulk updates send a fraction.
    #[arg(long, default_value_t = 2_000, value_parser = positive())]
    pub(crate) requests: usize,
    /// Concurrent clients, each with its own keep-alive connection.
    #[arg(long, default_value_t = 8, value_parser = positive())]
    pub(crate) concurrency: usize,
    /// Records seeded: Salesforce accounts and FNO entitlements (plus a tenth as many FNO accounts and users).
    #[arg(long, default_value_t = 2_000, value_parser = positive())]
    pub(crate) records: usize,
    /// Runs the sandboxes on their own runtime and OS thread with this many
    /// threads (1: a current-thread runtime); by default they share the clients' runtime.
    #[arg(long, value_parser = positive())]
    pub(crate) server_threads: Option<usize>,
}

fn positive() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}
