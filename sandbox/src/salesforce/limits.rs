//! The org's daily API request allocation: counted on every REST call,
//! reported in `Sforce-Limit-Info` and `/limits`, refused with 403
//! `REQUEST_LIMIT_EXCEEDED` when used up. Also the API versions list.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

/// Header carrying the usage on REST answers.
pub const LIMIT_INFO_HEADER: &str = "Sforce-Limit-Info";
/// Default daily allocation (an Enterprise org's base allocation).
pub const DEFAULT_DAILY_MAX: u64 = 100_000;
/// Oldest API version served (21.0 to 30.0 are retired).
pub const OLDEST_VERSION: u32 = 31;
/// Newest API version served.
pub const NEWEST_VERSION: u32 = 62;

/// Daily API request counter.
#[derive(Debug)]
pub struct ApiLimits {
    max: AtomicU64,
    used: AtomicU64,
}

impl ApiLimits {
    /// Creates a counter with allocation `max` and nothing used.
    pub fn new(max: u64) -> Self {
        Self {
            max: AtomicU64::new(max),
            used: AtomicU64::new(0),
        }
    }

    /// Counts one request; returns false (and counts nothing) when the
    /// allocation is used up.
    pub fn try_consume(&self) -> bool {
        let max = self.max.load(Ordering::Relaxed);
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used < max).then_some(used + 1)
            })
            .is_ok()
    }

    /// Returns `(used, max)`.
    pub fn usage(&self) -> (u64, u64) {
        (
            self.used.load(Ordering::Relaxed),
            self.max.load(Ordering::Relaxed),
        )
    }

    /// Sets the allocation and the used count.
    pub fn set(&self, max: u64, used: u64) {
        self.max.store(max, Ordering::Relaxed);
        self.used.store(used, Ordering::Relaxed);
    }

    /// Returns the `Sforce-Limit-Info` value, e.g. `api-usage=18/100000`.
    pub fn header_value(&self) -> String {
        let (used, max) = self.usage();
        format!("api-usage={used}/{max}")
    }

    /// Returns the `/limits` body.
    pub fn to_json(&self) -> Value {
        let (used, max) = self.usage();
        let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
        json!({
            "ConcurrentAsyncGetReportInstances": pair(200, 200),
            "DailyApiRequests": pair(max, max.saturating_sub(used)),
            "DailyAsyncApexExecutions": pair(250_000, 250_000),
            "DailyBulkApiBatches": pair(15_000, 15_000),
            "DailyBulkV2QueryJobs": pair(10_000, 10_000),
            "DataStorageMB": pair(5, 5),
            "FileStorageMB": pair(20, 20),
            "SingleEmail": pair(15, 15),
        })
    }
}

/// Parses a path version (`v59.0`) into its number, if served.
pub fn parse_version(text: &str) -> Option<u32> {
    let number = text.strip_prefix('v')?.strip_suffix(".0")?.parse().ok()?;
    (OLDEST_VERSION..=NEWEST_VERSION)
        .contains(&number)
        .then_some(number)
}

/// Returns the release label of a version (`59` is "Winter '24").
fn release_label(version: u32) -> String {
    let offset = i64::from(version) - 59;
    let season = ["Winter", "Spring", "Summer"][offset.rem_euclid(3) as usize];
    format!("{season} '{}", 24 + offset.div_euclid(3))
}

/// Returns the `/services/data/` versions list.
pub fn versions() -> Value {
    Value::Array(
        (OLDEST_VERSION..=NEWEST_VERSION)
            .map(|v| {
                json!({
                    "label": release_label(v),
                    "url": format!("/services/data/v{v}.0"),
                    "version": format!("{v}.0"),
                })
            })
            .collect(),
    )
}

/// Returns the resources of one version (`GET /services/data/vXX.X`).
pub fn resources(version: u32) -> Value {
    let base = format!("/services/data/v{version}.0");
    let names = ["composite", "limits", "query", "queryAll", "sobjects"];
    Value::Object(
        names
            .iter()
            .map(|name| (name.to_string(), Value::String(format!("{base}/{name}"))))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_labels_follow_the_three_releases_a_year() {
        assert_eq!(release_label(59), "Winter '24");
        assert_eq!(release_label(60), "Spring '24");
        assert_eq!(release_label(58), "Summer '23");
        assert_eq!(release_label(62), "Winter '25");
    }

    #[test]
    fn the_allocation_refuses_once_used_up() {
        let limits = ApiLimits::new(2);
        assert!(limits.try_consume());
        assert!(limits.try_consume());
        assert!(!limits.try_consume());
        assert_eq!(limits.header_value(), "api-usage=2/2");
    }
}
