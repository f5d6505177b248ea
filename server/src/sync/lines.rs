//! Line items before they are sent: the product checks of spec §3 (with the
//! FNO part numbers looked up once per run, for a whole page before it is
//! planned) and the date options of spec §5.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::StreamExt;

use super::mapping::Mappings;
use super::rules::{self, LineDates, PartCatalog, ProductFacts, RuleViolation};
use crate::domain::mapping::SfObject;
use crate::fno::{FnoClient, NewLineItem};
use crate::retry::RetryPolicy;
use crate::salesforce::{fields, LineItem, SalesOrder, SfRecord};

/// What FNO says of a Product Code: FNO's spelling of the part number and
/// whether its product is deployed (`None` when FNO has none), or why FNO
/// could not be asked.
pub type PartState = Result<Option<(String, bool)>, String>;

/// The part states of the product codes of a page, by Product Code.
pub type PartStates = HashMap<String, PartState>;

/// The lookup of one part number: made once, however many accounts ask for
/// it at the same time (a failed lookup is not kept). FNO's spelling and
/// whether deployed; `None` when FNO has none.
type PartNumberCell = Arc<tokio::sync::OnceCell<Option<(String, bool)>>>;

/// How long a part number FNO showed on a deployed product is taken as
/// ready without asking FNO again.
pub const DEPLOYED_PART_TTL: Duration = Duration::from_secs(600);

/// Part numbers FNO showed on a deployed product, kept across the runs of a
/// process for [`DEPLOYED_PART_TTL`] (a clone shares them): a run — an event
/// run of a few deals above all — does not ask FNO again about a part
/// number that was ready a moment ago. Only ready part numbers are kept, so
/// a product deployed after a refusal is seen by the next run; one withdrawn
/// meanwhile is refused by FNO itself, with its reason. Kept per FNO tenant,
/// so a connection pointed at another tenant starts from nothing.
#[derive(Clone, Default)]
pub struct DeployedParts(Arc<Mutex<HashMap<PartKey, (Instant, String)>>>);

/// A part number as one FNO tenant has it: (tenant URL, product code).
type PartKey = (String, String);

impl DeployedParts {
    /// FNO's spelling of `code` when `tenant` showed it deployed lately.
    fn get(&self, tenant: &str, code: &str) -> Option<String> {
        let mut parts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let key = (tenant.to_string(), code.to_string());
        match parts.get(&key) {
            Some((at, spelling)) if at.elapsed() < DEPLOYED_PART_TTL => Some(spelling.clone()),
            Some(_) => {
                parts.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Notes that `tenant` has `code` (spelled `spelling`) on a deployed product.
    fn note(&self, tenant: &str, code: &str, spelling: &str) {
        let mut parts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        parts.insert(
            (tenant.to_string(), code.to_string()),
            (Instant::now(), spelling.to_string()),
        );
    }
}

/// FNO part numbers looked up by Product Code, each once per run (a clone
/// shares what was looked up). FNO is only read.
#[derive(Clone)]
pub struct PartLookup {
    fno: FnoClient,
    retry: RetryPolicy,
    /// Part numbers found deployed by earlier runs of the process, when shared.
    deployed: Option<DeployedParts>,
    found: Arc<Mutex<HashMap<String, PartNumberCell>>>,
    /// Every FNO part number with whether its product is deployed, read once when needed.
    all_parts: Arc<tokio::sync::OnceCell<PartCatalog>>,
}

impl PartLookup {
    /// A lookup with nothing looked up yet.
    pub fn new(fno: FnoClient, retry: RetryPolicy) -> Self {
        Self {
            fno,
            retry,
            deployed: None,
            found: Default::default(),
            all_parts: Default::default(),
        }
    }

    /// The lookup taking in, and adding to, the part numbers found deployed
    /// by the process's runs.
    pub fn sharing(mut self, deployed: DeployedParts) -> Self {
        self.deployed = Some(deployed);
        self
    }

    /// The part states of every Product Code of `orders`, each looked up
    /// once per run, at most `at_once` look-ups under way.
    pub async fn resolve<'o>(
        &self,
        orders: impl IntoIterator<Item = &'o SalesOrder>,
        at_once: usize,
    ) -> PartStates {
        let codes: BTreeSet<String> = orders
            .into_iter()
            .flat_map(|order| order.line_items.iter())
            .filter_map(|line| line.product_code().map(str::to_string))
            .collect();
        futures::stream::iter(codes)
            .map(|code| async move {
                let state = part_number_state(self, &code).await;
                (code, state)
            })
            .buffer_unordered(at_once.max(1))
            .collect()
            .await
    }
}

fn date(record: &SfRecord, field: &str) -> Option<chrono::NaiveDate> {
    record
        .text(field)
        .and_then(|t| chrono::NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").ok())
}

/// Why a line cannot be sent: the Salesforce field at fault and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRefused {
    /// The field, e.g. `Product2` or `FNO__Start_Date__c`.
    pub field: String,
    /// Why, in words an administrator can act on.
    pub reason: String,
}

impl LineRefused {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<RuleViolation> for LineRefused {
    fn from(violation: RuleViolation) -> Self {
        Self::new(violation.field, violation.reason)
    }
}

/// Checks a line against spec §3 and §5 and builds what FNO gets; `parts`
/// holds the part states of the page's product codes.
pub fn build_line(
    (parts, mappings): (&PartStates, &Mappings),
    opportunity: &SfRecord,
    line: &LineItem,
) -> Result<NewLineItem, LineRefused> {
    let record = &line.record;
    let code = line.product_code().map(str::to_string);
    let fno_part = match &code {
        Some(code) => match parts.get(code) {
            Some(Ok(state)) => state.clone(),
            Some(Err(reason)) => return Err(LineRefused::new("Product2", reason.clone())),
            None => {
                let reason = format!("the part number {code:?} was not looked up in FNO");
                return Err(LineRefused::new("Product2", reason));
            }
        },
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
        return Err(LineRefused::new("Product2", problem));
    }
    let dates = LineDates {
        start_option: record.text(fields::START_DATE_OPTION),
        start_date: date(record, fields::START_DATE),
        expiration_option: record.text(fields::EXPIRATION_DATE_OPTION),
        expiration_date: date(record, fields::EXPIRATION_DATE),
        term: record.number(fields::EXPIRATION_TERM),
        term_unit: record.text(fields::EXPIRATION_TERM_OPTION),
    };
    let start = rules::start_date(&dates)?;
    let expiration = rules::expiration(&dates)?;
    let copies = line.quantity().unwrap_or_default();
    if copies < 1.0 || copies.fract() != 0.0 {
        return Err(LineRefused::new(
            "Quantity",
            format!("must be a whole number of at least 1, got {copies}"),
        ));
    }
    let attributes = match mappings.custom_attributes(SfObject::OpportunityLineItem, record) {
        Ok(attributes) => attributes,
        Err((field, reason)) => return Err(LineRefused::new(field, reason)),
    };
    Ok(NewLineItem {
        activation_id: None,
        description: mappings.text(SfObject::OpportunityLineItem, "description", record),
        part_number: code.unwrap_or_default(),
        license_model: mappings.text(SfObject::OpportunityLineItem, "licenseModel", record),
        order_id: Some(opportunity.id.clone()),
        order_line_number: Some(record.id.clone()),
        number_of_copies: copies as i64,
        start,
        expiration,
        attributes,
    })
}

/// Looks up the FNO part number for a Product Code: FNO's own spelling of it
/// (FNO may match case-insensitively) and whether its product is deployed;
/// `None` when FNO has none. `Err` with the reason when FNO could not be
/// asked (not kept: the next line with the code asks again).
async fn part_number_state(parts: &PartLookup, code: &str) -> PartState {
    let tenant = parts.fno.tenant_url();
    if let Some(spelling) = parts.deployed.as_ref().and_then(|d| d.get(tenant, code)) {
        return Ok(Some((spelling, true)));
    }
    let cell = parts
        .found
        .lock()
        .expect("part number cache")
        .entry(code.to_string())
        .or_default()
        .clone();
    let state = cell
        .get_or_try_init(|| async {
            // One call: the products the part number is mapped to, with
            // their states and FNO's spelling of the part number.
            let fno = parts.fno.clone();
            let found = parts
                .retry
                .run(|| fno.find_products_by_part_number(code))
                .await;
            match found {
                Ok(products) => match mapped_part(&products, code) {
                    Some(state) => Ok(Some(state)),
                    None => near_part_number(parts, code).await,
                },
                Err(error) => Err(format!(
                    "cannot look up the part number {code:?} in FNO: {error}"
                )),
            }
        })
        .await?;
    if let (Some(deployed), Some((spelling, true))) = (&parts.deployed, state) {
        deployed.note(tenant, code, spelling);
    }
    Ok(state.clone())
}

/// FNO's spelling of part number `code` among the products it is mapped to
/// (FNO matches it regardless of case), and whether one of them is deployed.
fn mapped_part(products: &[crate::fno::Product], code: &str) -> Option<(String, bool)> {
    let spelling = products
        .iter()
        .flat_map(|product| product.part_numbers.iter())
        .find(|part| part.eq_ignore_ascii_case(code))?;
    let deployed = products
        .iter()
        .filter(|product| product.part_numbers.contains(spelling))
        .any(crate::fno::Product::is_deployed);
    Some((spelling.clone(), deployed))
}

/// Finds a part number that equals `code` but for case and whitespace, so the
/// log can say why the exact lookup failed. The product list is read once per run.
async fn near_part_number(
    parts: &PartLookup,
    code: &str,
) -> Result<Option<(String, bool)>, String> {
    let catalog = parts
        .all_parts
        .get_or_try_init(|| async {
            let fno = parts.fno.clone();
            let products = parts.retry.run(|| fno.list_products()).await;
            products
                .map(|products| PartCatalog::of_products(&products))
                .map_err(|error| format!("cannot read the product list from FNO: {error}"))
        })
        .await?;
    Ok(catalog.candidates(code).first().cloned())
}
