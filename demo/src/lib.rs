//! The demo's, the benchmark's and the fault soak's shared parts: running
//! `fnosync serve` as a child process, configuring it through its API
//! against the sandboxes, the seeded workload, and the benchmark's
//! event-driven step.

pub mod event_step;
pub mod server;
pub mod setup;
pub mod workload;
