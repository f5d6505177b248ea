//! Throughput benchmark of the two sandboxes: starts both in-process on
//! loopback, seeds them through their Rust APIs, drives a handful of
//! representative operations from concurrent keep-alive HTTPS clients and
//! prints requests/s and latency percentiles per operation, then the
//! process's peak RSS. Bounded in count; it ends by itself.
//!
//! `cargo run --release -p fnosync-sandbox --example bench -- --help`

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use chrono::Utc;
use clap::builder::RangedU64ValueParser;
use clap::Parser;
use fnosync_sandbox::fno::seed::{DEFAULT_PASSWORD as FNO_PASSWORD, DEFAULT_USER as FNO_USER};
use fnosync_sandbox::fno::{self, FnoSandbox, FnoState};
use fnosync_sandbox::salesforce::auth::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN,
    DEFAULT_USERNAME,
};
use fnosync_sandbox::salesforce::{self, SalesforceSandbox};
use fnosync_sandbox::tls::SandboxCa;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

const SF_VERSION: &str = "v59.0";
const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
const JSON_CONTENT_TYPE: &str = "application/json";
/// Records per composite request: the sObject Collections maximum.
const COMPOSITE_BATCH: usize = 200;
/// The daily API allocation is a functional limit, not what is measured here.
const BENCH_DAILY_API_MAX: u64 = 1_000_000_000;
/// Part number of the seeded demo product, present in the default FNO tenant.
const PART_NUMBER: &str = "SF01demo";
const PORTAL_ROLE: &str = "Portal User";
const DEPLOYED: &str = "DEPLOYED";
const ENTITLEMENT_SERVICE: &str = "v4/EntitlementOrderService";
const USER_SERVICE: &str = "v3/UserAcctHierarchyService";
const V4_NS: &str = "urn:v4.webservices.operations.flexnet.com";
const V3_NS: &str = "urn:v3.webservices.operations.flexnet.com";
/// Answers containing one of these are counted as errors although HTTP says 200.
const REJECTED: [&str; 2] = ["\"success\":false", ">FAILURE<"];

/// Drives the Salesforce and FNO sandboxes with concurrent HTTPS clients.
#[derive(Parser, Debug)]
#[command(name = "bench")]
struct Cli {
    /// Requests per light operation; scans and bulk updates send a fraction.
    #[arg(long, default_value_t = 2_000, value_parser = positive())]
    requests: usize,
    /// Concurrent clients, each with its own keep-alive connection.
    #[arg(long, default_value_t = 8, value_parser = positive())]
    concurrency: usize,
    /// Records seeded: Salesforce accounts and FNO entitlements (plus a tenth as many FNO accounts and users).
    #[arg(long, default_value_t = 2_000, value_parser = positive())]
    records: usize,
    /// Runs the sandboxes on their own runtime and OS thread with this many
    /// threads (1: a current-thread runtime); by default they share the clients' runtime.
    #[arg(long, value_parser = positive())]
    server_threads: Option<usize>,
}

fn positive() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

/// What the clients need to know about the seeded sandboxes.
struct Targets {
    ca_pem: String,
    salesforce_url: String,
    fno_url: String,
    account_ids: Vec<String>,
    records: usize,
}

fn account_name(index: usize) -> String {
    format!("Bench Account {index:06}")
}
fn entitlement_id(index: usize) -> String {
    format!("BENCH-ENT-{index:06}")
}
fn fno_account_id(index: usize) -> String {
    format!("BENCH-ACC-{index:05}")
}
fn fno_user_name(index: usize) -> String {
    format!("bench.user.{index:05}@example.com")
}
fn fno_account_count(records: usize) -> usize {
    (records / 10).max(1)
}

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

/// Starts and seeds both sandboxes, reports where they are, serves until told to stop.
async fn host_sandboxes(
    records: usize,
    ready: oneshot::Sender<anyhow::Result<Targets>>,
    stop: oneshot::Receiver<()>,
) {
    match start_sandboxes(records).await {
        Ok((salesforce, fno, targets)) => {
            let _ = ready.send(Ok(targets));
            let _ = stop.await;
            salesforce.shutdown().await;
            fno.shutdown().await;
        }
        Err(error) => {
            let _ = ready.send(Err(error));
        }
    }
}

async fn start_sandboxes(
    records: usize,
) -> anyhow::Result<(SalesforceSandbox, FnoSandbox, Targets)> {
    let ca = SandboxCa::generate()?;
    let options = salesforce::Options {
        api_daily_max: BENCH_DAILY_API_MAX,
        ..Default::default()
    };
    let salesforce = SalesforceSandbox::start(options, ca.clone()).await?;
    let fno = FnoSandbox::start(fno::Options::default(), ca.clone()).await?;
    let account_ids = (0..records)
        .map(|index| salesforce.insert("Account", json!({ "Name": account_name(index) })))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| anyhow::anyhow!("failed to seed an account: {}", error.to_json()))?;
    seed_fno(&fno, records)?;
    let targets = Targets {
        ca_pem: ca.ca_pem(),
        salesforce_url: salesforce.url(),
        fno_url: fno.url(),
        account_ids,
        records,
    };
    Ok((salesforce, fno, targets))
}

/// Adds a tenth as many accounts as entitlements, one user per account, and
/// `records` entitlements with one deployed line each, spread over the accounts.
/// The records are written in the sandbox's JSON seed format.
fn seed_fno(fno: &FnoSandbox, records: usize) -> anyhow::Result<()> {
    let (accounts, now) = (fno_account_count(records), Utc::now().to_rfc3339());
    let account = |i| {
        json!({"uniqueId": format!("HID-BA{i}"), "id": fno_account_id(i), "name": format!("Bench account {i}"),
               "accountType": "CUSTOMER", "created": now, "lastModified": now})
    };
    let user = |i| {
        json!({"uniqueId": format!("HID-BU{i}"), "userName": fno_user_name(i), "firstName": "Bench",
               "lastName": format!("User {i}"), "emailAddress": fno_user_name(i), "canLogin": true, "status": "Active",
               "accountRoles": [{"accountId": fno_account_id(i), "roles": [PORTAL_ROLE]}],
               "created": now, "lastModified": now})
    };
    let entitlement = |i| {
        let line = json!({"uniqueId": format!("HID-BL{i}"), "activationId": format!("BENCH-ACT-{i:06}"),
               "product": ["SF-DemoProduct", "1.0"], "partNumber": PART_NUMBER, "numberOfCopies": 5,
               "isPermanent": true, "state": DEPLOYED, "created": now, "lastModified": now});
        json!({"uniqueId": format!("HID-BE{i}"), "entitlementId": entitlement_id(i), "soldTo": fno_account_id(i % accounts),
               "state": DEPLOYED, "lineItems": [line], "created": now, "lastModified": now,
               "createdBy": FNO_USER, "lastModifiedBy": FNO_USER})
    };
    let bench: FnoState = serde_json::from_value(json!({
        "accounts": (0..accounts).map(account).collect::<Vec<_>>(),
        "users": (0..accounts).map(user).collect::<Vec<_>>(),
        "entitlements": (0..records).map(entitlement).collect::<Vec<_>>(),
    }))
    .context("failed to build the fno seed")?;
    fno.store().update(|state| {
        state.accounts.extend(bench.accounts);
        state.users.extend(bench.users);
        state.entitlements.extend(bench.entitlements);
    });
    Ok(())
}

/// One request of an operation and the text its answer must contain.
struct Call {
    method: Method,
    url: String,
    body: Option<(&'static str, Bytes)>,
    auth: Auth,
    expect: String,
}

enum Auth {
    Bearer(Arc<str>),
    Basic,
}

/// An operation under test: its label and its pre-built requests.
type Operation = (&'static str, Vec<Call>);

async fn run_all(cli: &Cli, targets: &Targets) -> anyhow::Result<()> {
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

async fn salesforce_token(client: &reqwest::Client, base: &str) -> anyhow::Result<Arc<str>> {
    let password = format!("{DEFAULT_PASSWORD}{DEFAULT_SECURITY_TOKEN}");
    let form = [
        ("grant_type", "password"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", DEFAULT_CLIENT_SECRET),
        ("username", DEFAULT_USERNAME),
        ("password", password.as_str()),
    ];
    let request = client
        .post(format!("{base}/services/oauth2/token"))
        .form(&form);
    let answer: Value = request.send().await?.error_for_status()?.json().await?;
    let token = answer["access_token"].as_str().context("no access_token")?;
    Ok(token.into())
}

/// Limits and point queries send `requests`; the Name scan a quarter, composite updates a twentieth.
fn salesforce_operations(requests: usize, targets: &Targets, token: &Arc<str>) -> Vec<Operation> {
    let id = |index: usize| targets.account_ids[index % targets.records].as_str();
    let data = format!("{}/services/data/{SF_VERSION}", targets.salesforce_url);
    let get = |url: String, expect: &str| Call {
        method: Method::GET,
        url,
        body: None,
        auth: Auth::Bearer(token.clone()),
        expect: expect.into(),
    };
    let query = |condition: String| {
        let soql = format!("SELECT Id, Name FROM Account WHERE {condition}");
        let url = reqwest::Url::parse_with_params(&format!("{data}/query"), &[("q", soql)]);
        get(
            url.expect("the data URL is valid").into(),
            "\"totalSize\":1",
        )
    };
    let composite = |index: usize| {
        let records: Vec<Value> = (0..COMPOSITE_BATCH)
            .map(|offset| json!({"attributes": {"type": "Account"}, "id": id(index * COMPOSITE_BATCH + offset),
                                 "Description": format!("bench update {index}")}))
            .collect();
        let body = json!({"allOrNone": false, "records": records}).to_string();
        Call {
            method: Method::PATCH,
            body: Some((JSON_CONTENT_TYPE, body.into())),
            ..get(format!("{data}/composite/sobjects"), "\"success\":true")
        }
    };
    let by_name = |i: usize| query(format!("Name = '{}'", account_name(i % targets.records)));
    let limits = |_| get(format!("{data}/limits"), "DailyApiRequests");
    vec![
        ("salesforce GET limits", (0..requests).map(limits).collect()),
        (
            "salesforce query Account by Id",
            (0..requests)
                .map(|i| query(format!("Id = '{}'", id(i))))
                .collect(),
        ),
        (
            "salesforce query Account by Name (scan)",
            (0..(requests / 4).max(1)).map(by_name).collect(),
        ),
        (
            "salesforce composite update x200",
            (0..(requests / 20).max(1)).map(composite).collect(),
        ),
    ]
}

fn fno_operations(requests: usize, targets: &Targets) -> Vec<Operation> {
    let soap = |service: &str, ns: &str, root: &str, inner: String, expect: String| Call {
        method: Method::POST,
        url: format!("{}/flexnet/services/{service}", targets.fno_url),
        body: Some((SOAP_CONTENT_TYPE, envelope(ns, root, &inner).into())),
        auth: Auth::Basic,
        expect,
    };
    let accounts = fno_account_count(targets.records);
    let by_id = |i: usize| {
        let id = entitlement_id(i % targets.records);
        let inner = format!("<entitlementSearchCriteria><entitlementId><value>{id}</value><searchType>EQUALS</searchType></entitlementId></entitlementSearchCriteria><batchSize>10</batchSize><pageNumber>1</pageNumber>");
        soap(
            ENTITLEMENT_SERVICE,
            V4_NS,
            "searchEntitlementRequest",
            inner,
            format!(">{id}<"),
        )
    };
    let users = |i: usize| {
        let name = fno_user_name(i % accounts);
        let inner = format!("<queryParams><userName><value>{name}</value><searchType>EQUALS</searchType></userName></queryParams><pageNumber>1</pageNumber><batchSize>10</batchSize>");
        soap(
            USER_SERVICE,
            V3_NS,
            "getUsersQueryRequest",
            inner,
            format!(">{name}<"),
        )
    };
    let create = |i: usize| {
        let sold_to = fno_account_id(i % accounts);
        let inner = format!(
            "<simpleEntitlement><entitlementId><autoGenerate>true</autoGenerate></entitlementId><soldTo>{sold_to}</soldTo>\
             <lineItems><activationId><autoGenerate>true</autoGenerate></activationId>\
             <partNumber><primaryKeys><partId>{PART_NUMBER}</partId></primaryKeys></partNumber>\
             <orderId>006BENCH{i:06}</orderId><orderLineNumber>1</orderLineNumber><numberOfCopies>5</numberOfCopies>\
             <startDateOption>DEFINE_ACTDATE_AT_FIRST_ACTIVATION</startDateOption><isPermanent>true</isPermanent></lineItems></simpleEntitlement>"
        );
        soap(
            ENTITLEMENT_SERVICE,
            V4_NS,
            "createSimpleEntitlementRequest",
            inner,
            ">SUCCESS<".into(),
        )
    };
    vec![
        (
            "fno getEntitlementsQuery by id",
            (0..requests).map(by_id).collect(),
        ),
        (
            "fno getUsersQuery by userName",
            (0..requests).map(users).collect(),
        ),
        (
            "fno createSimpleEntitlement (1 line)",
            (0..requests).map(create).collect(),
        ),
    ]
}

fn envelope(ns: &str, root: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body><{root} xmlns="{ns}">{inner}</{root}></soapenv:Body></soapenv:Envelope>"#
    )
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
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}
