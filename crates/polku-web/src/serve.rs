//! The HTTP/1.1 server loop: axum's router on hyper, with deadlines for slow clients.
//!
//! `axum::serve` gives hyper no timer, so hyper's header-read timeout never fires and a client that sends
//! a request line and then nothing (slowloris) holds its connection for ever. Here every connection gets
//! `client_timeout` for each request's headers (hyper closes the connection when it passes) and between
//! pieces of its body from the handler's first read (a stalled upload is answered 408 where a handler reads
//! the body itself, 400 by axum's extractors; like nginx's `client_body_timeout`), the
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

/// The error of a request body that stalled: no data for the client timeout. Handlers that read a body
/// themselves answer it with 408 (see [`stalled`]).
#[derive(Debug)]
pub struct Stalled;

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body stalled")
    }
}

impl std::error::Error for Stalled {}

/// Whether reading a body failed because it stalled (anywhere in the error's chain).
pub fn stalled(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if e.is::<Stalled>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// A request body that fails with [`Stalled`] when no data arrives for `idle`. The clock starts when the
/// handler first reads it (a handler may check permissions or wait for the database first) and restarts
/// with every piece.
struct IdleBody<B> {
    inner: B,
    idle: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> IdleBody<B> {
    fn new(inner: B, idle: Duration) -> Self {
        IdleBody { inner, idle, sleep: None }
    }
}

impl<B> Body for IdleBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let idle = this.idle;
        let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                sleep.as_mut().reset(tokio::time::Instant::now() + idle);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(Stalled)))),
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
            let answer =
                router.clone().oneshot(req.map(|inner| axum::body::Body::new(IdleBody::new(inner, client_timeout))));
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

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    type Frames = Pin<Box<dyn futures_util::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send>>;

    /// A body fed by the test through a channel.
    fn channel() -> (tokio::sync::mpsc::Sender<Bytes>, IdleBody<http_body_util::StreamBody<Frames>>) {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        let stream =
            futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok(Frame::data(b)), rx)) });
        (tx, IdleBody::new(http_body_util::StreamBody::new(Box::pin(stream)), Duration::from_secs(1)))
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_starts_at_the_first_read_and_restarts_with_every_piece() {
        let (tx, mut body) = channel();
        // The handler is busy for longer than the deadline before it reads: no harm done.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let feed = tokio::spawn(async move {
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(800)).await;
                tx.send(Bytes::from_static(b"x")).await.unwrap();
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(tx);
        });
        for _ in 0..3 {
            let frame = body.frame().await.expect("a piece").expect("in time");
            assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"x"));
        }
        let err = body.frame().await.expect("an error").expect_err("it stalled");
        assert!(stalled(err.as_ref()), "{err}");
        feed.abort();
    }
}
