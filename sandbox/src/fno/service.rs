//! The operation table types and the checks every call goes through before
//! its handler runs: FNO's batch limits (at most 25 records per write, query
//! pages of at most 2,000 records, page numbers from 1).

use chrono::{DateTime, Utc};

use super::soap::{failure_only, reason, response_envelope};
use super::state::FnoState;
use super::xml::Element;

/// Most records one write request may carry (FNO 2020 R3 and later).
pub const MAX_WRITE_RECORDS: usize = 25;
/// Largest query page (`batchSize`).
pub const MAX_QUERY_BATCH: usize = 2_000;

/// Documented reason text for a required value that is absent or empty.
pub const MISSING_FIELD: &str = "The value of this required field is missing";

/// What a handler may use while serving one call.
pub struct Ctx<'a> {
    /// The tenant, locked for the duration of the call.
    pub state: &'a mut FnoState,
    /// Time of the call, used for every timestamp it writes.
    pub now: DateTime<Utc>,
    /// Web-service user making the call (`createdBy`/`lastModifiedBy`).
    pub caller: &'a str,
    /// Requested page (queries only; page 1 of 2,000 otherwise).
    pub page: Page,
}

/// One query page: `pageNumber` (from 1) and `batchSize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Page number, from 1.
    pub number: usize,
    /// Page size.
    pub size: usize,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            number: 1,
            size: MAX_QUERY_BATCH,
        }
    }
}

impl Page {
    /// Returns the records of this page out of all matches, in order.
    pub fn take<T>(&self, matches: impl Iterator<Item = T>) -> impl Iterator<Item = T> {
        matches
            .skip((self.number - 1).saturating_mul(self.size))
            .take(self.size)
    }
}

/// How the dispatcher treats an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Paged query: checks `pageNumber` and `batchSize`.
    Query,
    /// Other read.
    Read,
    /// Mutating call whose records are the root's children of this name.
    Write(&'static str),
    /// Served without credentials (the credential check itself).
    Open,
}

/// A handler: reads the request root and returns the response root's content.
pub type Handler = fn(&mut Ctx<'_>, &Element) -> String;

/// One SOAP operation of a service.
pub struct Operation {
    /// Body root of the request.
    pub request: &'static str,
    /// Operation name (the call counter key).
    pub name: &'static str,
    /// Body root of the response.
    pub response: &'static str,
    /// Dispatch kind.
    pub kind: Kind,
    /// The handler.
    pub handler: Handler,
}

/// One SOAP service at `/flexnet/services/<path>`.
pub struct Service {
    /// Path below `/flexnet/services/`, e.g. `v4/EntitlementOrderService`.
    pub path: &'static str,
    /// Target namespace of its messages.
    pub ns: &'static str,
    /// Its WSDL as FNO serves it.
    pub wsdl: &'static str,
    /// Its implemented operations.
    pub operations: &'static [Operation],
}

impl Service {
    /// Finds the operation whose request root is `request`.
    pub fn operation(&self, request: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|operation| operation.request == request)
    }
}

/// Runs `operation` on `body` after the batch checks; returns the response envelope.
pub fn run(service: &Service, operation: &Operation, ctx: &mut Ctx<'_>, body: &Element) -> String {
    let inner = match check_limits(operation.kind, body) {
        Ok(page) => {
            ctx.page = page;
            (operation.handler)(ctx, body)
        }
        Err(reason) => failure_only(&reason),
    };
    response_envelope(operation.response, service.ns, &inner)
}

// The documented limits say only that exceeding them "results in an error";
// the sandbox answers with a FAILURE statusInfo, the shape of FNO's
// application errors.
fn check_limits(kind: Kind, body: &Element) -> Result<Page, String> {
    match kind {
        Kind::Write(item) => {
            let records = body.children_named(item).count();
            if records == 0 {
                return Err(reason(MISSING_FIELD, "0"));
            }
            if records > MAX_WRITE_RECORDS {
                return Err(reason(
                    &format!("The batch size exceeds the maximum of {MAX_WRITE_RECORDS} records"),
                    &records.to_string(),
                ));
            }
            Ok(Page::default())
        }
        Kind::Query => query_page(body),
        Kind::Read | Kind::Open => Ok(Page::default()),
    }
}

fn query_page(body: &Element) -> Result<Page, String> {
    let size = match body.value("batchSize") {
        None => return Err(reason(MISSING_FIELD, "0")),
        Some(text) => parse_positive(text)
            .ok_or_else(|| reason("The batch size must be a positive integer", text.trim()))?,
    };
    if size > MAX_QUERY_BATCH {
        return Err(reason(
            &format!("The batch size exceeds the maximum of {MAX_QUERY_BATCH} records"),
            &size.to_string(),
        ));
    }
    // EOS searches make pageNumber optional (page 1); the others require it.
    let number = match body.value("pageNumber") {
        None => 1,
        Some(text) => parse_positive(text)
            .ok_or_else(|| reason("The page number must start at 1", text.trim()))?,
    };
    Ok(Page { number, size })
}

fn parse_positive(text: &str) -> Option<usize> {
    text.trim().parse::<usize>().ok().filter(|&value| value > 0)
}
