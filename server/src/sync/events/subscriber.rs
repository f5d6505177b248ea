//! The subscriber: takes the leader lock, subscribes to its channel
//! (`/data/ChangeEvents` unless configured) from the stored replay id,
//! gathers events over the debounce and queues the runs they cause,
//! reconnecting (from the stored replay id) when the stream drops, and
//! falling back to an immediate sync where the events cannot say what
//! changed.

use std::collections::HashMap;
use std::time::Duration;

use apache_avro::Schema;
use chrono::Utc;
use fnosync_proto::eventbus::v1 as pb;
use fnosync_proto::eventbus::v1::pub_sub_client::PubSubClient;
use secrecy::ExposeSecret;
use sqlx::{Connection, PgConnection};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Request, Status};

use super::decode::{self, ChangeEvent};
use super::gather::{Gathered, Source};
use crate::domain::run::RunKind;
use crate::license::{LicenseState, LicenseVerifier};
use crate::salesforce::client::CLIENT_ID;
use crate::salesforce::{PubSubIdentity, SalesforceClient};
use crate::store::event_sync::{self, BatchRecord, EventSyncRecord};
use crate::store::links;
use crate::store::runs::{self, NewRun};
use crate::sync::batch::LOOKBACK;
use crate::sync::scheduler::stored_licence;
use crate::sync::SyncContext;
use crate::telemetry_metrics::{
    EVENT_SYNC_CONNECTED, EVENT_SYNC_EVENTS, EVENT_SYNC_FALLBACKS, EVENT_SYNC_LAG,
};

/// Who the runs the subscriber queues are requested by.
pub const REQUESTED_BY: &str = "event-sync";
/// The advisory lock whose holder is the one subscriber.
const LOCK_KEY: i64 = 0x666e_6f73_796e_6301;
/// Events asked for at a time (the Pub/Sub API's most).
const BATCH: i32 = 100;
/// Longest wait before subscribing again after a failure.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often the holder of an open stream says it is alive (the status
/// shows a stream as open only while it does; see `EventSyncRecord::is_connected`).
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How far after its queueing a fallback's window reaches, so that it
/// covers the moment the new subscription starts from the latest event.
const FALLBACK_MARGIN: chrono::Duration = chrono::Duration::minutes(1);

/// Accounts whose runs are queued without waiting for the debounce or the
/// maximum wait: FNO creates take this many records per call, so a run of
/// more accounts would cost a second create of each kind anyway.
const FULL_RUN: usize = crate::fno::MAX_WRITE_RECORDS;

/// How the subscriber works.
#[derive(Clone)]
pub struct EventSettings {
    /// TLS of the Pub/Sub connection (public roots and the extra CAs).
    pub tls: ClientTlsConfig,
    /// The channel subscribed to: the standard one or a custom `/data/<Name>__chn`.
    pub channel: String,
    /// How long after the last event that names something the gathered
    /// events' runs are queued (a deal's events come together; a lone deal
    /// waits no longer than this).
    pub debounce: Duration,
    /// How long after the first gathered event their runs are queued at the
    /// latest, however many events keep coming (a burst is gathered into
    /// runs of this many seconds' deals).
    pub max_wait: Duration,
    /// How often settings, licence and the lock are checked.
    pub tick: Duration,
    /// The licence verifier.
    pub verifier: LicenseVerifier,
}

/// Runs the subscriber of this process until `shutdown`: whichever
/// process holds the lock subscribes; the others wait to take over.
pub async fn run_event_sync(
    ctx: SyncContext,
    settings: EventSettings,
    shutdown: CancellationToken,
) {
    let holder = ctx.worker_id.clone();
    let mut lock: Option<PgConnection> = None;
    loop {
        match try_lead(&ctx, &settings, &holder, &mut lock, &shutdown).await {
            Ok(()) => {}
            Err(error) => {
                tracing::warn!(%error, "event sync: the subscriber could not go on; trying again");
                lock = None;
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(settings.tick) => {}
        }
    }
    if lock.is_some() {
        let _ = event_sync::report_unsubscribed(&ctx.pool, &holder, "").await;
    }
}

/// Subscribes while event sync is enabled and this process holds the lock.
async fn try_lead(
    ctx: &SyncContext,
    settings: &EventSettings,
    holder: &str,
    lock: &mut Option<PgConnection>,
    shutdown: &CancellationToken,
) -> crate::error::Result<()> {
    let config = event_sync::get(&ctx.pool).await?;
    if !config.enabled() {
        // Let another replica lead once this one is enabled again.
        if lock.take().is_some() {
            event_sync::report_unsubscribed(&ctx.pool, holder, "").await?;
        }
        return Ok(());
    }
    if lock.is_none() {
        let options = ctx.pool.connect_options();
        let mut connection = PgConnection::connect_with(&options).await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LOCK_KEY)
            .fetch_one(&mut connection)
            .await?;
        if !taken {
            return Ok(());
        }
        tracing::info!(holder, "event sync: this replica holds the subscription");
        event_sync::report_unsubscribed(&ctx.pool, holder, "").await?;
        *lock = Some(connection);
    }
    let Some(connection) = lock.as_mut() else {
        return Ok(());
    };
    let mut leader = Leader {
        ctx,
        settings,
        holder,
        lock: connection,
        shutdown,
        schemas: HashMap::new(),
        fell_back: false,
    };
    leader.lead().await
}

/// How a subscription ended.
enum Ended {
    /// Shutdown, or event sync disabled: stop.
    Stop,
    /// Subscribe again at once (the endpoint changed, or a fallback reset the replay id).
    Again,
    /// The stream failed: subscribe again after a pause.
    Failed(String),
}

struct Leader<'a> {
    ctx: &'a SyncContext,
    settings: &'a EventSettings,
    holder: &'a str,
    lock: &'a mut PgConnection,
    shutdown: &'a CancellationToken,
    schemas: HashMap<String, Schema>,
    /// Set by a fallback until the stream that follows it is open.
    fell_back: bool,
}

impl Leader<'_> {
    async fn lead(&mut self) -> crate::error::Result<()> {
        let mut backoff = Duration::from_secs(1);
        loop {
            if self.shutdown.is_cancelled() {
                return Ok(());
            }
            let config = event_sync::get(&self.ctx.pool).await?;
            if !config.enabled() {
                event_sync::report_unsubscribed(&self.ctx.pool, self.holder, "").await?;
                return Ok(());
            }
            let licence = stored_licence(&self.ctx.pool, &self.settings.verifier).await?;
            let ended = if licence.state != LicenseState::Valid {
                Ended::Failed(format!(
                    "change events are not synced without a valid licence: {}",
                    licence.message
                ))
            } else {
                self.subscribe(&config).await?
            };
            metrics::gauge!(EVENT_SYNC_CONNECTED).set(0.0);
            match ended {
                Ended::Stop => {
                    event_sync::report_unsubscribed(&self.ctx.pool, self.holder, "").await?;
                    return Ok(());
                }
                Ended::Again => backoff = Duration::from_secs(1),
                Ended::Failed(reason) => {
                    tracing::warn!(%reason, retry_in = ?backoff, "event sync: not subscribed");
                    event_sync::report_unsubscribed(&self.ctx.pool, self.holder, &reason).await?;
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return Ok(()),
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            self.check_lock().await?;
        }
    }

    /// Fails when the lock's connection is gone (another replica may lead now).
    async fn check_lock(&mut self) -> crate::error::Result<()> {
        sqlx::query("SELECT 1").execute(&mut *self.lock).await?;
        Ok(())
    }

    /// One subscription, until it ends.
    async fn subscribe(&mut self, config: &EventSyncRecord) -> crate::error::Result<Ended> {
        if config.replay_id.is_none() {
            match config.last_commit {
                // A stream started from the latest event and ended before
                // it stored a replay id: what it may have missed is read by time.
                Some(_) if !self.fell_back => {
                    self.fall_back(
                        "no replay id was stored since the last stream started: the changes since then are read by time",
                    )
                    .await?;
                }
                Some(_) => {}
                // The first stream: events count from now.
                None => event_sync::start_from_now(&self.ctx.pool).await?,
            }
        }
        let sf = match self
            .ctx
            .salesforce
            .client(&self.ctx.pool, &self.ctx.secret_box, &self.ctx.outbound)
            .await
        {
            Ok(sf) => sf,
            Err(error) => return Ok(Ended::Failed(error.to_string())),
        };
        let mut identity = match sf.pubsub_identity(false).await {
            Ok(identity) => identity,
            Err(error) => {
                return Ok(Ended::Failed(format!(
                    "cannot log in to Salesforce: {error}"
                )))
            }
        };
        let channel = match self.connect(&config.pubsub_url).await {
            Ok(channel) => channel,
            Err(reason) => return Ok(Ended::Failed(reason)),
        };
        let mut client = PubSubClient::new(channel);
        let (replay_preset, replay_id) = match &config.replay_id {
            Some(id) => (pb::ReplayPreset::Custom, id.clone()),
            None => (pb::ReplayPreset::Latest, Vec::new()),
        };
        let first = pb::FetchRequest {
            topic_name: self.settings.channel.clone(),
            replay_preset: replay_preset as i32,
            replay_id,
            num_requested: BATCH,
            ..Default::default()
        };
        let mut renewed = false;
        let (sender, mut stream) = loop {
            let (sender, receiver) = mpsc::channel(4);
            // The first request goes with the call; the channel has room.
            let _ = sender.try_send(first.clone());
            let request = authed(ReceiverStream::new(receiver), &identity);
            match client.subscribe(request).await {
                Ok(response) => break (sender, response.into_inner()),
                Err(status) if status.code() == Code::Unauthenticated && !renewed => {
                    renewed = true;
                    identity = match sf.pubsub_identity(true).await {
                        Ok(identity) => identity,
                        Err(error) => {
                            return Ok(Ended::Failed(format!(
                                "cannot log in to Salesforce: {error}"
                            )))
                        }
                    };
                }
                Err(status) => return self.refused(&sf, &status).await,
            }
        };
        self.fell_back = false;
        tracing::info!(channel = %self.settings.channel, preset = ?replay_preset, "event sync: subscribed");
        event_sync::report_subscribed(&self.ctx.pool, self.holder, &self.settings.channel).await?;
        metrics::gauge!(EVENT_SYNC_CONNECTED).set(1.0);
        let mut session = Session {
            sf,
            identity,
            client,
            sender,
            requested: BATCH,
            gathered: Gathered::default(),
            first: None,
            deadline: None,
            objects: config.objects.clone(),
        };
        let mut tick = tokio::time::interval(self.settings.tick);
        tick.tick().await;
        let mut beat = Instant::now();
        loop {
            let deadline = session.deadline;
            let answer = tokio::select! {
                _ = self.shutdown.cancelled() => return Ok(Ended::Stop),
                _ = tick.tick() => {
                    self.check_lock().await?;
                    let now = event_sync::get(&self.ctx.pool).await?;
                    if !now.enabled() {
                        return Ok(Ended::Stop);
                    }
                    if now.pubsub_url != config.pubsub_url {
                        return Ok(Ended::Again);
                    }
                    session.objects = now.objects;
                    if beat.elapsed() >= HEARTBEAT {
                        event_sync::heartbeat(&self.ctx.pool, self.holder).await?;
                        beat = Instant::now();
                    }
                    continue;
                }
                _ = sleep_until(deadline) => {
                    if let Err(reason) = self.flush(&mut session).await? {
                        return Ok(Ended::Failed(reason));
                    }
                    continue;
                }
                message = stream.message() => message,
            };
            match answer {
                Ok(Some(response)) => {
                    if let Some(ended) = self.take_in(&mut session, response).await? {
                        return Ok(ended);
                    }
                }
                Ok(None) => {
                    let _ = self.flush(&mut session).await?;
                    return Ok(Ended::Failed("the change-event stream ended".into()));
                }
                Err(status) => {
                    // What was received before the failure stands.
                    let _ = self.flush(&mut session).await?;
                    return self.refused(&session.sf, &status).await;
                }
            }
        }
    }

    /// What a refused call or a failed stream means: a replay id past
    /// retention falls back to an immediate sync; a refused session is
    /// renewed for the next subscription; anything else is retried.
    async fn refused(
        &mut self,
        sf: &SalesforceClient,
        status: &Status,
    ) -> crate::error::Result<Ended> {
        if replay_refused(status) {
            self.fall_back(&format!(
                "the stored replay id was refused ({}): the events since the last processed one are past retention",
                status.message()
            ))
            .await?;
            return Ok(Ended::Again);
        }
        if status.code() == Code::Unauthenticated {
            if let Err(error) = sf.pubsub_identity(true).await {
                return Ok(Ended::Failed(format!(
                    "cannot log in to Salesforce: {error}"
                )));
            }
        }
        Ok(Ended::Failed(describe(status)))
    }

    /// Opens the TLS channel to the Pub/Sub endpoint, a registered remote site.
    async fn connect(&self, url: &str) -> Result<Channel, String> {
        let url = self
            .ctx
            .outbound
            .check_allowed(url)
            .await
            .map_err(|e| e.to_string())?;
        let endpoint = Endpoint::from_shared(url.to_string())
            .map_err(|e| format!("the Pub/Sub URL {url} cannot be used: {e}"))?
            .tls_config(self.settings.tls.clone())
            .map_err(|e| format!("TLS to {url} cannot be set up: {e}"))?
            .connect_timeout(Duration::from_secs(10))
            .http2_keep_alive_interval(Duration::from_secs(60));
        endpoint
            .connect()
            .await
            .map_err(|e| format!("cannot reach the Pub/Sub API at {url}: {e}"))
    }

    /// Takes in one answer of the stream; `Some` when the subscription must end.
    async fn take_in(
        &mut self,
        session: &mut Session,
        response: pb::FetchResponse,
    ) -> crate::error::Result<Option<Ended>> {
        let received = i32::try_from(response.events.len()).unwrap_or(i32::MAX);
        session.requested = (session.requested - received).max(0);
        if response.events.is_empty()
            && session.gathered.is_empty()
            && !response.latest_replay_id.is_empty()
        {
            // A keep-alive: the stored replay id stays near the stream's
            // head, so that a quiet org does not fall out of retention.
            let batch = BatchRecord {
                replay_id: response.latest_replay_id.clone(),
                ..Default::default()
            };
            event_sync::record_batch(&self.ctx.pool, self.holder, &batch).await?;
        }
        for consumed in response.events {
            let Some(event) = consumed.event else {
                continue;
            };
            let decoded = match self.decode(session, &event).await {
                Ok(decoded) => decoded,
                Err(reason) => return Ok(Some(Ended::Failed(reason))),
            };
            if decoded.is_overflow() {
                if let Err(reason) = self.flush(session).await? {
                    return Ok(Some(Ended::Failed(reason)));
                }
                self.fall_back(&format!(
                    "GAP_OVERFLOW on {}: one transaction changed too many records to name them",
                    decoded.entity
                ))
                .await?;
                return Ok(Some(Ended::Again));
            }
            let naming = session.gathered.naming;
            session
                .gathered
                .add(&decoded, consumed.replay_id, &session.objects, CLIENT_ID);
            let now = Instant::now();
            if session.gathered.naming > naming {
                let first = *session.first.get_or_insert(now);
                let timing = Timing {
                    first,
                    last: now,
                    named: session.gathered.named(),
                };
                let settings = &self.settings;
                session.deadline = Some(timing.flush_at(settings.debounce, settings.max_wait));
            } else if session.deadline.is_none() {
                // Events that name nothing (fnosync's own, say) are flushed
                // too, so that the stored replay id moves past them.
                session.deadline = Some(now + self.settings.debounce);
            }
        }
        if session.requested <= BATCH / 2 {
            let more = BATCH - session.requested;
            let request = pb::FetchRequest {
                topic_name: self.settings.channel.clone(),
                num_requested: more,
                ..Default::default()
            };
            if session.sender.send(request).await.is_err() {
                return Ok(Some(Ended::Failed("the change-event stream closed".into())));
            }
            session.requested = BATCH;
        }
        Ok(None)
    }

    /// Decodes an event with its schema, fetched once per schema id.
    async fn decode(
        &mut self,
        session: &mut Session,
        event: &pb::ProducerEvent,
    ) -> Result<ChangeEvent, String> {
        if !self.schemas.contains_key(&event.schema_id) {
            let request = authed(
                pb::SchemaRequest {
                    schema_id: event.schema_id.clone(),
                },
                &session.identity,
            );
            let info = session
                .client
                .get_schema(request)
                .await
                .map_err(|status| {
                    format!(
                        "cannot read the event schema {}: {}",
                        event.schema_id,
                        describe(&status)
                    )
                })?
                .into_inner();
            let schema = decode::parse_schema(&info.schema_json)?;
            self.schemas.insert(event.schema_id.clone(), schema);
        }
        decode::decode(&self.schemas[&event.schema_id], &event.payload)
            .map_err(|reason| format!("event {}: {reason}", event.id))
    }

    /// Queues the runs of the gathered events and moves the stored replay
    /// id past them, in one transaction. `Err` (nothing stored, the events
    /// come again) when their accounts cannot be read or the licence is not valid.
    async fn flush(&mut self, session: &mut Session) -> crate::error::Result<Result<(), String>> {
        session.deadline = None;
        session.first = None;
        if session.gathered.is_empty() {
            return Ok(Ok(()));
        }
        let mut gathered = std::mem::take(&mut session.gathered);
        let read_again = i64::try_from(gathered.records_to_read()).unwrap_or(i64::MAX);
        if let Err(error) = gathered.read_accounts(&session.sf).await {
            return Ok(Err(format!(
                "cannot read the accounts of changed records: {error}"
            )));
        }
        let accounts = self.accounts_to_sync(&gathered).await?;
        let licence = stored_licence(&self.ctx.pool, &self.settings.verifier).await?;
        if !accounts.is_empty() && licence.state != LicenseState::Valid {
            return Ok(Err(format!(
                "change events are not synced without a valid licence: {}",
                licence.message
            )));
        }
        let outcomes = Outcomes::of(&gathered, accounts.len());
        let coalesced = outcomes.coalesced;
        let batch = BatchRecord {
            replay_id: gathered.replay_id.clone(),
            last_commit: gathered.last_commit,
            received: gathered.received,
            coalesced,
            own: gathered.own,
            runs: i64::from(!accounts.is_empty()),
            read_again,
        };
        let mut tx = self.ctx.pool.begin().await?;
        let run = if accounts.is_empty() {
            None
        } else {
            let new_run = NewRun {
                kind: RunKind::Event,
                account_id: "",
                account_ids: &accounts,
                retry_of: "",
                window: None,
                requested_by: REQUESTED_BY,
            };
            Some(runs::insert_run_on(&mut tx, &new_run).await?)
        };
        if !event_sync::record_batch(&mut *tx, self.holder, &batch).await? {
            tx.rollback().await?;
            return Ok(Err("another replica holds the subscription now".into()));
        }
        tx.commit().await?;
        for (outcome, count) in [
            ("queued", outcomes.queued),
            ("coalesced", outcomes.coalesced),
            ("own", gathered.own),
            ("ignored", outcomes.ignored),
        ] {
            metrics::counter!(EVENT_SYNC_EVENTS, "outcome" => outcome)
                .increment(count.max(0) as u64);
        }
        if let Some(commit) = gathered.last_commit {
            let lag = (Utc::now() - commit).num_milliseconds().max(0) as f64 / 1000.0;
            metrics::gauge!(EVENT_SYNC_LAG).set(lag);
        }
        if let Some(run) = run {
            tracing::info!(
                run_id = %run.run_id,
                accounts = accounts.len(),
                events = gathered.received,
                "event sync: run queued"
            );
        }
        Ok(Ok(()))
    }

    /// The accounts to sync: those of changed orders, and those of changed
    /// account or contact records whose orders were synced before (the
    /// others have nothing in FNO to keep up to date).
    async fn accounts_to_sync(&self, gathered: &Gathered) -> crate::error::Result<Vec<String>> {
        let records: Vec<String> = gathered
            .accounts
            .iter()
            .filter(|(_, source)| **source == Source::Records)
            .map(|(account, _)| account.clone())
            .collect();
        let synced: std::collections::HashSet<String> =
            links::get_links(&self.ctx.pool, "Account", &records)
                .await?
                .into_iter()
                .filter(|(link, _)| !link.fno_id.is_empty())
                .map(|(link, _)| link.salesforce_id)
                .collect();
        Ok(gathered
            .accounts
            .iter()
            .filter(|(account, source)| **source == Source::Orders || synced.contains(*account))
            .map(|(account, _)| account.clone())
            .collect())
    }

    /// Queues an immediate sync from the last processed commit time (less
    /// the look-back) and forgets the replay id, so that the next
    /// subscription starts from the latest event; logged and counted.
    async fn fall_back(&mut self, reason: &str) -> crate::error::Result<()> {
        let mut tx = self.ctx.pool.begin().await?;
        let state = event_sync::get(&mut *tx).await?;
        let now = Utc::now();
        let start = state.last_commit.or(state.enabled_at).unwrap_or(now) - LOOKBACK;
        let new_run = NewRun {
            kind: RunKind::Immediate,
            account_id: "",
            account_ids: &[],
            retry_of: "",
            window: Some((start, now + FALLBACK_MARGIN)),
            requested_by: REQUESTED_BY,
        };
        let run = runs::insert_run_on(&mut tx, &new_run).await?;
        event_sync::record_fallback(&mut *tx, reason).await?;
        tx.commit().await?;
        self.fell_back = true;
        let kind = if reason.starts_with("GAP_OVERFLOW") {
            "overflow"
        } else if reason.starts_with("no replay id") {
            "no_replay_id"
        } else {
            "replay_refused"
        };
        metrics::counter!(EVENT_SYNC_FALLBACKS, "reason" => kind).increment(1);
        tracing::warn!(
            run_id = %run.run_id,
            from = %start,
            %reason,
            "event sync: fell back to an immediate sync from the last processed commit"
        );
        Ok(())
    }
}

/// What became of a batch's events: each counted once.
#[derive(Debug, PartialEq, Eq)]
struct Outcomes {
    /// Events whose account a run syncs.
    queued: i64,
    /// Events folded into the run of another event's account.
    coalesced: i64,
    /// Events of objects not enabled, of deleted records, or of accounts
    /// with nothing synced to keep up to date.
    ignored: i64,
}

impl Outcomes {
    fn of(gathered: &Gathered, kept: usize) -> Self {
        let named = i64::try_from(gathered.accounts.len()).unwrap_or(i64::MAX);
        let kept = i64::try_from(kept).unwrap_or(i64::MAX);
        let coalesced = (gathered.naming - named).max(0);
        let left_out = (named - kept).clamp(0, gathered.naming - coalesced);
        Self {
            queued: gathered.naming - coalesced - left_out,
            coalesced,
            ignored: gathered.ignored + left_out,
        }
    }
}

/// An open subscription.
struct Session {
    sf: SalesforceClient,
    identity: PubSubIdentity,
    client: PubSubClient<Channel>,
    sender: mpsc::Sender<pb::FetchRequest>,
    /// Events asked for and not yet received.
    requested: i32,
    gathered: Gathered,
    /// When the first of the gathered events that name something came.
    first: Option<Instant>,
    /// When the gathered events are flushed.
    deadline: Option<Instant>,
    objects: Vec<String>,
}

/// A request with the Pub/Sub API's authentication metadata.
fn authed<T>(message: T, identity: &PubSubIdentity) -> Request<T> {
    let mut request = Request::new(message);
    let metadata = request.metadata_mut();
    for (name, value) in [
        ("accesstoken", identity.access_token.expose_secret()),
        ("instanceurl", identity.instance_url.as_str()),
        ("tenantid", identity.org_id.as_str()),
    ] {
        if let Ok(value) = value.parse() {
            metadata.insert(name, value);
        }
    }
    request
}

/// Whether the server refused the replay id (past retention, or not one of its own).
fn replay_refused(status: &Status) -> bool {
    status.code() == Code::InvalidArgument
        && status
            .metadata()
            .get("error-code")
            .and_then(|code| code.to_str().ok())
            .is_some_and(|code| code.contains("replayid"))
}

/// A failed call as the status shows it: code, message and Salesforce's error code.
fn describe(status: &Status) -> String {
    let code = status
        .metadata()
        .get("error-code")
        .and_then(|code| code.to_str().ok())
        .map(|code| format!(" [{code}]"))
        .unwrap_or_default();
    format!("{:?}: {}{code}", status.code(), status.message())
}

/// When the gathered events that name something came, and how many
/// accounts they name at most.
struct Timing {
    first: Instant,
    last: Instant,
    named: usize,
}

impl Timing {
    /// When the gathered events are flushed: a debounce after the last, the
    /// maximum wait after the first at the latest, and at once when they
    /// name a full run.
    fn flush_at(&self, debounce: Duration, max_wait: Duration) -> Instant {
        if self.named >= FULL_RUN {
            return self.last;
        }
        (self.last + debounce).min(self.first + max_wait)
    }
}

/// Waits until `deadline`, forever when there is none.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_deal_waits_the_debounce_a_burst_the_maximum_wait_and_a_full_run_nothing() {
        let (debounce, max_wait) = (Duration::from_millis(500), Duration::from_secs(3));
        let first = Instant::now();
        let at = |ms| first + Duration::from_millis(ms);
        let flush_at = |last, named| Timing { first, last, named }.flush_at(debounce, max_wait);
        // A deal's events come together: flushed a debounce after the last.
        assert_eq!(flush_at(first, 1), at(500));
        assert_eq!(flush_at(at(30), 1), at(530));
        // Deals closed every 100 ms keep it from going quiet: the maximum
        // wait after the first ends the batch.
        assert_eq!(flush_at(at(2_400), 24), at(2_900));
        assert_eq!(flush_at(at(2_600), 24), at(3_000));
        assert_eq!(flush_at(at(2_900), 24), at(3_000));
        // As many accounts as an FNO create takes: queued at once.
        assert_eq!(flush_at(at(2_400), FULL_RUN), at(2_400));
        assert_eq!(flush_at(at(30), FULL_RUN + 5), at(30));
    }

    #[test]
    fn each_event_is_counted_once_as_queued_coalesced_or_ignored() {
        let mut gathered = Gathered {
            naming: 5,
            ignored: 2,
            ..Default::default()
        };
        for account in ["001A", "001B", "001C"] {
            gathered.accounts.insert(account.into(), Source::Orders);
        }
        // Five events named three accounts, one of which has nothing synced.
        assert_eq!(
            Outcomes::of(&gathered, 2),
            Outcomes {
                queued: 2,
                coalesced: 2,
                ignored: 3
            }
        );
        assert_eq!(
            Outcomes::of(&gathered, 3),
            Outcomes {
                queued: 3,
                coalesced: 2,
                ignored: 2
            }
        );
    }

    #[test]
    fn only_a_refused_replay_id_falls_back() {
        let mut refused = Status::invalid_argument("The Replay ID validation failed");
        refused.metadata_mut().insert(
            "error-code",
            "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"
                .parse()
                .expect("metadata"),
        );
        assert!(replay_refused(&refused));
        assert!(describe(&refused).contains("replayid.corrupted"));
        assert!(!replay_refused(&Status::invalid_argument("bad topic")));
        assert!(!replay_refused(&Status::unavailable("later")));
    }
}
