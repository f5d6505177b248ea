//! The demo's and the benchmark's shared parts: running `fnosync serve` as a
//! child process and configuring it through its API against the sandboxes.

pub mod server;
pub mod setup;
