//! The connector's business rules as pure functions: the start and
//! expiration options of a line item (spec §5), the entitlement state table,
//! account types (spec §4) and product readiness (spec §3). No I/O here.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::filters::EntitlementState as FilterState;
use crate::fno::{AccountType, DurationUnit, EntitlementState, Expiration, Product, StartDate};

/// A rule a record breaks: the field and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleViolation {
    /// The Salesforce field, e.g. `FNO__Start_Date__c`.
    pub field: &'static str,
    /// Why, e.g. `is required when Start Date Option is "Specify value now"`.
    pub reason: String,
}

fn violation(field: &'static str, reason: impl Into<String>) -> RuleViolation {
    RuleViolation {
        field,
        reason: reason.into(),
    }
}

/// Salesforce field names the rules name in their messages.
pub mod field_names {
    pub use crate::salesforce::fields::{
        EXPIRATION_DATE, EXPIRATION_DATE_OPTION, EXPIRATION_TERM, EXPIRATION_TERM_OPTION,
        START_DATE, START_DATE_OPTION,
    };
}
use field_names::*;

/// The start and expiration values of one line item as Salesforce has them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineDates<'a> {
    /// "Start Date Option" picklist value.
    pub start_option: Option<&'a str>,
    /// "Start Date".
    pub start_date: Option<NaiveDate>,
    /// "Expiration Date Option" picklist value.
    pub expiration_option: Option<&'a str>,
    /// "Expiration Date".
    pub expiration_date: Option<NaiveDate>,
    /// "Expiration Term".
    pub term: Option<f64>,
    /// "Expiration Term Option" (Days, Weeks, Months, Years).
    pub term_unit: Option<&'a str>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b)
}

/// Checks the start date option and start date (spec §5) and returns FNO's start.
pub fn start_date(dates: &LineDates<'_>) -> Result<StartDate, RuleViolation> {
    let option = dates
        .start_option
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| violation(START_DATE_OPTION, "is required"))?;
    let needs_empty = |start: StartDate| match dates.start_date {
        Some(_) => Err(violation(
            START_DATE,
            format!("must be empty when Start Date Option is {option:?}"),
        )),
        None => Ok(start),
    };
    if same(option, "Specify value now") {
        return dates.start_date.map(StartDate::On).ok_or_else(|| {
            violation(
                START_DATE,
                "is required when Start Date Option is \"Specify value now\"",
            )
        });
    }
    if same(option, "Use First Activation Date") {
        return needs_empty(StartDate::FirstActivationDate);
    }
    if same(option, "Use Each Activation Date") {
        return needs_empty(StartDate::EachActivationDate);
    }
    if same(option, "Specify at First Activation") {
        return needs_empty(StartDate::AtFirstActivation);
    }
    if same(option, "Specify at Each Activation") {
        return needs_empty(StartDate::AtEachActivation);
    }
    Err(violation(
        START_DATE_OPTION,
        format!("{option:?} is not a start date option"),
    ))
}

fn duration_unit(text: &str) -> Option<DurationUnit> {
    [
        ("Days", DurationUnit::Days),
        ("Weeks", DurationUnit::Weeks),
        ("Months", DurationUnit::Months),
        ("Years", DurationUnit::Years),
    ]
    .into_iter()
    .find(|(name, _)| same(text, name))
    .map(|(_, unit)| unit)
}

/// Checks the expiration option, date and term (spec §5) and returns FNO's expiration.
pub fn expiration(dates: &LineDates<'_>) -> Result<Expiration, RuleViolation> {
    let option = dates
        .expiration_option
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| violation(EXPIRATION_DATE_OPTION, "is required"))?;
    let has_term = dates.term.is_some() || dates.term_unit.is_some_and(|u| !u.trim().is_empty());
    if same(option, "Specify Duration") {
        if dates.expiration_date.is_some() {
            return Err(violation(
                EXPIRATION_DATE,
                "must be empty when Expiration Date Option is \"Specify Duration\"",
            ));
        }
        let term = dates.term.ok_or_else(|| {
            violation(
                EXPIRATION_TERM,
                "is required when Expiration Date Option is \"Specify Duration\"",
            )
        })?;
        if term < 1.0 || term.fract() != 0.0 || term > f64::from(u32::MAX) {
            return Err(violation(
                EXPIRATION_TERM,
                format!("must be a whole number of at least 1, got {term}"),
            ));
        }
        let unit_text = dates.term_unit.unwrap_or_default();
        let unit = duration_unit(unit_text).ok_or_else(|| {
            violation(EXPIRATION_TERM_OPTION, "must be Days, Weeks, Months or Years when Expiration Date Option is \"Specify Duration\"")
        })?;
        return Ok(Expiration::Term {
            count: term as u32,
            unit,
        });
    }
    if same(option, "Permanent") {
        if dates.expiration_date.is_some() {
            return Err(violation(
                EXPIRATION_DATE,
                "must be empty for a Permanent line",
            ));
        }
        if has_term {
            return Err(violation(
                EXPIRATION_TERM,
                "must be empty for a Permanent line",
            ));
        }
        return Ok(Expiration::Permanent);
    }
    if same(option, "Specify Expiration Date") {
        if has_term {
            return Err(violation(
                EXPIRATION_TERM,
                "must be empty when Expiration Date Option is \"Specify Expiration Date\"",
            ));
        }
        return dates.expiration_date.map(Expiration::On).ok_or_else(|| {
            violation(
                EXPIRATION_DATE,
                "is required when Expiration Date Option is \"Specify Expiration Date\"",
            )
        });
    }
    Err(violation(
        EXPIRATION_DATE_OPTION,
        format!("{option:?} is not an expiration option"),
    ))
}

/// The entitlement state after sync (table 3-2 of the product guide): the
/// opportunity's own state wins; when blank, the filters' post-condition.
/// Inactive and Obsolete are states FNO gave the entitlement (written back
/// to the opportunity): the sync keeps them, sends no state change, and
/// refuses to create an entitlement in them.
pub fn entitlement_state(
    opportunity_state: Option<&str>,
    post_condition: FilterState,
) -> EntitlementState {
    match opportunity_state.map(str::trim) {
        Some(state) if state.eq_ignore_ascii_case("Deployed") => EntitlementState::Deployed,
        Some(state) if state.eq_ignore_ascii_case("Draft") => EntitlementState::Draft,
        Some(state) if state.eq_ignore_ascii_case("Inactive") => EntitlementState::Inactive,
        Some(state) if state.eq_ignore_ascii_case("Obsolete") => EntitlementState::Obsolete,
        _ => match post_condition {
            FilterState::Draft => EntitlementState::Draft,
            FilterState::Deployed => EntitlementState::Deployed,
        },
    }
}

/// The opportunity's "Entitlement State" value of an FNO entitlement state
/// (spec §2, FNO to Salesforce); `None` for states entitlements never have.
pub fn salesforce_state(state: EntitlementState) -> Option<&'static str> {
    match state {
        EntitlementState::Draft => Some("Draft"),
        EntitlementState::Deployed => Some("Deployed"),
        EntitlementState::Inactive => Some("Inactive"),
        EntitlementState::Obsolete => Some("Obsolete"),
        _ => None,
    }
}

/// The FNO account type of a Salesforce "Account Type" value (spec §4).
pub fn account_type(value: Option<&str>) -> AccountType {
    match value.map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("Channel Partner") => AccountType::ChannelPartner,
        _ => AccountType::Customer,
    }
}

/// What both systems say about one product.
#[derive(Clone, Debug, Default)]
pub struct ProductFacts<'a> {
    /// Salesforce Product Code.
    pub product_code: Option<&'a str>,
    /// Salesforce IsActive.
    pub active: bool,
    /// Salesforce "Include in FlexNet Operations Sync".
    pub included: bool,
    /// FNO part numbers whose text equals the code ignoring case and spaces,
    /// with whether their product is deployed.
    pub fno_candidates: Vec<(&'a str, bool)>,
}

/// FNO's part numbers with whether their product is deployed, indexed the
/// way the readiness rule compares them with a Product Code: ignoring case
/// and whitespace, so that a near miss can be named.
#[derive(Clone, Debug, Default)]
pub struct PartCatalog {
    by_squashed: HashMap<String, Vec<(String, bool)>>,
}

impl PartCatalog {
    /// Indexes the part numbers of FNO's products.
    pub fn of_products(products: &[Product]) -> Self {
        let mut by_squashed: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        for product in products {
            for part in &product.part_numbers {
                by_squashed
                    .entry(squash(part))
                    .or_default()
                    .push((part.clone(), product.is_deployed()));
            }
        }
        Self { by_squashed }
    }

    /// The part numbers that equal `code` but for case and whitespace, with
    /// whether their product is deployed.
    pub fn candidates(&self, code: &str) -> &[(String, bool)] {
        self.by_squashed
            .get(&squash(code))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<String>().to_lowercase()
}

/// Why a product's lines cannot sync (spec §3); empty when it is ready.
pub fn product_problems(facts: &ProductFacts<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    if !facts.active {
        problems.push("the Salesforce product is not active (IsActive is false)".to_string());
    }
    if !facts.included {
        problems.push(
            "\"Include in FlexNet Operations Sync\" is not set on the Salesforce product"
                .to_string(),
        );
    }
    let Some(code) = facts.product_code.filter(|c| !c.is_empty()) else {
        problems.push("the Salesforce product has no Product Code".to_string());
        return problems;
    };
    match facts.fno_candidates.iter().find(|(part, _)| *part == code) {
        Some((_, true)) => {}
        Some((_, false)) => problems.push(format!("the FNO product with part number {code:?} is not deployed")),
        None => match facts.fno_candidates.first() {
            Some((near, _)) => problems.push(format!(
                "Product Code {code:?} does not equal the FNO part number {near:?} exactly (case and whitespace count)"
            )),
            None => problems.push(format!("FNO has no product with part number {code:?}")),
        },
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn start_options_follow_the_guide() {
        let mut dates = LineDates {
            start_option: Some("Use First Activation Date"),
            ..Default::default()
        };
        assert_eq!(start_date(&dates), Ok(StartDate::FirstActivationDate));
        dates.start_date = Some(date("2026-12-01"));
        assert_eq!(
            start_date(&dates).expect_err("must be empty").field,
            START_DATE
        );
        dates.start_option = Some("Specify value now");
        assert_eq!(start_date(&dates), Ok(StartDate::On(date("2026-12-01"))));
        dates.start_date = None;
        assert_eq!(start_date(&dates).expect_err("required").field, START_DATE);
        dates.start_option = Some("Specify at Each Activation");
        assert_eq!(start_date(&dates), Ok(StartDate::AtEachActivation));
        dates.start_option = None;
        assert_eq!(
            start_date(&dates).expect_err("option").field,
            START_DATE_OPTION
        );
    }

    #[test]
    fn expiration_options_follow_the_guide() {
        let duration = LineDates {
            expiration_option: Some("Specify Duration"),
            term: Some(1.0),
            term_unit: Some("Months"),
            ..Default::default()
        };
        assert_eq!(
            expiration(&duration),
            Ok(Expiration::Term {
                count: 1,
                unit: DurationUnit::Months
            })
        );
        let no_unit = LineDates {
            term_unit: None,
            ..duration.clone()
        };
        assert_eq!(
            expiration(&no_unit).expect_err("unit").field,
            EXPIRATION_TERM_OPTION
        );
        let permanent_with_term = LineDates {
            expiration_option: Some("Permanent"),
            ..duration.clone()
        };
        assert_eq!(
            expiration(&permanent_with_term).expect_err("term").field,
            EXPIRATION_TERM
        );
        let permanent = LineDates {
            expiration_option: Some("Permanent"),
            ..Default::default()
        };
        assert_eq!(expiration(&permanent), Ok(Expiration::Permanent));
        let by_date = LineDates {
            expiration_option: Some("Specify Expiration Date"),
            expiration_date: Some(date("2027-06-30")),
            ..Default::default()
        };
        assert_eq!(expiration(&by_date), Ok(Expiration::On(date("2027-06-30"))));
        let date_missing = LineDates {
            expiration_date: None,
            ..by_date
        };
        assert_eq!(
            expiration(&date_missing).expect_err("date").field,
            EXPIRATION_DATE
        );
    }

    #[test]
    fn entitlement_state_follows_table_3_2() {
        use EntitlementState::{Deployed, Draft, Inactive, Obsolete};
        let rows = [
            (Some("Inactive"), FilterState::Deployed, Inactive),
            (Some("Obsolete"), FilterState::Draft, Obsolete),
            (None, FilterState::Draft, Draft),
            (None, FilterState::Deployed, Deployed),
            (Some("Deployed"), FilterState::Draft, Deployed),
            (Some("Deployed"), FilterState::Deployed, Deployed),
            (Some("Draft"), FilterState::Draft, Draft),
            (Some("Draft"), FilterState::Deployed, Draft),
        ];
        for (opportunity, filter, expected) in rows {
            assert_eq!(
                entitlement_state(opportunity, filter),
                expected,
                "{opportunity:?} {filter:?}"
            );
        }
    }

    #[test]
    fn account_types_map_to_fno() {
        assert_eq!(account_type(Some("End User")), AccountType::Customer);
        assert_eq!(
            account_type(Some("Channel Partner")),
            AccountType::ChannelPartner
        );
        assert_eq!(account_type(None), AccountType::Customer);
    }

    #[test]
    fn the_part_catalog_finds_codes_but_for_case_and_whitespace() {
        let product = |part: &str, state: &str| Product {
            unique_id: format!("id-{part}"),
            name: part.to_string(),
            version: None,
            state: state.to_string(),
            part_numbers: vec![part.to_string()],
            license_models: Vec::new(),
        };
        let catalog = PartCatalog::of_products(&[
            product("CAD-Pro 2", "DEPLOYED"),
            product("SIM-1", "DRAFT"),
        ]);
        assert_eq!(
            catalog.candidates("cad-pro2"),
            [("CAD-Pro 2".to_string(), true)]
        );
        assert_eq!(catalog.candidates("SIM-1"), [("SIM-1".to_string(), false)]);
        assert!(catalog.candidates("CAD").is_empty());
    }

    #[test]
    fn product_readiness_names_every_problem() {
        let ready = ProductFacts {
            product_code: Some("SF01demo"),
            active: true,
            included: true,
            fno_candidates: vec![("SF01demo", true)],
        };
        assert!(product_problems(&ready).is_empty());
        let case_mismatch = ProductFacts {
            fno_candidates: vec![("SF01DEMO", true)],
            ..ready.clone()
        };
        assert!(product_problems(&case_mismatch)[0].contains("exactly"));
        let undeployed = ProductFacts {
            fno_candidates: vec![("SF01demo", false)],
            ..ready.clone()
        };
        assert!(product_problems(&undeployed)[0].contains("not deployed"));
        let excluded = ProductFacts {
            included: false,
            ..ready
        };
        assert!(product_problems(&excluded)[0].contains("Include in FlexNet Operations Sync"));
    }
}
