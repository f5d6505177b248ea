//! The demo's, the benchmark's and the fault soak's shared parts: running
//! `fnosync serve` as a child process, configuring it through its API
//! against the sandboxes, and the seeded workload.

pub mod server;
pub mod setup;
pub mod workload;
