//! The org's daily API allocation as Salesforce reports it in the
//! `Sforce-Limit-Info` header of every REST answer (reference §2, §9).
//! The client remembers the latest reading; the value is approximate.

use std::sync::Mutex;

/// Header carrying the usage, e.g. `api-usage=18/15000`.
pub const LIMIT_INFO_HEADER: &str = "Sforce-Limit-Info";

/// Parses `api-usage=<used>/<max>`, optionally followed by
/// `; per-app-api-usage=…`, into `(used, max)`.
pub fn parse_limit_info(value: &str) -> Option<(u64, u64)> {
    value.split(';').find_map(|part| {
        let usage = part.trim().strip_prefix("api-usage=")?;
        let (used, max) = usage.split_once('/')?;
        Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
    })
}

/// The latest daily-allocation reading.
#[derive(Debug, Default)]
pub struct ApiBudget {
    latest: Mutex<Option<(u64, u64)>>,
}

impl ApiBudget {
    /// Records the reading of one answer's headers, if they carry one.
    pub fn observe(&self, headers: &reqwest::header::HeaderMap) {
        let reading = headers
            .get(LIMIT_INFO_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_limit_info);
        if let Some(reading) = reading {
            *self.lock() = Some(reading);
        }
    }

    /// Returns `(used, max)` from the latest answer, if any was seen.
    pub fn latest(&self) -> Option<(u64, u64)> {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(u64, u64)>> {
        // A poisoned reading is still a reading.
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usage_is_read_with_and_without_the_per_app_part() {
        assert_eq!(
            parse_limit_info("api-usage=10018/100000"),
            Some((10018, 100000))
        );
        assert_eq!(
            parse_limit_info("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-app)"),
            Some((25, 5000))
        );
    }

    #[test]
    fn a_garbled_value_is_no_reading() {
        assert_eq!(parse_limit_info("api-usage=abc/100"), None);
        assert_eq!(parse_limit_info("per-app-api-usage=1/2"), None);
        assert_eq!(parse_limit_info(""), None);
    }

    #[test]
    fn the_latest_reading_wins() {
        let budget = ApiBudget::default();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(LIMIT_INFO_HEADER, "api-usage=1/10".parse().expect("header"));
        budget.observe(&headers);
        headers.insert(LIMIT_INFO_HEADER, "api-usage=2/10".parse().expect("header"));
        budget.observe(&headers);
        budget.observe(&reqwest::header::HeaderMap::new());

        assert_eq!(budget.latest(), Some((2, 10)));
    }
}
