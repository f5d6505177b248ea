//! The Salesforce client against the Salesforce sandbox over HTTPS: log-in
//! flows, typed reads of the guide's account, pagination, escaping, session
//! expiry, retries, batched updates, the API budget and the remote-site check.
//! The JWT key pair in `login.rs` is a test-only fixture.

mod harness;
mod login;
mod reads;
mod retries;
mod writes;
