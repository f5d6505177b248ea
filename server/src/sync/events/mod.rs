//! Event-driven sync: one subscriber across all replicas (the holder of a
//! PostgreSQL advisory lock) reads Salesforce's Change Data Capture events
//! over the Pub/Sub API, gathers them per account over a short debounce and
//! queues event runs, which go through the same pipeline as every run.
//!
//! Nothing is lost when the subscriber dies: the replay id of the last
//! event moves only in the transaction that queues the runs its events
//! caused, and a new holder subscribes from there. Where the events cannot
//! say what changed (GAP_OVERFLOW, a replay id past retention) the
//! subscriber falls back to an immediate sync from the last processed
//! commit time, logged and counted.

pub mod decode;
pub mod gather;
pub mod subscriber;

pub use subscriber::{run_event_sync, EventSettings};
