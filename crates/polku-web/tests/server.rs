//! The HTTP server loop over a real TCP socket: a client that sends part of a request (its headers or its
//! body) and then nothing is cut off when the deadline passes (found in the security review: slow clients
//! held connections),
//! a whole request is answered with the client's address known, and shutdown lets an open request finish.

mod support;

use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start(
    t: &TestApp,
    deadline: Duration,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = t.router.clone();
    let server = tokio::spawn(async move {
        polku_web::serve::serve(listener, router, deadline, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, server)
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_whole_requests_answered() {
    let t = spawn_apps().await.remove(0);
    let (addr, stop, server) = start(&t, Duration::from_millis(500)).await;
    // Half a request line, then silence: the server closes the connection once the deadline passes.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was not closed");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // A whole request is answered.
    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    ok.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The public pages' rate limit keys on the connecting address (ConnectInfo is there).
    let mut login = tokio::net::TcpStream::connect(addr).await.unwrap();
    login.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut page = String::new();
    login.read_to_string(&mut page).await.unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    // Headers and part of a body, then silence: answered as a bad request once the deadline passes, not held.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /api/v1/surveys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    let request = format!("{head}Authorization: Bearer {}\r\nContent-Length: 100\r\n\r\n{{\"name\":", t.token);
    stalled.write_all(request.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = vec![0u8; 12];
    let read = tokio::time::timeout(Duration::from_secs(10), stalled.read_exact(&mut answer)).await;
    assert!(read.is_ok(), "no answer to a stalled body");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(answer.starts_with(b"HTTP/1.1 4"), "{}", String::from_utf8_lossy(&answer));
    // A batch upload that stalls is a timeout (408), not a body too large.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /api/v1/customers:batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    let request = format!("{head}Authorization: Bearer {}\r\nContent-Length: 100\r\n\r\n[{{\"external_id\":", t.token);
    stalled.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 12];
    let read = tokio::time::timeout(Duration::from_secs(10), stalled.read_exact(&mut answer)).await;
    assert!(read.is_ok(), "no answer to a stalled batch");
    assert_eq!(String::from_utf8_lossy(&answer), "HTTP/1.1 408");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.expect("shut down").unwrap();
}

/// A handler that panics (a bug) is answered with a 500, not a connection closed without a word, and the
/// server goes on serving.
#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_server_goes_on() {
    let router = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if std::hint::black_box(true) {
                    panic!("a bug");
                }
                "never"
            }),
        )
        .route("/fine", axum::routing::get(|| async { "fine" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        tokio::spawn(polku_web::serve::serve(listener, router, Duration::from_secs(5), std::future::pending()));
    for (path, status) in [("/boom", "HTTP/1.1 500"), ("/fine", "HTTP/1.1 200")] {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with(status), "{path}: {answer}");
    }
    server.abort();
}
