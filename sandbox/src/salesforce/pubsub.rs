//! The Pub/Sub API (`eventbus.v1.PubSub`, compiled from Salesforce's own
//! `pubsub_api.proto`) over TLS: GetTopic, GetSchema and Subscribe with
//! client flow control, replay presets and Salesforce's errors; change events
//! only (publishing is refused, as for change event topics). Each call is
//! authenticated by the `accesstoken`, `instanceurl` and `tenantid` metadata.
//!
//! Operations go through the fault switches and gates like REST calls:
//! `pubsub.subscribe` (opening a stream), `pubsub.deliver` (each batch of
//! events sent: a gate holds delivery, latency delays it, a drop or a
//! failure ends the stream), `pubsub.get_topic`, `pubsub.get_schema`.

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use fnosync_proto::eventbus::v1 as pb;
use fnosync_proto::eventbus::v1::pub_sub_server::{PubSub, PubSubServer};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use super::change_events::{self, replay_bytes, Start, Topic};
use super::state::App;
use crate::faults::Injected;
use crate::tls::SandboxCa;

/// Events a FetchRequest may ask for at most, and a response carries at most.
pub const MAX_REQUESTED: i32 = 100;

/// How often an idle stream gets a keep-alive (Salesforce: within 270 s).
pub const KEEPALIVE: Duration = Duration::from_secs(270);

/// `error-code` of a bad session.
const AUTH_ERROR: &str = "sfdc.platform.eventbus.grpc.service.auth.error";
/// `error-code` of a replay id that is unknown or past retention.
const REPLAY_ERROR: &str = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";
/// `error-code` of an unknown topic.
const TOPIC_ERROR: &str = "sfdc.platform.eventbus.grpc.service.topic.not.found";
/// `error-code` of a publish to a change event topic.
const PUBLISH_ERROR: &str = "sfdc.platform.eventbus.grpc.publish.not.allowed";

type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// A status with Salesforce's `error-code` metadata.
fn error(code: tonic::Code, message: &str, error_code: &'static str) -> Status {
    let mut metadata = MetadataMap::new();
    metadata.insert(
        "error-code",
        tonic::metadata::MetadataValue::from_static(error_code),
    );
    Status::with_metadata(code, message, metadata)
}

fn rpc_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The Pub/Sub service of one sandbox org.
#[derive(Clone)]
pub struct PubSubService {
    app: App,
}

impl PubSubService {
    /// Checks the call's session: a live token of this org's instance.
    fn authenticate(&self, metadata: &MetadataMap) -> Result<(), Status> {
        let text = |name: &str| {
            metadata
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (token, instance, tenant) =
            (text("accesstoken"), text("instanceurl"), text("tenantid"));
        if token.is_empty() || instance.is_empty() || tenant.is_empty() {
            return Err(error(
                tonic::Code::Unauthenticated,
                "accesstoken, instanceurl and tenantid are required in the call's metadata",
                AUTH_ERROR,
            ));
        }
        let url = self.app.url.get().map(String::as_str).unwrap_or_default();
        let org = &self.app.auth.org_id;
        let tenant_matches = tenant == *org || (tenant.len() == 15 && org.starts_with(&tenant));
        if self.app.auth.check(&token).is_none()
            || instance.trim_end_matches('/') != url
            || !tenant_matches
        {
            return Err(error(
                tonic::Code::Unauthenticated,
                "The session is not valid for this org: authenticate again",
                AUTH_ERROR,
            ));
        }
        Ok(())
    }

    /// Counts an operation, holds it at a gate, applies its faults.
    async fn enter(&self, operation: &str) -> Result<(), Status> {
        match self.app.faults.enter(operation).await {
            Injected::Fail(_) | Injected::Drop => Err(Status::unavailable(
                "The service is temporarily unavailable: subscribe again",
            )),
            _ => Ok(()),
        }
    }
}

#[tonic::async_trait]
impl PubSub for PubSubService {
    type SubscribeStream = Streamed<pb::FetchResponse>;
    type PublishStreamStream = Streamed<pb::PublishResponse>;
    type ManagedSubscribeStream = Streamed<pb::ManagedFetchResponse>;

    async fn subscribe(
        &self,
        request: Request<Streaming<pb::FetchRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        self.authenticate(request.metadata())?;
        self.enter("pubsub.subscribe").await?;
        let mut inbound = request.into_inner();
        let first = inbound
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("the stream ended before a FetchRequest"))?;
        let topic = self.app.events.topic(&first.topic_name).ok_or_else(|| {
            error(
                tonic::Code::NotFound,
                &format!(
                    "The topic {} does not exist or is not a change event topic",
                    first.topic_name
                ),
                TOPIC_ERROR,
            )
        })?;
        let after = match self
            .app
            .events
            .start(&self.app.clock, first.replay_preset, &first.replay_id)
        {
            Start::After(after) => after,
            Start::Invalid => {
                return Err(error(
                    tonic::Code::InvalidArgument,
                    "The Replay ID validation failed: it is not a replay id of this topic, or its event is past the retention window",
                    REPLAY_ERROR,
                ))
            }
        };
        let (sender, receiver) = mpsc::channel(4);
        let stream = Subscription {
            service: self.clone(),
            topic,
            after,
            pending: first.num_requested.clamp(0, MAX_REQUESTED),
            rpc_id: rpc_id(),
        };
        tokio::spawn(stream.run(inbound, sender));
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    async fn get_schema(
        &self,
        request: Request<pb::SchemaRequest>,
    ) -> Result<Response<pb::SchemaInfo>, Status> {
        self.authenticate(request.metadata())?;
        self.enter("pubsub.get_schema").await?;
        let id = request.into_inner().schema_id;
        let schema = change_events::schema_by_id(&id)
            .ok_or_else(|| Status::not_found(format!("no schema with id {id}")))?;
        Ok(Response::new(pb::SchemaInfo {
            schema_json: schema.json.clone(),
            schema_id: schema.id.clone(),
            rpc_id: rpc_id(),
        }))
    }

    async fn get_topic(
        &self,
        request: Request<pb::TopicRequest>,
    ) -> Result<Response<pb::TopicInfo>, Status> {
        self.authenticate(request.metadata())?;
        self.enter("pubsub.get_topic").await?;
        let topic = request.into_inner().topic_name;
        let carried = self.app.events.topic(&topic).ok_or_else(|| {
            error(
                tonic::Code::NotFound,
                &format!("The topic {topic} does not exist or is not a change event topic"),
                TOPIC_ERROR,
            )
        })?;
        Ok(Response::new(pb::TopicInfo {
            topic_name: topic,
            tenant_guid: self.app.auth.org_id.clone(),
            can_publish: false,
            can_subscribe: true,
            schema_id: carried.schema_id(),
            rpc_id: rpc_id(),
        }))
    }

    async fn publish(
        &self,
        request: Request<pb::PublishRequest>,
    ) -> Result<Response<pb::PublishResponse>, Status> {
        self.authenticate(request.metadata())?;
        Err(error(
            tonic::Code::PermissionDenied,
            "Change events are published by the platform; clients cannot publish them",
            PUBLISH_ERROR,
        ))
    }

    async fn publish_stream(
        &self,
        request: Request<Streaming<pb::PublishRequest>>,
    ) -> Result<Response<Self::PublishStreamStream>, Status> {
        self.authenticate(request.metadata())?;
        Err(error(
            tonic::Code::PermissionDenied,
            "Change events are published by the platform; clients cannot publish them",
            PUBLISH_ERROR,
        ))
    }

    async fn managed_subscribe(
        &self,
        request: Request<Streaming<pb::ManagedFetchRequest>>,
    ) -> Result<Response<Self::ManagedSubscribeStream>, Status> {
        self.authenticate(request.metadata())?;
        Err(Status::unimplemented(
            "managed subscriptions are not offered by the sandbox",
        ))
    }
}

/// One Subscribe stream: delivers the events after `after`, never more than
/// the client asked for.
struct Subscription {
    service: PubSubService,
    topic: Topic,
    after: u64,
    pending: i32,
    rpc_id: String,
}

impl Subscription {
    async fn run(
        mut self,
        mut inbound: Streaming<pb::FetchRequest>,
        sender: mpsc::Sender<Result<pb::FetchResponse, Status>>,
    ) {
        let service = self.service.clone();
        let events = &service.app.events;
        let _open = events.open_stream();
        let mut latest = events.watch_latest();
        let mut drops = events.watch_drops();
        let mut keepalive = tokio::time::interval(KEEPALIVE);
        keepalive.tick().await;
        loop {
            match self.deliver(&sender).await {
                Ok(()) => {}
                Err(status) => {
                    let _ = sender.send(Err(status)).await;
                    return;
                }
            }
            tokio::select! {
                request = inbound.message() => match request {
                    Ok(Some(request)) => {
                        self.pending = (self.pending + request.num_requested.max(0)).min(MAX_REQUESTED);
                    }
                    _ => return,
                },
                changed = latest.changed() => if changed.is_err() { return },
                _ = drops.changed() => {
                    let _ = sender
                        .send(Err(Status::unavailable("The stream was closed by the server: subscribe again")))
                        .await;
                    return;
                }
                _ = keepalive.tick() => {
                    let response = pb::FetchResponse {
                        events: Vec::new(),
                        latest_replay_id: replay_bytes(self.after),
                        rpc_id: self.rpc_id.clone(),
                        pending_num_requested: self.pending,
                    };
                    if sender.send(Ok(response)).await.is_err() {
                        return;
                    }
                }
                () = sender.closed() => return,
            }
        }
    }

    /// Sends what is there, up to what the client asked for.
    async fn deliver(
        &mut self,
        sender: &mpsc::Sender<Result<pb::FetchResponse, Status>>,
    ) -> Result<(), Status> {
        let app = &self.service.app;
        while self.pending > 0 {
            let limit = usize::try_from(self.pending).unwrap_or(0);
            let (batch, cursor) = app.events.read(&app.clock, self.after, &self.topic, limit);
            if batch.is_empty() {
                // Events of other objects only: move past them.
                self.after = cursor;
                return Ok(());
            }
            self.service.enter("pubsub.deliver").await?;
            let sent = i32::try_from(batch.len()).unwrap_or(i32::MAX);
            let response = pb::FetchResponse {
                events: batch
                    .into_iter()
                    .map(|event| pb::ConsumerEvent {
                        event: Some(pb::ProducerEvent {
                            id: event.event_id,
                            schema_id: event.schema_id,
                            payload: event.payload,
                            headers: Vec::new(),
                        }),
                        replay_id: replay_bytes(event.replay),
                    })
                    .collect(),
                latest_replay_id: replay_bytes(cursor),
                rpc_id: self.rpc_id.clone(),
                pending_num_requested: self.pending - sent,
            };
            self.after = cursor;
            self.pending -= sent;
            if sender.send(Ok(response)).await.is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The Pub/Sub server while it runs.
pub struct PubSubServerHandle {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl PubSubServerHandle {
    /// The endpoint URL, e.g. `https://127.0.0.1:7443`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Stops the server.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for PubSubServerHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves the Pub/Sub API of `app` over TLS on `bind`.
pub async fn serve(
    app: App,
    bind: SocketAddr,
    ca: &SandboxCa,
) -> anyhow::Result<PubSubServerHandle> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("failed to bind {bind}"))?;
    let addr = listener.local_addr()?;
    let (cert, key) = ca.server_identity_pem()?;
    let tls = tonic::transport::ServerTlsConfig::new()
        .identity(tonic::transport::Identity::from_pem(cert, key));
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = tonic::transport::Server::builder()
        .tls_config(tls)
        .context("failed to set up TLS for the Pub/Sub API")?
        .add_service(PubSubServer::new(PubSubService { app }));
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let task = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        if let Err(error) = router.serve_with_incoming_shutdown(incoming, stopped).await {
            tracing::error!(%error, "the Pub/Sub sandbox stopped");
        }
    });
    Ok(PubSubServerHandle {
        addr,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}
