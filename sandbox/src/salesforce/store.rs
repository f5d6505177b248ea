//! The in-memory record store: one table per object, records indexed by id
//! (ids grow with creation, so a table's order is creation order), deleted
//! records kept with `IsDeleted` for `queryAll`, and an undo journal for
//! all-or-none requests. Writes with their rules live in `write.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::change_events::{Captured, SELECTED};
use super::clock::{format_datetime, Clock};
use super::ids;
use super::schema::{schema, ObjectDef};

/// A record: field API name to JSON value, every field of the object present.
pub type Record = Map<String, Value>;

/// Field holding the deleted flag.
pub const IS_DELETED: &str = "IsDeleted";
/// Id field.
pub const ID: &str = "Id";

/// A change the journal can undo: object, id, previous record (none = new).
type Undo = (&'static str, String, Option<Record>);

/// Position in the undo journal (and in the captured changes) to roll back to.
#[derive(Clone, Copy, Debug)]
pub struct Savepoint(usize, usize);

/// Lookup fields indexed by the parent they name (object, field): what the
/// connector's relationship queries and the roll-ups follow, so that they
/// answer without scanning the child table.
const INDEXED_LOOKUPS: &[(&str, &str)] = &[
    ("OpportunityLineItem", "OpportunityId"),
    ("Opportunity", "AccountId"),
    ("Contact", "AccountId"),
];

/// Ids of the records of an object whose lookup names each parent.
type LookupIndex = HashMap<String, BTreeSet<String>>;

/// All records of the org.
pub struct Store {
    tables: HashMap<&'static str, BTreeMap<String, Record>>,
    lookups: HashMap<(&'static str, &'static str), LookupIndex>,
    sequence: u64,
    journal: Option<Vec<Undo>>,
    depth: usize,
    clock: Arc<Clock>,
    /// Writes of the objects selected for Change Data Capture, published
    /// as change events when the write ends (see `state::StoreWriter`).
    captured: Vec<Captured>,
    /// Id of the user every write is attributed to.
    pub user_id: String,
    /// `changeOrigin` of the writes (the API and client id; empty in the UI).
    pub origin: String,
}

impl Store {
    /// Creates an empty store whose writes are attributed to `user_id`.
    pub fn new(clock: Arc<Clock>, user_id: String) -> Self {
        let tables = schema()
            .objects
            .iter()
            .map(|o| (o.name, BTreeMap::new()))
            .collect();
        let lookups = INDEXED_LOOKUPS
            .iter()
            .map(|&key| (key, LookupIndex::new()))
            .collect();
        Self {
            tables,
            lookups,
            sequence: 1,
            journal: None,
            depth: 0,
            clock,
            captured: Vec::new(),
            user_id,
            origin: String::new(),
        }
    }

    /// Returns the current time in Salesforce's datetime format.
    pub fn now_text(&self) -> String {
        // Salesforce keeps record stamps to the second (`….000+0000`), so
        // records written in the same second share their SystemModstamp.
        let now = self.clock.now();
        format_datetime(chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now))
    }

    /// Returns the clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Returns the records of `object` (canonical name), deleted ones included.
    pub fn table(&self, object: &str) -> impl Iterator<Item = &Record> + '_ {
        self.tables.get(object).into_iter().flat_map(|t| t.values())
    }

    /// Returns how many live (not deleted) records `object` has.
    pub fn live_count(&self, object: &str) -> usize {
        self.table(object).filter(|r| !is_deleted(r)).count()
    }

    /// Returns the record `id` of `object`, deleted or not.
    pub fn get(&self, object: &str, id: &str) -> Option<&Record> {
        self.tables.get(object)?.get(id)
    }

    /// Returns a record by id alone (its object comes from the key prefix).
    pub fn get_any(&self, id: &str) -> Option<(&'static ObjectDef, &Record)> {
        let def = schema().object_by_prefix(ids::prefix(id))?;
        Some((def, self.get(def.name, id)?))
    }

    /// Returns a live record by id alone.
    pub fn get_live(&self, id: &str) -> Option<(&'static ObjectDef, &Record)> {
        self.get_any(id).filter(|(_, r)| !is_deleted(r))
    }

    /// Returns the records of `object` (deleted ones included) whose lookup
    /// `field` names `parent`, in id order; `None` when that lookup is not
    /// indexed (the caller scans the table).
    pub fn children<'s>(
        &'s self,
        object: &str,
        field: &str,
        parent: &str,
    ) -> Option<impl Iterator<Item = &'s Record> + 's> {
        let (&(object, _), index) = self
            .lookups
            .iter()
            .find(|((o, f), _)| *o == object && *f == field)?;
        let table = self.tables.get(object)?;
        let ids = index.get(parent).into_iter().flatten();
        Some(ids.filter_map(move |id| table.get(id)))
    }

    /// Stores `record` under `id`, journaling the previous value.
    pub(super) fn put(&mut self, object: &'static str, id: String, record: Record) {
        self.reindex(object, &id, Some(&record));
        let table = self.tables.entry(object).or_default();
        let previous = table.insert(id.clone(), record);
        if SELECTED.contains(&object) {
            let after = table.get(&id).cloned().unwrap_or_default();
            self.captured.push(Captured {
                object,
                id: id.clone(),
                before: previous.clone(),
                after,
            });
        }
        if let Some(journal) = self.journal.as_mut() {
            journal.push((object, id, previous));
        }
    }

    /// Moves `id` in the lookup indexes of `object` from what the stored
    /// record names to what `record` names (nothing when removed).
    fn reindex(&mut self, object: &'static str, id: &str, record: Option<&Record>) {
        let stored = self.tables.get(object).and_then(|t| t.get(id));
        for (&(indexed, field), index) in self.lookups.iter_mut() {
            if indexed != object {
                continue;
            }
            let old = stored.and_then(|r| text(r, field));
            let new = record.and_then(|r| text(r, field));
            if old == new {
                continue;
            }
            if let Some(old) = old {
                if let Some(ids) = index.get_mut(old) {
                    ids.remove(id);
                    if ids.is_empty() {
                        index.remove(old);
                    }
                }
            }
            if let Some(new) = new {
                index
                    .entry(new.to_string())
                    .or_default()
                    .insert(id.to_string());
            }
        }
    }

    /// Returns a fresh id with `prefix` that no record has.
    pub(super) fn next_id(&mut self, prefix: &str) -> String {
        loop {
            let id = ids::make(prefix, self.sequence);
            self.sequence += 1;
            if self.get_any(&id).is_none() {
                return id;
            }
        }
    }

    /// Starts journaling writes so `rollback` can undo them; nests.
    pub fn begin(&mut self) -> Savepoint {
        self.depth += 1;
        Savepoint(
            self.journal.get_or_insert_with(Vec::new).len(),
            self.captured.len(),
        )
    }

    /// Keeps the writes since `savepoint`.
    pub fn commit(&mut self, _savepoint: Savepoint) {
        self.end();
    }

    /// Undoes every write since `savepoint`, newest first.
    pub fn rollback(&mut self, savepoint: Savepoint) {
        let undo = self
            .journal
            .as_mut()
            .map(|journal| journal.split_off(savepoint.0.min(journal.len())))
            .unwrap_or_default();
        self.captured.truncate(savepoint.1);
        for (object, id, previous) in undo.into_iter().rev() {
            self.reindex(object, &id, previous.as_ref());
            let table = self.tables.entry(object).or_default();
            match previous {
                Some(record) => table.insert(id, record),
                None => table.remove(&id),
            };
        }
        self.end();
    }

    fn end(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.journal = None;
        }
    }

    /// Takes the writes captured since the last call, for publishing.
    pub fn take_captured(&mut self) -> Vec<Captured> {
        std::mem::take(&mut self.captured)
    }

    /// Removes every record.
    pub fn clear(&mut self) {
        for table in self.tables.values_mut() {
            table.clear();
        }
        for index in self.lookups.values_mut() {
            index.clear();
        }
    }
}

/// Tells whether a record is deleted.
pub fn is_deleted(record: &Record) -> bool {
    record
        .get(IS_DELETED)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Returns a record's text field, if set.
pub fn text<'r>(record: &'r Record, field: &str) -> Option<&'r str> {
    record.get(field).and_then(Value::as_str)
}

/// Returns a record's number field, if set.
pub fn number(record: &Record, field: &str) -> Option<f64> {
    record.get(field).and_then(Value::as_f64)
}

/// Returns a record's id.
pub fn id_of(record: &Record) -> &str {
    text(record, ID).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(id: &str, opportunity: &str) -> Record {
        json!({ "Id": id, "OpportunityId": opportunity })
            .as_object()
            .cloned()
            .expect("object")
    }

    fn children_of(store: &Store, opportunity: &str) -> Vec<String> {
        store
            .children("OpportunityLineItem", "OpportunityId", opportunity)
            .expect("indexed")
            .map(|r| id_of(r).to_string())
            .collect()
    }

    #[test]
    fn the_lookup_index_follows_writes_moves_and_rollbacks() {
        let mut store = Store::new(Arc::new(Clock::default()), "005".into());
        store.put("OpportunityLineItem", "00k1".into(), line("00k1", "006A"));
        store.put("OpportunityLineItem", "00k2".into(), line("00k2", "006A"));
        assert_eq!(children_of(&store, "006A"), ["00k1", "00k2"]);

        let savepoint = store.begin();
        store.put("OpportunityLineItem", "00k2".into(), line("00k2", "006B"));
        assert_eq!(children_of(&store, "006A"), ["00k1"]);
        assert_eq!(children_of(&store, "006B"), ["00k2"]);
        store.rollback(savepoint);

        assert_eq!(children_of(&store, "006A"), ["00k1", "00k2"]);
        assert!(children_of(&store, "006B").is_empty());
        assert!(store.children("Account", "ParentId", "001A").is_none());
        store.clear();
        assert!(children_of(&store, "006A").is_empty());
    }
}
