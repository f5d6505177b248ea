//! `fnosyncctl`: the operators' command line over the fnosync API — stream
//! and open transaction logs, start and follow syncs, read the overview.
//! Exit codes: 0 success, 1 a run that did not complete, 2 the server refused
//! the request (its reason is printed), 3 the server could not be reached.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use fnosync_client::{proto, FnosyncClient};
use tokio_stream::StreamExt;

/// Talks to a fnosync server.
#[derive(Parser)]
#[command(name = "fnosyncctl", version)]
struct Cli {
    /// Server URL.
    #[arg(long, env = "FNOSYNC_SERVER", default_value = "http://127.0.0.1:50051")]
    server: String,
    /// API token.
    #[arg(long, env = "FNOSYNC_TOKEN", hide_env_values = true)]
    token: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Output {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Transaction logs.
    #[command(subcommand)]
    Logs(LogsCommand),
    /// Sync runs.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Licence, connections, schedule, last run and recent counts.
    Overview,
}

#[derive(Subcommand)]
enum LogsCommand {
    /// Prints logs in order; with --follow, keeps streaming and reconnects after a break.
    Tail {
        /// Only logs with this status: completed, failed or error.
        #[arg(long)]
        status: Option<String>,
        /// Only logs of this task ID.
        #[arg(long)]
        task: Option<String>,
        /// Start after this log number, e.g. TL-00042.
        #[arg(long)]
        from: Option<String>,
        /// Keep streaming new logs.
        #[arg(long)]
        follow: bool,
    },
    /// Prints one log with its error log.
    Show {
        /// Log number, e.g. TL-00042.
        log_number: String,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Starts the one-time sync of an account.
    Account {
        /// Salesforce Account Id.
        account_id: String,
        /// Follow the run until it ends; exit 1 unless it completed.
        #[arg(long)]
        wait: bool,
    },
    /// Follows a run until it ends; exit 1 unless it completed.
    Watch {
        /// The run's task ID.
        run_id: String,
    },
    /// Lists the newest runs.
    List,
    /// Cancels a run.
    Cancel {
        /// The run's task ID.
        run_id: String,
    },
}

/// A failure and the exit code it maps to.
struct Failure(u8, String);

impl From<tonic::Status> for Failure {
    fn from(status: tonic::Status) -> Self {
        let code = if status.code() == tonic::Code::Unavailable {
            3
        } else {
            2
        };
        Failure(code, format!("{:?}: {}", status.code(), status.message()))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let client = match FnosyncClient::connect(cli.server.clone(), cli.token.clone()).await {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(3);
        }
    };
    match run(&cli, &client).await {
        Ok(code) => ExitCode::from(code),
        Err(Failure(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

async fn run(cli: &Cli, client: &FnosyncClient) -> Result<u8, Failure> {
    match &cli.command {
        Command::Logs(LogsCommand::Tail {
            status,
            task,
            from,
            follow,
        }) => {
            tail(
                cli,
                client,
                status.as_deref(),
                task.clone(),
                from.clone(),
                *follow,
            )
            .await
        }
        Command::Logs(LogsCommand::Show { log_number }) => {
            let log = client
                .logs()
                .get_transaction_log(proto::GetTransactionLogRequest {
                    log_number: log_number.clone(),
                })
                .await?
                .into_inner()
                .transaction_log
                .unwrap_or_default();
            print_log(cli.output, &log, true);
            Ok(0)
        }
        Command::Sync(SyncCommand::Account { account_id, wait }) => {
            let run = client
                .sync()
                .sync_account(proto::SyncAccountRequest {
                    account_id: account_id.clone(),
                    ..Default::default()
                })
                .await?
                .into_inner()
                .run
                .unwrap_or_default();
            if *wait {
                watch(cli, client, &run.run_id).await
            } else {
                print_run(cli.output, &run);
                Ok(0)
            }
        }
        Command::Sync(SyncCommand::Watch { run_id }) => watch(cli, client, run_id).await,
        Command::Sync(SyncCommand::List) => {
            let runs = client
                .sync()
                .list_sync_runs(proto::ListSyncRunsRequest::default())
                .await?
                .into_inner()
                .runs;
            for run in &runs {
                print_run(cli.output, run);
            }
            Ok(0)
        }
        Command::Sync(SyncCommand::Cancel { run_id }) => {
            let run = client
                .sync()
                .cancel_sync_run(proto::CancelSyncRunRequest {
                    run_id: run_id.clone(),
                })
                .await?
                .into_inner()
                .run
                .unwrap_or_default();
            print_run(cli.output, &run);
            Ok(0)
        }
        Command::Overview => {
            let overview = client
                .overview()
                .get_overview(proto::GetOverviewRequest {})
                .await?
                .into_inner();
            println!("{overview:#?}");
            Ok(0)
        }
    }
}

fn status_value(text: Option<&str>) -> Result<i32, Failure> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(0),
        Some("completed") => Ok(proto::TransactionStatus::Completed as i32),
        Some("failed") => Ok(proto::TransactionStatus::Failed as i32),
        Some("error") => Ok(proto::TransactionStatus::Error as i32),
        Some(other) => Err(Failure(
            2,
            format!("--status {other:?}: use completed, failed or error"),
        )),
    }
}

/// Streams logs; when following, a broken stream is reopened after the last
/// log printed, so nothing is lost or repeated.
async fn tail(
    cli: &Cli,
    client: &FnosyncClient,
    status: Option<&str>,
    task: Option<String>,
    from: Option<String>,
    follow: bool,
) -> Result<u8, Failure> {
    let status = status_value(status)?;
    let mut after = from.unwrap_or_default();
    loop {
        let request = proto::TailTransactionLogsRequest {
            after_log_number: after.clone(),
            task_id: task.clone().unwrap_or_default(),
            status,
            follow,
        };
        let mut stream = client
            .logs()
            .tail_transaction_logs(request)
            .await?
            .into_inner();
        let broken = loop {
            match stream.next().await {
                Some(Ok(item)) => {
                    let log = item.transaction_log.unwrap_or_default();
                    print_log(cli.output, &log, false);
                    after = log.log_number;
                }
                Some(Err(status)) => break Some(status),
                None => break None,
            }
        };
        match broken {
            None if !follow => return Ok(0),
            Some(status) if !follow => return Err(status.into()),
            _ => {
                eprintln!("stream interrupted; resuming after {after}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Follows a run, printing its progress; 0 when it completed, 1 otherwise.
async fn watch(cli: &Cli, client: &FnosyncClient, run_id: &str) -> Result<u8, Failure> {
    let mut events = client
        .sync()
        .watch_sync_run(proto::WatchSyncRunRequest {
            run_id: run_id.into(),
        })
        .await?
        .into_inner();
    let mut last = proto::SyncRun::default();
    while let Some(event) = events.next().await {
        last = event?.run.unwrap_or_default();
        if cli.output == Output::Table {
            eprintln!(
                "{}: {}/{} records, {} failed",
                last.run_id, last.records_done, last.records_total, last.records_failed
            );
        }
    }
    print_run(cli.output, &last);
    Ok(if last.state == proto::SyncRunState::Completed as i32 {
        0
    } else {
        1
    })
}

fn state_name(run: &proto::SyncRun) -> String {
    proto::SyncRunState::try_from(run.state)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("SYNC_RUN_STATE_")
                .to_string()
        })
        .unwrap_or_default()
}

fn print_run(output: Output, run: &proto::SyncRun) {
    match output {
        Output::Json => println!(
            "{}",
            serde_json::json!({
                "run_id": run.run_id, "state": state_name(run), "records_total": run.records_total,
                "records_done": run.records_done, "records_failed": run.records_failed, "message": run.message,
            })
        ),
        Output::Table => println!(
            "{}  {:<24}  {}/{} records, {} failed  {}",
            run.run_id,
            state_name(run),
            run.records_done,
            run.records_total,
            run.records_failed,
            run.message
        ),
    }
}

fn print_log(output: Output, log: &proto::TransactionLog, full: bool) {
    let status = proto::TransactionStatus::try_from(log.status)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("TRANSACTION_STATUS_")
                .to_string()
        })
        .unwrap_or_default();
    let error = log.error_log.as_ref();
    match output {
        Output::Json => println!(
            "{}",
            serde_json::json!({
                "log_number": log.log_number, "task_id": log.task_id, "name": log.name, "status": status,
                "record": log.salesforce_record_id, "description": log.description,
                "error_number": error.map(|e| e.error_number.clone()), "reason": error.map(|e| e.reason.clone()),
            })
        ),
        Output::Table => {
            let first_line = log.description.lines().next().unwrap_or_default();
            let description = if full {
                log.description.as_str()
            } else {
                first_line
            };
            println!(
                "{}  {}  {:<9}  {:<28}  {}",
                log.log_number, log.task_id, status, log.name, description
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
    }
}
