//! Custom change event channels and event enrichment, as the Tooling API
//! creates them: a `PlatformEventChannel` (`<Name>__chn`, channel type
//! `data`) carries the change events of its `PlatformEventChannelMember`s
//! on `/data/<Name>__chn`, and a member may name enriched fields, which
//! that channel's update and delete events carry even when they did not
//! change (with null values when empty, as the Pub/Sub API sends them).
//! The standard `/data/ChangeEvents` channel already has every selected
//! object as a member.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::change_events::{NOT_IN_EVENTS, SELECTED};
use super::errors::ApiError;
use super::ids;
use super::rest::Reply;
use super::schema::schema;

/// Custom channels an org may have at most (bounds the sandbox's memory).
pub const MAX_CHANNELS: usize = 100;
/// Name of the standard channel of every selected object.
pub const STANDARD: &str = "ChangeEvents";
/// Key prefix of `PlatformEventChannel` ids.
const CHANNEL_PREFIX: &str = "0YL";
/// Key prefix of `PlatformEventChannelMember` ids.
const MEMBER_PREFIX: &str = "0v8";
/// Suffix of a change event entity's name.
const EVENT_SUFFIX: &str = "ChangeEvent";

#[derive(Default)]
struct Channel {
    /// Members by object, with their enriched fields.
    members: BTreeMap<&'static str, Vec<&'static str>>,
}

#[derive(Default)]
struct State {
    channels: BTreeMap<String, Channel>,
    next_id: u64,
}

/// The org's custom channels.
#[derive(Default)]
pub struct Channels {
    state: Mutex<State>,
}

/// The `/data/<Name>__chn` topic's channel name, if the topic is one.
pub fn channel_of_topic(topic: &str) -> Option<&str> {
    topic
        .strip_prefix("/data/")
        .filter(|name| name.ends_with("__chn"))
}

impl Channels {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a custom channel named `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.lock().channels.contains_key(name)
    }

    /// The objects channel `name` carries (none when it does not exist).
    pub fn members(&self, name: &str) -> Vec<&'static str> {
        self.lock()
            .channels
            .get(name)
            .map(|channel| channel.members.keys().copied().collect())
            .unwrap_or_default()
    }

    /// The channels that enrich `object`'s events, with their fields.
    pub fn enrichments(&self, object: &str) -> Vec<(String, Vec<&'static str>)> {
        self.lock()
            .channels
            .iter()
            .filter_map(|(name, channel)| {
                let fields = channel.members.get(object)?;
                (!fields.is_empty()).then(|| (name.clone(), fields.clone()))
            })
            .collect()
    }

    /// `POST …/tooling/sobjects/{Type}` for the two channel types.
    pub fn create(&self, object: &str, body: &Value) -> Result<Reply, ApiError> {
        let id = match object {
            "PlatformEventChannel" => self.create_channel(body)?,
            "PlatformEventChannelMember" => self.create_member(body)?,
            _ => return Err(ApiError::not_found()),
        };
        Ok(Reply {
            status: StatusCode::CREATED,
            body: Some(json!({
                "id": id, "success": true, "errors": [], "warnings": [], "infos": []
            })),
            location: None,
        })
    }

    fn create_channel(&self, body: &Value) -> Result<String, ApiError> {
        let (full_name, metadata) = parts(body)?;
        let valid = full_name
            .strip_suffix("__chn")
            .is_some_and(|base| developer_name(base) && !base.contains("__"));
        if !valid {
            return Err(ApiError::on_fields(
                "INVALID_INPUT",
                format!("FullName {full_name:?}: a custom channel is named <Name>__chn, where the name starts with a letter and has letters, digits and single underscores"),
                &["FullName"],
            ));
        }
        if text(metadata, "channelType") != Some("data") {
            return Err(ApiError::on_fields(
                "INVALID_INPUT",
                "Metadata.channelType: a change event channel has channel type data",
                &["channelType"],
            ));
        }
        let mut state = self.lock();
        if state.channels.contains_key(full_name) {
            return Err(duplicate(full_name));
        }
        if state.channels.len() >= MAX_CHANNELS {
            return Err(ApiError::bad_request(
                "LIMIT_EXCEEDED",
                format!("An org has at most {MAX_CHANNELS} custom channels"),
            ));
        }
        state
            .channels
            .insert(full_name.to_string(), Channel::default());
        Ok(next_id(&mut state, CHANNEL_PREFIX))
    }

    fn create_member(&self, body: &Value) -> Result<String, ApiError> {
        let (full_name, metadata) = parts(body)?;
        let channel = text(metadata, "eventChannel").unwrap_or_default();
        let entity = text(metadata, "selectedEntity").unwrap_or_default();
        let object = entity
            .strip_suffix(EVENT_SUFFIX)
            .and_then(|object| SELECTED.into_iter().find(|o| *o == object))
            .ok_or_else(|| {
                ApiError::on_fields(
                    "INVALID_INPUT",
                    format!("Metadata.selectedEntity {entity:?}: not a change event entity of this org (one of {})", SELECTED.map(|o| format!("{o}{EVENT_SUFFIX}")).join(", ")),
                    &["selectedEntity"],
                )
            })?;
        let def = schema()
            .object(object)
            .expect("a selected object is in the schema");
        let mut enriched = Vec::new();
        for field in metadata
            .get("enrichedFields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let found = def
                .field(name)
                .filter(|f| !NOT_IN_EVENTS.contains(&f.name))
                .ok_or_else(|| {
                    ApiError::on_fields(
                        "INVALID_INPUT",
                        format!("Metadata.enrichedFields: {object} has no field {name:?} that can enrich its change events"),
                        &["enrichedFields"],
                    )
                })?;
            if !enriched.contains(&found.name) {
                enriched.push(found.name);
            }
        }
        let mut state = self.lock();
        if channel == STANDARD {
            // Every selected object is a member of the standard channel.
            return Err(duplicate(full_name));
        }
        let Some(target) = state.channels.get_mut(channel) else {
            return Err(ApiError::on_fields(
                "INVALID_INPUT",
                format!("Metadata.eventChannel {channel:?}: no such channel; create the PlatformEventChannel first"),
                &["eventChannel"],
            ));
        };
        if target.members.contains_key(object) {
            return Err(duplicate(full_name));
        }
        target.members.insert(object, enriched);
        Ok(next_id(&mut state, MEMBER_PREFIX))
    }
}

/// `FullName` and `Metadata` of a Tooling API create.
fn parts(body: &Value) -> Result<(&str, &Value), ApiError> {
    let full_name = body
        .get("FullName")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            ApiError::on_fields(
                "REQUIRED_FIELD_MISSING",
                "FullName is required",
                &["FullName"],
            )
        })?;
    let metadata = body
        .get("Metadata")
        .filter(|m| m.is_object())
        .ok_or_else(|| {
            ApiError::on_fields(
                "REQUIRED_FIELD_MISSING",
                "Metadata is required",
                &["Metadata"],
            )
        })?;
    Ok((full_name, metadata))
}

fn text<'a>(metadata: &'a Value, name: &str) -> Option<&'a str> {
    metadata.get(name).and_then(Value::as_str)
}

fn developer_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.ends_with('_')
}

fn duplicate(full_name: &str) -> ApiError {
    ApiError::bad_request(
        "DUPLICATE_DEVELOPER_NAME",
        format!("{full_name} already exists"),
    )
}

fn next_id(state: &mut State, prefix: &str) -> String {
    state.next_id += 1;
    ids::make(prefix, state.next_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(name: &str) -> Value {
        json!({"FullName": name, "Metadata": {"channelType": "data", "label": "Sync"}})
    }

    fn member(channel: &str, entity: &str, fields: &[&str]) -> Value {
        json!({"FullName": format!("{}_{entity}", channel.replace("__", "_")), "Metadata": {
            "eventChannel": channel, "selectedEntity": entity,
            "enrichedFields": fields.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
        }})
    }

    fn code(result: Result<Reply, ApiError>) -> String {
        result
            .err()
            .map(|e| e.errors[0].code.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_channel_carries_its_members_and_enriches_their_events() {
        let channels = Channels::default();
        let created = channels
            .create("PlatformEventChannel", &channel("Sync__chn"))
            .expect("a channel");
        assert_eq!(created.status, StatusCode::CREATED);
        let id = created.body.expect("a body")["id"]
            .as_str()
            .map(String::from);
        assert!(id.is_some_and(|id| id.starts_with(CHANNEL_PREFIX) && id.len() == 18));
        channels
            .create(
                "PlatformEventChannelMember",
                &member("Sync__chn", "OpportunityChangeEvent", &["accountid"]),
            )
            .expect("a member");
        channels
            .create(
                "PlatformEventChannelMember",
                &member("Sync__chn", "AccountChangeEvent", &[]),
            )
            .expect("a member");
        assert!(channels.exists("Sync__chn"));
        assert_eq!(channels.members("Sync__chn"), ["Account", "Opportunity"]);
        assert_eq!(
            channels.enrichments("Opportunity"),
            [("Sync__chn".to_string(), vec!["AccountId"])]
        );
        assert!(channels.enrichments("Account").is_empty());
        assert_eq!(channel_of_topic("/data/Sync__chn"), Some("Sync__chn"));
        assert_eq!(channel_of_topic("/data/ChangeEvents"), None);
    }

    #[test]
    fn bad_channels_and_members_are_refused_with_the_field_at_fault() {
        let channels = Channels::default();
        assert_eq!(
            code(channels.create("PlatformEventChannel", &channel("Sync"))),
            "INVALID_INPUT"
        );
        assert_eq!(
            code(channels.create("PlatformEventChannel", &json!({"FullName": "Sync__chn"}))),
            "REQUIRED_FIELD_MISSING"
        );
        channels
            .create("PlatformEventChannel", &channel("Sync__chn"))
            .expect("a channel");
        assert_eq!(
            code(channels.create("PlatformEventChannel", &channel("Sync__chn"))),
            "DUPLICATE_DEVELOPER_NAME"
        );
        let refused = [
            member("Other__chn", "OpportunityChangeEvent", &[]),
            member("Sync__chn", "CaseChangeEvent", &[]),
            member("Sync__chn", "OpportunityChangeEvent", &["Nope__c"]),
            member("Sync__chn", "OpportunityChangeEvent", &["Id"]),
        ];
        for body in refused {
            assert_eq!(
                code(channels.create("PlatformEventChannelMember", &body)),
                "INVALID_INPUT",
                "{body}"
            );
        }
        assert_eq!(
            code(channels.create(
                "PlatformEventChannelMember",
                &member(STANDARD, "OpportunityChangeEvent", &[])
            )),
            "DUPLICATE_DEVELOPER_NAME"
        );
        assert_eq!(code(channels.create("ApexClass", &json!({}))), "NOT_FOUND");
        assert!(channels.members("Sync__chn").is_empty());
    }
}
