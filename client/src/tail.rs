//! Tailing the transaction logs: [`tail_logs`] streams logs in order and,
//! when following, reopens a broken stream after the last log it yielded, so
//! that no log is lost or repeated. It reports reconnects; it prints nothing.

use std::pin::Pin;
use std::time::Duration;

use futures::Stream;
use tonic::{Code, Status, Streaming};

use crate::{proto, FnosyncClient};

/// What to tail and how to reconnect.
#[derive(Clone, Debug)]
pub struct TailOptions {
    /// Start after this log number, e.g. `TL-00042`; from the first log when empty.
    pub after_log_number: String,
    /// Only logs of this task ID; all when empty.
    pub task_id: String,
    /// Only logs with this status; all when `None`.
    pub status: Option<proto::TransactionStatus>,
    /// Only logs about this Salesforce record; all when empty.
    pub salesforce_record_id: String,
    /// Keep streaming new logs, reconnecting whenever the stream breaks.
    /// Without it the stream ends after the last stored log, and a broken
    /// stream ends with the error.
    pub follow: bool,
    /// Wait before the first reconnect; it doubles on each failed attempt
    /// and resets once a log arrives (default 1 s).
    pub reconnect_delay: Duration,
    /// Longest wait between reconnects (default 30 s).
    pub max_reconnect_delay: Duration,
}

impl Default for TailOptions {
    fn default() -> Self {
        Self {
            after_log_number: String::new(),
            task_id: String::new(),
            salesforce_record_id: String::new(),
            status: None,
            follow: false,
            reconnect_delay: Duration::from_secs(1),
            max_reconnect_delay: Duration::from_secs(30),
        }
    }
}

/// One item of [`tail_logs`].
// Events are handed out one at a time and never stored in bulk, so the size
// of a log is not worth a box on every event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum TailEvent {
    /// The next log, in order.
    Log(proto::TransactionLog),
    /// The stream broke; after `delay` it is reopened after `after_log_number`.
    Reconnecting {
        /// The last log yielded (empty when none was): the stream resumes after it.
        after_log_number: String,
        /// Why the stream broke.
        cause: Status,
        /// How long the tail waits before it reconnects.
        delay: Duration,
    },
}

/// The stream [`tail_logs`] returns. It ends with an error when the server
/// refuses the request itself (bad filter, bad token, too weak a role).
pub type LogStream = Pin<Box<dyn Stream<Item = Result<TailEvent, Status>> + Send>>;

enum Phase {
    Connect,
    Streaming(Box<Streaming<proto::TailTransactionLogsResponse>>),
    Wait(Duration),
    Done,
}

struct TailState {
    client: FnosyncClient,
    options: TailOptions,
    after: String,
    delay: Duration,
    phase: Phase,
}

/// Tells whether a broken tail is worth reopening: every code but those that
/// say the request itself is refused, which a new attempt would repeat.
fn is_reconnectable(status: &Status) -> bool {
    !matches!(
        status.code(),
        Code::InvalidArgument
            | Code::NotFound
            | Code::AlreadyExists
            | Code::PermissionDenied
            | Code::Unauthenticated
            | Code::FailedPrecondition
            | Code::OutOfRange
            | Code::Unimplemented
    )
}

impl TailState {
    fn request(&self) -> proto::TailTransactionLogsRequest {
        proto::TailTransactionLogsRequest {
            after_log_number: self.after.clone(),
            task_id: self.options.task_id.clone(),
            status: self.options.status.map_or(0, |status| status as i32),
            follow: self.options.follow,
            salesforce_record_id: self.options.salesforce_record_id.clone(),
        }
    }

    /// Decides what a break means: a reconnect when following, else the end.
    fn on_break(mut self, cause: Status) -> Option<(Result<TailEvent, Status>, Self)> {
        if !(self.options.follow && is_reconnectable(&cause)) {
            self.phase = Phase::Done;
            return Some((Err(cause), self));
        }
        let delay = self.delay;
        self.delay = (self.delay * 2).min(self.options.max_reconnect_delay);
        self.phase = Phase::Wait(delay);
        let event = TailEvent::Reconnecting {
            after_log_number: self.after.clone(),
            cause,
            delay,
        };
        Some((Ok(event), self))
    }

    async fn next_event(mut self) -> Option<(Result<TailEvent, Status>, Self)> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return None,
                Phase::Wait(delay) => {
                    tokio::time::sleep(delay).await;
                    self.phase = Phase::Connect;
                }
                Phase::Connect => {
                    let request = self.request();
                    match self.client.logs().tail_transaction_logs(request).await {
                        Ok(response) => {
                            self.phase = Phase::Streaming(Box::new(response.into_inner()))
                        }
                        Err(cause) => return self.on_break(cause),
                    }
                }
                Phase::Streaming(mut stream) => match stream.message().await {
                    Ok(Some(item)) => {
                        self.phase = Phase::Streaming(stream);
                        let Some(log) = item.transaction_log else {
                            continue;
                        };
                        self.after = log.log_number.clone();
                        self.delay = self.options.reconnect_delay;
                        return Some((Ok(TailEvent::Log(log)), self));
                    }
                    // A follow stream only ends when the server goes away.
                    Ok(None) if self.options.follow => {
                        return self.on_break(Status::unavailable("the server ended the stream"))
                    }
                    Ok(None) => return None,
                    Err(cause) => return self.on_break(cause),
                },
            }
        }
    }
}

/// Streams transaction logs in order per `options`. When following, a stream
/// that breaks (server restart, network failure) is reopened after the last
/// log yielded, with a [`TailEvent::Reconnecting`] in between, so the logs
/// seen are exactly the stored ones, once each.
///
/// ```no_run
/// # async fn demo(client: fnosync_client::FnosyncClient) {
/// use fnosync_client::{tail_logs, TailEvent, TailOptions};
/// use futures::StreamExt;
/// let options = TailOptions { follow: true, ..TailOptions::default() };
/// let mut logs = tail_logs(&client, options);
/// while let Some(Ok(TailEvent::Log(log))) = logs.next().await {
///     println!("{} {}", log.log_number, log.name);
/// }
/// # }
/// ```
pub fn tail_logs(client: &FnosyncClient, options: TailOptions) -> LogStream {
    let state = TailState {
        client: client.clone(),
        after: options.after_log_number.clone(),
        delay: options.reconnect_delay,
        options,
        phase: Phase::Connect,
    };
    Box::pin(futures::stream::unfold(state, TailState::next_event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_of_the_request_end_a_followed_tail() {
        assert!(is_reconnectable(&Status::unavailable("restarting")));
        assert!(is_reconnectable(&Status::unknown("connection reset")));
        assert!(is_reconnectable(&Status::internal("h2 protocol error")));
        assert!(!is_reconnectable(&Status::invalid_argument(
            "after_log_number"
        )));
        assert!(!is_reconnectable(&Status::unauthenticated("unknown token")));
        assert!(!is_reconnectable(&Status::permission_denied("viewer")));
    }
}
