//! Starts the one-time sync of one Salesforce account and follows it with
//! `WatchSyncRun` until it ends: exit code 0 when the run completed, 1 when it
//! did not, 2 on any error.
//!
//! ```text
//! export FNOSYNC_SERVER=http://127.0.0.1:50051 FNOSYNC_TOKEN=fns_…
//! cargo run -p fnosync-client --example sync_and_wait -- 001a500001xOYkQAAW
//! cargo run -p fnosync-client --example sync_and_wait -- --server URL --token TOKEN ACCOUNT_ID
//! ```

use std::process::ExitCode;

use fnosync_client::{describe_status, proto, FnosyncClient};

/// Server, token and account from the arguments, falling back to the environment.
struct Args {
    server: String,
    token: String,
    account_id: String,
}

fn parse_args() -> Result<Args, String> {
    let mut server = std::env::var("FNOSYNC_SERVER").unwrap_or("http://127.0.0.1:50051".into());
    let mut token = std::env::var("FNOSYNC_TOKEN").ok();
    let mut account_id = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => server = args.next().ok_or("--server needs a URL")?,
            "--token" => token = Some(args.next().ok_or("--token needs a value")?),
            _ => account_id = Some(arg),
        }
    }
    Ok(Args {
        server,
        token: token.ok_or("set FNOSYNC_TOKEN or pass --token")?,
        account_id: account_id
            .ok_or("usage: sync_and_wait [--server URL] [--token TOKEN] ACCOUNT_ID")?,
    })
}

async fn sync_and_wait(args: Args) -> Result<proto::SyncRun, String> {
    let client = FnosyncClient::connect(args.server, args.token)
        .await
        .map_err(|e| e.to_string())?;
    let run = client
        .sync()
        .sync_account(proto::SyncAccountRequest {
            account_id: args.account_id,
            ..Default::default()
        })
        .await
        .map_err(|status| describe_status(&status))?
        .into_inner()
        .run
        .ok_or("the server returned no run")?;
    println!("started run {}", run.run_id);
    let mut events = client
        .sync()
        .watch_sync_run(proto::WatchSyncRunRequest {
            run_id: run.run_id.clone(),
        })
        .await
        .map_err(|status| describe_status(&status))?
        .into_inner();
    let mut last = run;
    // The stream sends the run whenever it changes and ends when the run ends.
    while let Some(event) = events
        .message()
        .await
        .map_err(|status| describe_status(&status))?
    {
        let Some(run) = event.run else { continue };
        println!(
            "{}: {}/{} records, {} failed",
            run.run_id, run.records_done, run.records_total, run.records_failed
        );
        last = run;
    }
    Ok(last)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match sync_and_wait(args).await {
        Ok(run) => {
            let state = proto::SyncRunState::try_from(run.state)
                .map(|s| s.as_str_name())
                .unwrap_or("unknown");
            println!("run {} ended: {state} {}", run.run_id, run.message);
            let completed = run.state == proto::SyncRunState::Completed as i32;
            ExitCode::from(if completed { 0 } else { 1 })
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
