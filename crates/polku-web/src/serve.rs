//! The HTTP/1.1 server loop: axum's router on hyper, with deadlines for slow clients.
//!
//! `axum::serve` gives hyper no timer, so hyper's header-read timeout never fires and a client that sends
//! a request line and then nothing (slowloris) holds its connection for ever. Here every connection gets
//! `client_timeout` for each request's headers (hyper closes the connection when it passes) and between
//! pieces of its body (a stalled upload fails as a bad request, like nginx's `client_body_timeout`), the
//! client's address as `ConnectInfo` (as `into_make_service_with_connect_info` gave), and a graceful
//! shutdown: once `shutdown` completes, no new connections are accepted and those open get
//! `SHUTDOWN_GRACE` to finish their requests.

use axum::Router;
use axum::extract::ConnectInfo;
use axum::response::IntoResponse;
use futures_util::FutureExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::ServiceExt;

/// Production's deadline for a request's headers, and for each piece of its body.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open requests may run on after shutdown begins (a long export is cut there).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// A request body that fails when no data arrives for `idle`.
struct IdleBody {
    inner: Incoming,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Body for IdleBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let next = tokio::time::Instant::now() + this.idle;
                this.sleep.as_mut().reset(next);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err("the request body stalled".into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections finish (for at most
/// `SHUTDOWN_GRACE`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    client_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let sleep = Box::pin(tokio::time::sleep(client_timeout));
            let answer = router
                .clone()
                .oneshot(req.map(|inner| axum::body::Body::new(IdleBody { inner, idle: client_timeout, sleep })));
            // A panic in a handler is a bug: answered as a 500 (the panic hook of `polku` logs it once),
            // not a connection that closes without a word (the API fuzzer saw that as a network error).
            async move {
                match std::panic::AssertUnwindSafe(answer).catch_unwind().await {
                    Ok(answer) => answer,
                    Err(_) => {
                        tracing::debug!(%peer, "answered a panicked request with 500");
                        Ok(axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response())
                    }
                }
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(client_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still open after {SHUTDOWN_GRACE:?} of shutdown were cut off");
    }
    Ok(())
}
