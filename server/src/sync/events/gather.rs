//! The change events of one debounce, gathered into the accounts they name.
//! An event names its account directly (an Account's own id, the
//! `AccountId` a create or an account change carries) or through records
//! that must be read again: the records of an update that did not touch the
//! account, of a gap event (no values at all) or of a line (its
//! opportunity's account). Those are read in one REST call for the batch.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::super::read;
use super::decode::ChangeEvent;
use crate::salesforce::{SalesforceClient, SalesforceError};

/// Objects whose change events start syncs.
pub const OBJECTS: [&str; 4] = ["Opportunity", "OpportunityLineItem", "Account", "Contact"];

/// The fields a channel should enrich each object's change events with: an
/// update then names its account (or a line its opportunity) without a
/// REST read. The members of a custom channel for fnosync, as the
/// administrator guide gives them.
pub const ENRICHED_FIELDS: [(&str, &[&str]); 4] = [
    ("Opportunity", &["AccountId"]),
    ("OpportunityLineItem", &["OpportunityId"]),
    ("Account", &[]),
    ("Contact", &["AccountId"]),
];

/// Where an account came from: its orders changed, or only its account
/// or contact records (which count only for accounts with synced orders).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// An opportunity or a line item.
    Orders,
    /// The account or one of its contacts.
    Records,
}

/// Events gathered since the last flush.
#[derive(Debug, Default)]
pub struct Gathered {
    /// Events received (own ones included).
    pub received: i64,
    /// Events of fnosync's own writes.
    pub own: i64,
    /// Events of objects not enabled, or of deleted records.
    pub ignored: i64,
    /// Events that name accounts, to be counted against the accounts.
    pub naming: i64,
    /// The replay id of the last event.
    pub replay_id: Vec<u8>,
    /// The newest commit time.
    pub last_commit: Option<DateTime<Utc>>,
    /// Accounts known from the events, with where they came from.
    pub accounts: BTreeMap<String, Source>,
    /// Records to read again, by object.
    pub to_read: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Gathered {
    /// Whether nothing was gathered.
    pub fn is_empty(&self) -> bool {
        self.received == 0
    }

    /// How many accounts the gathered events name at most: those known, and
    /// one for each record to read again.
    pub fn named(&self) -> usize {
        self.accounts.len() + self.records_to_read()
    }

    /// How many records must be read again to find their accounts.
    pub fn records_to_read(&self) -> usize {
        self.to_read.values().map(BTreeSet::len).sum()
    }

    /// Takes in one event with its replay id.
    pub fn add(
        &mut self,
        event: &ChangeEvent,
        replay_id: Vec<u8>,
        enabled: &[String],
        client_id: &str,
    ) {
        self.received += 1;
        self.replay_id = replay_id;
        self.last_commit = self.last_commit.max(event.commit_time);
        if event.is_own(client_id) {
            self.own += 1;
            return;
        }
        let Some(object) = OBJECTS.into_iter().find(|o| *o == event.entity) else {
            self.ignored += 1;
            return;
        };
        if !enabled.iter().any(|e| e == object) || event.is_delete() {
            self.ignored += 1;
            return;
        }
        self.naming += 1;
        if object == "Account" {
            for id in &event.record_ids {
                self.name(id.clone(), Source::Records);
            }
            return;
        }
        let source = if object == "Contact" {
            Source::Records
        } else {
            Source::Orders
        };
        // A gap event carries no values; an update carries the account only
        // when it changed; a line carries its opportunity only when created.
        let (known, parent) = match event.is_gap() {
            true => (None, None),
            false => (event.account_id.clone(), event.opportunity_id.clone()),
        };
        match (object, known, parent) {
            ("OpportunityLineItem", _, Some(opportunity)) => {
                self.to_read
                    .entry("Opportunity")
                    .or_default()
                    .insert(opportunity);
            }
            ("OpportunityLineItem", _, None) | (_, None, _) => self
                .to_read
                .entry(object)
                .or_default()
                .extend(event.record_ids.iter().cloned()),
            (_, Some(account), _) => self.name(account, source),
        }
    }

    fn name(&mut self, account: String, source: Source) {
        let entry = self.accounts.entry(account).or_insert(source);
        *entry = (*entry).min(source);
    }

    /// Reads the accounts of the records to read again (one `composite`
    /// call for up to five queries) and adds them: an account is named by
    /// its orders when an opportunity or a line led to it.
    pub async fn read_accounts(&mut self, sf: &SalesforceClient) -> Result<(), SalesforceError> {
        let found = read::accounts_of_records(sf, &self.to_read).await?;
        for (object, account) in found {
            let source = match object {
                "Account" | "Contact" => Source::Records,
                _ => Source::Orders,
            };
            self.name(account, source);
        }
        self.to_read.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(entity: &str, change_type: &str, ids: &[&str]) -> ChangeEvent {
        ChangeEvent {
            entity: entity.into(),
            record_ids: ids.iter().map(|id| id.to_string()).collect(),
            change_type: change_type.into(),
            change_origin: "com/salesforce/api/rest/62.0;client=simple-salesforce".into(),
            commit_time: None,
            commit_user: String::new(),
            account_id: None,
            opportunity_id: None,
        }
    }

    fn all() -> Vec<String> {
        OBJECTS.iter().map(|o| o.to_string()).collect()
    }

    #[test]
    fn accounts_come_from_the_payload_or_are_read_again() {
        let mut gathered = Gathered::default();
        let mut created = event("Opportunity", "CREATE", &["006A"]);
        created.account_id = Some("001A".into());
        gathered.add(&created, vec![1], &all(), "fnosync");
        gathered.add(
            &event("Opportunity", "UPDATE", &["006B"]),
            vec![2],
            &all(),
            "fnosync",
        );
        gathered.add(
            &event("Account", "UPDATE", &["001C", "001D"]),
            vec![3],
            &all(),
            "fnosync",
        );
        let mut line = event("OpportunityLineItem", "CREATE", &["00kA"]);
        line.opportunity_id = Some("006A".into());
        gathered.add(&line, vec![4], &all(), "fnosync");
        gathered.add(
            &event("OpportunityLineItem", "UPDATE", &["00kB"]),
            vec![5],
            &all(),
            "fnosync",
        );
        let mut gap = event("Contact", "GAP_UPDATE", &["003A"]);
        gap.account_id = Some("001Z".into());
        gathered.add(&gap, vec![6], &all(), "fnosync");
        assert_eq!(gathered.received, 6);
        assert_eq!(
            gathered.named(),
            3 + 4,
            "three accounts and four records to read"
        );
        assert_eq!(gathered.replay_id, [6]);
        assert_eq!(
            gathered.accounts.into_iter().collect::<Vec<_>>(),
            [
                ("001A".to_string(), Source::Orders),
                ("001C".to_string(), Source::Records),
                ("001D".to_string(), Source::Records),
            ]
        );
        let to_read: Vec<(&str, Vec<&String>)> = gathered
            .to_read
            .iter()
            .map(|(object, ids)| (*object, ids.iter().collect()))
            .collect();
        assert_eq!(
            to_read,
            [
                ("Contact", vec!["003A"]),
                ("Opportunity", vec!["006A", "006B"]),
                ("OpportunityLineItem", vec!["00kB"]),
            ]
            .map(|(o, ids)| (o, ids.into_iter().map(String::from).collect::<Vec<_>>()))
            .iter()
            .map(|(o, ids)| (*o, ids.iter().collect()))
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_update_enriched_with_its_account_names_it_without_a_read() {
        let enriched: Vec<&str> = ENRICHED_FIELDS.iter().map(|(object, _)| *object).collect();
        assert_eq!(
            enriched, OBJECTS,
            "a channel for fnosync carries every object"
        );
        let mut gathered = Gathered::default();
        let mut closed = event("Opportunity", "UPDATE", &["006A"]);
        closed.account_id = Some("001A".into());
        gathered.add(&closed, vec![1], &all(), "fnosync");
        let mut moved = event("Contact", "UPDATE", &["003A"]);
        moved.account_id = Some("001B".into());
        gathered.add(&moved, vec![2], &all(), "fnosync");
        assert!(gathered.to_read.is_empty(), "{:?}", gathered.to_read);
        assert_eq!(
            gathered.accounts.into_iter().collect::<Vec<_>>(),
            [
                ("001A".to_string(), Source::Orders),
                ("001B".to_string(), Source::Records)
            ]
        );
    }

    #[test]
    fn own_writes_deletes_and_objects_not_enabled_name_nothing() {
        let mut gathered = Gathered::default();
        let mut own = event("Opportunity", "UPDATE", &["006A"]);
        own.change_origin = "com/salesforce/api/rest/62.0;client=fnosync".into();
        own.account_id = Some("001A".into());
        gathered.add(&own, vec![1], &all(), "fnosync");
        gathered.add(
            &event("Opportunity", "DELETE", &["006B"]),
            vec![2],
            &all(),
            "fnosync",
        );
        gathered.add(
            &event("Account", "UPDATE", &["001C"]),
            vec![3],
            &["Opportunity".into()],
            "fnosync",
        );
        gathered.add(
            &event("Case", "UPDATE", &["500A"]),
            vec![4],
            &all(),
            "fnosync",
        );
        assert_eq!((gathered.own, gathered.ignored, gathered.naming), (1, 3, 0));
        assert!(gathered.accounts.is_empty() && gathered.to_read.is_empty());
        assert_eq!(gathered.replay_id, [4]);
    }
}
