//! `filters show|set`: which opportunity stages make a sales order, and the
//! state new entitlements get. `set` changes only what it is given.

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
        FiltersCommand::Set { stages, state } => {
            if stages.is_empty() && state.is_none() {
                return Err(Failure::usage("give --stage STAGE (repeatable) or --state"));
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
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "pre_condition_stages": filters.pre_condition_stages,
            "post_condition_state": state,
        }));
        return;
    }
    println!("stages  {}", filters.pre_condition_stages.join(", "));
    println!("state   {state}");
}
