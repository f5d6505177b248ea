//! `fnosync-bench`: measures a full scheduled sync, a second, no-change
//! one, a third after copies were activated in FNO on a tenth of the lines
//! (the feedback to Salesforce), and a fourth after a person changed the
//! quantity of a tenth of the lines in Salesforce (updates of entitlements
//! made before). It seeds the Salesforce sandbox with N
//! accounts (each with a contact and O Closed Won opportunities of L lines),
//! gives both sandboxes a fixed latency per call, starts `fnosync serve`,
//! configures it through its API, fires the scheduled sync four times and
//! prints wall time, orders per second, Salesforce and FNO calls per order
//! and by operation, whether Salesforce shows FNO's remaining quantities and
//! FNO the changed quantities, and the server's peak memory. A last step
//! closes deals one after another with event-driven sync on, across a
//! dropped stream and a killed subscriber, and prints the time from each
//! Salesforce commit to the entitlement in FNO, and the calls per order
//! beside those of scheduled runs of as many such deals closed at once and
//! of as many as one event run syncs (taken after the no-change run).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use fnosync_client::{proto, FnosyncClient};
use fnosync_demo::event_step::{self, EventFigures};
use fnosync_demo::workload::{
    create_schedule, fire_schedule, scheduled_run, seed, seed_named, state_name, watch_to_end,
    Shape,
};
use fnosync_demo::{server, setup};
use fnosync_sandbox::faults::FaultSettings;
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::SalesforceSandbox;
use fnosync_sandbox::tls::SandboxCa;
use fnosync_server::config::STANDARD_EVENT_CHANNEL;
use fnosync_server::sync::events::gather::ENRICHED_FIELDS;

/// Benchmarks the scheduled sync against the sandboxes.
#[derive(Parser, Debug)]
#[command(name = "fnosync-bench", version)]
struct Cli {
    /// The `fnosync` binary to run (build it with `--release`).
    #[arg(long)]
    fnosync_bin: PathBuf,
    /// PostgreSQL URL of an empty database for the benchmark.
    #[arg(long, env = "FNOSYNC_DATABASE_URL")]
    database_url: String,
    /// Folder for the server log and the sandboxes' CA certificate.
    #[arg(long, default_value = ".fnosync/bench")]
    state_dir: PathBuf,
    /// Address of the gRPC server.
    #[arg(long, default_value = "127.0.0.1:50061")]
    listen: SocketAddr,
    /// The seeded workload.
    #[command(flatten)]
    shape: Shape,
    /// Latency each sandbox adds to every call, in milliseconds.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Accounts the run syncs at the same time (`FNOSYNC_SYNC_CONCURRENCY`).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Deals the event-driven step closes, and a scheduled run syncs to
    /// compare (0 skips the step and the scheduled runs to compare).
    #[arg(long, default_value_t = 100)]
    event_deals: usize,
    /// Seconds over which the event-driven step closes its deals.
    #[arg(long, default_value_t = 10)]
    event_seconds: u64,
    /// How long after the last change event the server queues the runs of
    /// the gathered events (`FNOSYNC_EVENT_DEBOUNCE_MS`): the latency of a
    /// lone deal.
    #[arg(long, default_value_t = 500)]
    event_debounce_ms: u64,
    /// How long after the first gathered change event the server queues
    /// their runs at the latest (`FNOSYNC_EVENT_MAX_WAIT_MS`): longer means
    /// fewer calls per order in a burst and more latency.
    #[arg(long, default_value_t = 3000)]
    event_max_wait_ms: u64,
    /// Deals the event step closes one at a time, each a second after the
    /// maximum wait of the one before (the latency of a lone deal).
    #[arg(long, default_value_t = 5)]
    event_lone_deals: usize,
    /// Whether the server takes change events from a custom channel whose
    /// opportunity and contact events are enriched with their account
    /// (`FNOSYNC_EVENT_CHANNEL`, set up as the administrator guide says);
    /// `false` takes them from `/data/ChangeEvents`, and each event run
    /// reads the accounts of the closed deals again.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    event_enrichment: bool,
}

/// The custom channel the benchmark's server subscribes to with `--event-enrichment`.
const ENRICHED_CHANNEL: &str = "FnosyncBench__chn";

/// What one run took.
struct Measured {
    run: proto::SyncRun,
    wall: Duration,
    salesforce_calls: u64,
    fno_calls: u64,
    fno_writes: u64,
    by_operation: Vec<(String, u64)>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.state_dir)?;
    let ca = SandboxCa::generate()?;
    let ca_path = cli.state_dir.join("sandbox-ca.pem");
    ca.write_ca_pem(&ca_path)?;
    let salesforce = SalesforceSandbox::start(Default::default(), Arc::clone(&ca)).await?;
    let fno = FnoSandbox::start(Default::default(), ca).await?;
    salesforce.set_api_limit(100_000_000, 0);

    let seeding = Instant::now();
    seed(&salesforce, cli.shape)?;
    let orders = (cli.shape.accounts * cli.shape.opportunities) as f64;
    println!(
        "seeded {} accounts x {} opportunities x {} lines ({} orders, {} lines) in {:.1} s",
        cli.shape.accounts,
        cli.shape.opportunities,
        cli.shape.lines,
        orders,
        cli.shape.accounts * cli.shape.opportunities * cli.shape.lines,
        seeding.elapsed().as_secs_f64()
    );

    let channel = match cli.event_enrichment {
        true => salesforce
            .create_channel(ENRICHED_CHANNEL, &ENRICHED_FIELDS)
            .map_err(|e| anyhow::anyhow!("cannot create the channel: {e:?}"))?,
        false => STANDARD_EVENT_CHANNEL.to_string(),
    };
    let keys = server::DemoKeys::generate();
    let env = [
        ("FNOSYNC_SYNC_CONCURRENCY", cli.concurrency.to_string()),
        ("FNOSYNC_SCHEDULER_TICK_MS", "100".to_string()),
        // A run held by the replica the event step kills is taken over soon.
        ("FNOSYNC_RUN_LEASE_SECS", "6".to_string()),
        (
            "FNOSYNC_EVENT_DEBOUNCE_MS",
            cli.event_debounce_ms.to_string(),
        ),
        (
            "FNOSYNC_EVENT_MAX_WAIT_MS",
            cli.event_max_wait_ms.to_string(),
        ),
        ("FNOSYNC_EVENT_CHANNEL", channel.clone()),
    ];
    let launch = server::Launch {
        binary: &cli.fnosync_bin,
        database_url: &cli.database_url,
        listen: &cli.listen,
        ca_path: &ca_path,
        state_dir: &cli.state_dir,
        env: &env,
    };
    let mut service = server::start(&launch, &keys).await?;
    let pid = service.pid().context("fnosync exited")?;
    let client = FnosyncClient::connect(format!("http://{}", cli.listen), &keys.admin_token)
        .await
        .context("cannot reach fnosync")?;
    setup::configure(&client, &salesforce, &fno, &keys.license_key).await?;
    create_schedule(&client).await?;
    let memory_at_start = peak_memory_kib(pid);

    let latency = FaultSettings {
        latency_ms: cli.latency_ms,
        ..Default::default()
    };
    salesforce.set_faults(latency.clone());
    fno.faults().set(latency);
    println!(
        "\nsandbox latency {} ms per call, {} accounts synced at a time",
        cli.latency_ms, cli.concurrency
    );

    let pool = sqlx::PgPool::connect(&cli.database_url).await?;
    let full = measure(&pool, &client, &salesforce, &fno, 1).await?;
    let memory_after_full = peak_memory_kib(pid);
    let unchanged = measure(&pool, &client, &salesforce, &fno, 2).await?;
    let mut runs = 2;
    let compared = if cli.event_deals > 0 {
        let sandboxes = (&salesforce, &fno);
        let at_once = (cli.event_deals, "Scheduled");
        let at_once = scheduled_deals(&cli, &pool, &client, sandboxes, at_once, runs + 1).await?;
        let run_sized = (EVENT_RUN_DEALS, "RunSized");
        let run_sized =
            scheduled_deals(&cli, &pool, &client, sandboxes, run_sized, runs + 2).await?;
        runs += 2;
        Some(Compared { at_once, run_sized })
    } else {
        None
    };
    let activated = activate_every_tenth_line(&fno);
    let feedback = measure(&pool, &client, &salesforce, &fno, runs + 1).await?;
    let (right, lines) = lines_matching(&salesforce, &fno, "FNO__Remaining_Quantity__c", |l| {
        l.remaining_copies()
    });
    let amended = amend_every_tenth_line(&salesforce)?;
    let amend = measure(&pool, &client, &salesforce, &fno, runs + 2).await?;
    let (copies_right, _) = lines_matching(&salesforce, &fno, "Quantity", |l| l.number_of_copies);
    let memory_after_all = peak_memory_kib(pid);
    let events = if let Some(compared) = compared {
        Some(
            event_step(
                &cli,
                &launch,
                &keys,
                &client,
                (&salesforce, &fno),
                &mut service,
                compared,
            )
            .await?,
        )
    } else {
        None
    };
    service.stop().await;

    println!();
    println!(
        "{:<22} {:>10} {:>10} {:>18} {:>18} {:>12} {:>10}",
        "run", "wall (s)", "orders/s", "SF calls", "FNO calls", "FNO writes", "state"
    );
    for (name, measured) in [
        ("full scheduled sync", &full),
        ("no-change sync", &unchanged),
        ("feedback sync", &feedback),
        ("amend sync", &amend),
    ] {
        let seconds = measured.wall.as_secs_f64();
        println!(
            "{:<22} {:>10.1} {:>10.1} {:>18} {:>18} {:>12} {:>10}",
            name,
            seconds,
            orders / seconds,
            format!(
                "{} ({:.4}/order)",
                measured.salesforce_calls,
                measured.salesforce_calls as f64 / orders
            ),
            format!(
                "{} ({:.3}/order)",
                measured.fno_calls,
                measured.fno_calls as f64 / orders
            ),
            measured.fno_writes,
            state_name(&measured.run),
        );
    }
    println!(
        "\nfnosync peak memory (VmHWM): {} after start-up, {} after the full sync, {} at the end",
        mib(memory_at_start),
        mib(memory_after_full),
        mib(memory_after_all)
    );
    println!(
        "feedback: a copy activated in FNO on {activated} lines; remaining quantities right in Salesforce on {right} of {lines} lines"
    );
    println!(
        "amend: the quantity changed in Salesforce on {amended} lines; FNO's copies right on {copies_right} of {lines} lines"
    );
    for (name, measured) in [
        ("full", &full),
        ("no-change", &unchanged),
        ("feedback", &feedback),
        ("amend", &amend),
    ] {
        println!(
            "{name} run: {}; calls: {}",
            measured.run.message,
            event_step::calls_list(&measured.by_operation)
        );
    }
    if let Some(events) = &events {
        print_events(&cli, events, orders, &full);
    }
    anyhow::ensure!(
        events.as_ref().is_none_or(|passes| {
            passes
                .all()
                .iter()
                .all(|(_, e)| e.missed == 0 && e.duplicated == 0)
        }),
        "the event step missed or duplicated deals; see {}",
        service.log_path.display()
    );
    anyhow::ensure!(
        [&full, &unchanged, &feedback, &amend]
            .iter()
            .all(|m| m.run.state == proto::SyncRunState::Completed as i32),
        "a run did not complete; see {}",
        service.log_path.display()
    );
    Ok(())
}

/// What the event step's passes measured.
struct EventPasses {
    /// Deals closed one after another over `--event-seconds`.
    steady: EventFigures,
    /// Deals closed one at a time.
    lone: EventFigures,
    /// Deals closed with the stream dropped and the subscriber killed.
    disrupted: EventFigures,
    /// The scheduled runs of deals of the same kind the event runs are
    /// compared with.
    scheduled: Compared,
}

/// As many deals as the server syncs in one event run when deals keep
/// closing (the records of one FNO create).
const EVENT_RUN_DEALS: usize = 25;

/// Scheduled runs of deals of the event step's kind, closed before event
/// sync was enabled.
struct Compared {
    /// `--event-deals` deals closed at once, synced by one scheduled run.
    at_once: Measured,
    /// As many deals as one event run syncs, synced by the next scheduled run.
    run_sized: Measured,
}

impl EventPasses {
    /// The passes with their names, as printed.
    fn all(&self) -> [(&'static str, &EventFigures); 3] {
        [
            ("steady", &self.steady),
            ("lone deals", &self.lone),
            (
                "stream dropped after 1/3, subscribing replica killed after 2/3",
                &self.disrupted,
            ),
        ]
    }
}

/// `deals` deals of the event step's kind (named after `prefix`), closed at
/// once and synced by scheduled run number `count`: the calls per order an
/// event run is compared with. Taken right after the no-change run, so that
/// the run's five-minute look-back finds no person's edit but these.
async fn scheduled_deals(
    cli: &Cli,
    pool: &sqlx::PgPool,
    client: &FnosyncClient,
    (salesforce, fno): (&SalesforceSandbox, &FnoSandbox),
    (deals, prefix): (usize, &str),
    count: usize,
) -> anyhow::Result<Measured> {
    let shape = Shape {
        accounts: deals,
        opportunities: 1,
        lines: cli.shape.lines,
    };
    for deal in seed_named(salesforce, shape, prefix, false)? {
        salesforce
            .update(
                "Opportunity",
                &deal,
                serde_json::json!({ "StageName": "Closed Won" }),
            )
            .map_err(|e| anyhow::anyhow!("cannot close {deal}: {e:?}"))?;
    }
    measure(pool, client, salesforce, fno, count).await
}

/// The event-driven step: a standby replica next to the first, event sync
/// enabled, `--event-deals` deals closed over `--event-seconds` (the
/// latency figures), `--event-lone-deals` closed one at a time, then
/// `--event-deals` again with the stream dropped after a third of them and
/// the replica holding the subscription killed (`kill -9`) after two
/// thirds (nothing missed, nothing twice). `scheduled` is what
/// [`scheduled_deals`] measured.
async fn event_step(
    cli: &Cli,
    launch: &server::Launch<'_>,
    keys: &server::DemoKeys,
    client: &FnosyncClient,
    (salesforce, fno): (&SalesforceSandbox, &FnoSandbox),
    primary: &mut server::Service,
    scheduled: Compared,
) -> anyhow::Result<EventPasses> {
    let shape = Shape {
        accounts: cli.event_deals * 2 + cli.event_lone_deals,
        opportunities: 1,
        lines: cli.shape.lines,
    };
    let deals = seed_named(salesforce, shape, "Event", false)?;
    let (steady_deals, rest) = deals.split_at(cli.event_deals);
    let (lone_deals, disrupted_deals) = rest.split_at(cli.event_lone_deals);
    let standby_listen = SocketAddr::new(cli.listen.ip(), cli.listen.port() + 1);
    let standby_dir = cli.state_dir.join("standby");
    std::fs::create_dir_all(&standby_dir)?;
    let standby_launch = server::Launch {
        listen: &standby_listen,
        state_dir: &standby_dir,
        ..*launch
    };
    let mut standby = server::start(&standby_launch, keys).await?;
    let standby_client =
        FnosyncClient::connect(format!("http://{standby_listen}"), &keys.admin_token)
            .await
            .context("cannot reach the standby replica")?;
    event_step::enable(client, salesforce).await?;
    let over = Duration::from_secs(cli.event_seconds);
    let steady =
        event_step::measure(client, salesforce, fno, steady_deals, over, |_| Ok(())).await?;
    let apart = Duration::from_millis(cli.event_max_wait_ms + 1000);
    let lone_over = apart * u32::try_from(lone_deals.len()).unwrap_or(u32::MAX);
    let lone =
        event_step::measure(client, salesforce, fno, lone_deals, lone_over, |_| Ok(())).await?;

    let holder = event_step::status_until(client, |s| s.connected)
        .await?
        .holder;
    let primary_holds = primary
        .pid()
        .is_some_and(|pid| holder.contains(&format!("-{pid}-")));
    let (holder_pid, survivor) = if primary_holds {
        (primary.pid(), &standby_client)
    } else {
        (standby.pid(), client)
    };
    let holder_pid = holder_pid.context("the subscribing replica is not running")?;
    let (drop_at, kill_at) = (cli.event_deals / 3, cli.event_deals * 2 / 3);
    let disrupted =
        event_step::measure(survivor, salesforce, fno, disrupted_deals, over, |index| {
            if index == drop_at {
                salesforce.drop_event_streams();
            }
            if index == kill_at {
                std::process::Command::new("kill")
                    .args(["-KILL", &holder_pid.to_string()])
                    .status()
                    .context("kill -9 the subscribing replica")?;
            }
            Ok(())
        })
        .await?;
    if primary_holds {
        primary.wait().await?;
    }
    standby.stop().await;
    Ok(EventPasses {
        steady,
        lone,
        disrupted,
        scheduled,
    })
}

fn print_events(cli: &Cli, passes: &EventPasses, orders: f64, full: &Measured) {
    let seconds = |d: Option<Duration>| {
        d.map(|d| format!("{:.2} s", d.as_secs_f64()))
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "\nevent sync: {} deals closed over {} s (steady, disrupted), {} one at a time; runs queued {} ms after the last event, {} ms after the first at the latest; channel {}",
        cli.event_deals, cli.event_seconds, cli.event_lone_deals, cli.event_debounce_ms, cli.event_max_wait_ms,
        match cli.event_enrichment {
            true => "enriched with the accounts",
            false => "/data/ChangeEvents (not enriched)",
        }
    );
    let mut runs_before = 0;
    for (name, events) in passes.all() {
        println!(
            "  {name}: commit -> entitlement in FNO p50 {}, p99 {}, max {}; missed {}, duplicated {}; {} runs",
            seconds(events.percentile(50.0)),
            seconds(events.percentile(99.0)),
            seconds(events.latencies.last().copied()),
            events.missed,
            events.duplicated,
            events.status.runs_queued - runs_before,
        );
        runs_before = events.status.runs_queued;
    }
    let status = &passes.disrupted.status;
    println!(
        "  subscriber on {}: {} events received, {} coalesced, {} own write-backs, {} runs queued, {} fallbacks, {} changed records read again to find their accounts",
        status.channel, status.events_received, status.events_coalesced, status.own_events, status.runs_queued, status.fallbacks, status.records_read_again
    );
    // Salesforce and FNO calls per deal.
    let calls_per = |salesforce: u64, fno: u64, deals: usize| {
        let deals = deals.max(1) as f64;
        format!(
            "SF {:.3}, FNO {:.3}",
            salesforce as f64 / deals,
            fno as f64 / deals
        )
    };
    let per_order = |events: &EventFigures| {
        let deals = events.latencies.len() + events.missed;
        calls_per(events.salesforce_calls, events.fno_calls, deals)
    };
    let scheduled = |measured: &Measured, deals: usize| {
        calls_per(measured.salesforce_calls, measured.fno_calls, deals)
    };
    let compared = &passes.scheduled;
    println!(
        "  calls per event-synced order: steady {}; lone deals {}",
        per_order(&passes.steady),
        per_order(&passes.lone),
    );
    println!(
        "  calls per order of scheduled runs: {} such deals closed at once {}; {} such deals (one event run's) {}; full scheduled sync SF {:.4}, FNO {:.3}",
        cli.event_deals,
        scheduled(&compared.at_once, cli.event_deals),
        EVENT_RUN_DEALS,
        scheduled(&compared.run_sized, EVENT_RUN_DEALS),
        full.salesforce_calls as f64 / orders,
        full.fno_calls as f64 / orders
    );
    for (name, events) in [("steady", &passes.steady), ("lone deals", &passes.lone)] {
        println!(
            "  {name} calls: {}",
            event_step::calls_list(&events.by_operation)
        );
    }
    for (deals, measured) in [
        (cli.event_deals, &compared.at_once),
        (EVENT_RUN_DEALS, &compared.run_sized),
    ] {
        println!(
            "  scheduled run of {deals} deals: {}; calls: {}",
            measured.run.message,
            event_step::calls_list(&measured.by_operation)
        );
    }
}

/// Activates one copy of every tenth FNO line, as devices would. The
/// benchmark's entitlements are Draft, which FNO's activation refuses, so the
/// copies are counted in FNO's store directly (its last-modified time moves as
/// with an activation). Returns how many lines were activated.
fn activate_every_tenth_line(fno: &FnoSandbox) -> usize {
    fno.store().update(|state| {
        let now = chrono::Utc::now();
        let lines = state
            .entitlements
            .iter_mut()
            .flat_map(|e| e.line_items.iter_mut())
            .step_by(10);
        let mut activated = 0;
        for line in lines.filter(|l| l.remaining_copies() > 0) {
            line.fulfilled_count += 1;
            line.last_modified = now;
            activated += 1;
        }
        activated
    })
}

/// Adds a copy to the quantity of every tenth Salesforce line, as a person
/// amending the deals would. Returns how many lines were changed.
fn amend_every_tenth_line(salesforce: &SalesforceSandbox) -> anyhow::Result<usize> {
    let lines = salesforce.records("OpportunityLineItem");
    let mut amended = 0;
    for line in lines.iter().step_by(10) {
        let (Some(id), Some(quantity)) = (line["Id"].as_str(), line["Quantity"].as_f64()) else {
            continue;
        };
        salesforce
            .update(
                "OpportunityLineItem",
                id,
                serde_json::json!({ "Quantity": quantity + 1.0 }),
            )
            .map_err(|error| anyhow::anyhow!("cannot amend line {id}: {error:?}"))?;
        amended += 1;
    }
    Ok(amended)
}

/// Counts the Salesforce lines whose `field` shows what `of_fno` reads on
/// the FNO line they became: (right, all).
fn lines_matching(
    salesforce: &SalesforceSandbox,
    fno: &FnoSandbox,
    field: &str,
    of_fno: fn(&fnosync_sandbox::fno::LineItem) -> i64,
) -> (usize, usize) {
    let values: std::collections::HashMap<String, i64> = fno.store().read(|state| {
        state
            .entitlements
            .iter()
            .flat_map(|e| &e.line_items)
            .filter_map(|l| Some((l.order_line_number.clone()?, of_fno(l))))
            .collect()
    });
    let lines = salesforce.records("OpportunityLineItem");
    let right = lines
        .iter()
        .filter(|line| {
            let id = line["Id"].as_str().unwrap_or_default();
            let shown = line[field].as_f64();
            values.get(id).is_some_and(|v| shown == Some(*v as f64))
        })
        .count();
    (right, lines.len())
}

/// Makes the schedule due, waits for scheduled run number `count` to end and
/// returns what it took.
async fn measure(
    pool: &sqlx::PgPool,
    client: &FnosyncClient,
    salesforce: &SalesforceSandbox,
    fno: &FnoSandbox,
    count: usize,
) -> anyhow::Result<Measured> {
    salesforce.reset_counts();
    fno.reset_counts();
    let started = Instant::now();
    fire_schedule(pool).await?;
    let run = scheduled_run(client, count).await?;
    let last = watch_to_end(client, run).await?;
    let wall = started.elapsed();
    let salesforce_counts = salesforce.call_counts();
    let fno_counts = fno.counts();
    let by_operation = event_step::by_operation(&salesforce_counts, &fno_counts);
    Ok(Measured {
        run: last,
        wall,
        salesforce_calls: salesforce_counts.values().sum(),
        fno_calls: fno_counts.values().sum(),
        fno_writes: fno.write_call_count(),
        by_operation,
    })
}

/// The process's peak resident memory in KiB, from `/proc` (Linux).
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "unknown".into())
}
