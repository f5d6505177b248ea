//! Conversions between proto messages and the store's records and domain
//! types. Proto types stop at `api/`.

use chrono::{DateTime, Utc};
use fnosync_proto::v1 as pb;

use crate::domain::filters::EntitlementState;
use crate::domain::mapping::{fixed_reason, DataType, EntityType, SfObject};
use crate::domain::run::{Run, RunKind, RunState};
use crate::error::Error;
use crate::store::{event_sync, mappings, remote_sites, schedules, tx_logs};

/// Converts a time to a protobuf timestamp.
pub fn timestamp(time: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

/// Converts an optional protobuf timestamp to a time, naming the field when invalid.
pub fn from_timestamp(
    field: &str,
    value: Option<&prost_types::Timestamp>,
) -> Result<Option<DateTime<Utc>>, Error> {
    value
        .map(|ts| {
            DateTime::from_timestamp(ts.seconds, ts.nanos.max(0) as u32)
                .ok_or_else(|| Error::invalid(field, "is not a valid timestamp"))
        })
        .transpose()
}

/// Reads a required Salesforce object enum.
pub fn sf_object(field: &str, value: i32) -> Result<SfObject, Error> {
    match pb::SalesforceObject::try_from(value) {
        Ok(pb::SalesforceObject::Account) => Ok(SfObject::Account),
        Ok(pb::SalesforceObject::Contact) => Ok(SfObject::Contact),
        Ok(pb::SalesforceObject::Opportunity) => Ok(SfObject::Opportunity),
        Ok(pb::SalesforceObject::OpportunityLineItem) => Ok(SfObject::OpportunityLineItem),
        Ok(pb::SalesforceObject::Product) => Ok(SfObject::Product),
        _ => Err(Error::invalid(
            field,
            "must be one of SALESFORCE_OBJECT_ACCOUNT, SALESFORCE_OBJECT_CONTACT, \
             SALESFORCE_OBJECT_OPPORTUNITY, SALESFORCE_OBJECT_OPPORTUNITY_LINE_ITEM",
        )),
    }
}

/// Converts an object to its proto enum.
pub fn sf_object_to_proto(object: SfObject) -> pb::SalesforceObject {
    match object {
        SfObject::Account => pb::SalesforceObject::Account,
        SfObject::Contact => pb::SalesforceObject::Contact,
        SfObject::Opportunity => pb::SalesforceObject::Opportunity,
        SfObject::OpportunityLineItem => pb::SalesforceObject::OpportunityLineItem,
        SfObject::Product => pb::SalesforceObject::Product,
    }
}

fn stored_object(text: &str) -> i32 {
    SfObject::from_db(text)
        .map(sf_object_to_proto)
        .unwrap_or(pb::SalesforceObject::Unspecified) as i32
}

/// Reads an entity type enum; `Ok(None)` when unset.
pub fn entity_type(value: i32) -> Option<EntityType> {
    match pb::EntityType::try_from(value).ok()? {
        pb::EntityType::Unspecified => None,
        pb::EntityType::Account => Some(EntityType::Account),
        pb::EntityType::User => Some(EntityType::User),
        pb::EntityType::Entitlement => Some(EntityType::Entitlement),
        pb::EntityType::EntitlementLine => Some(EntityType::EntitlementLine),
        pb::EntityType::Product => Some(EntityType::Product),
        pb::EntityType::MaintenanceLine => Some(EntityType::MaintenanceLine),
        pb::EntityType::DownloadPackage => Some(EntityType::DownloadPackage),
        pb::EntityType::File => Some(EntityType::File),
    }
}

fn entity_type_to_proto(entity: EntityType) -> pb::EntityType {
    match entity {
        EntityType::Account => pb::EntityType::Account,
        EntityType::User => pb::EntityType::User,
        EntityType::Entitlement => pb::EntityType::Entitlement,
        EntityType::EntitlementLine => pb::EntityType::EntitlementLine,
        EntityType::Product => pb::EntityType::Product,
        EntityType::MaintenanceLine => pb::EntityType::MaintenanceLine,
        EntityType::DownloadPackage => pb::EntityType::DownloadPackage,
        EntityType::File => pb::EntityType::File,
    }
}

/// Reads a data type enum; `None` when unset or unknown.
pub fn data_type(value: i32) -> Option<DataType> {
    match pb::AttributeDataType::try_from(value).ok()? {
        pb::AttributeDataType::Unspecified => None,
        pb::AttributeDataType::Number => Some(DataType::Number),
        pb::AttributeDataType::Text => Some(DataType::Text),
        pb::AttributeDataType::LongText => Some(DataType::LongText),
        pb::AttributeDataType::Boolean => Some(DataType::Boolean),
        pb::AttributeDataType::Date => Some(DataType::Date),
    }
}

fn data_type_to_proto(data_type: DataType) -> pb::AttributeDataType {
    match data_type {
        DataType::Number => pb::AttributeDataType::Number,
        DataType::Text => pb::AttributeDataType::Text,
        DataType::LongText => pb::AttributeDataType::LongText,
        DataType::Boolean => pb::AttributeDataType::Boolean,
        DataType::Date => pb::AttributeDataType::Date,
    }
}

/// Reads an entitlement state enum; `None` when unset or unknown.
pub fn entitlement_state(value: i32) -> Option<EntitlementState> {
    match pb::EntitlementState::try_from(value).ok()? {
        pb::EntitlementState::Draft => Some(EntitlementState::Draft),
        pb::EntitlementState::Deployed => Some(EntitlementState::Deployed),
        pb::EntitlementState::Unspecified => None,
    }
}

/// Converts an entitlement state to its proto enum.
pub fn entitlement_state_to_proto(state: EntitlementState) -> pb::EntitlementState {
    match state {
        EntitlementState::Draft => pb::EntitlementState::Draft,
        EntitlementState::Deployed => pb::EntitlementState::Deployed,
    }
}

/// Converts a stored remote site.
pub fn remote_site(record: remote_sites::RemoteSiteRecord) -> pb::RemoteSite {
    pb::RemoteSite {
        name: record.name,
        url: record.url,
        description: record.description,
        active: record.active,
        create_time: Some(timestamp(record.created_at)),
        update_time: Some(timestamp(record.updated_at)),
    }
}

/// Converts a stored mapping.
pub fn field_mapping(record: mappings::MappingRecord) -> pb::FieldMapping {
    let kind = if record.kind == "custom" {
        pb::MappingKind::Custom
    } else {
        pb::MappingKind::Default
    };
    let fixed = SfObject::from_db(&record.sf_object)
        .filter(|_| record.kind != "custom")
        .and_then(|object| fixed_reason(object, &record.fno_field))
        .unwrap_or_default();
    pb::FieldMapping {
        sf_object: stored_object(&record.sf_object),
        fno_field: record.fno_field,
        sf_field: record.sf_field.unwrap_or_default(),
        required: record.required,
        kind: kind as i32,
        editable: record.editable,
        update_time: Some(timestamp(record.updated_at)),
        fixed_reason: fixed.to_string(),
    }
}

/// Converts a stored custom attribute.
pub fn custom_attribute(record: mappings::CustomAttributeRecord) -> pb::CustomAttribute {
    pb::CustomAttribute {
        name: record.name,
        entity_type: EntityType::from_db(&record.entity_type)
            .map(entity_type_to_proto)
            .unwrap_or(pb::EntityType::Unspecified) as i32,
        data_type: DataType::from_db(&record.data_type)
            .map(data_type_to_proto)
            .unwrap_or(pb::AttributeDataType::Unspecified) as i32,
        editable: record.editable,
        required: record.required,
        active: record.active,
        sf_object: stored_object(&record.sf_object),
        sf_field: record.sf_field,
        create_time: Some(timestamp(record.created_at)),
    }
}

/// Converts the stored schedule.
pub fn schedule(record: schedules::ScheduleRecord) -> pb::Schedule {
    let timing = match record.timing_kind.as_str() {
        "daily" => Some(pb::schedule::Timing::Daily(pb::DailyTiming {
            time_of_day: record.time_of_day.clone().unwrap_or_default(),
            time_zone: record.time_zone.clone(),
        })),
        _ => Some(pb::schedule::Timing::Cron(pb::CronTiming {
            expression: record.cron_expression.clone().unwrap_or_default(),
            time_zone: record.time_zone.clone(),
        })),
    };
    let state = if record.paused {
        pb::ScheduleState::Paused
    } else {
        pb::ScheduleState::Active
    };
    pb::Schedule {
        name: record.name,
        timing,
        state: state as i32,
        last_fire_time: record.last_fire_at.map(timestamp),
        next_fire_time: record.next_fire_at.map(timestamp),
        create_time: Some(timestamp(record.created_at)),
        update_time: Some(timestamp(record.updated_at)),
        held_reason: record.held_reason.unwrap_or_default(),
    }
}

/// Converts the stored event-sync settings and state.
pub fn event_sync(record: event_sync::EventSyncRecord) -> pb::EventSync {
    let connected = record.is_connected(Utc::now());
    let lag_seconds = record
        .last_commit
        .map(|commit| (Utc::now() - commit).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or_default();
    pb::EventSync {
        objects: record.objects,
        pubsub_url: record.pubsub_url,
        connected,
        holder: record.holder,
        last_commit_time: record.last_commit.map(timestamp),
        lag_seconds,
        last_replay_id: record
            .replay_id
            .map(|id| id.iter().map(|b| format!("{b:02x}")).collect())
            .unwrap_or_default(),
        events_received: record.events_received,
        events_coalesced: record.events_coalesced,
        own_events: record.own_events,
        runs_queued: record.runs_queued,
        fallbacks: record.fallbacks,
        last_fallback: record.last_fallback,
        last_fallback_time: record.last_fallback_at.map(timestamp),
        last_error: record.last_error,
        heartbeat_time: record.heartbeat_at.map(timestamp),
        channel: record.channel,
        records_read_again: record.records_read_again,
    }
}

/// Database names of run kinds with their proto values.
pub const RUN_KINDS: [(RunKind, pb::SyncKind); 5] = [
    (RunKind::OneTime, pb::SyncKind::OneTime),
    (RunKind::Scheduled, pb::SyncKind::Scheduled),
    (RunKind::Immediate, pb::SyncKind::Immediate),
    (RunKind::Event, pb::SyncKind::Event),
    (RunKind::Retry, pb::SyncKind::Retry),
];

/// Database names of run states with their proto values.
pub const RUN_STATES: [(RunState, pb::SyncRunState); 7] = [
    (RunState::Queued, pb::SyncRunState::Queued),
    (RunState::Running, pb::SyncRunState::Running),
    (RunState::Completed, pb::SyncRunState::Completed),
    (
        RunState::CompletedWithFailures,
        pb::SyncRunState::CompletedWithFailures,
    ),
    (RunState::Failed, pb::SyncRunState::Failed),
    (RunState::Cancelled, pb::SyncRunState::Cancelled),
    (RunState::Paused, pb::SyncRunState::Paused),
];

/// Database names of log statuses with their proto values.
pub const LOG_STATUSES: [(&str, pb::TransactionStatus); 3] = [
    ("completed", pb::TransactionStatus::Completed),
    ("failed", pb::TransactionStatus::Failed),
    ("error", pb::TransactionStatus::Error),
];

/// Maps a stored name to its proto value through a table.
pub fn lookup_proto<P: Copy + Into<i32>>(table: &[(&str, P)], name: &str) -> i32 {
    table
        .iter()
        .find(|(db, _)| *db == name)
        .map(|(_, proto)| (*proto).into())
        .unwrap_or(0)
}

/// Maps a proto value to its stored value through a table; `None` when unset or unknown.
pub fn lookup_db<K: Copy, P: Copy + Into<i32>>(table: &[(K, P)], value: i32) -> Option<K> {
    table
        .iter()
        .find(|(_, proto)| (*proto).into() == value)
        .map(|(db, _)| *db)
}

/// The proto value of a run kind.
pub fn run_kind(kind: RunKind) -> pb::SyncKind {
    RUN_KINDS
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, proto)| proto)
        .unwrap_or_default()
}

/// The proto value of a run state.
pub fn run_state(state: RunState) -> pb::SyncRunState {
    RUN_STATES
        .into_iter()
        .find(|(s, _)| *s == state)
        .map(|(_, proto)| proto)
        .unwrap_or_default()
}

/// Converts a stored run.
pub fn sync_run(record: Run) -> pb::SyncRun {
    pb::SyncRun {
        run_id: record.run_id,
        kind: run_kind(record.kind).into(),
        state: run_state(record.state).into(),
        account_id: record.account_id,
        window_start_time: record.window_start.map(timestamp),
        window_end_time: record.window_end.map(timestamp),
        records_total: record.counters.total,
        records_done: record.counters.done,
        records_failed: record.counters.failed,
        requested_by: record.requested_by,
        message: record.message,
        create_time: Some(timestamp(record.created_at)),
        start_time: record.started_at.map(timestamp),
        end_time: record.ended_at.map(timestamp),
        account_ids: record.account_ids,
        retry_of: record.retry_of,
    }
}

/// Converts a stored log with its error log.
pub fn transaction_log(record: tx_logs::TxLogRecord) -> pb::TransactionLog {
    let error_log = record.error_seq.map(|seq| pb::ErrorLog {
        error_number: tx_logs::error_number(seq),
        component: record.component.clone().unwrap_or_default(),
        reason: record.reason.clone().unwrap_or_default(),
        message: record.error_message.clone().unwrap_or_default(),
        salesforce_record_id: record.salesforce_record_id.clone(),
        task_id: record.task_id.clone(),
    });
    pb::TransactionLog {
        log_number: tx_logs::log_number(record.log_seq),
        task_id: record.task_id,
        create_time: Some(timestamp(record.created_at)),
        name: record.name,
        description: record.description,
        status: lookup_proto(&LOG_STATUSES, &record.status),
        run_by: record.run_by,
        salesforce_record_id: record.salesforce_record_id,
        error_log,
    }
}
