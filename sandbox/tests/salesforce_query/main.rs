//! SOQL query and queryAll against the Salesforce sandbox: shapes,
//! relationships, filters, escaping, pagination and errors.

mod errors;
mod filters;
mod harness;
mod paging;
#[path = "../salesforce_support/mod.rs"]
mod salesforce_support;
mod shapes;
