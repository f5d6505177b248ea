//! Runs a bound query over the store: filter, sort, OFFSET/LIMIT, COUNT(),
//! and renders records as the REST API does (an `attributes` object, parent
//! paths as nested objects or `null`, child subqueries as nested query
//! results or `null` when there are no children).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::bind::{BoundCondition, BoundItem, BoundOrder, BoundQuery, FieldRef, Operand};
use super::like;
use crate::salesforce::schema::{FieldType, ObjectDef};
use crate::salesforce::store::{id_of, is_deleted, Record, Store};

/// Result of a query before pagination.
#[derive(Debug)]
pub struct Output {
    /// Number of matching records (COUNT() result included).
    pub total_size: usize,
    /// Rendered records (empty for COUNT()).
    pub records: Vec<Value>,
}

/// Runs `query`; `all_rows` includes deleted records (queryAll);
/// `version` (e.g. `59.0`) goes into the records' attribute URLs.
pub fn run(store: &Store, query: &BoundQuery, all_rows: bool, version: &str) -> Output {
    let runner = Runner {
        store,
        all_rows,
        version,
    };
    let filter = query.filter.as_ref().map(|f| runner.prepare(f));
    let mut rows: Vec<&Record> = candidates(store, query)
        .into_iter()
        .filter(|r| all_rows || !is_deleted(r))
        .filter(|r| filter.as_ref().is_none_or(|f| runner.test(r, f)))
        .collect();
    if query.count {
        let total = window(rows.len(), query).len();
        return Output {
            total_size: total,
            records: Vec::new(),
        };
    }
    runner.sort(&mut rows, &query.order_by);
    let range = window(rows.len(), query);
    let records = runner.render_rows(query, &rows[range]);
    Output {
        total_size: records.len(),
        records,
    }
}

/// Returns the records a query must look at: the named ones when the filter
/// pins `Id` (`Id = …`, `Id IN (…)`, possibly under a top-level AND), else
/// the whole table, in id order either way.
fn candidates<'s>(store: &'s Store, query: &BoundQuery) -> Vec<&'s Record> {
    let Some(mut ids) = query.filter.as_ref().and_then(pinned_ids) else {
        return store.table(query.object.name).collect();
    };
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .filter_map(|id| store.get(query.object.name, id))
        .collect()
}

fn pinned_ids(condition: &BoundCondition) -> Option<Vec<&str>> {
    let is_id = |field: &FieldRef| field.steps.is_empty() && field.field.kind == FieldType::Id;
    match condition {
        BoundCondition::Compare(field, "=", Operand::Value(Value::String(id))) if is_id(field) => {
            Some(vec![id.as_str()])
        }
        BoundCondition::In(field, false, operands) if is_id(field) => operands
            .iter()
            .map(|o| match o {
                Operand::Value(Value::String(id)) => Some(id.as_str()),
                _ => None,
            })
            .collect(),
        BoundCondition::And(terms) => terms.iter().find_map(pinned_ids),
        _ => None,
    }
}

fn window(len: usize, query: &BoundQuery) -> std::ops::Range<usize> {
    let start = (query.offset.unwrap_or(0) as usize).min(len);
    let end = query
        .limit
        .map_or(len, |l| start.saturating_add(l as usize).min(len));
    start..end
}

struct Runner<'s> {
    store: &'s Store,
    all_rows: bool,
    version: &'s str,
}

impl<'s> Runner<'s> {
    /// Replaces semi-joins by the value lists they produce.
    fn prepare(&self, condition: &BoundCondition) -> BoundCondition {
        match condition {
            BoundCondition::And(terms) => {
                BoundCondition::And(terms.iter().map(|t| self.prepare(t)).collect())
            }
            BoundCondition::Or(terms) => {
                BoundCondition::Or(terms.iter().map(|t| self.prepare(t)).collect())
            }
            BoundCondition::Not(inner) => BoundCondition::Not(Box::new(self.prepare(inner))),
            BoundCondition::InQuery(field, negated, sub) => {
                let BoundItem::Field(selected) = &sub.select[0] else {
                    return BoundCondition::InSet(field.clone(), *negated, HashSet::new());
                };
                let values: HashSet<String> = run_rows(self.store, sub, false)
                    .into_iter()
                    .filter_map(|r| self.value(r, selected).and_then(set_key))
                    .collect();
                BoundCondition::InSet(field.clone(), *negated, values)
            }
            other => other.clone(),
        }
    }

    fn test(&self, record: &Record, condition: &BoundCondition) -> bool {
        match condition {
            BoundCondition::And(terms) => terms.iter().all(|t| self.test(record, t)),
            BoundCondition::Or(terms) => terms.iter().any(|t| self.test(record, t)),
            BoundCondition::Not(inner) => !self.test(record, inner),
            BoundCondition::Compare(field, op, operand) => compare(
                field.field.kind,
                self.value(record, field).unwrap_or(&Value::Null),
                op,
                operand,
            ),
            BoundCondition::In(field, negated, operands) => {
                let value = self.value(record, field).unwrap_or(&Value::Null);
                let found = operands
                    .iter()
                    .any(|o| compare(field.field.kind, value, "=", o));
                found != *negated
            }
            BoundCondition::InQuery(..) => false,
            BoundCondition::InSet(field, negated, values) => {
                let found = self
                    .value(record, field)
                    .and_then(set_key)
                    .is_some_and(|k| values.contains(&k));
                found != *negated
            }
            BoundCondition::Like(field, pattern) => self
                .value(record, field)
                .and_then(Value::as_str)
                .is_some_and(|text| like::matches(pattern, text)),
        }
    }

    /// Returns a field's value, following parent lookups; `None` when a lookup is empty.
    fn value(&self, record: &'s Record, field: &FieldRef) -> Option<&'s Value> {
        let mut current = record;
        for step in &field.steps {
            let parent_id = current.get(step.lookup.name)?.as_str()?;
            current = self.store.get(step.object.name, parent_id)?;
        }
        current.get(field.field.name)
    }

    fn sort(&self, rows: &mut [&'s Record], keys: &[BoundOrder]) {
        if keys.is_empty() {
            return;
        }
        rows.sort_by(|a, b| {
            keys.iter()
                .map(|(field, descending, nulls_first)| {
                    let left = self.value(a, field).unwrap_or(&Value::Null);
                    let right = self.value(b, field).unwrap_or(&Value::Null);
                    order(field.field.kind, left, right, *descending, *nulls_first)
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
    }

    fn render_rows(&self, query: &BoundQuery, rows: &[&'s Record]) -> Vec<Value> {
        let children: Vec<HashMap<&'s str, Vec<&'s Record>>> = query
            .select
            .iter()
            .map(|item| match item {
                BoundItem::Child(relationship, sub) => {
                    self.child_groups(relationship.field, sub, rows)
                }
                BoundItem::Field(_) => HashMap::new(),
            })
            .collect();
        rows.iter()
            .map(|record| {
                let mut out = Map::new();
                out.insert("attributes".into(), self.attributes(query.object, record));
                for (item, groups) in query.select.iter().zip(&children) {
                    match item {
                        BoundItem::Field(field) => self.render_field(record, field, &mut out),
                        BoundItem::Child(relationship, sub) => {
                            let rows = groups
                                .get(id_of(record))
                                .map(Vec::as_slice)
                                .unwrap_or_default();
                            out.insert(relationship.name.to_string(), self.child_result(sub, rows));
                        }
                    }
                }
                Value::Object(out)
            })
            .collect()
    }

    /// The children of `parents` by parent id: through the store's lookup
    /// index when it has one, else by a scan of the child table.
    fn child_groups(
        &self,
        lookup: &str,
        sub: &BoundQuery,
        parents: &[&'s Record],
    ) -> HashMap<&'s str, Vec<&'s Record>> {
        let filter = sub.filter.as_ref().map(|f| self.prepare(f));
        let keep = |record: &Record| {
            (self.all_rows || !is_deleted(record))
                && filter.as_ref().is_none_or(|f| self.test(record, f))
        };
        let mut groups: HashMap<&'s str, Vec<&'s Record>> = HashMap::new();
        if self.store.children(sub.object.name, lookup, "").is_some() {
            for parent in parents {
                let id = id_of(parent);
                let children = self.store.children(sub.object.name, lookup, id);
                for record in children.into_iter().flatten().filter(|r| keep(r)) {
                    groups.entry(id).or_default().push(record);
                }
            }
            return groups;
        }
        for record in self.store.table(sub.object.name) {
            if !keep(record) {
                continue;
            }
            if let Some(parent) = record.get(lookup).and_then(Value::as_str) {
                groups.entry(parent).or_default().push(record);
            }
        }
        groups
    }

    fn child_result(&self, sub: &BoundQuery, rows: &[&'s Record]) -> Value {
        let mut rows = rows.to_vec();
        self.sort(&mut rows, &sub.order_by);
        let range = window(rows.len(), sub);
        if range.is_empty() {
            return Value::Null;
        }
        let records = self.render_rows(sub, &rows[range]);
        json!({"totalSize": records.len(), "done": true, "records": records})
    }

    fn attributes(&self, object: &ObjectDef, record: &Record) -> Value {
        json!({
            "type": object.name,
            "url": format!("/services/data/v{}/sobjects/{}/{}", self.version, object.name, id_of(record)),
        })
    }

    fn render_field(&self, record: &'s Record, field: &FieldRef, out: &mut Map<String, Value>) {
        let mut target = out;
        let mut current = record;
        for step in &field.steps {
            let parent = current
                .get(step.lookup.name)
                .and_then(Value::as_str)
                .and_then(|id| self.store.get(step.object.name, id));
            let Some(parent) = parent else {
                target.entry(step.relationship).or_insert(Value::Null);
                return;
            };
            let entry = target
                .entry(step.relationship)
                .or_insert_with(|| json!({"attributes": self.attributes(step.object, parent)}));
            let Some(next) = entry.as_object_mut() else {
                return;
            };
            target = next;
            current = parent;
        }
        let value = current
            .get(field.field.name)
            .cloned()
            .unwrap_or(Value::Null);
        target.insert(field.field.name.to_string(), value);
    }
}

/// Runs a (semi-join) query and returns its matching records unrendered.
fn run_rows<'s>(store: &'s Store, query: &BoundQuery, all_rows: bool) -> Vec<&'s Record> {
    let runner = Runner {
        store,
        all_rows,
        version: "",
    };
    let filter = query.filter.as_ref().map(|f| runner.prepare(f));
    store
        .table(query.object.name)
        .filter(|r| all_rows || !is_deleted(r))
        .filter(|r| filter.as_ref().is_none_or(|f| runner.test(r, f)))
        .collect()
}

/// Compares text ignoring case without allocating (SOQL text comparisons
/// are case-insensitive).
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let left = a.bytes().map(|c| c.to_ascii_lowercase());
        return left.cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Returns the key a value has in a semi-join set (text lower-cased).
fn set_key(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if text.len() == 18 && text.is_ascii() => Some(text.clone()),
        Value::String(text) => Some(text.to_lowercase()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Orders two non-null values of a field type; text ignores case.
fn compare_values(kind: FieldType, left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::String(a), Value::String(b)) if kind.is_text() => Some(cmp_ignore_case(a, b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn order(
    kind: FieldType,
    left: &Value,
    right: &Value,
    descending: bool,
    nulls_first: bool,
) -> Ordering {
    match (left.is_null(), right.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => {
            if nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (false, true) => {
            if nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        _ => {
            let ordering = compare_values(kind, left, right).unwrap_or(Ordering::Equal);
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        }
    }
}

/// Applies a comparison operator; a null field only satisfies `= null` and `!=`.
fn compare(kind: FieldType, value: &Value, op: &str, operand: &Operand) -> bool {
    match operand {
        Operand::Null => match op {
            "=" => value.is_null(),
            "!=" => !value.is_null(),
            _ => false,
        },
        Operand::Value(_) | Operand::Range(..) if value.is_null() => op == "!=",
        Operand::Value(literal) => {
            let Some(ordering) = compare_values(kind, value, literal) else {
                return op == "!=";
            };
            match op {
                "=" => ordering.is_eq(),
                "!=" => ordering.is_ne(),
                "<" => ordering.is_lt(),
                "<=" => ordering.is_le(),
                ">" => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
        Operand::Range(low, high, inclusive) => {
            let text = value.as_str().unwrap_or_default();
            let below_high = if *inclusive {
                text <= high.as_str()
            } else {
                text < high.as_str()
            };
            let inside = text >= low.as_str() && below_high;
            match op {
                "=" => inside,
                "!=" => !inside,
                "<" => text < low.as_str(),
                "<=" => below_high,
                ">" => !below_high,
                _ => text >= low.as_str(),
            }
        }
    }
}
