//! `filters show|set`: which opportunity stages make a sales order, the
//! state new entitlements get, and what a cancelled order does in FNO.
//! `set` changes only what it is given.

use clap::{Subcommand, ValueEnum};
use fnosync_client::proto;
use serde_json::json;

use crate::exit::Failure;
use crate::output::short_name;
use crate::Context;

/// An entitlement state.
#[derive(Clone, Copy, ValueEnum)]
pub enum EntitlementState {
    /// Editable, not yet visible to the customer.
    Draft,
    /// Live for the customer.
    Deployed,
}

/// What a cancelled order (lost or deleted after it synced) does in FNO.
#[derive(Clone, Copy, ValueEnum)]
pub enum Cancellation {
    /// FNO keeps the entitlement; the cancellation is logged.
    Leave,
    /// Lines without activations become OBSOLETE; activated ones are reported.
    Obsolete,
}

#[derive(Subcommand)]
pub enum FiltersCommand {
    /// Shows the filters in force.
    Show,
    /// Changes the filters; what is not given keeps its value.
    Set {
        /// An opportunity stage that makes a sales order; repeat for several (replaces the list).
        #[arg(long = "stage", value_name = "STAGE")]
        stages: Vec<String>,
        /// State of entitlements whose opportunity leaves it blank.
        #[arg(long, value_enum)]
        state: Option<EntitlementState>,
        /// What happens in FNO when a synced opportunity is lost or deleted.
        #[arg(long, value_enum)]
        on_cancel: Option<Cancellation>,
    },
}

pub async fn run(ctx: &Context, command: &FiltersCommand) -> Result<u8, Failure> {
    let mut filters = ctx.client.filters();
    let current = filters
        .get_filters(proto::GetFiltersRequest {})
        .await?
        .into_inner()
        .filters
        .unwrap_or_default();
    let shown = match command {
        FiltersCommand::Show => current,
        FiltersCommand::Set {
            stages,
            state,
            on_cancel,
        } => {
            if stages.is_empty() && state.is_none() && on_cancel.is_none() {
                return Err(Failure::usage(
                    "give --stage STAGE (repeatable), --state or --on-cancel",
                ));
            }
            let mut wanted = current;
            if !stages.is_empty() {
                wanted.pre_condition_stages = stages.clone();
            }
            if let Some(state) = state {
                wanted.post_condition_state = match state {
                    EntitlementState::Draft => proto::EntitlementState::Draft as i32,
                    EntitlementState::Deployed => proto::EntitlementState::Deployed as i32,
                };
            }
            if let Some(policy) = on_cancel {
                wanted.cancellation_policy = match policy {
                    Cancellation::Leave => proto::CancellationPolicy::Leave as i32,
                    Cancellation::Obsolete => proto::CancellationPolicy::Obsolete as i32,
                };
            }
            let request = proto::UpdateFiltersRequest {
                filters: Some(wanted),
            };
            let stored = filters.update_filters(request).await?.into_inner();
            stored.filters.unwrap_or_default()
        }
    };
    print_filters(ctx, &shown);
    Ok(0)
}

fn print_filters(ctx: &Context, filters: &proto::Filters) {
    let state = proto::EntitlementState::try_from(filters.post_condition_state)
        .map(|s| short_name(s.as_str_name(), "ENTITLEMENT_STATE_"))
        .unwrap_or_default();
    let on_cancel = match proto::CancellationPolicy::try_from(filters.cancellation_policy) {
        Ok(proto::CancellationPolicy::Obsolete) => "OBSOLETE",
        _ => "LEAVE",
    };
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "pre_condition_stages": filters.pre_condition_stages,
            "post_condition_state": state,
            "cancellation_policy": on_cancel,
        }));
        return;
    }
    println!("stages     {}", filters.pre_condition_stages.join(", "));
    println!("state      {state}");
    println!("on cancel  {on_cancel}");
}
