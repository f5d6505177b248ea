//! Query cursors behind `nextRecordsUrl`: a query's rendered rows are kept
//! and served page by page. As in Salesforce, a cursor dies after 15 idle
//! minutes and a user keeps at most 10 open (the oldest is released);
//! a dead locator gets `INVALID_QUERY_LOCATOR`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::ids;

/// Open cursors a user may hold.
pub const MAX_OPEN_PER_USER: usize = 10;
/// Idle lifetime of a cursor, in minutes.
pub const IDLE_MINUTES: i64 = 15;

struct Cursor {
    records: Vec<Value>,
    total_size: usize,
    batch: usize,
    owner: String,
    opened: u64,
    last_used: DateTime<Utc>,
}

/// One page served from a cursor.
#[derive(Debug)]
pub struct Page {
    /// Records of the page.
    pub records: Vec<Value>,
    /// Size of the whole result.
    pub total_size: usize,
    /// Offset of the next page, when there is one.
    pub next: Option<usize>,
}

/// All open cursors.
#[derive(Default)]
pub struct Cursors {
    open: Mutex<HashMap<String, Cursor>>,
    sequence: Mutex<u64>,
}

impl Cursors {
    /// Keeps `records` behind a new locator and returns it.
    pub fn open(
        &self,
        owner: &str,
        records: Vec<Value>,
        total_size: usize,
        batch: usize,
        now: DateTime<Utc>,
    ) -> String {
        let opened = {
            let mut sequence = self.sequence.lock().unwrap_or_else(|p| p.into_inner());
            *sequence += 1;
            *sequence
        };
        let locator = ids::make("01g", opened)[..15].to_string();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mut mine: Vec<(u64, String)> = open
            .iter()
            .filter(|(_, c)| c.owner == owner)
            .map(|(id, c)| (c.opened, id.clone()))
            .collect();
        mine.sort();
        while mine.len() >= MAX_OPEN_PER_USER {
            let (_, oldest) = mine.remove(0);
            open.remove(&oldest);
        }
        let cursor = Cursor {
            records,
            total_size,
            batch,
            owner: owner.to_string(),
            opened,
            last_used: now,
        };
        open.insert(locator.clone(), cursor);
        locator
    }

    /// Serves the page at `offset` of `locator`; `None` when the cursor is gone.
    pub fn page(&self, locator: &str, offset: usize, now: DateTime<Utc>) -> Option<Page> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let cursor = open.get_mut(locator)?;
        if now - cursor.last_used > Duration::minutes(IDLE_MINUTES) || offset > cursor.records.len()
        {
            open.remove(locator);
            return None;
        }
        cursor.last_used = now;
        let end = (offset + cursor.batch).min(cursor.records.len());
        let page = Page {
            records: cursor.records[offset..end].to_vec(),
            total_size: cursor.total_size,
            next: (end < cursor.records.len()).then_some(end),
        };
        if page.next.is_none() {
            open.remove(locator);
        }
        Some(page)
    }

    /// Returns how many cursors are open.
    pub fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Tells whether no cursor is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
