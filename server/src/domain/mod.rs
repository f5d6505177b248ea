//! Plain types and validated values of the connector's administration:
//! remote sites, mappings, filters, schedules and runs. No I/O here.

pub mod connection;
pub mod filters;
pub mod mapping;
pub mod remote_site;
pub mod role;
pub mod run;
pub mod schedule;
