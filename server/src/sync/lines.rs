//! Line items before they are sent: the product checks of spec §3 (with the
//! FNO part numbers looked up once per run) and the date options of spec §5.

use super::pass::Pass;
use super::rules::{self, LineDates, ProductFacts};
use crate::domain::mapping::SfObject;
use crate::error::Result;
use crate::fno::{retry, NewLineItem};
use crate::salesforce::{fields, LineItem, SfRecord};

fn date(record: &SfRecord, field: &str) -> Option<chrono::NaiveDate> {
    record
        .text(field)
        .and_then(|t| chrono::NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").ok())
}

/// Checks a line against spec §3 and §5 and builds what FNO gets; a broken
/// rule is `Err((field, reason))`.
pub async fn build_line(
    pass: &mut Pass<'_>,
    opportunity: &SfRecord,
    line: &LineItem,
) -> Result<Result<NewLineItem, (String, String)>> {
    let record = &line.record;
    let code = line.product_code().map(str::to_string);
    let fno_part = match &code {
        Some(code) => part_number_state(pass, code).await?,
        None => None,
    };
    let product = line.product.as_ref();
    let facts = ProductFacts {
        product_code: code.as_deref(),
        active: product.is_some_and(|p| p.is_active),
        included: product.is_some_and(|p| p.include_in_sync),
        fno_candidates: fno_part
            .iter()
            .map(|(part, deployed)| (part.as_str(), *deployed))
            .collect(),
    };
    if let Some(problem) = rules::product_problems(&facts).into_iter().next() {
        return Ok(Err(("Product2".into(), problem)));
    }
    let dates = LineDates {
        start_option: record.text(fields::START_DATE_OPTION),
        start_date: date(record, fields::START_DATE),
        expiration_option: record.text(fields::EXPIRATION_DATE_OPTION),
        expiration_date: date(record, fields::EXPIRATION_DATE),
        term: record.number(fields::EXPIRATION_TERM),
        term_unit: record.text(fields::EXPIRATION_TERM_OPTION),
    };
    let start = match rules::start_date(&dates) {
        Ok(start) => start,
        Err(v) => return Ok(Err((v.field.into(), v.reason))),
    };
    let expiration = match rules::expiration(&dates) {
        Ok(expiration) => expiration,
        Err(v) => return Ok(Err((v.field.into(), v.reason))),
    };
    let copies = line.quantity().unwrap_or_default();
    if copies < 1.0 || copies.fract() != 0.0 {
        return Ok(Err((
            "Quantity".into(),
            format!("must be a whole number of at least 1, got {copies}"),
        )));
    }
    let attributes = match pass
        .mappings
        .custom_attributes(SfObject::OpportunityLineItem, record)
    {
        Ok(attributes) => attributes,
        Err(violation) => return Ok(Err(violation)),
    };
    Ok(Ok(NewLineItem {
        activation_id: None,
        description: pass
            .mappings
            .text(SfObject::OpportunityLineItem, "description", record),
        part_number: code.unwrap_or_default(),
        license_model: None,
        order_id: Some(opportunity.id.clone()),
        order_line_number: Some(record.id.clone()),
        number_of_copies: copies as i64,
        start,
        expiration,
        attributes,
    }))
}

/// Looks up the FNO part number for a Product Code: FNO's own spelling of it
/// (FNO may match case-insensitively) and whether its product is deployed.
async fn part_number_state(pass: &mut Pass<'_>, code: &str) -> Result<Option<(String, bool)>> {
    let known = pass
        .part_numbers
        .lock()
        .expect("part number cache")
        .get(code)
        .cloned();
    if let Some(known) = known {
        return Ok(known);
    }
    let fno = pass.fno.clone();
    let found = retry::with_backoff(&pass.retry, || fno.find_part_number(code)).await;
    let state = match found {
        Ok(Some(part)) => Some((part.part_id.clone(), part.is_ready())),
        Ok(None) => near_part_number(pass, code).await,
        Err(error) => {
            tracing::warn!(%error, code, "part number lookup failed");
            None
        }
    };
    pass.part_numbers
        .lock()
        .expect("part number cache")
        .insert(code.to_string(), state.clone());
    Ok(state)
}

/// Finds a part number that equals `code` but for case and whitespace, so the
/// log can say why the exact lookup failed. The product list is read once per run.
async fn near_part_number(pass: &Pass<'_>, code: &str) -> Option<(String, bool)> {
    let all_parts = pass
        .all_parts
        .get_or_init(|| async {
            let fno = pass.fno.clone();
            let products = retry::with_backoff(&pass.retry, || fno.list_products())
                .await
                .unwrap_or_default();
            products
                .iter()
                .flat_map(|p| {
                    p.part_numbers
                        .iter()
                        .map(move |part| (part.clone(), p.is_deployed()))
                })
                .collect()
        })
        .await;
    let squash = |text: &str| text.split_whitespace().collect::<String>().to_lowercase();
    let wanted = squash(code);
    all_parts
        .iter()
        .find(|(part, _)| squash(part) == wanted)
        .cloned()
}
