//! Change events as the subscriber reads them: an Avro payload decoded with
//! its schema (from GetSchema) into the header fields and the parent ids the
//! subscriber needs. Pure code; no I/O.

use apache_avro::types::Value;
use apache_avro::Schema;
use chrono::{DateTime, Utc};

/// What a change event says, as far as the subscriber cares.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeEvent {
    /// The object, e.g. `Opportunity`.
    pub entity: String,
    /// The records the change applied to.
    pub record_ids: Vec<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `UNDELETE` or a `GAP_` type.
    pub change_type: String,
    /// Who made the change: the API and the client id.
    pub change_origin: String,
    /// When the transaction committed.
    pub commit_time: Option<DateTime<Utc>>,
    /// The user who made the change.
    pub commit_user: String,
    /// The record's account when the event carries it (`AccountId` of
    /// opportunities and contacts; creates carry it, updates only when it changed).
    pub account_id: Option<String>,
    /// A line's opportunity when the event carries it.
    pub opportunity_id: Option<String>,
}

impl ChangeEvent {
    /// Whether fnosync's own write (through its client id) made the change.
    pub fn is_own(&self, client_id: &str) -> bool {
        self.change_origin
            .split(';')
            .any(|part| part.trim() == format!("client={client_id}"))
    }

    /// A gap event: the change is named, its values must be read again.
    pub fn is_gap(&self) -> bool {
        self.change_type.starts_with("GAP_")
    }

    /// GAP_OVERFLOW: too many records changed at once to be named at all.
    pub fn is_overflow(&self) -> bool {
        self.change_type == "GAP_OVERFLOW"
    }

    /// The record no longer exists.
    pub fn is_delete(&self) -> bool {
        matches!(self.change_type.as_str(), "DELETE" | "GAP_DELETE")
    }
}

/// Parses a schema as GetSchema sends it.
pub fn parse_schema(schema_json: &str) -> Result<Schema, String> {
    Schema::parse_str(schema_json).map_err(|e| format!("the event schema cannot be read: {e}"))
}

/// Decodes an event's payload with its schema.
pub fn decode(schema: &Schema, payload: &[u8]) -> Result<ChangeEvent, String> {
    let reader = apache_avro::reader::datum::GenericDatumReader::builder(schema)
        .build()
        .map_err(|e| format!("the event schema cannot be used: {e}"))?;
    let mut bytes = payload;
    let value = reader
        .read_value(&mut bytes)
        .map_err(|e| format!("the event payload does not match its schema: {e}"))?;
    let Value::Record(fields) = value else {
        return Err("the event payload is not a record".into());
    };
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let Some(Value::Record(header)) = field("ChangeEventHeader").map(plain) else {
        return Err("the event has no ChangeEventHeader".into());
    };
    let header_field = |name: &str| {
        header
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| plain(v))
    };
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) | Some(Value::Enum(_, text)) => text.clone(),
        _ => String::new(),
    };
    let record_ids = match header_field("recordIds") {
        Some(Value::Array(ids)) => ids.iter().map(|id| text(Some(plain(id)))).collect(),
        _ => Vec::new(),
    };
    let commit_time = match header_field("commitTimestamp") {
        Some(Value::Long(ms)) | Some(Value::TimestampMillis(ms)) => {
            DateTime::<Utc>::from_timestamp_millis(*ms)
        }
        _ => None,
    };
    let id_field = |name: &str| Some(text(field(name).map(plain))).filter(|id| !id.is_empty());
    Ok(ChangeEvent {
        entity: text(header_field("entityName")),
        record_ids,
        change_type: text(header_field("changeType")),
        change_origin: text(header_field("changeOrigin")),
        commit_time,
        commit_user: text(header_field("commitUser")),
        account_id: id_field("AccountId"),
        opportunity_id: id_field("OpportunityId"),
    })
}

/// The value inside a union.
fn plain(value: &Value) -> &Value {
    match value {
        Value::Union(_, inner) => plain(inner),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{"type":"record","name":"OpportunityChangeEvent","namespace":"com.sforce.eventbus","fields":[
        {"name":"ChangeEventHeader","type":{"type":"record","name":"ChangeEventHeader","fields":[
            {"name":"entityName","type":"string"},
            {"name":"recordIds","type":{"type":"array","items":"string"}},
            {"name":"changeType","type":{"type":"enum","name":"ChangeType","symbols":["CREATE","UPDATE","DELETE","UNDELETE","GAP_CREATE","GAP_UPDATE","GAP_DELETE","GAP_UNDELETE","GAP_OVERFLOW"]}},
            {"name":"changeOrigin","type":"string"},
            {"name":"commitTimestamp","type":"long"},
            {"name":"commitUser","type":"string"}]}},
        {"name":"AccountId","type":["null","string"],"default":null},
        {"name":"StageName","type":["null","string"],"default":null}]}"#;

    fn payload(change_type: (u32, &str), account: Option<&str>, origin: &str) -> Vec<u8> {
        let schema = parse_schema(SCHEMA).expect("schema");
        let header = Value::Record(vec![
            ("entityName".into(), Value::String("Opportunity".into())),
            (
                "recordIds".into(),
                Value::Array(vec![Value::String("006000000000001AAA".into())]),
            ),
            (
                "changeType".into(),
                Value::Enum(change_type.0, change_type.1.into()),
            ),
            ("changeOrigin".into(), Value::String(origin.into())),
            ("commitTimestamp".into(), Value::Long(1_764_000_000_000)),
            (
                "commitUser".into(),
                Value::String("005000000000001AAA".into()),
            ),
        ]);
        let account = match account {
            Some(id) => Value::Union(1, Box::new(Value::String(id.into()))),
            None => Value::Union(0, Box::new(Value::Null)),
        };
        let record = Value::Record(vec![
            ("ChangeEventHeader".into(), header),
            ("AccountId".into(), account),
            ("StageName".into(), Value::Union(0, Box::new(Value::Null))),
        ]);
        apache_avro::writer::datum::GenericDatumWriter::builder(&schema)
            .build()
            .expect("writer")
            .write_value_to_vec(record)
            .expect("encode")
    }

    #[test]
    fn a_create_event_gives_its_header_and_account() {
        let schema = parse_schema(SCHEMA).expect("schema");
        let origin = "com/salesforce/api/rest/62.0;client=simple-salesforce";
        let event = decode(
            &schema,
            &payload((0, "CREATE"), Some("001000000000001AAA"), origin),
        )
        .expect("decode");
        assert_eq!(event.entity, "Opportunity");
        assert_eq!(event.record_ids, ["006000000000001AAA"]);
        assert_eq!(event.change_type, "CREATE");
        assert_eq!(event.account_id.as_deref(), Some("001000000000001AAA"));
        assert_eq!(event.opportunity_id, None);
        assert_eq!(
            event.commit_time.map(|t| t.timestamp_millis()),
            Some(1_764_000_000_000)
        );
        assert!(!event.is_own("fnosync"));
        assert!(!event.is_gap());
    }

    #[test]
    fn own_writes_gaps_and_overflow_are_recognised() {
        let schema = parse_schema(SCHEMA).expect("schema");
        let own = decode(
            &schema,
            &payload(
                (1, "UPDATE"),
                None,
                "com/salesforce/api/rest/62.0;client=fnosync",
            ),
        )
        .expect("decode");
        assert!(own.is_own("fnosync"));
        assert!(!own.is_own("fno"));
        assert_eq!(own.account_id, None);
        let gap = decode(&schema, &payload((5, "GAP_UPDATE"), None, "")).expect("decode");
        assert!(gap.is_gap() && !gap.is_overflow());
        let overflow = decode(&schema, &payload((8, "GAP_OVERFLOW"), None, "")).expect("decode");
        assert!(overflow.is_overflow());
        let deleted = decode(&schema, &payload((2, "DELETE"), None, "")).expect("decode");
        assert!(deleted.is_delete());
    }

    #[test]
    fn a_payload_that_does_not_match_its_schema_is_refused_with_the_reason() {
        let schema = parse_schema(SCHEMA).expect("schema");
        let error = decode(&schema, &[0xff, 0xff]).expect_err("garbage");
        assert!(error.contains("does not match its schema"), "{error}");
        assert!(parse_schema("{").is_err());
    }
}
