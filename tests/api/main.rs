//! End-to-end tests of the fnosync API: the real server on a loopback port,
//! a fresh PostgreSQL database per test, calls through the client crate.

mod auth;
mod cli;
mod cli_admin;
mod cli_follow;
mod cli_settings;
mod cli_support;
mod cli_sync;
mod cli_tokens;
mod demo;
mod filters;
mod health_database;
mod health_reflection;
mod health_shutdown;
mod idempotency;
mod license;
mod logs_runs;
mod mappings;
mod metrics;
mod outbound;
mod products_layouts;
mod products_live;
mod python_sdk;
mod remote_sites;
mod retention;
mod schedules;
mod secrets;
mod sync_batch;
mod sync_checkpoints;
mod sync_crash;
mod sync_faults;
mod sync_flow;
mod sync_preconditions;
mod sync_rules;
mod sync_writers;
mod tls;
