//! The benchmark's event-driven step: deals closed one after another in
//! the Salesforce sandbox reach FNO through change events, with no run
//! started by hand. It measures, per deal, the time from the Salesforce
//! commit to the entitlement existing in FNO, counts the deals missed or
//! synced twice across a dropped stream and a killed subscriber, and the
//! API calls per order.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use anyhow::Context;
use fnosync_client::{proto, FnosyncClient};
use fnosync_sandbox::fno::FnoSandbox;
use fnosync_sandbox::salesforce::SalesforceSandbox;
use serde_json::json;

use crate::workload::runs_of;

/// What the step measured.
#[derive(Debug, Default)]
pub struct EventFigures {
    /// Commit-to-entitlement time of each deal that reached FNO, sorted.
    pub latencies: Vec<Duration>,
    /// Deals with no entitlement in FNO at the end.
    pub missed: usize,
    /// Deals with more than one entitlement.
    pub duplicated: usize,
    /// Salesforce REST calls during the step (Pub/Sub calls left out).
    pub salesforce_calls: u64,
    /// FNO calls during the step.
    pub fno_calls: u64,
    /// Calls by operation.
    pub by_operation: Vec<(String, u64)>,
    /// The subscriber's status at the end.
    pub status: proto::EventSync,
}

impl EventFigures {
    /// The latency at `percent` (nearest rank).
    pub fn percentile(&self, percent: f64) -> Option<Duration> {
        if self.latencies.is_empty() {
            return None;
        }
        let rank = ((percent / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies
            .get(rank.clamp(1, self.latencies.len()) - 1)
            .copied()
    }
}

/// Enables event sync for every object through `client`, registering the
/// sandbox's Pub/Sub endpoint as a remote site, and waits until connected.
pub async fn enable(client: &FnosyncClient, salesforce: &SalesforceSandbox) -> anyhow::Result<()> {
    client
        .admin()
        .create_remote_site(proto::CreateRemoteSiteRequest {
            name: "Salesforce_PubSub".into(),
            url: salesforce.pubsub_url(),
            description: "local sandbox's Pub/Sub API".into(),
            ..Default::default()
        })
        .await
        .context("CreateRemoteSite Salesforce_PubSub")?;
    client
        .schedules()
        .update_event_sync(proto::UpdateEventSyncRequest {
            objects: ["Opportunity", "OpportunityLineItem", "Account", "Contact"]
                .map(String::from)
                .to_vec(),
            pubsub_url: salesforce.pubsub_url(),
        })
        .await
        .context("UpdateEventSync")?;
    status_until(client, |s| s.connected).await?;
    Ok(())
}

/// Reads the status until `done` holds (at most a minute).
pub async fn status_until(
    client: &FnosyncClient,
    done: impl Fn(&proto::EventSync) -> bool,
) -> anyhow::Result<proto::EventSync> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = client
            .schedules()
            .get_event_sync(proto::GetEventSyncRequest {})
            .await?
            .into_inner()
            .event_sync
            .unwrap_or_default();
        if done(&status) {
            return Ok(status);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "event sync did not get there within a minute: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Closes `deals` evenly over `over`, calling `disrupt(i)` after deal `i`
/// (to drop the stream or kill the subscriber), waits until each deal's
/// entitlement exists in FNO (a minute at most after the last) and until
/// event sync processed every event, then returns the figures. `client`
/// must reach a replica that outlives the disruptions.
pub async fn measure(
    client: &FnosyncClient,
    salesforce: &SalesforceSandbox,
    fno: &FnoSandbox,
    deals: &[String],
    over: Duration,
    mut disrupt: impl FnMut(usize) -> anyhow::Result<()>,
) -> anyhow::Result<EventFigures> {
    salesforce.reset_counts();
    fno.reset_counts();
    let gap = over / u32::try_from(deals.len().max(1)).unwrap_or(u32::MAX);
    let mut closed: HashMap<String, Instant> = HashMap::new();
    let mut seen: HashMap<String, Instant> = HashMap::new();
    let started = Instant::now();
    for (index, deal) in deals.iter().enumerate() {
        let at = started + gap * u32::try_from(index).unwrap_or(u32::MAX);
        while Instant::now() < at {
            note_seen(fno, &closed, &mut seen);
            tokio::time::sleep(Duration::from_millis(10).min(at - Instant::now())).await;
        }
        salesforce
            .update("Opportunity", deal, json!({ "StageName": "Closed Won" }))
            .map_err(|e| anyhow::anyhow!("cannot close {deal}: {e:?}"))?;
        closed.insert(deal.clone(), Instant::now());
        disrupt(index)?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < closed.len() && Instant::now() < deadline {
        note_seen(fno, &closed, &mut seen);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let latest = salesforce.latest_replay_id_hex();
    let status = status_until(client, |s| s.last_replay_id == latest).await?;
    wait_for_runs(client).await?;
    let counts = entitlements_per_order(fno);
    let mut latencies: Vec<Duration> = seen
        .iter()
        .map(|(deal, at)| at.duration_since(closed[deal]))
        .collect();
    latencies.sort();
    let salesforce_counts = salesforce.call_counts();
    let fno_counts = fno.counts();
    Ok(EventFigures {
        latencies,
        missed: deals.iter().filter(|d| !counts.contains_key(*d)).count(),
        duplicated: deals
            .iter()
            .filter(|d| counts.get(*d).is_some_and(|n| *n > 1))
            .count(),
        // Pub/Sub calls do not spend the REST API's daily allocation.
        salesforce_calls: salesforce_counts
            .iter()
            .filter(|(op, _)| !op.starts_with("pubsub."))
            .map(|(_, n)| n)
            .sum(),
        fno_calls: fno_counts.values().sum(),
        by_operation: by_operation(&salesforce_counts, &fno_counts),
        status,
    })
}

/// The calls of both sandboxes by operation (`SF …`, `FNO …`), those made.
pub fn by_operation(
    salesforce: &BTreeMap<String, u64>,
    fno: &BTreeMap<String, u64>,
) -> Vec<(String, u64)> {
    salesforce
        .iter()
        .map(|(op, n)| (format!("SF {op}"), *n))
        .chain(fno.iter().map(|(op, n)| (format!("FNO {op}"), *n)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Calls by operation as printed: `SF composite 5, FNO createUser 5`.
pub fn calls_list(by_operation: &[(String, u64)]) -> String {
    let calls: Vec<String> = by_operation
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect();
    calls.join(", ")
}

/// Notes the closed deals whose entitlement FNO holds now.
fn note_seen(
    fno: &FnoSandbox,
    closed: &HashMap<String, Instant>,
    seen: &mut HashMap<String, Instant>,
) {
    if seen.len() == closed.len() {
        return;
    }
    let now = Instant::now();
    for order in entitlements_per_order(fno).into_keys() {
        if closed.contains_key(&order) {
            seen.entry(order).or_insert(now);
        }
    }
}

/// The entitlements FNO holds per order (the opportunity its lines name).
fn entitlements_per_order(fno: &FnoSandbox) -> HashMap<String, usize> {
    fno.store().read(|state| {
        let mut counts = HashMap::new();
        for entitlement in &state.entitlements {
            if let Some(order) = entitlement
                .line_items
                .iter()
                .find_map(|l| l.order_id.clone())
            {
                *counts.entry(order).or_insert(0) += 1;
            }
        }
        counts
    })
}

/// Waits until no event run is queued or running (a minute at most).
async fn wait_for_runs(client: &FnosyncClient) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = runs_of(client, proto::SyncKind::Event).await?;
        let open = runs.iter().any(|run| {
            [proto::SyncRunState::Queued, proto::SyncRunState::Running]
                .iter()
                .any(|s| *s as i32 == run.state)
        });
        if !open {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "event runs still open after a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
