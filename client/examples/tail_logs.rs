//! Streams the transaction logs with `tail_logs`: in order, following new
//! ones, and resuming after the last log received whenever the stream breaks
//! (a server restart, say). `--once` stops after the stored logs.
//!
//! ```text
//! export FNOSYNC_SERVER=http://127.0.0.1:50051 FNOSYNC_TOKEN=fns_…
//! cargo run -p fnosync-client --example tail_logs
//! cargo run -p fnosync-client --example tail_logs -- --task 20261128161420 --after TL-00042 --once
//! ```

use std::process::ExitCode;

use fnosync_client::{describe_status, tail_logs, FnosyncClient, TailEvent, TailOptions};
use futures::StreamExt;

fn parse_args() -> Result<(String, String, TailOptions), String> {
    let mut server = std::env::var("FNOSYNC_SERVER").unwrap_or("http://127.0.0.1:50051".into());
    let mut token = std::env::var("FNOSYNC_TOKEN").ok();
    let mut options = TailOptions {
        follow: true,
        ..TailOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--server" => server = value()?,
            "--token" => token = Some(value()?),
            "--task" => options.task_id = value()?,
            "--after" => options.after_log_number = value()?,
            "--once" => options.follow = false,
            _ => {
                return Err(
                    "usage: tail_logs [--server URL] [--token TOKEN] [--task ID] [--after TL-…] [--once]"
                        .into(),
                )
            }
        }
    }
    let token = token.ok_or("set FNOSYNC_TOKEN or pass --token")?;
    Ok((server, token, options))
}

async fn tail(server: String, token: String, options: TailOptions) -> Result<(), String> {
    let client = FnosyncClient::connect(server, token)
        .await
        .map_err(|e| e.to_string())?;
    let mut logs = tail_logs(&client, options);
    while let Some(event) = logs.next().await {
        match event.map_err(|status| describe_status(&status))? {
            TailEvent::Log(log) => println!(
                "{} {} {} {}",
                log.log_number, log.task_id, log.name, log.salesforce_record_id
            ),
            TailEvent::Reconnecting {
                after_log_number,
                cause,
                delay,
            } => eprintln!(
                "stream broke ({}); resuming after {after_log_number:?} in {delay:?}",
                cause.message()
            ),
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let (server, token, options) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match tail(server, token, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
