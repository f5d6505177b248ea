//! `logs tail` and `logs show`: the transaction logs, streamed in order
//! (following and resuming through the client crate's `tail_logs`) or one by one.

use clap::Subcommand;
use fnosync_client::{proto, tail_logs, TailEvent, TailOptions};
use futures::StreamExt;
use serde_json::json;

use crate::exit::Failure;
use crate::output::{short_name, time_json, Tone};
use crate::Context;

#[derive(Subcommand)]
pub enum LogsCommand {
    /// Prints logs in order; with --follow, keeps streaming and reconnects after a break.
    Tail {
        /// Only logs with this status: completed, failed or error.
        #[arg(long)]
        status: Option<String>,
        /// Only logs of this task ID.
        #[arg(long)]
        task: Option<String>,
        /// Only logs about this Salesforce record: its every attempt, across runs.
        #[arg(long, value_name = "SALESFORCE_ID")]
        record: Option<String>,
        /// Start after this log number, e.g. TL-00042.
        #[arg(long)]
        from: Option<String>,
        /// Keep streaming new logs; a broken stream resumes after the last log printed.
        #[arg(long)]
        follow: bool,
    },
    /// Prints one log with its error log.
    Show {
        /// Log number, e.g. TL-00042.
        log_number: String,
    },
}

pub async fn run(ctx: &Context, command: &LogsCommand) -> Result<u8, Failure> {
    match command {
        LogsCommand::Tail {
            status,
            task,
            record,
            from,
            follow,
        } => {
            let options = TailOptions {
                after_log_number: from.clone().unwrap_or_default(),
                task_id: task.clone().unwrap_or_default(),
                salesforce_record_id: record.clone().unwrap_or_default(),
                status: parse_status(status.as_deref())?,
                follow: *follow,
                ..TailOptions::default()
            };
            tail(ctx, options).await
        }
        LogsCommand::Show { log_number } => {
            let log = ctx
                .client
                .logs()
                .get_transaction_log(proto::GetTransactionLogRequest {
                    log_number: log_number.clone(),
                })
                .await?
                .into_inner()
                .transaction_log
                .unwrap_or_default();
            print_log(ctx, &log, true);
            Ok(0)
        }
    }
}

fn parse_status(text: Option<&str>) -> Result<Option<proto::TransactionStatus>, Failure> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("completed") => Ok(Some(proto::TransactionStatus::Completed)),
        Some("failed") => Ok(Some(proto::TransactionStatus::Failed)),
        Some("error") => Ok(Some(proto::TransactionStatus::Error)),
        Some(other) => Err(Failure::usage(format!(
            "--status {other:?}: use completed, failed or error"
        ))),
    }
}

async fn tail(ctx: &Context, options: TailOptions) -> Result<u8, Failure> {
    let mut logs = tail_logs(&ctx.client, options);
    while let Some(event) = logs.next().await {
        match event? {
            TailEvent::Log(log) => print_log(ctx, &log, false),
            TailEvent::Reconnecting {
                after_log_number,
                cause,
                delay,
            } => {
                let after = if after_log_number.is_empty() {
                    "the start".to_string()
                } else {
                    after_log_number
                };
                eprintln!(
                    "stream interrupted ({}); resuming after {after} in {delay:?}",
                    cause.message()
                );
            }
        }
    }
    Ok(0)
}

fn status_tone(status: i32) -> Tone {
    match proto::TransactionStatus::try_from(status) {
        Ok(proto::TransactionStatus::Completed) => Tone::Good,
        Ok(proto::TransactionStatus::Failed) => Tone::Bad,
        Ok(proto::TransactionStatus::Error) => Tone::Warn,
        _ => Tone::Muted,
    }
}

fn print_log(ctx: &Context, log: &proto::TransactionLog, full: bool) {
    let status = proto::TransactionStatus::try_from(log.status)
        .map(|s| short_name(s.as_str_name(), "TRANSACTION_STATUS_"))
        .unwrap_or_default();
    let error = log.error_log.as_ref();
    if ctx.printer.is_json() {
        ctx.printer.json(json!({
            "log_number": log.log_number, "task_id": log.task_id, "name": log.name, "status": status,
            "create_time": time_json(log.create_time.as_ref()), "run_by": log.run_by,
            "record": log.salesforce_record_id, "description": log.description,
            "error_number": error.map(|e| e.error_number.clone()), "reason": error.map(|e| e.reason.clone()),
        }));
        return;
    }
    let description = if full {
        log.description.as_str()
    } else {
        log.description.lines().next().unwrap_or_default()
    };
    println!(
        "{}  {}  {}  {:<28}  {}",
        log.log_number,
        log.task_id,
        ctx.printer
            .paint_padded(status_tone(log.status), &status, 9),
        log.name,
        description
    );
    if let Some(error) = error {
        println!(
            "    {} {}: {}",
            error.error_number, error.component, error.reason
        );
        if full {
            println!("    {}", error.message);
        }
    }
}
