//! `events show|enable|disable`: event-driven sync, Salesforce change
//! events that start syncs within seconds (the schedule stays the safety net).

use clap::{Args, Subcommand};
use fnosync_client::proto;
use serde_json::{json, Value};

use crate::exit::Failure;
use crate::output::{time_json, time_text, Tone};
use crate::Context;

/// Every object whose change events fnosync can sync.
const ALL_OBJECTS: [&str; 4] = ["Opportunity", "OpportunityLineItem", "Account", "Contact"];

#[derive(Subcommand)]
pub enum EventsCommand {
    /// Shows the settings and the subscriber's status: connected, lag, counts, fallbacks.
    Show,
    /// Enables event sync for the objects (all four when none are given).
    Enable(EnableArgs),
    /// Disables event sync; the subscriber closes its stream.
    Disable,
}

#[derive(Args)]
pub struct EnableArgs {
    /// Objects whose change events start syncs, comma-separated
    /// (Opportunity, OpportunityLineItem, Account, Contact).
    #[arg(long, value_delimiter = ',', value_name = "OBJECTS")]
    objects: Vec<String>,
    /// The Pub/Sub API endpoint (a registered remote site must cover it);
    /// the current one when not given.
    #[arg(long, value_name = "URL", default_value = "")]
    pubsub_url: String,
}

pub async fn run(ctx: &Context, command: &EventsCommand) -> Result<u8, Failure> {
    let mut schedules = ctx.client.schedules();
    let status = match command {
        EventsCommand::Show => {
            schedules
                .get_event_sync(proto::GetEventSyncRequest {})
                .await?
                .into_inner()
                .event_sync
        }
        EventsCommand::Enable(args) => {
            let objects = if args.objects.is_empty() {
                ALL_OBJECTS.iter().map(|o| o.to_string()).collect()
            } else {
                args.objects.clone()
            };
            let request = proto::UpdateEventSyncRequest {
                objects,
                pubsub_url: args.pubsub_url.clone(),
            };
            schedules
                .update_event_sync(request)
                .await?
                .into_inner()
                .event_sync
        }
        EventsCommand::Disable => {
            schedules
                .update_event_sync(proto::UpdateEventSyncRequest::default())
                .await?
                .into_inner()
                .event_sync
        }
    };
    print_status(ctx, &status.unwrap_or_default());
    Ok(0)
}

/// The status as JSON.
pub fn status_json(status: &proto::EventSync) -> Value {
    let text = |text: &str| (!text.is_empty()).then(|| text.to_string());
    json!({
        "enabled": !status.objects.is_empty(), "objects": status.objects,
        "pubsub_url": status.pubsub_url, "connected": status.connected,
        "holder": text(&status.holder),
        "last_commit_time": time_json(status.last_commit_time.as_ref()),
        "lag_seconds": status.lag_seconds, "last_replay_id": text(&status.last_replay_id),
        "events_received": status.events_received, "events_coalesced": status.events_coalesced,
        "own_events": status.own_events, "runs_queued": status.runs_queued,
        "fallbacks": status.fallbacks, "last_fallback": text(&status.last_fallback),
        "last_fallback_time": time_json(status.last_fallback_time.as_ref()),
        "last_error": text(&status.last_error),
        "channel": text(&status.channel), "records_read_again": status.records_read_again,
    })
}

/// A one-line summary: off, or connected (or why not) with the lag and counts.
pub fn summary(ctx: &Context, status: &proto::EventSync) -> String {
    if status.objects.is_empty() {
        return ctx.printer.paint(Tone::Muted, "off");
    }
    let state = if status.connected {
        ctx.printer.paint(Tone::Good, "connected")
    } else {
        ctx.printer.paint(Tone::Warn, "not connected")
    };
    let mut text = format!(
        "{state}  lag {:.1} s, {} events, {} runs, {} fallbacks",
        status.lag_seconds, status.events_received, status.runs_queued, status.fallbacks
    );
    if !status.connected && !status.last_error.is_empty() {
        text.push_str(&format!(
            "; {}",
            ctx.printer.paint(Tone::Bad, &status.last_error)
        ));
    }
    text
}

fn print_status(ctx: &Context, status: &proto::EventSync) {
    if ctx.printer.is_json() {
        ctx.printer.json(status_json(status));
        return;
    }
    let or_dash = |text: &str| {
        if text.is_empty() {
            "-".to_string()
        } else {
            text.to_string()
        }
    };
    println!("status        {}", summary(ctx, status));
    println!("objects       {}", or_dash(&status.objects.join(", ")));
    println!("pubsub url    {}", status.pubsub_url);
    println!("channel       {}", or_dash(&status.channel));
    println!("holder        {}", or_dash(&status.holder));
    println!(
        "last commit   {}",
        time_text(status.last_commit_time.as_ref())
    );
    println!("replay id     {}", or_dash(&status.last_replay_id));
    println!(
        "events        {} received, {} coalesced, {} own write-backs",
        status.events_received, status.events_coalesced, status.own_events
    );
    println!(
        "read again    {} changed records, to find their accounts",
        status.records_read_again
    );
    if status.fallbacks > 0 {
        println!(
            "last fallback {}  {}",
            time_text(status.last_fallback_time.as_ref()),
            ctx.printer.paint(Tone::Warn, &status.last_fallback)
        );
    }
    if !status.last_error.is_empty() {
        println!(
            "last error    {}",
            ctx.printer.paint(Tone::Bad, &status.last_error)
        );
    }
}
