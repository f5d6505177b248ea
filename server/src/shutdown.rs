//! Ends open response streams when the server stops. A following stream
//! (`TailTransactionLogs`, `WatchSyncRun`, health `Watch`) would otherwise keep
//! its connection, and so the graceful shutdown, open for ever. Messages that
//! are ready still go out; a stream that is waiting ends with `UNAVAILABLE`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::Status;

/// The message of the status that ends a stream at shutdown. Clients that
/// follow a stream reconnect (to another replica) and resume from their last item.
pub const SHUTDOWN_MESSAGE: &str = "the server is shutting down; reconnect to resume";

/// Tower layer that ends every response stream once `closing` is cancelled.
#[derive(Clone)]
pub struct CloseStreamsLayer {
    closing: CancellationToken,
}

impl CloseStreamsLayer {
    /// Builds the layer; cancelling `closing` ends the streams.
    pub fn new(closing: CancellationToken) -> Self {
        Self { closing }
    }
}

impl<S> tower::Layer<S> for CloseStreamsLayer {
    type Service = CloseStreams<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CloseStreams {
            inner,
            closing: self.closing.clone(),
        }
    }
}

/// The service made by `CloseStreamsLayer`.
#[derive(Clone)]
pub struct CloseStreams<S> {
    inner: S,
    closing: CancellationToken,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> tower::Service<http::Request<B>> for CloseStreams<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let closing = self.closing.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| tonic::body::Body::new(ClosingBody::new(body, closing))))
        })
    }
}

/// A response body that ends with `UNAVAILABLE` trailers when it would
/// otherwise wait after `closing` fired.
struct ClosingBody {
    inner: tonic::body::Body,
    closing: CancellationToken,
    // Made on the first wait only: most bodies (unary answers) never wait.
    closed: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    ended: bool,
}

impl ClosingBody {
    fn new(inner: tonic::body::Body, closing: CancellationToken) -> Self {
        Self {
            inner,
            closing,
            closed: None,
            ended: false,
        }
    }
}

impl http_body::Body for ClosingBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            // After its trailers or an error the inner body says everything itself.
            let last = match &frame {
                Some(Ok(frame)) => frame.is_trailers(),
                _ => true,
            };
            this.ended = last;
            return Poll::Ready(frame);
        }
        let closing = &this.closing;
        let closed = this
            .closed
            .get_or_insert_with(|| Box::pin(closing.clone().cancelled_owned()));
        if closed.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.ended = true;
        Poll::Ready(Some(Ok(Frame::trailers(shutdown_trailers()))))
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The trailers of a stream ended by a shutdown.
fn shutdown_trailers() -> http::HeaderMap {
    let mut trailers = http::HeaderMap::new();
    Status::unavailable(SHUTDOWN_MESSAGE)
        .add_header(&mut trailers)
        .expect("a constant ASCII message always makes valid headers");
    trailers
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;

    fn poll_once(body: &mut ClosingBody) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        Pin::new(body).poll_frame(&mut cx)
    }

    /// A stream that never has a message ready, like a tail that follows.
    struct PendingBody;

    impl http_body::Body for PendingBody {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            Poll::Pending
        }
    }

    #[test]
    fn a_waiting_stream_ends_with_unavailable_once_closing() {
        let closing = CancellationToken::new();
        let mut body = ClosingBody::new(tonic::body::Body::new(PendingBody), closing.clone());
        assert!(poll_once(&mut body).is_pending());

        closing.cancel();
        let frame = match poll_once(&mut body) {
            Poll::Ready(Some(Ok(frame))) => frame,
            other => panic!("expected trailers, got {other:?}"),
        };

        let trailers = frame.into_trailers().expect("trailers");
        assert_eq!(trailers["grpc-status"], "14");
        assert!(matches!(poll_once(&mut body), Poll::Ready(None)));
        assert!(body.is_end_stream());
    }

    #[test]
    fn a_finished_body_is_not_given_extra_trailers() {
        let closing = CancellationToken::new();
        closing.cancel();
        let mut body = ClosingBody::new(tonic::body::Body::empty(), closing);
        assert!(matches!(poll_once(&mut body), Poll::Ready(None)));
    }
}
