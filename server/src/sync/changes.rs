//! Reads, page by page, the Salesforce records changed in a window, in the
//! order of a compound cursor (`SystemModstamp`, `Id`): Salesforce stamps
//! have whole seconds, so many records share one; ordering by the Id within
//! a stamp lets a page end anywhere without skipping or repeating a record.
//! The checkpoint of a run says which source it is reading and where its
//! cursor stands, so a run taken over by another worker goes on from there.
//! The first page of every phase is read at the start of a run, all in one
//! `composite` call, so a run with little or nothing changed costs one call.

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::echo::record_digest;
use super::pass::Pass;
use super::read::Reader;
use crate::salesforce::queries::{ACCOUNT_FIELDS, CONTACT_FIELDS};
use crate::salesforce::{
    parse_stamp, Condition, Direction, Operator, SalesforceError, SfRecord, Soql, SoqlBuilder,
};
use crate::store::runs;

/// Where a cursor stands: after the record with this stamp and Id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// `SystemModstamp` of the last record read.
    pub stamp: DateTime<Utc>,
    /// Its Id.
    pub id: String,
}

/// What part of a scheduled or immediate run is under way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Accounts with changed qualifying opportunities.
    #[default]
    Opportunities,
    /// Accounts with changed line items of qualifying opportunities.
    LineItems,
    /// Changed accounts (name, type, …) with synced orders.
    Accounts,
    /// Accounts with changed contacts (name, e-mail, …) and synced orders.
    Contacts,
    /// Line items FNO changed, written back to Salesforce.
    FnoToSalesforce,
}

impl Phase {
    /// The Salesforce to FNO phases, in the order a run goes through them.
    pub const SALESFORCE: [Phase; 4] = [
        Phase::Opportunities,
        Phase::LineItems,
        Phase::Accounts,
        Phase::Contacts,
    ];

    /// The phase after this one.
    pub fn next(self) -> Phase {
        match self {
            Phase::Opportunities => Phase::LineItems,
            Phase::LineItems => Phase::Accounts,
            Phase::Accounts => Phase::Contacts,
            Phase::Contacts | Phase::FnoToSalesforce => Phase::FnoToSalesforce,
        }
    }

    /// For the phases of accounts and contacts: the object of their rows;
    /// the accounts they find are synced only when their orders were.
    pub fn record_object(self) -> Option<&'static str> {
        match self {
            Phase::Accounts => Some("Account"),
            Phase::Contacts => Some("Contact"),
            _ => None,
        }
    }

    /// The object the phase reads, its account field, and its stage field
    /// (`None`: records of every account, qualifying or not).
    fn source(self) -> (&'static str, &'static str, Option<&'static str>) {
        match self {
            Phase::LineItems => (
                "OpportunityLineItem",
                "Opportunity.AccountId",
                Some("Opportunity.StageName"),
            ),
            Phase::Accounts => ("Account", "Id", None),
            Phase::Contacts => ("Contact", "AccountId", None),
            Phase::Opportunities | Phase::FnoToSalesforce => {
                ("Opportunity", "AccountId", Some("StageName"))
            }
        }
    }
}

/// A run's checkpoint, saved after each page whose accounts are all synced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The phase under way.
    pub phase: Phase,
    /// In the Salesforce phases: the cursor after the last page done.
    pub after: Option<Cursor>,
    /// In the FNO phase: pages of changed FNO line items done.
    pub fno_pages: usize,
    /// In the FNO phase: the newest `lastModifiedDateTime` of the lines
    /// those pages held (FNO's clock).
    #[serde(default)]
    pub fno_newest: Option<DateTime<Utc>>,
    /// In the FNO phase: a time FNO's clock had passed when the phase read
    /// its first page, when the run could tell (see
    /// [`super::fno_to_crm::watermark`]).
    #[serde(default)]
    pub fno_clock: Option<DateTime<Utc>>,
}

impl Checkpoint {
    /// Reads the checkpoint stored on a run; `None` when it has none, or an
    /// unreadable one (logged: the run then starts over, which the
    /// fingerprints make safe).
    pub fn of(stored: Option<&serde_json::Value>) -> Option<Self> {
        let value = stored?;
        match serde_json::from_value(value.clone()) {
            Ok(checkpoint) => Some(checkpoint),
            Err(error) => {
                tracing::warn!(%error, %value, "unreadable checkpoint; the run starts over");
                None
            }
        }
    }

    /// Stored form.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a checkpoint serialises")
    }

    /// Saves the checkpoint on the pass's run.
    pub async fn save(&self, pass: &Pass<'_>) -> crate::error::Result<()> {
        runs::save_checkpoint(&pass.ctx.pool, &pass.run.lease(), &self.to_json()).await
    }
}

/// The modification window of a run: from `start` (none: from the beginning) to `end`.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Inclusive start.
    pub start: Option<DateTime<Utc>>,
    /// End; records stamped in its second are inside.
    pub end: DateTime<Utc>,
}

impl Window {
    /// The end as an exclusive bound in whole seconds, as SOQL datetimes have:
    /// rounded up, so a record stamped in the window's last (partial) second
    /// is not left out, and a window ending at midnight ends there.
    pub fn exclusive_end(&self) -> DateTime<Utc> {
        match self.end.with_nanosecond(0) {
            Some(whole) if whole != self.end => whole + Duration::seconds(1),
            _ => self.end,
        }
    }
}

/// A changed record: its cursor position and the account it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// Where the cursor stands after it.
    pub cursor: Cursor,
    /// Its account.
    pub account_id: String,
    /// Accounts and contacts: the digest of their fields as the read of a
    /// page has them (see [`super::echo::record_digest`]).
    pub digest: Option<String>,
}

/// Reads the next page (at most `ctx.page_size` records) of qualifying
/// records of the phase's object changed in `window`, after `after`.
pub async fn next_page(
    pass: Reader<'_>,
    phase: Phase,
    window: Window,
    after: Option<&Cursor>,
) -> Result<Vec<Changed>, SalesforceError> {
    let user = pass.sf.user_id().await?;
    let soql = change_soql(pass, user.as_deref(), phase, window, after)?;
    let records = pass.sf.query(&soql).await?;
    Ok(records
        .iter()
        .filter_map(|record| changed_of(phase, record))
        .collect())
}

/// Reads the first page of each of `phases` at once: up to five queries in
/// one `composite` call.
pub async fn first_pages(
    pass: Reader<'_>,
    phases: &[Phase],
    window: Window,
    also_deleted: Option<Soql>,
) -> Result<FirstPages, SalesforceError> {
    let user = pass.sf.user_id().await?;
    let mut queries = phases
        .iter()
        .map(|&phase| {
            Ok((
                change_soql(pass, user.as_deref(), phase, window, None)?,
                false,
            ))
        })
        .collect::<Result<Vec<_>, SalesforceError>>()?;
    let extra = also_deleted.is_some();
    queries.extend(also_deleted.map(|soql| (soql, true)));
    let rows = pass
        .sf
        .query_many_of(&queries, |query, row| match phases.get(query) {
            Some(&phase) => Ok((query, changed_of(phase, &row), None)),
            None => Ok((query, None, Some(row))),
        })
        .await?;
    let mut pages: Vec<(Phase, Vec<Changed>)> =
        phases.iter().map(|&phase| (phase, Vec::new())).collect();
    let mut other = extra.then(Vec::new);
    for (query, changed, row) in rows {
        match (changed, row, other.as_mut()) {
            (Some(changed), _, _) => pages[query].1.push(changed),
            (None, Some(row), Some(other)) => other.push(row),
            _ => {}
        }
    }
    Ok(FirstPages { pages, other })
}

/// The first pages of the phases, and the rows of the extra query read in
/// the same call (`None` when there was none).
#[derive(Debug, Default)]
pub struct FirstPages {
    /// Each phase with its first page.
    pub pages: Vec<(Phase, Vec<Changed>)>,
    /// The rows of the extra query.
    pub other: Option<Vec<serde_json::Value>>,
}

/// The change query of a phase: its records stamped in `window` (after
/// `after`), not last changed by the integration `user`, in cursor order.
fn change_soql(
    pass: Reader<'_>,
    user: Option<&str>,
    phase: Phase,
    window: Window,
    after: Option<&Cursor>,
) -> Result<crate::salesforce::Soql, SalesforceError> {
    let (object, account_field, stage_field) = phase.source();
    let stages = &pass.filters.pre_condition_stages;
    let end_bound = window.exclusive_end();
    let mut terms = vec![Condition::compare(
        "SystemModstamp",
        Operator::Lt,
        end_bound,
    )];
    if let Some(stage_field) = stage_field {
        terms.push(Condition::is_in(
            stage_field,
            stages.iter().map(String::as_str),
        ));
    }
    if let Some(start) = window.start {
        terms.push(Condition::compare("SystemModstamp", Operator::Ge, start));
    }
    // Records last changed by the integration user are the echo of a
    // write-back (see `echo`): what changed them is already synced.
    if let Some(user) = user {
        terms.push(Condition::compare("LastModifiedById", Operator::Ne, user));
    }
    if phase == Phase::LineItems {
        // The lines of an opportunity the opportunities phase read (changed
        // in the window, not by the integration user) were synced with it.
        let opportunity_stamp = "Opportunity.SystemModstamp";
        let mut not_read = vec![Condition::compare(
            opportunity_stamp,
            Operator::Ge,
            end_bound,
        )];
        if let Some(start) = window.start {
            not_read.push(Condition::compare(opportunity_stamp, Operator::Lt, start));
        }
        if let Some(user) = user {
            not_read.push(Condition::compare(
                "Opportunity.LastModifiedById",
                Operator::Eq,
                user,
            ));
        }
        terms.push(Condition::Or(not_read));
    }
    if let Some(after) = after {
        terms.push(Condition::Or(vec![
            Condition::compare("SystemModstamp", Operator::Gt, after.stamp),
            Condition::And(vec![
                Condition::compare("SystemModstamp", Operator::Eq, after.stamp),
                Condition::compare("Id", Operator::Gt, after.id.as_str()),
            ]),
        ]));
    }
    // Accounts and contacts are read with the fields a page reads, so that
    // a version FNO took already is known by its digest.
    let extra = pass.mappings.extra_fields();
    let select = match phase {
        Phase::Accounts => SoqlBuilder::select(ACCOUNT_FIELDS).fields(&extra.account),
        Phase::Contacts => SoqlBuilder::select(CONTACT_FIELDS).fields(&extra.contact),
        _ => SoqlBuilder::select(["Id", "SystemModstamp", account_field]),
    };
    select
        .from(object)
        .filter(Condition::And(terms))
        .order_by("SystemModstamp", Direction::Asc)
        .order_by("Id", Direction::Asc)
        .limit(pass.page_size)
        .build()
}

/// A row of a change query; `None` when it lacks a field (a contact of no account).
fn changed_of(phase: Phase, record: &serde_json::Value) -> Option<Changed> {
    let (_, account_field, _) = phase.source();
    let pointer = format!("/{}", account_field.replace('.', "/"));
    let id = record.get("Id")?.as_str()?.to_string();
    let stamp = parse_stamp(record.get("SystemModstamp")?.as_str()?)?;
    let account_id = record.pointer(&pointer)?.as_str()?.to_string();
    let digest = match phase.record_object() {
        Some(_) => Some(record_digest(&SfRecord::from_json(record).ok()?)),
        None => None,
    };
    Some(Changed {
        cursor: Cursor { stamp, id },
        account_id,
        digest,
    })
}

/// The distinct accounts of a page, in the order they first appear.
pub fn accounts_of(page: &[Changed]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    page.iter()
        .filter(|changed| seen.insert(changed.account_id.as_str()))
        .map(|changed| changed.account_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_stamps_parse_in_both_forms() {
        let expected = "2026-11-28T10:00:05Z"
            .parse::<DateTime<Utc>>()
            .expect("time");
        assert_eq!(parse_stamp("2026-11-28T10:00:05.000+0000"), Some(expected));
        assert_eq!(parse_stamp("2026-11-28T11:00:05+01:00"), Some(expected));
        assert_eq!(parse_stamp("yesterday"), None);
    }

    #[test]
    fn a_window_ends_at_the_next_whole_second_or_at_a_whole_end() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().expect("time");
        let window = |end| Window { start: None, end };
        assert_eq!(
            window(at("2026-11-28T10:00:00.400Z")).exclusive_end(),
            at("2026-11-28T10:00:01Z")
        );
        assert_eq!(
            window(at("2026-11-29T00:00:00Z")).exclusive_end(),
            at("2026-11-29T00:00:00Z")
        );
    }

    #[test]
    fn accounts_of_a_page_are_distinct_and_in_order() {
        let at = |id: &str, account: &str| Changed {
            cursor: Cursor {
                stamp: DateTime::UNIX_EPOCH,
                id: id.into(),
            },
            account_id: account.into(),
            digest: None,
        };
        let page = [at("1", "B"), at("2", "A"), at("3", "B")];
        assert_eq!(accounts_of(&page), ["B", "A"]);
    }

    #[test]
    fn checkpoints_round_trip_and_default_to_the_first_phase() {
        let checkpoint = Checkpoint {
            phase: Phase::LineItems,
            after: Some(Cursor {
                stamp: DateTime::UNIX_EPOCH,
                id: "00k1".into(),
            }),
            fno_pages: 2,
            fno_newest: Some(DateTime::UNIX_EPOCH + Duration::milliseconds(1_500)),
            fno_clock: Some(DateTime::UNIX_EPOCH + Duration::milliseconds(2_500)),
        };
        assert_eq!(
            Checkpoint::of(Some(&checkpoint.to_json())),
            Some(checkpoint)
        );
        let stored_before = serde_json::json!({ "phase": "fno_to_salesforce", "fno_pages": 3 });
        let read = Checkpoint::of(Some(&stored_before)).expect("an older checkpoint reads");
        assert_eq!((read.fno_pages, read.fno_newest), (3, None));
        assert_eq!(Checkpoint::of(None), None);
        assert_eq!(Checkpoint::default().phase, Phase::Opportunities);
    }
}
