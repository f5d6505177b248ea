//! The sync engine: workers claim queued runs from PostgreSQL and carry them
//! out against Salesforce and FNO, writing a transaction log for every step.
//! Nothing here speaks gRPC.

pub mod accounts;
pub mod apply;
pub mod batch;
pub mod budget;
pub mod calls;
pub mod cancellations;
pub mod changes;
pub mod claims;
pub mod clients;
pub mod creates;
pub mod dry_run;
pub mod echo;
pub mod engine;
pub mod events;
pub mod fno_to_crm;
pub mod lines;
pub mod logger;
pub mod mapping;
pub mod page;
pub mod pass;
pub mod plan;
pub mod read;
pub mod record;
pub mod renewals;
pub mod retry;
pub mod rules;
pub mod scheduler;
pub mod sent;
pub mod to_record;
pub mod updates;
pub mod worker;

use std::time::Duration;

use sqlx::PgPool;

use crate::crypto::SecretBox;
use crate::outbound::OutboundHttp;
use crate::store::notifications::Notifications;

/// What the engine needs from the server.
#[derive(Clone)]
pub struct SyncContext {
    /// The database.
    pub pool: PgPool,
    /// Opens the stored connection secrets.
    pub secret_box: SecretBox,
    /// Outbound HTTP limited to the remote sites.
    pub outbound: OutboundHttp,
    /// The process's notification listener (new runs).
    pub notifications: Notifications,
    /// This worker's identity, stored on the runs it claims.
    pub worker_id: String,
    /// How long a claimed run stays with this worker without progress.
    pub lease: Duration,
    /// Salesforce API requests a run leaves untouched each day.
    pub budget_floor: u64,
    /// How often a paused run checks the budget again.
    pub budget_check: Duration,
    /// Accounts a scheduled or immediate run syncs at the same time.
    pub concurrency: usize,
    /// How long after its last send an entitlement create may still land in
    /// FNO (twice the HTTP timeout and a margin): a run does not look up an
    /// order whose intent is younger, so a create still in flight from a
    /// run that died is found rather than made again.
    pub in_flight: Duration,
    /// Changed records read per page (and per checkpoint).
    pub page_size: u32,
    /// The process's Salesforce client, its session shared by the runs.
    pub salesforce: clients::SalesforceSessions,
    /// Part numbers the process's runs found deployed in FNO lately.
    pub deployed_parts: lines::DeployedParts,
}
