//! The sandboxes the query tests start beyond the shared `Harness`: an empty
//! org, and bulk accounts seeded in it.

use fnosync_sandbox::salesforce::Options;
use serde_json::json;

use crate::salesforce_support::Harness;

pub(crate) async fn empty_harness() -> Harness {
    Harness::start_with(Options {
        empty: true,
        ..Options::default()
    })
    .await
}

pub(crate) fn seed_accounts(h: &Harness, count: usize) {
    for i in 0..count {
        h.sandbox
            .insert("Account", json!({"Name": format!("Bulk {i:05}")}))
            .expect("insert");
    }
}
