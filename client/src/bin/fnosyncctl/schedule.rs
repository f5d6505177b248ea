//! `schedule show|set|pause|resume|delete`: the scheduled sync FNOSyncBatch.
//! `set` creates the schedule when there is none and changes it otherwise.

use clap::{Args, Subcommand};
use fnosync_client::proto;
use serde_json::{json, Value};
use tonic::Code;

use crate::exit::Failure;
use crate::output::{short_name, time_json, time_text, Tone};
use crate::Context;

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Shows the schedule with its last and next fire time.
    Show,
    /// Creates or changes the schedule: daily at a time, or per a cron expression.
    Set(TimingArgs),
    /// Pauses the schedule; it does not fire until resumed.
    Pause,
    /// Resumes the schedule from its next fire time on.
    Resume,
    /// Deletes the schedule.
    Delete,
}

#[derive(Args)]
pub struct TimingArgs {
    /// Fire every day at this time, HH:MM (24-hour).
    #[arg(
        long,
        value_name = "HH:MM",
        required_unless_present = "cron",
        conflicts_with = "cron"
    )]
    daily: Option<String>,
    /// Fire per this cron expression (minute hour day-of-month month day-of-week).
    #[arg(long, value_name = "EXPR")]
    cron: Option<String>,
    /// IANA time zone, e.g. Europe/Berlin; UTC when not given.
    #[arg(long, value_name = "ZONE", default_value = "")]
    tz: String,
}

pub async fn run(ctx: &Context, command: &ScheduleCommand) -> Result<u8, Failure> {
    let mut schedules = ctx.client.schedules();
    let schedule = match command {
        ScheduleCommand::Show => {
            let response = schedules.get_schedule(proto::GetScheduleRequest {}).await?;
            response.into_inner().schedule
        }
        ScheduleCommand::Set(timing) => set(ctx, timing).await?,
        ScheduleCommand::Pause => {
            let response = schedules
                .pause_schedule(proto::PauseScheduleRequest {})
                .await?;
            response.into_inner().schedule
        }
        ScheduleCommand::Resume => {
            let response = schedules
                .resume_schedule(proto::ResumeScheduleRequest {})
                .await?;
            response.into_inner().schedule
        }
        ScheduleCommand::Delete => {
            schedules
                .delete_schedule(proto::DeleteScheduleRequest {})
                .await?;
            if ctx.printer.is_json() {
                ctx.printer.json(json!({ "deleted": true }));
            } else {
                println!("schedule deleted");
            }
            return Ok(0);
        }
    };
    print_schedule(ctx, &schedule.unwrap_or_default());
    Ok(0)
}

async fn set(ctx: &Context, args: &TimingArgs) -> Result<Option<proto::Schedule>, Failure> {
    use proto::{create_schedule_request as create, update_schedule_request as update};
    let mut schedules = ctx.client.schedules();
    let exists = match schedules.get_schedule(proto::GetScheduleRequest {}).await {
        Ok(_) => true,
        Err(status) if status.code() == Code::NotFound => false,
        Err(status) => return Err(status.into()),
    };
    let (daily, cron) = match (&args.daily, &args.cron) {
        (Some(time_of_day), _) => (
            Some(proto::DailyTiming {
                time_of_day: time_of_day.clone(),
                time_zone: args.tz.clone(),
            }),
            None,
        ),
        (None, Some(expression)) => (
            None,
            Some(proto::CronTiming {
                expression: expression.clone(),
                time_zone: args.tz.clone(),
            }),
        ),
        (None, None) => return Err(Failure::usage("give --daily HH:MM or --cron EXPR")),
    };
    if exists {
        let timing = daily
            .map(update::Timing::Daily)
            .or(cron.map(update::Timing::Cron));
        let request = proto::UpdateScheduleRequest { timing };
        Ok(schedules
            .update_schedule(request)
            .await?
            .into_inner()
            .schedule)
    } else {
        let timing = daily
            .map(create::Timing::Daily)
            .or(cron.map(create::Timing::Cron));
        let request = proto::CreateScheduleRequest {
            timing,
            request_id: String::new(),
        };
        Ok(schedules
            .create_schedule(request)
            .await?
            .into_inner()
            .schedule)
    }
}

fn state_name(schedule: &proto::Schedule) -> String {
    proto::ScheduleState::try_from(schedule.state)
        .map(|s| short_name(s.as_str_name(), "SCHEDULE_STATE_"))
        .unwrap_or_default()
}

fn timing_text(schedule: &proto::Schedule) -> String {
    let zone = |zone: &str| {
        if zone.is_empty() {
            "UTC".to_string()
        } else {
            zone.to_string()
        }
    };
    match &schedule.timing {
        Some(proto::schedule::Timing::Daily(daily)) => {
            format!("daily at {} {}", daily.time_of_day, zone(&daily.time_zone))
        }
        Some(proto::schedule::Timing::Cron(cron)) => {
            format!("cron {:?} {}", cron.expression, zone(&cron.time_zone))
        }
        None => "-".to_string(),
    }
}

fn schedule_json(schedule: &proto::Schedule) -> Value {
    let (daily, cron) = match &schedule.timing {
        Some(proto::schedule::Timing::Daily(d)) => (
            json!({ "time_of_day": d.time_of_day, "time_zone": d.time_zone }),
            Value::Null,
        ),
        Some(proto::schedule::Timing::Cron(c)) => (
            Value::Null,
            json!({ "expression": c.expression, "time_zone": c.time_zone }),
        ),
        None => (Value::Null, Value::Null),
    };
    json!({
        "name": schedule.name, "state": state_name(schedule), "daily": daily, "cron": cron,
        "last_fire_time": time_json(schedule.last_fire_time.as_ref()),
        "next_fire_time": time_json(schedule.next_fire_time.as_ref()),
        "create_time": time_json(schedule.create_time.as_ref()),
        "update_time": time_json(schedule.update_time.as_ref()),
        "held_reason": (!schedule.held_reason.is_empty()).then_some(&schedule.held_reason),
    })
}

/// Returns the colour of a schedule's state.
pub fn state_tone(schedule: &proto::Schedule) -> Tone {
    match proto::ScheduleState::try_from(schedule.state) {
        Ok(proto::ScheduleState::Active) => Tone::Good,
        Ok(proto::ScheduleState::Paused) => Tone::Warn,
        _ => Tone::Muted,
    }
}

/// Returns a one-line summary: state, timing and next fire time, and why
/// it does not fire when it is held.
pub fn summary(ctx: &Context, schedule: &proto::Schedule) -> String {
    let mut text = format!(
        "{}  {}, next {}",
        ctx.printer
            .paint(state_tone(schedule), &state_name(schedule)),
        timing_text(schedule),
        time_text(schedule.next_fire_time.as_ref())
    );
    if !schedule.held_reason.is_empty() {
        text.push_str(&format!(
            "; {}",
            ctx.printer.paint(Tone::Bad, &schedule.held_reason)
        ));
    }
    text
}

fn print_schedule(ctx: &Context, schedule: &proto::Schedule) {
    if ctx.printer.is_json() {
        ctx.printer.json(schedule_json(schedule));
        return;
    }
    let state = ctx
        .printer
        .paint(state_tone(schedule), &state_name(schedule));
    println!("name       {}", schedule.name);
    println!("state      {state}");
    println!("timing     {}", timing_text(schedule));
    println!("last fire  {}", time_text(schedule.last_fire_time.as_ref()));
    println!("next fire  {}", time_text(schedule.next_fire_time.as_ref()));
    if !schedule.held_reason.is_empty() {
        let held = ctx.printer.paint(Tone::Bad, &schedule.held_reason);
        println!("held       {held}");
    }
}
