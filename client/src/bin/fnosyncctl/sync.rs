//! `sync account|immediate|plan|retry|watch|list|cancel|resume`: starting
//! runs, following them until they end (exit 1 unless completed), showing
//! what a sync would do, listing and cancelling runs.

use clap::Subcommand;
use fnosync_client::proto;
use proto::start_immediate_sync_request::Window;
use serde_json::{json, Value};

use crate::exit::{self, Failure};
use crate::output::{short_name, time_json, Tone};
use crate::{plan, progress, Context};

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Starts the one-time sync of an account.
    Account {
        /// Salesforce Account Id.
        account_id: String,
        /// Follow the run until it ends; exit 1 unless it completed.
        #[arg(long)]
        wait: bool,
    },
    /// Starts an immediate sync of what changed in the last hours or in a range of days.
    Immediate {
        /// The last N hours.
        #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"], required_unless_present = "from")]
        hours: Option<i32>,
        /// First day, YYYY-MM-DD (in the schedule's time zone).
        #[arg(long, value_name = "DATE", requires = "to")]
        from: Option<String>,
        /// Last day, YYYY-MM-DD, inclusive.
        #[arg(long, value_name = "DATE", requires = "from")]
        to: Option<String>,
        /// Follow the run until it ends; exit 1 unless it completed.
        #[arg(long)]
        wait: bool,
        /// Idempotency key: repeating the command with it starts nothing new.
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Shows what a sync of an account, or of the last hours or a range of
    /// days, would do, record by record, without writing anything.
    Plan {
        /// Salesforce Account Id (or give --hours, or --from and --to).
        #[arg(required_unless_present_any = ["hours", "from"], conflicts_with_all = ["hours", "from", "to"])]
        account_id: Option<String>,
        /// The last N hours.
        #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"])]
        hours: Option<i32>,
        /// First day, YYYY-MM-DD (in the schedule's time zone).
        #[arg(long, value_name = "DATE", requires = "to")]
        from: Option<String>,
        /// Last day, YYYY-MM-DD, inclusive.
        #[arg(long, value_name = "DATE", requires = "from")]
        to: Option<String>,
    },
    /// Syncs again only the records that failed in an ended run (after fixing their cause).
    Retry {
        /// The task ID of the run whose failed records to retry.
        run_id: String,
        /// Follow the retry until it ends; exit 1 unless it completed.
        #[arg(long)]
        wait: bool,
        /// Idempotency key: repeating the command with it starts nothing new.
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Follows a run until it ends; exit 1 unless it completed.
    Watch {
        /// The run's task ID.
        run_id: String,
    },
    /// Lists the newest runs.
    List {
        /// How many runs, 1 to 500.
        #[arg(long, default_value = "50")]
        limit: i32,
    },
    /// Cancels a run.
    Cancel {
        /// The run's task ID.
        run_id: String,
    },
    /// Resumes a run paused for the Salesforce API budget; it then goes on under the floor.
    Resume {
        /// The paused run's task ID.
        run_id: String,
    },
}

pub async fn run(ctx: &Context, command: &SyncCommand) -> Result<u8, Failure> {
    let mut sync = ctx.client.sync();
    match command {
        SyncCommand::Account { account_id, wait } => {
            let request = proto::SyncAccountRequest {
                account_id: account_id.clone(),
                ..Default::default()
            };
            let run = sync.sync_account(request).await?.into_inner().run;
            started(ctx, run.unwrap_or_default(), *wait).await
        }
        SyncCommand::Immediate {
            hours,
            from,
            to,
            wait,
            request_id,
        } => {
            let window = window_of(*hours, from, to)?;
            let request = proto::StartImmediateSyncRequest {
                window: Some(window),
                request_id: request_id.clone().unwrap_or_default(),
            };
            let run = sync.start_immediate_sync(request).await?.into_inner().run;
            started(ctx, run.unwrap_or_default(), *wait).await
        }
        SyncCommand::Plan {
            account_id,
            hours,
            from,
            to,
        } => {
            use proto::plan_sync_request::Scope;
            let scope = match account_id {
                Some(account_id) => Scope::AccountId(account_id.clone()),
                None => match window_of(*hours, from, to)? {
                    Window::LastHours(hours) => Scope::LastHours(hours),
                    Window::DateRange(range) => Scope::DateRange(range),
                },
            };
            let request = proto::PlanSyncRequest { scope: Some(scope) };
            let plan = sync.plan_sync(request).await?.into_inner();
            plan::print(ctx, &plan);
            Ok(0)
        }
        SyncCommand::Retry {
            run_id,
            wait,
            request_id,
        } => {
            let request = proto::RetryFailedRecordsRequest {
                run_id: run_id.clone(),
                request_id: request_id.clone().unwrap_or_default(),
            };
            let response = sync.retry_failed_records(request).await?.into_inner();
            if !ctx.printer.is_json() && !*wait {
                println!(
                    "retrying the {} failed record(s) of run {run_id}",
                    response.failed_records
                );
            }
            started(ctx, response.run.unwrap_or_default(), *wait).await
        }
        SyncCommand::Watch { run_id } => progress::watch(ctx, run_id).await,
        SyncCommand::List { limit } => {
            let request = proto::ListSyncRunsRequest {
                page_size: *limit,
                ..Default::default()
            };
            for run in &sync.list_sync_runs(request).await?.into_inner().runs {
                print_run(ctx, run);
            }
            Ok(0)
        }
        SyncCommand::Cancel { run_id } => {
            let request = proto::CancelSyncRunRequest {
                run_id: run_id.clone(),
            };
            let run = sync.cancel_sync_run(request).await?.into_inner().run;
            print_run(ctx, &run.unwrap_or_default());
            Ok(0)
        }
        SyncCommand::Resume { run_id } => {
            let request = proto::ResumeSyncRunRequest {
                run_id: run_id.clone(),
            };
            let run = sync.resume_sync_run(request).await?.into_inner().run;
            print_run(ctx, &run.unwrap_or_default());
            Ok(0)
        }
    }
}

/// The window of `--hours N` or `--from DATE --to DATE`.
fn window_of(
    hours: Option<i32>,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<Window, Failure> {
    match (hours, from, to) {
        (Some(hours), _, _) => Ok(Window::LastHours(hours)),
        (None, Some(from), Some(to)) => Ok(Window::DateRange(proto::DateRange {
            start_date: from.clone(),
            end_date: to.clone(),
        })),
        _ => Err(Failure::usage("give --hours N or --from DATE --to DATE")),
    }
}

async fn started(ctx: &Context, run: proto::SyncRun, wait: bool) -> Result<u8, Failure> {
    if wait {
        return progress::watch(ctx, &run.run_id).await;
    }
    print_run(ctx, &run);
    Ok(0)
}

/// Returns the exit code of an ended run: 0 when it completed, 1 otherwise.
pub fn exit_code_of(run: &proto::SyncRun) -> u8 {
    if run.state == proto::SyncRunState::Completed as i32 {
        0
    } else {
        exit::RUN_NOT_COMPLETED
    }
}

/// Returns a run's state without its prefix, e.g. `COMPLETED_WITH_FAILURES`.
pub fn state_name(run: &proto::SyncRun) -> String {
    proto::SyncRunState::try_from(run.state)
        .map(|s| short_name(s.as_str_name(), "SYNC_RUN_STATE_"))
        .unwrap_or_default()
}

/// Returns the colour of a run's state.
pub fn state_tone(run: &proto::SyncRun) -> Tone {
    use proto::SyncRunState as State;
    match State::try_from(run.state) {
        Ok(State::Completed) => Tone::Good,
        Ok(State::Failed) => Tone::Bad,
        Ok(State::CompletedWithFailures | State::Paused) => Tone::Warn,
        Ok(State::Queued | State::Running) => Tone::Busy,
        _ => Tone::Muted,
    }
}

/// Returns a run as JSON.
pub fn run_json(run: &proto::SyncRun) -> Value {
    let kind = proto::SyncKind::try_from(run.kind)
        .map(|k| short_name(k.as_str_name(), "SYNC_KIND_"))
        .unwrap_or_default();
    json!({
        "run_id": run.run_id, "kind": kind, "state": state_name(run), "account_id": run.account_id,
        "account_ids": run.account_ids, "retry_of": run.retry_of,
        "window_start_time": time_json(run.window_start_time.as_ref()),
        "window_end_time": time_json(run.window_end_time.as_ref()),
        "records_total": run.records_total, "records_done": run.records_done,
        "records_failed": run.records_failed, "requested_by": run.requested_by, "message": run.message,
        "create_time": time_json(run.create_time.as_ref()), "start_time": time_json(run.start_time.as_ref()),
        "end_time": time_json(run.end_time.as_ref()),
    })
}

/// Prints a run on one line, or as one JSON object.
pub fn print_run(ctx: &Context, run: &proto::SyncRun) {
    if ctx.printer.is_json() {
        ctx.printer.json(run_json(run));
        return;
    }
    println!(
        "{}  {}  {}/{} records, {} failed  {}",
        run.run_id,
        ctx.printer
            .paint_padded(state_tone(run), &state_name(run), 24),
        run.records_done,
        run.records_total,
        run.records_failed,
        run.message
    );
}
