//! Following a run with `WatchSyncRun`: a live progress bar on a terminal
//! (records, failures, rate, ETA), plain lines on stderr otherwise, nothing
//! extra in JSON; then the final run on stdout.

use std::io::IsTerminal;
use std::time::Duration;

use fnosync_client::proto;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::exit::{self, Failure};
use crate::sync::{exit_code_of, print_run, state_name};
use crate::Context;

const BAR_TEMPLATE_COLOR: &str =
    "{spinner:.cyan} {prefix} {bar:30.cyan/blue} {pos}/{len} records · {msg} · {per_sec} · ETA {eta}";
const BAR_TEMPLATE_PLAIN: &str =
    "{spinner} {prefix} {bar:30} {pos}/{len} records · {msg} · {per_sec} · ETA {eta}";

/// How progress is shown while a run goes on.
enum View {
    Bar(ProgressBar),
    Lines { last: String },
    Quiet,
}

impl View {
    fn choose(ctx: &Context, run_id: &str) -> Self {
        if ctx.printer.is_json() {
            return View::Quiet;
        }
        if !(std::io::stdout().is_terminal() && std::io::stderr().is_terminal()) {
            return View::Lines {
                last: String::new(),
            };
        }
        let template = if ctx.printer.colored() {
            BAR_TEMPLATE_COLOR
        } else {
            BAR_TEMPLATE_PLAIN
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(run_id.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        View::Bar(bar)
    }

    fn update(&mut self, run: &proto::SyncRun) {
        let done = u64::try_from(run.records_done).unwrap_or(0);
        let total = u64::try_from(run.records_total).unwrap_or(0).max(done);
        match self {
            View::Bar(bar) => {
                // The total is unknown (0) until the run has counted its records.
                if total == 0 {
                    bar.unset_length();
                } else {
                    bar.set_length(total);
                }
                bar.set_position(done);
                bar.set_message(format!(
                    "{} failed · {}",
                    run.records_failed,
                    state_name(run)
                ));
            }
            View::Lines { last } => {
                let line = format!(
                    "{}: {} {}/{} records, {} failed",
                    run.run_id,
                    state_name(run),
                    run.records_done,
                    run.records_total,
                    run.records_failed
                );
                if *last != line {
                    eprintln!("{line}");
                    *last = line;
                }
            }
            View::Quiet => {}
        }
    }

    fn finish(self) {
        if let View::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Follows a run until it ends, then prints it; 0 when it completed, 1 otherwise.
pub async fn watch(ctx: &Context, run_id: &str) -> Result<u8, Failure> {
    let request = proto::WatchSyncRunRequest {
        run_id: run_id.into(),
    };
    let mut events = ctx
        .client
        .sync()
        .watch_sync_run(request)
        .await?
        .into_inner();
    let mut view = View::choose(ctx, run_id);
    let mut last = None;
    let ended = loop {
        match events.message().await {
            Ok(Some(event)) => {
                if let Some(run) = event.run {
                    view.update(&run);
                    last = Some(run);
                }
            }
            Ok(None) => break Ok(()),
            Err(status) => break Err(status),
        }
    };
    view.finish();
    ended?;
    let last = last.ok_or_else(|| Failure {
        code: exit::SERVER_ERROR,
        message: format!("the server sent no progress for run {run_id}"),
    })?;
    print_run(ctx, &last);
    Ok(exit_code_of(&last))
}
