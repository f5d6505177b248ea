//! The window of an immediate sync or of a plan: a range of days in the
//! schedule's time zone, or the last N hours.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use fnosync_proto::v1 as pb;

use crate::error::{Error, Result};

/// Longest window of an immediate sync given in hours (one year).
const MAX_WINDOW_HOURS: i32 = 24 * 366;

/// Resolves the window of an immediate sync: a date range (inclusive, in the
/// schedule's zone) or the last N hours before `now`.
pub fn immediate_window(
    window: Option<&pb::start_immediate_sync_request::Window>,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    use pb::start_immediate_sync_request::Window;
    match window {
        None => Err(Error::invalid(
            "window",
            "set date_range (start and end date) or last_hours",
        )),
        Some(Window::LastHours(hours)) => {
            if *hours <= 0 {
                return Err(Error::invalid("last_hours", "must be greater than 0"));
            }
            if *hours > MAX_WINDOW_HOURS {
                return Err(Error::invalid(
                    "last_hours",
                    format!("must be at most {MAX_WINDOW_HOURS}"),
                ));
            }
            Ok((now - chrono::Duration::hours(i64::from(*hours)), now))
        }
        Some(Window::DateRange(range)) => {
            let parse = |field: &str, text: &str| {
                NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                    Error::invalid(field, format!("{text:?} is not a date in YYYY-MM-DD"))
                })
            };
            let start = parse("date_range.start_date", &range.start_date)?;
            let end = parse("date_range.end_date", &range.end_date)?;
            if end < start {
                return Err(Error::invalid(
                    "date_range.end_date",
                    "must not be before start_date",
                ));
            }
            let start_time = local_midnight(zone, start);
            if start_time > now {
                return Err(Error::invalid(
                    "date_range.start_date",
                    "lies in the future; nothing can have changed yet",
                ));
            }
            let end_time = local_midnight(zone, end.succ_opt().unwrap_or(end)).min(now);
            Ok((start_time, end_time))
        }
    }
}

fn local_midnight(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&midnight)
        .earliest()
        // A zone whose DST jump skips midnight starts the day at 01:00.
        .or_else(|| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}
