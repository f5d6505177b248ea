//! Plain types and validated values of the connector's administration:
//! remote sites, mappings, filters and schedules. No I/O here.

pub mod filters;
pub mod mapping;
pub mod remote_site;
pub mod role;
pub mod schedule;
