//! Rust client for the fnosync gRPC API: the generated clients, re-exported,
//! and [`FnosyncClient`], which connects with a URL and a token, optionally over
//! TLS (custom CA, client identity for mutual TLS), with timeouts; plus helpers
//! that retry idempotent calls, decode the server's field violations and tail
//! the transaction logs across broken connections.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fnosync_client::ClientError> {
//! use fnosync_client::{proto, FnosyncClient};
//! let client = FnosyncClient::connect("http://127.0.0.1:50051", "fns_…").await?;
//! let sites = client.admin().list_remote_sites(proto::ListRemoteSitesRequest {}).await?;
//! println!("{} remote sites", sites.into_inner().remote_sites.len());
//! # Ok(()) }
//! ```
//!
//! Runnable examples are in `client/examples/`: `sync_and_wait` starts a
//! one-time sync and follows it, `tail_logs` streams the logs with resume.

#![warn(missing_docs)]

mod connect;
mod retry;
mod status;
mod tail;

/// The generated messages and clients of `fnosync.v1`.
pub use fnosync_proto::v1 as proto;

pub use connect::{AuthedChannel, BearerToken, ClientBuilder, ClientError, FnosyncClient};
pub use retry::{is_retryable, request, retry_idempotent};
pub use status::{describe_status, field_violations, FieldViolation};
pub use tail::{tail_logs, LogStream, TailEvent, TailOptions};
