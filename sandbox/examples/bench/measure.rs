//! Measuring: the warm-up, concurrent clients draining each operation's calls,
//! the checks of the answers, and the printed rates, percentiles and peak RSS.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use fnosync_sandbox::fno::seed::{DEFAULT_PASSWORD as FNO_PASSWORD, DEFAULT_USER as FNO_USER};
use tokio::task::JoinSet;

use crate::cli::Cli;
use crate::operations::{
    fno_operations, salesforce_operations, salesforce_token, Auth, Call, Operation,
};
use crate::seed::Targets;

/// Answers containing one of these are counted as errors although HTTP says 200.
const REJECTED: [&str; 2] = ["\"success\":false", ">FAILURE<"];

pub(crate) async fn run_all(cli: &Cli, targets: &Targets) -> anyhow::Result<()> {
    let certificate = reqwest::Certificate::from_pem(targets.ca_pem.as_bytes())?;
    let builder = || reqwest::Client::builder().add_root_certificate(certificate.clone());
    let clients = (0..cli.concurrency)
        .map(|_| builder().build())
        .collect::<Result<Vec<_>, _>>()?;
    warm_up(&clients, targets).await?;
    let token = salesforce_token(&clients[0], &targets.salesforce_url).await?;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let servers = cli
        .server_threads
        .map_or("shared with clients".into(), |n| format!("{n} thread(s)"));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "{profile} build, {cores} cores, {} clients, {} records, sandboxes: {servers}",
        clients.len(),
        targets.records
    );
    println!(
        "{:<40} {:>8} {:>6} {:>8} {:>9} {:>8} {:>8}",
        "operation", "requests", "errors", "wall s", "req/s", "p50 ms", "p99 ms"
    );
    let mut operations = salesforce_operations(cli.requests, targets, &token);
    operations.extend(fno_operations(cli.requests, targets));
    for operation in operations {
        run_operation(&clients, operation).await?;
    }
    Ok(())
}

/// Opens each client's connections (TLS handshakes) before anything is timed.
async fn warm_up(clients: &[reqwest::Client], targets: &Targets) -> anyhow::Result<()> {
    let salesforce = format!("{}/services/data", targets.salesforce_url);
    let fno = format!("{}/flexnet/services", targets.fno_url);
    for client in clients {
        for url in [&salesforce, &fno] {
            client
                .get(url)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
        }
    }
    Ok(())
}

/// Latencies and failures seen by one client.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

async fn run_operation(
    clients: &[reqwest::Client],
    (name, calls): Operation,
) -> anyhow::Result<()> {
    let calls = Arc::new(calls);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for client in clients {
        tasks.spawn(drive(client.clone(), calls.clone(), next.clone()));
    }
    let mut total = Tally::default();
    while let Some(done) = tasks.join_next().await {
        let tally = done.context("a client task failed")?;
        total.latencies.extend(tally.latencies);
        total.errors += tally.errors;
        total.first_error = total.first_error.or(tally.first_error);
    }
    let wall = started.elapsed().as_secs_f64();
    total.latencies.sort_unstable();
    let count = total.latencies.len();
    println!(
        "{:<40} {count:>8} {:>6} {wall:>8.2} {:>9.0} {:>8.2} {:>8.2}",
        name,
        total.errors,
        count as f64 / wall,
        percentile_ms(&total.latencies, 0.50),
        percentile_ms(&total.latencies, 0.99),
    );
    if let Some(error) = total.first_error {
        eprintln!("  first error: {error}");
    }
    Ok(())
}

/// Sends calls taken from the shared queue until it is empty.
async fn drive(client: reqwest::Client, calls: Arc<Vec<Call>>, next: Arc<AtomicUsize>) -> Tally {
    let mut tally = Tally::default();
    while let Some(call) = calls.get(next.fetch_add(1, Ordering::Relaxed)) {
        let started = Instant::now();
        let outcome = send(&client, call).await;
        tally.latencies.push(started.elapsed());
        if let Err(why) = outcome {
            tally.errors += 1;
            tally.first_error.get_or_insert(why);
        }
    }
    tally
}

async fn send(client: &reqwest::Client, call: &Call) -> Result<(), String> {
    let mut request = client.request(call.method.clone(), &call.url);
    request = match &call.auth {
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Basic => request
            .basic_auth(FNO_USER, Some(FNO_PASSWORD))
            .header("SOAPAction", "\"\""),
    };
    if let Some((content_type, body)) = &call.body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, *content_type)
            .body(body.clone());
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    let excerpt = || text.chars().take(300).collect::<String>();
    if !status.is_success() {
        return Err(format!("http {status}: {}", excerpt()));
    }
    if !text.contains(&call.expect) || REJECTED.iter().any(|bad| text.contains(bad)) {
        return Err(format!("unexpected answer: {}", excerpt()));
    }
    Ok(())
}

fn percentile_ms(sorted: &[Duration], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest rank: the smallest latency at or above `share` of the samples.
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1_000.0
}

/// Returns the process's peak resident set size, as Linux reports it in `VmHWM`.
pub(crate) fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}
