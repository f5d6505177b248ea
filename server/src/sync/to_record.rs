//! What a page's rounds leave to its record stage (`record::record_page`).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::salesforce::RecordUpdate;
use crate::store::links::LinkRecord;

/// What a page's rounds leave to its record: the links of what FNO took
/// (with the fingerprints of what was sent), the versions of the accounts
/// and contacts FNO took, and the Salesforce fields to write back, written
/// with the page's logs and the run's counters in one PostgreSQL
/// transaction ([`record_page`]) before the write-back is sent. A write
/// that cannot be sent twice and has no intent to find it by (lines added
/// to an entitlement) is saved as soon as FNO answers instead.
#[derive(Debug, Default)]
pub struct PageRecord {
    links: Vec<LinkRecord>,
    seen: Vec<(&'static str, String, String)>,
    write_back: Vec<RecordUpdate>,
    /// Lines FNO created or renewed in this page: Salesforce line Id to
    /// (activation ID, copies), written back with their orders.
    created_lines: HashMap<String, (String, i64)>,
}

impl PageRecord {
    /// Queues Salesforce fields to write back once the page is recorded.
    pub fn write_back(&mut self, updates: impl IntoIterator<Item = RecordUpdate>) {
        self.write_back.extend(updates);
    }

    /// The write-back queued so far.
    pub fn queued_write_back(&self) -> &[RecordUpdate] {
        &self.write_back
    }

    /// Takes the write-back out, to send once the rest is recorded.
    pub fn take_write_back(&mut self) -> Vec<RecordUpdate> {
        std::mem::take(&mut self.write_back)
    }

    /// Notes a line FNO created or renewed: its activation ID and copies.
    pub fn line_created(&mut self, sf_line: String, activation_id: String, copies: i64) {
        self.created_lines.insert(sf_line, (activation_id, copies));
    }

    /// The activation ID and copies of a line FNO created or renewed in
    /// this page.
    pub fn created_line(&self, sf_line: &str) -> Option<(&str, i64)> {
        self.created_lines
            .get(sf_line)
            .map(|(activation_id, copies)| (activation_id.as_str(), *copies))
    }

    /// Notes links to record; a later link of a record replaces an earlier one.
    pub fn links(&mut self, links: impl IntoIterator<Item = LinkRecord>) {
        self.links.extend(links);
    }

    /// Notes the digests of records of `sf_object` FNO took: (Id, digest).
    pub fn seen(&mut self, sf_object: &'static str, records: Vec<(String, String)>) {
        self.seen.extend(
            records
                .into_iter()
                .map(|(id, digest)| (sf_object, id, digest)),
        );
    }

    /// Takes in what another pass of the same page left to record.
    pub fn extend(&mut self, other: PageRecord) {
        self.links.extend(other.links);
        self.seen.extend(other.seen);
        self.write_back.extend(other.write_back);
        self.created_lines.extend(other.created_lines);
    }

    /// Lays the links still to record over `stored` (Salesforce Id to link,
    /// as read from PostgreSQL) for records of `sf_object` that `wanted`
    /// accepts: the links as the page knows them.
    pub fn overlay(
        &self,
        stored: &mut HashMap<String, LinkRecord>,
        sf_object: &str,
        wanted: impl Fn(&LinkRecord) -> bool,
    ) {
        for link in &self.links {
            if link.sf_object == sf_object && wanted(link) {
                stored.insert(link.salesforce_id.clone(), link.clone());
            }
        }
    }

    /// The links to save, the last of each record.
    pub fn last_links(&self) -> Vec<LinkRecord> {
        let mut seen = HashSet::new();
        let mut last: Vec<LinkRecord> = self
            .links
            .iter()
            .rev()
            .filter(|l| seen.insert((l.sf_object.as_str(), l.salesforce_id.as_str())))
            .cloned()
            .collect();
        last.reverse();
        last
    }

    /// The digests to note by object, the last of each record.
    pub fn last_seen(&self) -> BTreeMap<&'static str, Vec<(String, String)>> {
        let mut by_object: BTreeMap<&'static str, BTreeMap<&str, &str>> = BTreeMap::new();
        for (object, id, digest) in &self.seen {
            by_object.entry(object).or_default().insert(id, digest);
        }
        by_object
            .into_iter()
            .map(|(object, rows)| {
                let rows = rows
                    .into_iter()
                    .map(|(id, digest)| (id.to_string(), digest.to_string()))
                    .collect();
                (object, rows)
            })
            .collect()
    }
}
