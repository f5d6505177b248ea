//! `tail_logs` against a scripted `TransactionLogService`: a followed tail
//! resumes after the last log it yielded, through broken, ended and refused
//! streams; an unfollowed tail and a refused request end with the error.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fnosync_client::proto::transaction_log_service_server::{
    TransactionLogService, TransactionLogServiceServer,
};
use fnosync_client::{proto, tail_logs, FnosyncClient, TailEvent, TailOptions};
use futures::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status};

type Item = Result<proto::TailTransactionLogsResponse, Status>;

/// What one call of `TailTransactionLogs` does.
enum Script {
    /// Refuses the call.
    Refuse(Status),
    /// Streams these logs, then ends with the error, or ends cleanly, or stays open.
    Stream(Vec<&'static str>, End),
}

enum End {
    Error(Status),
    Close,
    StayOpen,
}

#[derive(Clone, Default)]
struct ScriptedLogs {
    scripts: Arc<Mutex<VecDeque<Script>>>,
    requests: Arc<Mutex<Vec<proto::TailTransactionLogsRequest>>>,
}

fn log(number: &str) -> Item {
    Ok(proto::TailTransactionLogsResponse {
        transaction_log: Some(proto::TransactionLog {
            log_number: number.into(),
            ..Default::default()
        }),
    })
}

#[tonic::async_trait]
impl TransactionLogService for ScriptedLogs {
    async fn list_transaction_logs(
        &self,
        _: Request<proto::ListTransactionLogsRequest>,
    ) -> Result<Response<proto::ListTransactionLogsResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    async fn get_transaction_log(
        &self,
        _: Request<proto::GetTransactionLogRequest>,
    ) -> Result<Response<proto::GetTransactionLogResponse>, Status> {
        Err(Status::unimplemented("not scripted"))
    }

    type TailTransactionLogsStream = Pin<Box<dyn Stream<Item = Item> + Send>>;

    async fn tail_transaction_logs(
        &self,
        request: Request<proto::TailTransactionLogsRequest>,
    ) -> Result<Response<Self::TailTransactionLogsStream>, Status> {
        self.requests
            .lock()
            .expect("requests")
            .push(request.into_inner());
        let script = self.scripts.lock().expect("scripts").pop_front();
        let (numbers, end) = match script {
            None => return Err(Status::unavailable("script exhausted")),
            Some(Script::Refuse(status)) => return Err(status),
            Some(Script::Stream(numbers, end)) => (numbers, end),
        };
        let logs = futures::stream::iter(numbers.into_iter().map(log));
        let stream: Self::TailTransactionLogsStream = match end {
            End::Error(status) => Box::pin(logs.chain(futures::stream::iter([Err(status)]))),
            End::Close => Box::pin(logs),
            End::StayOpen => Box::pin(logs.chain(futures::stream::pending())),
        };
        Ok(Response::new(stream))
    }
}

async fn serve(scripts: Vec<Script>) -> (FnosyncClient, ScriptedLogs) {
    let service = ScriptedLogs::default();
    service.scripts.lock().expect("scripts").extend(scripts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tonic::transport::Server::builder()
        .add_service(TransactionLogServiceServer::new(service.clone()))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);
    let client = FnosyncClient::connect(format!("http://{addr}"), "token")
        .await
        .expect("connect");
    (client, service)
}

fn fast(follow: bool) -> TailOptions {
    TailOptions {
        task_id: "20261128161420".into(),
        follow,
        reconnect_delay: Duration::from_millis(5),
        max_reconnect_delay: Duration::from_millis(20),
        ..TailOptions::default()
    }
}

#[tokio::test]
async fn a_followed_tail_resumes_after_the_last_log_through_every_kind_of_break() {
    // Arrange
    let (client, service) = serve(vec![
        Script::Stream(
            vec!["TL-00001", "TL-00002"],
            End::Error(Status::unavailable("restarting")),
        ),
        Script::Stream(vec!["TL-00003"], End::Close),
        Script::Refuse(Status::unavailable("still down")),
        Script::Stream(vec!["TL-00004"], End::StayOpen),
    ])
    .await;

    // Act
    let mut events = tail_logs(&client, fast(true));
    let mut logs = Vec::new();
    let mut reconnects = Vec::new();
    while logs.len() < 4 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event in time")
            .expect("the stream goes on")
            .expect("no error");
        match event {
            TailEvent::Log(log) => logs.push(log.log_number),
            TailEvent::Reconnecting {
                after_log_number, ..
            } => reconnects.push(after_log_number),
        }
    }

    // Assert
    assert_eq!(logs, ["TL-00001", "TL-00002", "TL-00003", "TL-00004"]);
    assert_eq!(reconnects, ["TL-00002", "TL-00003", "TL-00003"]);
    let requests = service.requests.lock().expect("requests").clone();
    let afters: Vec<&str> = requests
        .iter()
        .map(|r| r.after_log_number.as_str())
        .collect();
    assert_eq!(afters, ["", "TL-00002", "TL-00003", "TL-00003"]);
    assert!(requests
        .iter()
        .all(|r| r.follow && r.task_id == "20261128161420"));
}

#[tokio::test]
async fn an_unfollowed_tail_ends_with_the_error_of_a_broken_stream() {
    let (client, service) = serve(vec![Script::Stream(
        vec!["TL-00001"],
        End::Error(Status::unavailable("restarting")),
    )])
    .await;

    let events: Vec<_> = tail_logs(&client, fast(false)).collect().await;

    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(&events[0], Ok(TailEvent::Log(log)) if log.log_number == "TL-00001"));
    let error = events[1].as_ref().expect_err("the break");
    assert_eq!(error.code(), Code::Unavailable);
    assert_eq!(service.requests.lock().expect("requests").len(), 1);
}

#[tokio::test]
async fn a_refused_request_ends_a_followed_tail_without_retrying() {
    let (client, service) = serve(vec![Script::Refuse(Status::invalid_argument(
        "after_log_number: not a log number",
    ))])
    .await;

    let events: Vec<_> = tail_logs(&client, fast(true)).collect().await;

    assert_eq!(events.len(), 1);
    let error = events[0].as_ref().expect_err("refused");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(service.requests.lock().expect("requests").len(), 1);
}
