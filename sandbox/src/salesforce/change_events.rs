//! Change Data Capture: every write of a selected object through the
//! sandbox (REST, composite, collections, the admin handle) publishes a
//! change event as Salesforce does — an Avro record with a full
//! `ChangeEventHeader` and, for updates, only the changed fields — kept on
//! an in-memory event bus for a retention time on the sandbox clock, and
//! served by the Pub/Sub API (see `pubsub.rs`) on the object's topic, the
//! standard `/data/ChangeEvents` channel and the custom channels it is a
//! member of (see `channels.rs`), enriched as those channels ask.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use apache_avro::types::Value as Avro;
use apache_avro::Schema;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::channels::{channel_of_topic, Channels};
use super::clock::{parse_datetime, Clock};
use super::schema::{schema, FieldType, ObjectDef};
use super::store::{is_deleted, Record, ID, IS_DELETED};

/// The objects selected for Change Data Capture.
pub const SELECTED: [&str; 4] = ["Account", "Contact", "Opportunity", "OpportunityLineItem"];

/// The topic carrying the change events of every selected object.
pub const ALL_TOPIC: &str = "/data/ChangeEvents";

/// How long events are kept by default (Salesforce keeps them 72 hours).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(72 * 3600);

/// Events kept at most, whatever their age: bounds the sandbox's memory
/// (the oldest are dropped first, as if past retention).
pub const MAX_EVENTS: usize = 200_000;

/// Fields of a record that are not in its change event: the id is in the
/// header's `recordIds`, and Salesforce leaves these system fields out.
pub const NOT_IN_EVENTS: [&str; 3] = [ID, IS_DELETED, "SystemModstamp"];

/// A write captured by the store, published when the write ends.
#[derive(Clone, Debug)]
pub struct Captured {
    /// Object.
    pub object: &'static str,
    /// Record id.
    pub id: String,
    /// The record before the write; none when it was created.
    pub before: Option<Record>,
    /// The record after the write.
    pub after: Record,
}

/// Who made a transaction: the user and the API with its client id.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// User id (`commitUser`).
    pub user_id: String,
    /// `changeOrigin`, e.g. `com/salesforce/api/rest/60.0;client=fnosync`;
    /// empty for changes made in the UI.
    pub change_origin: String,
}

/// A published event.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    /// Position on the bus (the replay id's value).
    pub replay: u64,
    /// Object of the change.
    pub entity: &'static str,
    /// When the transaction committed (sandbox clock).
    pub commit: DateTime<Utc>,
    /// Event UUID.
    pub event_id: String,
    /// Schema id of the payload.
    pub schema_id: String,
    /// Avro binary payload.
    pub payload: Vec<u8>,
    /// The payloads of the custom channels that enrich this event, by channel.
    pub enriched: Vec<(String, Vec<u8>)>,
}

/// What a subscription's topic carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Every selected object (`/data/ChangeEvents`).
    All,
    /// One object (`/data/<Object>ChangeEvent`).
    Object(&'static str),
    /// A custom channel's members, enriched as it asks (`/data/<Name>__chn`).
    Channel(String),
}

impl Topic {
    /// The schema id GetTopic gives: an object's; none for a channel of several.
    pub fn schema_id(&self) -> String {
        match self {
            Topic::Object(object) => event_schema(object).id.clone(),
            _ => String::new(),
        }
    }
}

/// Event-bus switches a test or the admin API sets.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EventFaults {
    /// The next N change events are published as gap events (header only,
    /// `GAP_<type>`), as Salesforce does when it cannot build an event.
    #[serde(default)]
    pub gap_next: u32,
    /// The next transaction is published as one `GAP_OVERFLOW` event (no ids).
    #[serde(default)]
    pub overflow_next: u32,
    /// Retention in seconds; 0 keeps the default (72 hours).
    #[serde(default)]
    pub retention_secs: u64,
}

/// An Avro schema with its id and JSON text.
pub struct EventSchema {
    /// Schema id (as GetTopic and the events name it).
    pub id: String,
    /// JSON text (as GetSchema returns it).
    pub json: String,
    /// Parsed.
    pub schema: Schema,
}

/// Replay ids are 8 bytes, big-endian: opaque to clients.
pub fn replay_bytes(replay: u64) -> Vec<u8> {
    replay.to_be_bytes().to_vec()
}

/// Reads a replay id; `None` when it is not one of the bus's.
pub fn replay_value(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

struct Bus {
    events: VecDeque<StoredEvent>,
    next: u64,
    /// The newest replay id dropped by retention (0: none).
    expired_through: u64,
    commit_number: u64,
}

/// The event bus of the org.
pub struct ChangeEvents {
    bus: Mutex<Bus>,
    latest: watch::Sender<u64>,
    dropped: watch::Sender<u64>,
    streams: watch::Sender<usize>,
    gap_next: AtomicU32,
    overflow_next: AtomicU32,
    retention: Mutex<Duration>,
    /// Custom channels and their enriched fields.
    pub channels: Channels,
}

impl Default for ChangeEvents {
    fn default() -> Self {
        Self {
            bus: Mutex::new(Bus {
                events: VecDeque::new(),
                next: 1,
                expired_through: 0,
                commit_number: 0,
            }),
            latest: watch::channel(0).0,
            dropped: watch::channel(0).0,
            streams: watch::channel(0).0,
            gap_next: AtomicU32::new(0),
            overflow_next: AtomicU32::new(0),
            retention: Mutex::new(DEFAULT_RETENTION),
            channels: Channels::default(),
        }
    }
}

/// An open subscription stream, counted while it lives.
pub struct StreamGuard<'a>(&'a ChangeEvents);

impl Drop for StreamGuard<'_> {
    fn drop(&mut self) {
        self.0
            .streams
            .send_modify(|open| *open = open.saturating_sub(1));
    }
}

/// Where a subscription starts, once checked against the bus.
#[derive(Debug, PartialEq, Eq)]
pub enum Start {
    /// Deliver the events after this replay value.
    After(u64),
    /// The replay id is not valid (unknown, or past retention).
    Invalid,
}

impl ChangeEvents {
    fn lock(&self) -> std::sync::MutexGuard<'_, Bus> {
        self.bus.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The switches as they are now.
    pub fn faults(&self) -> EventFaults {
        EventFaults {
            gap_next: self.gap_next.load(Ordering::Relaxed),
            overflow_next: self.overflow_next.load(Ordering::Relaxed),
            retention_secs: self.retention().as_secs(),
        }
    }

    /// Sets the switches.
    pub fn set_faults(&self, faults: &EventFaults) {
        self.gap_next.store(faults.gap_next, Ordering::Relaxed);
        self.overflow_next
            .store(faults.overflow_next, Ordering::Relaxed);
        let retention = if faults.retention_secs == 0 {
            DEFAULT_RETENTION
        } else {
            Duration::from_secs(faults.retention_secs)
        };
        *self.retention.lock().unwrap_or_else(|p| p.into_inner()) = retention;
    }

    fn retention(&self) -> Duration {
        *self.retention.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends every open subscription stream (a fault: the client must
    /// subscribe again from the replay id it stored).
    pub fn drop_streams(&self) {
        self.dropped.send_modify(|generation| *generation += 1);
    }

    /// Counts a subscription stream open until the guard is dropped.
    pub fn open_stream(&self) -> StreamGuard<'_> {
        self.streams.send_modify(|open| *open += 1);
        StreamGuard(self)
    }

    /// Follows the number of open subscription streams.
    pub fn watch_streams(&self) -> watch::Receiver<usize> {
        self.streams.subscribe()
    }

    /// Follows stream drops.
    pub fn watch_drops(&self) -> watch::Receiver<u64> {
        self.dropped.subscribe()
    }

    /// Follows the newest replay value.
    pub fn watch_latest(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// Drops the events past retention on `clock`.
    fn expire(&self, bus: &mut Bus, now: DateTime<Utc>) {
        let retention =
            chrono::Duration::from_std(self.retention()).unwrap_or(chrono::Duration::MAX);
        while let Some(oldest) = bus.events.front() {
            if oldest.commit + retention > now && bus.events.len() <= MAX_EVENTS {
                break;
            }
            bus.expired_through = oldest.replay;
            bus.events.pop_front();
        }
    }

    /// The newest replay value (0 when nothing was ever published).
    pub fn latest(&self) -> u64 {
        self.lock().next - 1
    }

    /// Where a subscription from `preset` (and `replay_id` for CUSTOM) starts.
    pub fn start(&self, clock: &Clock, preset: i32, replay_id: &[u8]) -> Start {
        let mut bus = self.lock();
        self.expire(&mut bus, clock.now());
        match preset {
            // EARLIEST: the oldest event still retained.
            1 => Start::After(bus.expired_through),
            // CUSTOM: after the given event, which must still be retained.
            2 => match replay_value(replay_id) {
                Some(replay) if replay > bus.expired_through && replay < bus.next => {
                    Start::After(replay)
                }
                _ => Start::Invalid,
            },
            // LATEST (and unset): new events only.
            _ => Start::After(bus.next - 1),
        }
    }

    /// Up to `limit` events after `after` on `topic`, with the payloads
    /// that topic carries; the second value is the replay value the next
    /// read starts after.
    pub fn read(
        &self,
        clock: &Clock,
        after: u64,
        topic: &Topic,
        limit: usize,
    ) -> (Vec<StoredEvent>, u64) {
        let members = match topic {
            Topic::Channel(name) => self.channels.members(name),
            _ => Vec::new(),
        };
        let mut bus = self.lock();
        self.expire(&mut bus, clock.now());
        let first = bus.events.partition_point(|event| event.replay <= after);
        let mut cursor = after;
        let mut events = Vec::new();
        for event in bus.events.iter().skip(first) {
            if events.len() >= limit {
                break;
            }
            cursor = event.replay;
            let carried = match topic {
                Topic::All => true,
                Topic::Object(object) => *object == event.entity,
                Topic::Channel(_) => members.contains(&event.entity),
            };
            if !carried {
                continue;
            }
            let mut event = event.clone();
            if let Topic::Channel(name) = topic {
                if let Some((_, payload)) = event.enriched.iter().find(|(n, _)| n == name) {
                    event.payload = payload.clone();
                }
            }
            event.enriched.clear();
            events.push(event);
        }
        (events, cursor)
    }

    /// The topic named `name`, if it exists.
    pub fn topic(&self, name: &str) -> Option<Topic> {
        if name == ALL_TOPIC {
            return Some(Topic::All);
        }
        if let Some(channel) = channel_of_topic(name) {
            return self
                .channels
                .exists(channel)
                .then(|| Topic::Channel(channel.to_string()));
        }
        SELECTED
            .into_iter()
            .find(|object| topic_of(object) == name)
            .map(Topic::Object)
    }

    /// Publishes the changes of one transaction.
    pub fn publish(&self, clock: &Clock, origin: &Origin, changes: Vec<Captured>) {
        let changes: Vec<Captured> = changes
            .into_iter()
            .filter(|change| SELECTED.contains(&change.object))
            .collect();
        let Some(first) = changes.first() else {
            return;
        };
        let now = clock.now();
        let transaction = uuid::Uuid::new_v4().to_string();
        let mut bus = self.lock();
        bus.commit_number += 1;
        let header = HeaderValues {
            origin,
            transaction: &transaction,
            commit: now,
            commit_number: bus.commit_number,
        };
        let overflow = self
            .overflow_next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        let payloads: Vec<Built> = if overflow {
            vec![Built {
                entity: first.object,
                payload: overflow_payload(first.object, &header),
                enriched: Vec::new(),
            }]
        } else {
            changes
                .iter()
                .enumerate()
                .filter_map(|(index, change)| {
                    let gap = self
                        .gap_next
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                        .is_ok();
                    let sequence = i32::try_from(index + 1).unwrap_or(i32::MAX);
                    let payload = change_payload(change, &header, sequence, gap, &[])?;
                    let enriched = match gap {
                        true => Vec::new(),
                        false => self
                            .channels
                            .enrichments(change.object)
                            .into_iter()
                            .filter_map(|(channel, fields)| {
                                change_payload(change, &header, sequence, gap, &fields)
                                    .map(|payload| (channel, payload))
                            })
                            .collect(),
                    };
                    Some(Built {
                        entity: change.object,
                        payload,
                        enriched,
                    })
                })
                .collect()
        };
        for built in payloads {
            let replay = bus.next;
            bus.next += 1;
            bus.events.push_back(StoredEvent {
                replay,
                entity: built.entity,
                commit: now,
                event_id: uuid::Uuid::new_v4().to_string(),
                schema_id: event_schema(built.entity).id.clone(),
                payload: built.payload,
                enriched: built.enriched,
            });
        }
        self.expire(&mut bus, now);
        let latest = bus.next - 1;
        drop(bus);
        self.latest.send_replace(latest);
    }

    /// Forgets every event (a seed load starts a new org history).
    pub fn clear(&self) {
        let mut bus = self.lock();
        bus.expired_through = bus.next - 1;
        bus.events.clear();
    }
}

/// One event's payloads, before it is stored.
struct Built {
    entity: &'static str,
    payload: Vec<u8>,
    enriched: Vec<(String, Vec<u8>)>,
}

/// The header values shared by the events of a transaction.
struct HeaderValues<'a> {
    origin: &'a Origin,
    transaction: &'a str,
    commit: DateTime<Utc>,
    commit_number: u64,
}

/// The change event topic of `object`, e.g. `/data/OpportunityChangeEvent`.
pub fn topic_of(object: &str) -> String {
    format!("/data/{object}ChangeEvent")
}

/// The schema of `object`'s change events (built once per object).
pub fn event_schema(object: &'static str) -> &'static EventSchema {
    static SCHEMAS: OnceLock<HashMap<&'static str, EventSchema>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| {
        SELECTED
            .into_iter()
            .filter_map(|name| schema().object(name))
            .map(|def| (def.name, build_schema(def)))
            .collect()
    });
    schemas
        .get(object)
        .expect("every selected object has a change event schema")
}

/// The schema with id `id`, if it is one of the change event schemas.
pub fn schema_by_id(id: &str) -> Option<&'static EventSchema> {
    SELECTED
        .into_iter()
        .map(event_schema)
        .find(|schema| schema.id == id)
}

/// Fields of `def` in its events, in schema order (after the header).
fn event_fields(def: &'static ObjectDef) -> impl Iterator<Item = &'static super::schema::FieldDef> {
    def.fields
        .iter()
        .filter(|field| !NOT_IN_EVENTS.contains(&field.name))
}

fn avro_type(kind: FieldType) -> Value {
    match kind {
        FieldType::Boolean => json!("boolean"),
        FieldType::Int => json!("int"),
        FieldType::Double | FieldType::Currency | FieldType::Percent => json!("double"),
        FieldType::DateTime => json!({"type": "long", "logicalType": "timestamp-millis"}),
        FieldType::Date => json!({"type": "int", "logicalType": "date"}),
        _ => json!("string"),
    }
}

fn header_schema() -> Value {
    let strings = json!({"type": "array", "items": "string"});
    json!({
        "type": "record",
        "name": "ChangeEventHeader",
        "namespace": "com.sforce.eventbus",
        "fields": [
            {"name": "entityName", "type": "string"},
            {"name": "recordIds", "type": strings},
            {"name": "changeType", "type": {
                "type": "enum", "name": "ChangeType", "namespace": "com.sforce.eventbus",
                "symbols": CHANGE_TYPES,
            }},
            {"name": "changeOrigin", "type": "string"},
            {"name": "transactionKey", "type": "string"},
            {"name": "sequenceNumber", "type": "int"},
            {"name": "commitTimestamp", "type": "long"},
            {"name": "commitNumber", "type": "long"},
            {"name": "commitUser", "type": "string"},
            {"name": "nulledFields", "type": strings},
            {"name": "diffFields", "type": strings},
            {"name": "changedFields", "type": strings},
        ],
    })
}

/// The change types, in the schema's enum order.
const CHANGE_TYPES: [&str; 10] = [
    "CREATE",
    "UPDATE",
    "DELETE",
    "UNDELETE",
    "GAP_CREATE",
    "GAP_UPDATE",
    "GAP_DELETE",
    "GAP_UNDELETE",
    "GAP_OVERFLOW",
    "SNAPSHOT",
];

fn build_schema(def: &'static ObjectDef) -> EventSchema {
    let mut fields = vec![json!({
        "name": "ChangeEventHeader",
        "type": header_schema(),
        "doc": "Data:ChangeEventHeader",
    })];
    for field in event_fields(def) {
        fields.push(json!({
            "name": field.name,
            "type": ["null", avro_type(field.kind)],
            "doc": format!("Data:{}", field.kind.api_name()),
            "default": null,
        }));
    }
    let document = json!({
        "type": "record",
        "name": format!("{}ChangeEvent", def.name),
        "namespace": "com.sforce.eventbus",
        "fields": fields,
    });
    let json = document.to_string();
    let schema = Schema::parse_str(&json).expect("the change event schema is valid Avro");
    let digest = Sha256::digest(json.as_bytes());
    let id = base64_url(&digest[..16]);
    EventSchema { id, json, schema }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A bitmap over the schema's top-level field positions, as Salesforce
/// writes `changedFields`: `0x` and the hex digits of the number whose bit
/// `i` is set when field `i` is in the list.
pub fn bitmap(positions: &[usize]) -> Option<String> {
    let highest = *positions.iter().max()?;
    let mut bytes = vec![0u8; highest / 8 + 1];
    for &position in positions {
        let from_end = position / 8;
        let index = bytes.len() - 1 - from_end;
        bytes[index] |= 1 << (position % 8);
    }
    Some(format!("0x{}", hex_upper(&bytes)))
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn strings(values: Vec<String>) -> Avro {
    Avro::Array(values.into_iter().map(Avro::String).collect())
}

fn header_value(
    entity: &str,
    ids: Vec<String>,
    change_type: &str,
    header: &HeaderValues<'_>,
    sequence: i32,
    (nulled, changed): (Vec<String>, Vec<String>),
) -> Avro {
    let position = CHANGE_TYPES
        .iter()
        .position(|t| *t == change_type)
        .unwrap_or(0);
    Avro::Record(vec![
        ("entityName".into(), Avro::String(entity.to_string())),
        ("recordIds".into(), strings(ids)),
        (
            "changeType".into(),
            Avro::Enum(
                u32::try_from(position).unwrap_or(0),
                change_type.to_string(),
            ),
        ),
        (
            "changeOrigin".into(),
            Avro::String(header.origin.change_origin.clone()),
        ),
        (
            "transactionKey".into(),
            Avro::String(header.transaction.to_string()),
        ),
        ("sequenceNumber".into(), Avro::Int(sequence)),
        (
            "commitTimestamp".into(),
            Avro::Long(header.commit.timestamp_millis()),
        ),
        (
            "commitNumber".into(),
            Avro::Long(i64::try_from(header.commit_number).unwrap_or(i64::MAX)),
        ),
        (
            "commitUser".into(),
            Avro::String(header.origin.user_id.clone()),
        ),
        ("nulledFields".into(), strings(nulled)),
        ("diffFields".into(), strings(Vec::new())),
        ("changedFields".into(), strings(changed)),
    ])
}

/// A record field's value as Avro (inside the nullable union).
fn field_value(kind: FieldType, value: &Value) -> Avro {
    let inner = match (kind, value) {
        (_, Value::Null) => return Avro::Union(0, Box::new(Avro::Null)),
        (FieldType::Boolean, Value::Bool(b)) => Avro::Boolean(*b),
        (FieldType::Int, v) => Avro::Int(v.as_f64().map_or(0, |n| n as i32)),
        (FieldType::Double | FieldType::Currency | FieldType::Percent, v) => {
            Avro::Double(v.as_f64().unwrap_or(0.0))
        }
        (FieldType::DateTime, Value::String(text)) => match parse_datetime(text) {
            Some(at) => Avro::TimestampMillis(at.timestamp_millis()),
            None => return Avro::Union(0, Box::new(Avro::Null)),
        },
        (FieldType::Date, Value::String(text)) => match NaiveDate::parse_from_str(text, "%Y-%m-%d")
        {
            Ok(date) => {
                Avro::Date(i32::try_from((date - NaiveDate::default()).num_days()).unwrap_or(0))
            }
            Err(_) => return Avro::Union(0, Box::new(Avro::Null)),
        },
        (_, Value::String(text)) => Avro::String(text.clone()),
        (_, other) => Avro::String(other.to_string()),
    };
    Avro::Union(1, Box::new(inner))
}

fn null_field() -> Avro {
    Avro::Union(0, Box::new(Avro::Null))
}

fn encode(object: &'static str, fields: Vec<(String, Avro)>) -> Vec<u8> {
    let schema = &event_schema(object).schema;
    apache_avro::writer::datum::GenericDatumWriter::builder(schema)
        .build()
        .and_then(|writer| writer.write_value_to_vec(Avro::Record(fields)))
        .expect("a change event matches its schema")
}

/// The event of one captured write; `None` when nothing changed. An update
/// or delete also carries the `enriched` fields, changed or not.
fn change_payload(
    change: &Captured,
    header: &HeaderValues<'_>,
    sequence: i32,
    gap: bool,
    enriched: &[&str],
) -> Option<Vec<u8>> {
    let def = schema().object(change.object)?;
    let change_type = match &change.before {
        None => "CREATE",
        Some(before) if !is_deleted(before) && is_deleted(&change.after) => "DELETE",
        Some(before) if is_deleted(before) && !is_deleted(&change.after) => "UNDELETE",
        Some(_) => "UPDATE",
    };
    let mut fields = Vec::new();
    let mut changed = Vec::new();
    let mut nulled = Vec::new();
    for (index, field) in event_fields(def).enumerate() {
        let position = index + 1;
        let after = change.after.get(field.name).unwrap_or(&Value::Null);
        let before = change.before.as_ref().and_then(|b| b.get(field.name));
        let include = match change_type {
            "CREATE" | "UNDELETE" => !after.is_null(),
            "UPDATE" => before != Some(after),
            _ => false,
        };
        if include && change_type == "UPDATE" {
            changed.push(position);
            if after.is_null() {
                nulled.push(position);
            }
        }
        let enrich = matches!(change_type, "UPDATE" | "DELETE") && enriched.contains(&field.name);
        let value = if (include || enrich) && !gap {
            field_value(field.kind, after)
        } else {
            null_field()
        };
        fields.push((field.name.to_string(), value));
    }
    if change_type == "UPDATE" && changed.is_empty() {
        return None;
    }
    let (change_type, lists) = if gap {
        (format!("GAP_{change_type}"), (Vec::new(), Vec::new()))
    } else {
        let list = |positions: &[usize]| bitmap(positions).into_iter().collect::<Vec<_>>();
        (change_type.to_string(), (list(&nulled), list(&changed)))
    };
    let head = header_value(
        change.object,
        vec![change.id.clone()],
        &change_type,
        header,
        sequence,
        lists,
    );
    fields.insert(0, ("ChangeEventHeader".into(), head));
    Some(encode(change.object, fields))
}

/// A `GAP_OVERFLOW` event: a transaction too large for events, no ids.
fn overflow_payload(object: &'static str, header: &HeaderValues<'_>) -> Vec<u8> {
    let def = schema()
        .object(object)
        .expect("a selected object is in the schema");
    let mut fields: Vec<(String, Avro)> = event_fields(def)
        .map(|field| (field.name.to_string(), null_field()))
        .collect();
    let head = header_value(
        object,
        Vec::new(),
        "GAP_OVERFLOW",
        header,
        1,
        (Vec::new(), Vec::new()),
    );
    fields.insert(0, ("ChangeEventHeader".into(), head));
    encode(object, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bitmap_sets_bit_i_for_field_i_as_salesforce_writes_it() {
        assert_eq!(bitmap(&[1, 3]).as_deref(), Some("0x0A"));
        assert_eq!(bitmap(&[0, 9]).as_deref(), Some("0x0201"));
        assert_eq!(bitmap(&[]), None);
    }

    /// An opportunity with `fields` (every other one empty) won: its
    /// stage goes from Prospecting to Closed Won.
    fn won(fields: &[(&str, Value)]) -> Captured {
        let def = schema().object("Opportunity").expect("opportunity");
        let mut before = Record::new();
        for field in &def.fields {
            before.insert(field.name.to_string(), Value::Null);
        }
        for (name, value) in fields {
            before.insert(name.to_string(), value.clone());
        }
        before.insert("StageName".into(), json!("Prospecting"));
        let mut after = before.clone();
        after.insert("StageName".into(), json!("Closed Won"));
        Captured {
            object: "Opportunity",
            id: "006a50000000001AAA".into(),
            before: Some(before),
            after,
        }
    }

    fn decoded(entity: &'static str, payload: &[u8]) -> Vec<(String, Avro)> {
        let schema = &event_schema(entity).schema;
        let value = apache_avro::reader::datum::GenericDatumReader::builder(schema)
            .build()
            .and_then(|reader| reader.read_value(&mut &payload[..]))
            .expect("decodes");
        let Avro::Record(fields) = value else {
            panic!("a record");
        };
        fields
    }

    fn field(fields: &[(String, Avro)], name: &str) -> Avro {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Avro::Null)
    }

    /// The `changedFields` of a decoded opportunity event, and the bitmap
    /// of the stage alone.
    fn changed_and_stage(fields: &[(String, Avro)]) -> (Avro, Avro) {
        let Avro::Record(head) = field(fields, "ChangeEventHeader") else {
            panic!("a header");
        };
        let def = schema().object("Opportunity").expect("opportunity");
        let stage = event_fields(def)
            .position(|f| f.name == "StageName")
            .expect("stage")
            + 1;
        let stage = bitmap(&[stage]).expect("a bitmap");
        (
            field(&head, "changedFields"),
            Avro::Array(vec![Avro::String(stage)]),
        )
    }

    #[test]
    fn an_update_event_carries_only_the_changed_fields() {
        let change = won(&[("Name", json!("Deal"))]);
        let origin = Origin {
            user_id: "005".into(),
            change_origin: "com/salesforce/api/rest/60.0;client=fnosync".into(),
        };
        let header = HeaderValues {
            origin: &origin,
            transaction: "t",
            commit: Utc::now(),
            commit_number: 1,
        };
        let payload = change_payload(&change, &header, 1, false, &[]).expect("a change");
        let fields = decoded("Opportunity", &payload);
        assert_eq!(
            field(&fields, "StageName"),
            Avro::Union(1, Box::new(Avro::String("Closed Won".into())))
        );
        assert_eq!(field(&fields, "Name"), Avro::Union(0, Box::new(Avro::Null)));
        let (changed, stage) = changed_and_stage(&fields);
        assert_eq!(changed, stage);
    }

    #[test]
    fn a_custom_channel_carries_its_members_events_with_their_enriched_fields() {
        let events = ChangeEvents::default();
        let clock = Clock::default();
        let channel = json!({"FullName": "Sync__chn", "Metadata": {"channelType": "data"}});
        events
            .channels
            .create("PlatformEventChannel", &channel)
            .expect("a channel");
        let member = json!({"FullName": "Sync_chn_OpportunityChangeEvent", "Metadata": {
            "eventChannel": "Sync__chn", "selectedEntity": "OpportunityChangeEvent",
            "enrichedFields": [{"name": "AccountId"}]}});
        events
            .channels
            .create("PlatformEventChannelMember", &member)
            .expect("a member");
        let contact = Captured {
            object: "Contact",
            id: "003a50000000001AAA".into(),
            before: None,
            after: Record::new(),
        };
        let closed = won(&[("AccountId", json!("001a50000000001AAA"))]);
        events.publish(&clock, &Origin::default(), vec![contact, closed]);
        let topic = events
            .topic("/data/Sync__chn")
            .expect("the channel's topic");
        assert_eq!(topic, Topic::Channel("Sync__chn".into()));
        assert_eq!(topic.schema_id(), "");
        assert_eq!(events.topic("/data/Other__chn"), None);
        let (on_channel, cursor) = events.read(&clock, 0, &topic, 10);
        assert_eq!(cursor, 2, "the contact's event is passed over");
        let [closed] = on_channel.as_slice() else {
            panic!("one event on the channel: {on_channel:?}");
        };
        let fields = decoded(closed.entity, &closed.payload);
        let account = Avro::Union(1, Box::new(Avro::String("001a50000000001AAA".into())));
        assert_eq!(field(&fields, "AccountId"), account, "enriched");
        let (changed, stage) = changed_and_stage(&fields);
        assert_eq!(changed, stage, "an enriched field is not a changed one");
        let (on_standard, _) = events.read(&clock, 0, &Topic::All, 10);
        assert_eq!(on_standard.len(), 2);
        assert_eq!(
            field(
                &decoded(on_standard[1].entity, &on_standard[1].payload),
                "AccountId"
            ),
            Avro::Union(0, Box::new(Avro::Null)),
            "the standard channel is not enriched"
        );
    }
}
