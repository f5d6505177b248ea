//! The in-memory record store: one table per object, records indexed by id
//! (ids grow with creation, so a table's order is creation order), deleted
//! records kept with `IsDeleted` for `queryAll`, and an undo journal for
//! all-or-none requests. Writes with their rules live in `write.rs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

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

/// Position in the undo journal to roll back to.
#[derive(Clone, Copy, Debug)]
pub struct Savepoint(usize);

/// All records of the org.
pub struct Store {
    tables: HashMap<&'static str, BTreeMap<String, Record>>,
    sequence: u64,
    journal: Option<Vec<Undo>>,
    depth: usize,
    clock: Arc<Clock>,
    /// Id of the user every write is attributed to.
    pub user_id: String,
}

impl Store {
    /// Creates an empty store whose writes are attributed to `user_id`.
    pub fn new(clock: Arc<Clock>, user_id: String) -> Self {
        let tables = schema()
            .objects
            .iter()
            .map(|o| (o.name, BTreeMap::new()))
            .collect();
        Self {
            tables,
            sequence: 1,
            journal: None,
            depth: 0,
            clock,
            user_id,
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

    /// Stores `record` under `id`, journaling the previous value.
    pub(super) fn put(&mut self, object: &'static str, id: String, record: Record) {
        let table = self.tables.entry(object).or_default();
        let previous = table.insert(id.clone(), record);
        if let Some(journal) = self.journal.as_mut() {
            journal.push((object, id, previous));
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
        Savepoint(self.journal.get_or_insert_with(Vec::new).len())
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
        for (object, id, previous) in undo.into_iter().rev() {
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

    /// Removes every record.
    pub fn clear(&mut self) {
        for table in self.tables.values_mut() {
            table.clear();
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
