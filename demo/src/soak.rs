//! `fnosync-soak`: a scheduled sync of N accounts (by default 1,000 × 3
//! opportunities × 3 lines) by two `fnosync serve` replicas while both
//! sandboxes inject faults — on a share of calls (20 % by default) HTTP 500,
//! HTTP 503, a dropped connection or a call stalled past fnosync's timeout,
//! plus `UNABLE_TO_LOCK_ROW` on Salesforce writes and expired Salesforce
//! sessions — and the replica carrying the run is killed (SIGKILL) and
//! started again, twice, during the run. Afterwards, with the faults off, a
//! scheduled run catches up what the faulted one could not finish. It then
//! checks FNO and Salesforce: every order in FNO exactly once with its lines
//! and quantities, every entitlement ID and activation ID written back. It
//! prints the faults by kind, the calls made, the orders synced, duplicates,
//! missing and the wall time, and fails when anything is duplicated or
//! missing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use fnosync_client::FnosyncClient;
use fnosync_demo::server::{self, DemoKeys, Launch, Service};
use fnosync_demo::setup;
use fnosync_demo::workload::{
    create_schedule, fire_schedule, scheduled_run, seed, state_name, watch_to_end, Shape,
};
use fnosync_sandbox::faults::FaultSettings;
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::fields as sf;
use fnosync_sandbox::salesforce::SalesforceSandbox;
use fnosync_sandbox::tls::SandboxCa;

/// Runs a scheduled sync under faults and replica crashes, then checks both sides.
#[derive(Parser, Debug)]
#[command(name = "fnosync-soak", version)]
struct Cli {
    /// The `fnosync` binary to run (build it with `--release`).
    #[arg(long)]
    fnosync_bin: PathBuf,
    /// PostgreSQL URL of an empty database for the soak.
    #[arg(long, env = "FNOSYNC_DATABASE_URL")]
    database_url: String,
    /// Folder for the replicas' logs and the sandboxes' CA certificate.
    #[arg(long, default_value = ".fnosync/soak")]
    state_dir: PathBuf,
    /// Addresses of the two replicas.
    #[arg(long, default_values_t = [SocketAddr::from(([127, 0, 0, 1], 50071)), SocketAddr::from(([127, 0, 0, 1], 50072))], num_args = 2)]
    listen: Vec<SocketAddr>,
    /// The seeded workload.
    #[command(flatten)]
    shape: Shape,
    /// Share of the sandboxes' calls that get a fault (0.0 to 1.0).
    #[arg(long, default_value_t = 0.2)]
    fault_rate: f64,
    /// Times the replica carrying the run is killed and started again.
    #[arg(long, default_value_t = 2)]
    kills: usize,
    /// Latency each sandbox adds to every call, in milliseconds.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
}

/// Records a scheduled run processes per account: the account, its contact,
/// and each order with its lines.
fn records_per_account(shape: Shape) -> i64 {
    (2 + shape.opportunities * (1 + shape.lines)) as i64
}

/// The sandbox settings while faults are on: fnosync's HTTP timeout is 3 s,
/// a stalled call waits 4 s.
fn faulty(cli: &Cli) -> FaultSettings {
    FaultSettings {
        latency_ms: cli.latency_ms,
        chaos_rate: cli.fault_rate,
        stall_ms: 4_000,
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let shape = cli.shape;
    std::fs::create_dir_all(&cli.state_dir)?;
    let ca = SandboxCa::generate()?;
    let ca_path = cli.state_dir.join("sandbox-ca.pem");
    ca.write_ca_pem(&ca_path)?;
    let salesforce = Arc::new(SalesforceSandbox::start(Default::default(), Arc::clone(&ca)).await?);
    let fno = FnoSandbox::start(Default::default(), ca).await?;
    salesforce.set_api_limit(100_000_000, 0);
    seed(&salesforce, shape)?;
    println!(
        "seeded {} accounts x {} opportunities x {} lines ({} orders)",
        shape.accounts,
        shape.opportunities,
        shape.lines,
        shape.orders()
    );

    let keys = DemoKeys::generate();
    let env = [
        ("FNOSYNC_WORKERS", "2".to_string()),
        ("FNOSYNC_SCHEDULER_TICK_MS", "100".to_string()),
        ("FNOSYNC_RUN_LEASE_SECS", "5".to_string()),
        ("FNOSYNC_HTTP_TIMEOUT_SECS", "3".to_string()),
    ];
    // A folder per start of a replica, so a killed replica's log stays.
    let dirs: Vec<PathBuf> = (0..2 + cli.kills)
        .map(|start| cli.state_dir.join(format!("start-{}", start + 1)))
        .collect();
    for dir in &dirs {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir)?;
    }
    let launch = |index: usize, start: usize| Launch {
        binary: &cli.fnosync_bin,
        database_url: &cli.database_url,
        listen: &cli.listen[index],
        ca_path: &ca_path,
        state_dir: &dirs[start],
        env: &env,
    };
    let mut replicas: Vec<Service> = Vec::new();
    for index in 0..2 {
        replicas.push(server::start(&launch(index, index), &keys).await?);
    }
    let client = FnosyncClient::connect(format!("http://{}", cli.listen[0]), &keys.admin_token)
        .await
        .context("cannot reach fnosync")?;
    setup::configure(&client, &salesforce, &fno, &keys.license_key).await?;
    create_schedule(&client).await?;
    let pool = sqlx::PgPool::connect(&cli.database_url).await?;

    // Faults on; the Salesforce-only ones from a driver beside the run.
    salesforce.reset_counts();
    fno.reset_counts();
    salesforce.set_faults(faulty(&cli));
    fno.faults().set(faulty(&cli));
    let expired = Arc::new(AtomicU64::new(0));
    let driver = {
        let (salesforce, expired) = (salesforce.clone(), expired.clone());
        tokio::spawn(async move {
            let mut tick = 0u64;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                salesforce.fail_next_writes_with_lock_row(1);
                tick += 1;
                if tick.is_multiple_of(10) {
                    salesforce.expire_sessions();
                    expired.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };

    let started = Instant::now();
    fire_schedule(&pool).await?;
    let run = scheduled_run(&client, 1).await?;
    let total = records_per_account(shape) * shape.accounts as i64;
    let mut kills = Vec::new();
    let faulted = loop {
        let (state, done, worker): (String, i64, Option<String>) = sqlx::query_as(
            "SELECT state, records_done, worker_id FROM sync_runs WHERE run_id = $1",
        )
        .bind(&run.run_id)
        .fetch_one(&pool)
        .await?;
        if !matches!(state.as_str(), "queued" | "running" | "paused") {
            break state;
        }
        let due = kills.len() < cli.kills
            && done >= total * (kills.len() as i64 + 1) / (cli.kills as i64 + 1);
        if let (true, Some(worker)) = (due, worker) {
            if let Some(index) = replica_of(&replicas, &worker) {
                replicas[index].kill().await;
                kills.push(format!(
                    "replica {} at {done} of {total} records",
                    index + 1
                ));
                let start = 1 + kills.len();
                replicas[index] = server::start(&launch(index, start), &keys).await?;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let faulted_wall = started.elapsed();
    driver.abort();
    let mut faults: Vec<(String, u64)> = salesforce
        .faults()
        .injected()
        .into_iter()
        .map(|(kind, n)| (format!("Salesforce {kind}"), n))
        .chain(
            fno.faults()
                .injected()
                .into_iter()
                .map(|(kind, n)| (format!("FNO {kind}"), n)),
        )
        .collect();
    faults.push((
        "Salesforce sessions expired".into(),
        expired.load(Ordering::Relaxed),
    ));
    let calls = (
        salesforce.call_counts().values().sum::<u64>(),
        fno.counts().values().sum::<u64>(),
    );

    // Faults off: a scheduled run catches up what the faulted one left.
    salesforce.set_faults(FaultSettings::default());
    fno.faults().set(FaultSettings::default());
    let survivor = FnosyncClient::connect(format!("http://{}", cli.listen[1]), &keys.admin_token)
        .await
        .context("cannot reach fnosync")?;
    let mut catch_up = Vec::new();
    if faulted != "completed" {
        fire_schedule(&pool).await?;
        let run = scheduled_run(&survivor, 2).await?;
        catch_up.push(watch_to_end(&survivor, run).await?);
    }
    let wall = started.elapsed();
    let check = check(&salesforce, &fno);
    for replica in &mut replicas {
        replica.stop().await;
    }
    let retries = retries_logged(&dirs);

    println!(
        "\nfaults injected (fault rate {:.0} %):",
        cli.fault_rate * 100.0
    );
    for (kind, n) in &faults {
        println!("  {kind:<36} {n:>7}");
    }
    println!(
        "calls under faults: Salesforce {}, FNO {} (retries included); retries logged by the replicas: Salesforce {}, FNO {}",
        calls.0, calls.1, retries.0, retries.1
    );
    println!(
        "replicas killed and started again: {}",
        if kills.is_empty() {
            "none (the run ended first)".to_string()
        } else {
            kills.join(", ")
        }
    );
    println!(
        "faulted run {}: {faulted} in {:.1} s",
        run.run_id,
        faulted_wall.as_secs_f64()
    );
    for run in &catch_up {
        println!(
            "catch-up run {}: {} ({})",
            run.run_id,
            state_name(run),
            run.message
        );
    }
    println!(
        "orders {}: synced {}, duplicates {}, missing {}, wrong lines {}, write-backs missing {}; wall time {:.1} s",
        shape.orders(),
        check.synced,
        check.duplicates,
        check.missing,
        check.wrong_lines,
        check.write_backs_missing,
        wall.as_secs_f64()
    );
    anyhow::ensure!(
        check.duplicates == 0
            && check.missing == 0
            && check.wrong_lines == 0
            && check.write_backs_missing == 0,
        "the soak found orders duplicated, missing or wrong; see the replicas' logs in {}",
        cli.state_dir.display()
    );
    Ok(())
}

/// The retries the replicas logged (Salesforce, FNO), over every start's log.
fn retries_logged(dirs: &[PathBuf]) -> (usize, usize) {
    let mut retries = (0, 0);
    for dir in dirs {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        retries.0 += log.matches("salesforce call failed, retrying").count();
        retries.1 += log.matches("fno call failed, retrying").count();
    }
    retries
}

/// The replica whose process runs `worker` (`host-pid-index`).
fn replica_of(replicas: &[Service], worker: &str) -> Option<usize> {
    let pid: u32 = worker.rsplit('-').nth(1)?.parse().ok()?;
    replicas.iter().position(|r| r.pid() == Some(pid))
}

/// What the end state shows.
#[derive(Debug, Default)]
struct Check {
    synced: usize,
    duplicates: usize,
    missing: usize,
    wrong_lines: usize,
    write_backs_missing: usize,
}

/// Compares every Salesforce order (a Closed Won opportunity) with FNO: one entitlement holding
/// exactly its lines with their quantities, and its IDs written back.
fn check(salesforce: &SalesforceSandbox, fno: &FnoSandbox) -> Check {
    // Salesforce line Id -> (entitlement ID, activation ID, copies), once per FNO line.
    let mut in_fno: HashMap<String, Vec<(String, String, i64)>> = HashMap::new();
    fno.store().read(|state| {
        for entitlement in &state.entitlements {
            for line in &entitlement.line_items {
                if let Some(id) = &line.order_line_number {
                    in_fno.entry(id.clone()).or_default().push((
                        entitlement.entitlement_id.clone(),
                        line.activation_id.clone(),
                        line.number_of_copies,
                    ));
                }
            }
        }
    });
    let mut lines_of: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    for line in salesforce.records("OpportunityLineItem") {
        let order = line["OpportunityId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        lines_of.entry(order).or_default().push(line);
    }
    let mut check = Check::default();
    let orders = salesforce
        .records("Opportunity")
        .into_iter()
        .filter(|order| order["StageName"] == "Closed Won");
    for order in orders {
        let id = order["Id"].as_str().unwrap_or_default();
        let lines = lines_of.remove(id).unwrap_or_default();
        let found: Vec<&Vec<(String, String, i64)>> = lines
            .iter()
            .filter_map(|line| in_fno.get(line["Id"].as_str().unwrap_or_default()))
            .collect();
        if found.is_empty() {
            check.missing += 1;
            continue;
        }
        if found.iter().any(|copies| copies.len() > 1) {
            check.duplicates += 1;
            continue;
        }
        check.synced += 1;
        let entitlement = &found[0][0].0;
        let right = found.len() == lines.len()
            && lines.iter().all(|line| {
                in_fno[line["Id"].as_str().unwrap_or_default()][0].2
                    == line["Quantity"].as_f64().unwrap_or_default() as i64
            })
            && found.iter().all(|copies| copies[0].0 == *entitlement);
        if !right {
            check.wrong_lines += 1;
        }
        let written = order[sf::ENTITLEMENT_ID].as_str() == Some(entitlement.as_str())
            && lines.iter().all(|line| {
                line[sf::ACTIVATION_ID].as_str()
                    == Some(
                        in_fno[line["Id"].as_str().unwrap_or_default()][0]
                            .1
                            .as_str(),
                    )
            });
        if !written {
            check.write_backs_missing += 1;
        }
    }
    check
}
