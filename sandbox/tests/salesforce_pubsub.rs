//! The Pub/Sub API of the Salesforce sandbox: change events of REST writes
//! over gRPC with TLS, flow control, replay, Salesforce's errors and the
//! fault switches (gap events, GAP_OVERFLOW, retention, dropped streams).

mod salesforce_support;

use apache_avro::types::Value as Avro;
use apache_avro::Schema;
use fnosync_proto::eventbus::v1 as pb;
use fnosync_proto::eventbus::v1::pub_sub_client::PubSubClient;
use fnosync_sandbox::salesforce::change_events::EventFaults;
use reqwest::Method;
use salesforce_support::Harness;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

async fn channel(h: &Harness) -> Channel {
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&h.ca_pem))
        .domain_name("localhost");
    Channel::from_shared(h.sandbox.pubsub_url())
        .expect("url")
        .tls_config(tls)
        .expect("tls")
        .connect()
        .await
        .expect("the Pub/Sub API accepts a TLS connection")
}

fn authed<T>(h: &Harness, message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert("accesstoken", token.parse().expect("ascii"));
    metadata.insert("instanceurl", h.base.parse().expect("ascii"));
    metadata.insert("tenantid", h.sandbox.org_id().parse().expect("ascii"));
    request
}

/// A Subscribe stream and the sender of its further FetchRequests.
struct Subscription {
    requests: mpsc::Sender<pb::FetchRequest>,
    responses: tonic::Streaming<pb::FetchResponse>,
}

async fn subscribe(
    h: &Harness,
    topic: &str,
    preset: pb::ReplayPreset,
    replay_id: Vec<u8>,
    num_requested: i32,
) -> Result<Subscription, tonic::Status> {
    let (requests, receiver) = mpsc::channel(4);
    requests
        .send(pb::FetchRequest {
            topic_name: topic.into(),
            replay_preset: preset as i32,
            replay_id,
            num_requested,
            auth_refresh: String::new(),
        })
        .await
        .expect("queued");
    let mut client = PubSubClient::new(channel(h).await);
    let responses = client
        .subscribe(authed(h, ReceiverStream::new(receiver), &h.token))
        .await?
        .into_inner();
    Ok(Subscription {
        requests,
        responses,
    })
}

impl Subscription {
    /// The next response that carries events.
    async fn next_events(&mut self) -> pb::FetchResponse {
        loop {
            let response = self
                .responses
                .message()
                .await
                .expect("the stream goes on")
                .expect("a response");
            if !response.events.is_empty() {
                return response;
            }
        }
    }

    async fn request(&self, n: i32) {
        self.requests
            .send(pb::FetchRequest {
                num_requested: n,
                ..Default::default()
            })
            .await
            .expect("queued");
    }
}

async fn schema_of(h: &Harness, schema_id: &str) -> Schema {
    let mut client = PubSubClient::new(channel(h).await);
    let info = client
        .get_schema(authed(
            h,
            pb::SchemaRequest {
                schema_id: schema_id.into(),
            },
            &h.token,
        ))
        .await
        .expect("GetSchema answers")
        .into_inner();
    Schema::parse_str(&info.schema_json).expect("an Avro schema")
}

/// Decodes an event: its header fields and its payload fields by name.
async fn decode(h: &Harness, event: &pb::ConsumerEvent) -> Vec<(String, Avro)> {
    let producer = event.event.as_ref().expect("an event");
    let schema = schema_of(h, &producer.schema_id).await;
    let value = apache_avro::reader::datum::GenericDatumReader::builder(&schema)
        .build()
        .and_then(|reader| reader.read_value(&mut producer.payload.as_slice()))
        .expect("the payload decodes with its schema");
    let Avro::Record(fields) = value else {
        panic!("a record")
    };
    fields
}

fn field<'a>(fields: &'a [(String, Avro)], name: &str) -> &'a Avro {
    &fields
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("field {name}"))
        .1
}

fn header(fields: &[(String, Avro)]) -> Vec<(String, Avro)> {
    match field(fields, "ChangeEventHeader") {
        Avro::Record(head) => head.clone(),
        other => panic!("a header record, not {other:?}"),
    }
}

fn text(value: &Avro) -> Option<String> {
    match value {
        Avro::String(text) => Some(text.clone()),
        Avro::Union(_, inner) => text(inner),
        Avro::Enum(_, symbol) => Some(symbol.clone()),
        _ => None,
    }
}

async fn new_opportunity(h: &Harness, client: Option<&str>) -> String {
    let account = h
        .call(
            Method::POST,
            "sobjects/Account/",
            Some(json!({"Name": "Events Inc"})),
        )
        .await
        .body["id"]
        .as_str()
        .expect("account id")
        .to_string();
    let body = json!({"Name": "Deal", "AccountId": account, "StageName": "Prospecting", "CloseDate": "2026-12-31"});
    let options = client.map(|c| format!("client={c}"));
    let headers: Vec<(&str, &str)> = options
        .iter()
        .map(|o| ("Sforce-Call-Options", o.as_str()))
        .collect();
    h.call_with(
        Method::POST,
        &h.data("sobjects/Opportunity/"),
        Some(body),
        &headers,
    )
    .await
    .body["id"]
        .as_str()
        .expect("opportunity id")
        .to_string()
}

#[tokio::test]
async fn an_update_through_rest_is_delivered_as_an_avro_change_event_with_only_the_changed_fields()
{
    let h = Harness::start().await;
    let mut subscription = subscribe(
        &h,
        "/data/OpportunityChangeEvent",
        pb::ReplayPreset::Latest,
        Vec::new(),
        1,
    )
    .await
    .expect("subscribed");
    let opportunity = new_opportunity(&h, Some("fnosync")).await;
    let created = subscription.next_events().await;
    assert_eq!(created.events.len(), 1);
    assert_eq!(
        created.pending_num_requested, 0,
        "never more than asked for"
    );
    let fields = decode(&h, &created.events[0]).await;
    let head = header(&fields);
    assert_eq!(text(field(&head, "changeType")).as_deref(), Some("CREATE"));
    assert_eq!(
        text(field(&head, "entityName")).as_deref(),
        Some("Opportunity")
    );
    assert_eq!(
        text(field(&head, "changeOrigin")).as_deref(),
        Some("com/salesforce/api/rest/59.0;client=fnosync")
    );
    assert_eq!(text(field(&fields, "Name")).as_deref(), Some("Deal"));

    h.call(
        Method::PATCH,
        &format!("sobjects/Opportunity/{opportunity}"),
        Some(json!({"StageName": "Closed Won"})),
    )
    .await;
    // Nothing more was asked for: the update waits until the client asks.
    subscription.request(1).await;
    let updated = subscription.next_events().await;
    let fields = decode(&h, &updated.events[0]).await;
    let head = header(&fields);
    assert_eq!(text(field(&head, "changeType")).as_deref(), Some("UPDATE"));
    assert_eq!(
        text(field(&head, "changeOrigin")).as_deref(),
        Some("com/salesforce/api/rest/59.0"),
        "no client named, no client in the origin"
    );
    let Avro::Array(ids) = field(&head, "recordIds") else {
        panic!("record ids")
    };
    assert_eq!(ids, &vec![Avro::String(opportunity.clone())]);
    assert_eq!(
        text(field(&fields, "StageName")).as_deref(),
        Some("Closed Won")
    );
    assert_eq!(
        text(field(&fields, "Name")),
        None,
        "an update event carries only the changed fields"
    );
    let Avro::Array(changed) = field(&head, "changedFields") else {
        panic!("changed fields")
    };
    assert_eq!(changed.len(), 1, "one bitmap of the changed fields");
    assert!(text(&changed[0]).expect("text").starts_with("0x"));

    // Replaying after the creation brings the update again.
    let mut replay = subscribe(
        &h,
        "/data/ChangeEvents",
        pb::ReplayPreset::Custom,
        created.events[0].replay_id.clone(),
        10,
    )
    .await
    .expect("subscribed from a stored replay id");
    let again = replay.next_events().await;
    assert_eq!(again.events[0].replay_id, updated.events[0].replay_id);
}

#[tokio::test]
async fn a_bad_session_and_a_replay_id_past_retention_are_refused_as_salesforce_refuses_them() {
    let h = Harness::start().await;
    let mut client = PubSubClient::new(channel(&h).await);
    let refused = client
        .get_topic(authed(
            &h,
            pb::TopicRequest {
                topic_name: "/data/OpportunityChangeEvent".into(),
            },
            "00D000000000001!not-a-session",
        ))
        .await
        .expect_err("a bad session is refused");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    assert_eq!(
        refused
            .metadata()
            .get("error-code")
            .and_then(|v| v.to_str().ok()),
        Some("sfdc.platform.eventbus.grpc.service.auth.error")
    );
    let topic = client
        .get_topic(authed(
            &h,
            pb::TopicRequest {
                topic_name: "/data/OpportunityChangeEvent".into(),
            },
            &h.token,
        ))
        .await
        .expect("a good session is served")
        .into_inner();
    assert!(topic.can_subscribe && !topic.can_publish);
    assert!(!topic.schema_id.is_empty());

    new_opportunity(&h, None).await;
    let stored = h.sandbox.latest_replay_id();
    h.sandbox.set_event_faults(&EventFaults {
        retention_secs: 60,
        ..Default::default()
    });
    h.sandbox.advance_clock(std::time::Duration::from_secs(120));
    new_opportunity(&h, None).await;
    let error = subscribe(
        &h,
        "/data/ChangeEvents",
        pb::ReplayPreset::Custom,
        stored,
        10,
    )
    .await
    .err()
    .expect("a replay id past retention is refused");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        error
            .metadata()
            .get("error-code")
            .and_then(|v| v.to_str().ok()),
        Some("sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted")
    );
}

#[tokio::test]
async fn gap_and_overflow_events_carry_the_header_only_and_a_dropped_stream_ends() {
    let h = Harness::start().await;
    let mut subscription = subscribe(
        &h,
        "/data/OpportunityChangeEvent",
        pb::ReplayPreset::Latest,
        Vec::new(),
        10,
    )
    .await
    .expect("subscribed");
    h.sandbox.set_event_faults(&EventFaults {
        gap_next: 10,
        ..Default::default()
    });
    let opportunity = new_opportunity(&h, None).await;
    let gap = subscription.next_events().await;
    let fields = decode(&h, &gap.events[0]).await;
    let head = header(&fields);
    assert_eq!(
        text(field(&head, "changeType")).as_deref(),
        Some("GAP_CREATE")
    );
    let Avro::Array(ids) = field(&head, "recordIds") else {
        panic!("record ids")
    };
    assert_eq!(ids, &vec![Avro::String(opportunity.clone())]);
    assert_eq!(
        text(field(&fields, "Name")),
        None,
        "a gap event has no values"
    );

    h.sandbox.set_event_faults(&EventFaults {
        overflow_next: 1,
        ..Default::default()
    });
    h.call(
        Method::PATCH,
        &format!("sobjects/Opportunity/{opportunity}"),
        Some(json!({"StageName": "Closed Won"})),
    )
    .await;
    let overflow = subscription.next_events().await;
    let head = header(&decode(&h, &overflow.events[0]).await);
    assert_eq!(
        text(field(&head, "changeType")).as_deref(),
        Some("GAP_OVERFLOW")
    );
    assert_eq!(field(&head, "recordIds"), &Avro::Array(Vec::new()));

    h.sandbox.drop_event_streams();
    let ended = loop {
        match subscription.responses.message().await {
            Ok(Some(_)) => continue,
            other => break other,
        }
    };
    let status = ended.expect_err("the stream ends with an error");
    assert_eq!(status.code(), tonic::Code::Unavailable);
}
