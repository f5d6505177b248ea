//! Helpers of the end-to-end tests: `TestApp` runs the real server on a free
//! loopback port against a fresh PostgreSQL database and hands out clients
//! with tokens of each role.
//!
//! The helpers live in modules by role and are all re-exported here, so tests
//! name them as `fnosync_tests::<item>`.

mod app;
mod clients;
mod process;
mod runs;
mod sandboxes;
mod schedules;
mod seed;
mod wait;

pub use app::TestApp;
pub use clients::{field_mappings, field_violations};
pub use process::{
    database_url, kill_and_take_over, spawn_server_process, workspace_binary, ServerProcess,
};
pub use runs::{
    assert_completed, get_run, logs_named, logs_of, start_immediate, start_sync, sync_and_wait,
    wait_for_run_state_change, watch_until_end,
};
pub use sandboxes::FNO_PASSWORD;
pub use schedules::{
    create_daily_schedule, get_schedule, make_schedule_due, next_scheduled_run, scheduled_runs,
};
pub use seed::{add_opportunity, seed_sales_order, LineSpec};
pub use wait::eventually;
