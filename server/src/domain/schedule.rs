//! The scheduled sync `FNOSyncBatch`: when it fires. A daily time of day is a
//! cron pattern `MM HH * * *`, so both kinds share one evaluator (croner),
//! which works on wall-clock time in the schedule's zone: a fire time that a
//! DST jump skips happens when the clock resumes (02:30 on a spring-forward
//! night fires at 03:00), and one that a DST fall-back repeats fires once.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// The job name of the scheduled sync.
pub const SCHEDULE_NAME: &str = "FNOSyncBatch";

/// When a schedule fires.
#[derive(Clone, Debug)]
pub enum Timing {
    /// Every day at a time of day.
    Daily {
        /// `HH:MM`, 24-hour.
        time_of_day: NaiveTime,
        /// IANA time zone.
        time_zone: Tz,
    },
    /// Per a five-field cron expression.
    Cron {
        /// The expression as given.
        expression: String,
        /// IANA time zone.
        time_zone: Tz,
    },
}

/// A timing field that failed validation: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingError {
    /// `time_of_day`, `expression` or `time_zone`.
    pub field: &'static str,
    /// Why it is invalid.
    pub description: String,
}

fn error(field: &'static str, description: impl Into<String>) -> TimingError {
    TimingError {
        field,
        description: description.into(),
    }
}

/// Longest cron expression accepted.
pub const MAX_EXPRESSION_LEN: usize = 200;

/// Parses an IANA time zone; empty means UTC.
pub fn parse_time_zone(text: &str) -> Result<Tz, TimingError> {
    if text.trim().is_empty() {
        return Ok(Tz::UTC);
    }
    text.trim().parse::<Tz>().map_err(|_| {
        error(
            "time_zone",
            format!(
                "{text:?} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)"
            ),
        )
    })
}

impl Timing {
    /// Builds a daily timing from `HH:MM` and a zone.
    pub fn daily(time_of_day: &str, time_zone: &str) -> Result<Self, TimingError> {
        let time = NaiveTime::parse_from_str(time_of_day.trim(), "%H:%M").map_err(|_| {
            error(
                "time_of_day",
                format!("{time_of_day:?} is not a time of day in HH:MM (24-hour), e.g. 02:30"),
            )
        })?;
        Ok(Self::Daily {
            time_of_day: time,
            time_zone: parse_time_zone(time_zone)?,
        })
    }

    /// Builds a cron timing from a five-field expression (at most
    /// [`MAX_EXPRESSION_LEN`] characters) and a zone.
    pub fn cron(expression: &str, time_zone: &str) -> Result<Self, TimingError> {
        let expression = expression.trim();
        if expression.chars().count() > MAX_EXPRESSION_LEN {
            return Err(error(
                "expression",
                format!("must be at most {MAX_EXPRESSION_LEN} characters"),
            ));
        }
        if expression.split_whitespace().count() != 5 {
            return Err(error(
                "expression",
                format!(
                    "{expression:?} must have five fields: minute hour day-of-month month day-of-week"
                ),
            ));
        }
        parse_cron(expression).map_err(|e| error("expression", e))?;
        Ok(Self::Cron {
            expression: expression.to_string(),
            time_zone: parse_time_zone(time_zone)?,
        })
    }

    /// Returns the time zone.
    pub fn time_zone(&self) -> Tz {
        match self {
            Self::Daily { time_zone, .. } | Self::Cron { time_zone, .. } => *time_zone,
        }
    }

    fn pattern(&self) -> String {
        match self {
            Self::Daily { time_of_day, .. } => time_of_day.format("%M %H * * *").to_string(),
            Self::Cron { expression, .. } => expression.clone(),
        }
    }

    /// Returns the first fire time strictly after `after`.
    pub fn next_fire_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let cron = parse_cron(&self.pattern()).ok()?;
        let zone = self.time_zone();
        let mut from = after.with_timezone(&zone);
        // croner searches wall-clock time; in a repeated (fall-back) hour it can
        // answer an instant before `after`, so search on until it is later.
        for _ in 0..4 {
            let next = cron.find_next_occurrence(&from, false).ok()?;
            let next_utc = next.with_timezone(&Utc);
            if next_utc > after {
                return Some(next_utc);
            }
            from = (after + chrono::Duration::hours(1)).with_timezone(&zone);
        }
        None
    }
}

fn parse_cron(pattern: &str) -> Result<Cron, String> {
    Cron::new(pattern)
        .parse()
        .map_err(|e| format!("{pattern:?} is not a valid cron expression: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn daily_fires_at_the_local_time_across_dst() {
        let timing = Timing::daily("09:00", "Europe/Berlin").expect("valid");
        // Winter: UTC+1.
        assert_eq!(
            timing.next_fire_after(utc(2026, 3, 27, 12, 0)),
            Some(utc(2026, 3, 28, 8, 0))
        );
        // The night of 29 March 2026 the clocks go forward: summer is UTC+2.
        assert_eq!(
            timing.next_fire_after(utc(2026, 3, 28, 12, 0)),
            Some(utc(2026, 3, 29, 7, 0))
        );
    }

    #[test]
    fn daily_time_skipped_by_spring_forward_fires_when_the_clock_resumes() {
        let timing = Timing::daily("02:30", "Europe/Berlin").expect("valid");
        // 02:00 to 03:00 does not exist on 29 March 2026; 03:00 CEST is 01:00 UTC.
        assert_eq!(
            timing.next_fire_after(utc(2026, 3, 28, 12, 0)),
            Some(utc(2026, 3, 29, 1, 0))
        );
    }

    #[test]
    fn daily_time_repeated_by_fall_back_fires_once() {
        let timing = Timing::daily("02:30", "Europe/Berlin").expect("valid");
        // 25 October 2026: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
        let first = timing
            .next_fire_after(utc(2026, 10, 24, 12, 0))
            .expect("next");
        assert_eq!(first, utc(2026, 10, 25, 0, 30));
        let second = timing.next_fire_after(first).expect("next");
        assert_eq!(second, utc(2026, 10, 26, 1, 30));
    }

    #[test]
    fn a_cron_expression_past_the_limit_is_refused() {
        let long = format!("{} * * * *", vec!["1"; 150].join(","));
        let refused = Timing::cron(&long, "UTC").expect_err("too long");
        assert_eq!(refused.field, "expression");
        assert!(refused.description.contains("at most 200"), "{refused:?}");
    }

    #[test]
    fn cron_fires_per_expression_in_its_zone() {
        let timing = Timing::cron("30 6 * * MON-FRI", "America/New_York").expect("valid");
        // Saturday 28 November 2026 → Monday 30 November, 06:30 EST = 11:30 UTC.
        assert_eq!(
            timing.next_fire_after(utc(2026, 11, 28, 12, 0)),
            Some(utc(2026, 11, 30, 11, 30))
        );
    }

    #[test]
    fn invalid_timings_name_the_field() {
        assert_eq!(
            Timing::daily("25:00", "UTC").expect_err("bad").field,
            "time_of_day"
        );
        assert_eq!(
            Timing::daily("02:00", "Mars/Olympus")
                .expect_err("bad")
                .field,
            "time_zone"
        );
        assert_eq!(
            Timing::cron("* * *", "UTC").expect_err("bad").field,
            "expression"
        );
        assert_eq!(
            Timing::cron("61 * * * *", "UTC").expect_err("bad").field,
            "expression"
        );
    }
}
