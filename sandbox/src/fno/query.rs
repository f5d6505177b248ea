//! Query filters of the FNO schemas (`SimpleQueryType`, `DateQueryType`,
//! `DateTimeQueryType`, `NumberQueryType`, `StateQueryType`) and the xsd
//! date/time formats the sandbox reads and writes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use super::xml::Element;

/// Whether `value` passes the `SimpleQueryType` filter `query` (absent filter: yes).
///
/// EQUALS is exact (a part number must equal the product code exactly, case and
/// whitespace included); the partial matches ignore case like a portal search.
pub fn text_matches(query: Option<&Element>, value: Option<&str>) -> bool {
    let Some(query) = query else {
        return true;
    };
    let wanted = query.text_of("value").unwrap_or_default();
    let value = value.unwrap_or_default();
    match query.value("searchType").map(str::trim) {
        Some("EQUALS") | None => value == wanted,
        Some("STARTS_WITH") => value.to_lowercase().starts_with(&wanted.to_lowercase()),
        Some("ENDS_WITH") => value.to_lowercase().ends_with(&wanted.to_lowercase()),
        Some("CONTAINS") => value.to_lowercase().contains(&wanted.to_lowercase()),
        Some(_) => false,
    }
}

/// Whether `value` passes a `DateTimeQueryType` (BEFORE / AFTER / ON the day).
pub fn datetime_matches(query: Option<&Element>, value: DateTime<Utc>) -> bool {
    let Some(query) = query else {
        return true;
    };
    let Some(wanted) = query.value("value").and_then(parse_datetime) else {
        return false;
    };
    match query.value("searchType").map(str::trim) {
        Some("BEFORE") => value < wanted,
        Some("AFTER") => value > wanted,
        Some("ON") => value.date_naive() == wanted.date_naive(),
        _ => false,
    }
}

/// Whether `value` passes a `DateQueryType` (absent value never matches).
pub fn date_matches(query: Option<&Element>, value: Option<NaiveDate>) -> bool {
    let Some(query) = query else {
        return true;
    };
    let (Some(wanted), Some(value)) = (query.value("value").and_then(parse_date), value) else {
        return false;
    };
    match query.value("searchType").map(str::trim) {
        Some("BEFORE") => value < wanted,
        Some("AFTER") => value > wanted,
        Some("ON") => value == wanted,
        _ => false,
    }
}

/// Whether `value` passes a `NumberQueryType`.
pub fn number_matches(query: Option<&Element>, value: i64) -> bool {
    let Some(query) = query else {
        return true;
    };
    let Some(wanted) = query
        .value("value")
        .and_then(|text| text.trim().parse::<i64>().ok())
    else {
        return false;
    };
    match query.value("searchType").map(str::trim) {
        Some("EQUALS") => value == wanted,
        Some("NOT_EQUALS") => value != wanted,
        Some("GREATER_THAN") => value > wanted,
        Some("GREATER_THAN_EQUALS") => value >= wanted,
        Some("LESS_THAN") => value < wanted,
        Some("LESS_THAN_EQUALS") => value <= wanted,
        _ => false,
    }
}

/// Whether `state` passes a `StateQueryType` (`value` plus an optional searchType).
pub fn state_matches(query: Option<&Element>, state: &str) -> bool {
    match query.and_then(|query| query.value("value")) {
        None => true,
        Some(wanted) => wanted.trim() == state,
    }
}

/// Parses an xsd:dateTime; a value without zone is taken as UTC.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
        .or_else(|| {
            parse_date(text)
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|naive| naive.and_utc())
        })
}

/// Parses an xsd:date (`YYYY-MM-DD`, an optional zone suffix is ignored).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let day = text.get(..10)?;
    let rest = &text[10..];
    let zone_ok = rest.is_empty()
        || rest == "Z"
        || ((rest.starts_with('+') || rest.starts_with('-')) && rest.len() == 6);
    if !zone_ok {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// Formats an xsd:dateTime in UTC with milliseconds, as Axis writes them.
pub fn format_datetime(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats an xsd:date.
pub fn format_date(value: NaiveDate) -> String {
    value.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fno::xml::parse;

    fn query(xml: &str) -> Element {
        parse(xml.as_bytes()).expect("query")
    }

    #[test]
    fn equals_is_exact_and_partial_matches_ignore_case() {
        let equals = query("<q><value>SF01demo</value><searchType>EQUALS</searchType></q>");
        assert!(text_matches(Some(&equals), Some("SF01demo")));
        assert!(!text_matches(Some(&equals), Some("sf01demo")));
        assert!(!text_matches(Some(&equals), Some("SF01demo ")));
        let starts = query("<q><value>sf</value><searchType>STARTS_WITH</searchType></q>");
        assert!(text_matches(Some(&starts), Some("SF01demo")));
    }

    #[test]
    fn datetime_filters_compare_instants() {
        let after =
            query("<q><value>2025-01-01T10:00:00Z</value><searchType>AFTER</searchType></q>");
        let later = parse_datetime("2025-01-01T12:00:00+01:00").expect("time");
        let earlier = parse_datetime("2025-01-01T10:59:59+01:00").expect("time");
        assert!(datetime_matches(Some(&after), later));
        assert!(!datetime_matches(Some(&after), earlier));
    }

    #[test]
    fn dates_accept_a_zone_suffix() {
        assert_eq!(
            parse_date("2025-02-03Z"),
            NaiveDate::from_ymd_opt(2025, 2, 3)
        );
        assert_eq!(parse_date("2025-02-3"), None);
    }
}
