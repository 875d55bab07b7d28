//! The live stream over plain HTTP/1.1, written without hyper (`transport::first_head`,
//! `transport::response_writer`): what a stream request gets, what every other head gets
//! (hyper, as before), and hostile heads, on raw sockets against a real server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pledge_server::transport::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::helpers::{SLUG, TIMEOUT, TestApp, signature, spawn_app, spawn_app_with};

const EVENTS: &str = "/api/v1/campaigns/test-pledge/events";

fn host(app: &TestApp) -> &str {
    app.address.strip_prefix("http://").unwrap()
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(host(app)).await.unwrap()
}

/// Sends `bytes` (a failed write is fine: the server may answer and close first) and
/// reads until `needle` is in what came back, or the server closed, or `TIMEOUT`.
async fn send_and_read_until(stream: &mut TcpStream, bytes: &[u8], needle: &str) -> String {
    let _ = stream.write_all(bytes).await;
    read_until(stream, needle).await
}

async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let _ = timeout(TIMEOUT, async {
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains(needle) {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&seen).into_owned()
}

fn stream_head(extra: &str) -> String {
    format!("GET {EVENTS} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n{extra}\r\n")
}

/// The head of an answer, lower-cased.
fn head_of(answer: &str) -> String {
    answer
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .to_ascii_lowercase()
}

/// A stream written by hand says `connection: close` (hyper's streams do not).
fn by_hand(answer: &str) -> bool {
    let head = head_of(answer);
    head.contains("\r\ncontent-type: text/event-stream") && head.contains("\r\nconnection: close")
}

#[tokio::test]
async fn a_browsers_stream_gets_every_header_and_each_count_as_a_chunk() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let head = stream_head(
        "Origin: https://anywhere.example\r\nConnection: keep-alive\r\nX-Request-Id: stream-req-1\r\n",
    );
    let seen = send_and_read_until(&mut stream, head.as_bytes(), "data: {\"count\":0}").await;
    let answer_head = head_of(&seen);
    assert!(answer_head.starts_with("http/1.1 200 ok\r\n"), "{seen:?}");
    for line in [
        "content-type: text/event-stream",
        "cache-control: no-cache",
        "x-accel-buffering: no",
        "access-control-allow-origin: *",
        "x-request-id: stream-req-1",
        "x-content-type-options: nosniff",
        "transfer-encoding: chunked",
        "connection: close",
        "\r\ndate: ",
    ] {
        assert!(answer_head.contains(line), "{line:?} in {answer_head:?}");
    }
    // Chunked: the size line, then the frame.
    let body = seen.split_once("\r\n\r\n").unwrap().1;
    assert!(body.contains("\r\nretry: "), "{body:?}");
    assert!(
        body.contains("\r\nevent: count\ndata: {\"count\":0}\n\n\r\n"),
        "{body:?}"
    );

    assert_eq!(
        app.post_signature("key-stream-01", &signature("s1@example.org"))
            .await
            .status(),
        201
    );
    let more = read_until(&mut stream, "data: {\"count\":1}").await;
    assert!(
        more.contains("event: count\ndata: {\"count\":1}\n\n\r\n"),
        "{more:?}"
    );
}

#[tokio::test]
async fn other_answers_to_a_stream_request_are_whole_and_the_connection_goes_on() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let unknown = "GET /api/v1/campaigns/no-such-campaign/events HTTP/1.1\r\nHost: x\r\n\r\n";
    let seen = send_and_read_until(&mut stream, unknown.as_bytes(), "}").await;
    let head = head_of(&seen);
    assert!(head.starts_with("http/1.1 404 not found\r\n"), "{seen:?}");
    let length: usize = head
        .split("\r\ncontent-length: ")
        .nth(1)
        .and_then(|rest| rest.split("\r\n").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("content-length in {head:?}"));
    let body = seen.split_once("\r\n\r\n").unwrap().1;
    assert_eq!(body.len(), length);
    assert!(body.contains("\"campaign_not_found\""), "{body:?}");
    assert!(!head.contains("connection: close"), "kept alive: {seen:?}");

    // The same connection serves the next request (hyper has it now).
    let count = format!("GET /api/v1/campaigns/{SLUG}/count HTTP/1.1\r\nHost: x\r\n\r\n");
    let next = send_and_read_until(&mut stream, count.as_bytes(), "\"goal\"").await;
    assert!(next.starts_with("HTTP/1.1 200 OK\r\n"), "{next:?}");
}

#[tokio::test]
async fn hostile_heads_get_what_hyper_gives_them() {
    let app = spawn_app().await;
    let many = (0..80).fold(String::new(), |h, i| h + &format!("X-{i}: v\r\n"));
    let too_many = (0..120).fold(String::new(), |h, i| h + &format!("X-{i}: v\r\n"));
    let cases: Vec<(Vec<u8>, &str, bool)> = vec![
        // Over the 16 KiB head limit: 431, as before.
        (
            stream_head(&format!("X-Big: {}\r\n", "a".repeat(20 * 1024))).into_bytes(),
            "HTTP/1.1 431",
            false,
        ),
        // More headers than the parser here takes, fewer than hyper's 100: hyper's stream.
        (stream_head(&many).into_bytes(), "HTTP/1.1 200", false),
        (stream_head(&too_many).into_bytes(), "HTTP/1.1 431", false),
        // Another request pipelined after the head: hyper, which answers both in order.
        (
            (stream_head("") + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
            "HTTP/1.1 200",
            false,
        ),
        // A body or body framing on a stream request: hyper.
        (
            (stream_head("Content-Length: 5\r\n") + "hello").into_bytes(),
            "HTTP/1.1 200",
            false,
        ),
        (
            (stream_head("Transfer-Encoding: chunked\r\n") + "0\r\n\r\n").into_bytes(),
            "HTTP/1.1 200",
            false,
        ),
        // No Host: hyper.
        (
            format!("GET {EVENTS} HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n").into_bytes(),
            "HTTP/1.1 200",
            false,
        ),
        // Bad UTF-8 in the request line: hyper's 400.
        (
            [
                format!("GET {EVENTS}").as_bytes(),
                b"\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
            ]
            .concat(),
            "HTTP/1.1 400",
            false,
        ),
        // Bare LFs: accepted by both parsers.
        (
            format!("GET {EVENTS} HTTP/1.1\nHost: x\n\n").into_bytes(),
            "HTTP/1.1 200",
            true,
        ),
        // Garbage: hyper's 400.
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(),
            "HTTP/1.1 400",
            false,
        ),
    ];
    for (bytes, status, written_by_hand) in cases {
        let mut stream = connect(&app).await;
        let seen = send_and_read_until(&mut stream, &bytes, "\r\n\r\n").await;
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned();
        assert!(seen.starts_with(status), "{shown:?} got {seen:?}");
        assert_eq!(by_hand(&seen), written_by_hand, "{shown:?} got {seen:?}");
    }
    // The server took all that and still answers.
    assert_eq!(app.count().await, 0);
}

#[tokio::test]
async fn a_header_value_with_bytes_that_are_not_utf8_is_a_stream_like_any() {
    let app = spawn_app().await;
    let mut bytes = stream_head("").into_bytes();
    let end = bytes.len() - 2;
    bytes.splice(end..end, b"X-Name: caf\xe9\r\n".iter().copied());
    let mut stream = connect(&app).await;
    let seen = send_and_read_until(&mut stream, &bytes, "data: {\"count\":0}").await;
    assert!(seen.starts_with("HTTP/1.1 200 OK\r\n"), "{seen:?}");
    assert!(by_hand(&seen), "{seen:?}");
}

#[tokio::test]
async fn a_slow_stream_request_is_cut_off_at_the_header_timeout() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| {
        s.limits = Limits {
            header_read_timeout: Duration::from_secs(1),
            ..Limits::default()
        }
    })
    .await;
    let started = Instant::now();
    let mut stream = connect(&app).await;
    // Half a stream head, a byte at a time, then nothing.
    for byte in format!("GET {EVENTS} HTTP/1.1\r\nHost: x\r\n")
        .bytes()
        .take(40)
    {
        stream.write_all(&[byte]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut rest = Vec::new();
    timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("closed")
        .ok();
    let waited = started.elapsed();
    assert!(rest.is_empty(), "no answer: {rest:?}");
    assert!(
        (Duration::from_millis(900)..Duration::from_millis(2500)).contains(&waited),
        "closed after {waited:?}, the head timeout being 1 s"
    );
}

/// Opens a stream, retrying while the client's one place is still taken (`429`).
async fn open_stream_within(app: &TestApp, within: Duration) -> TcpStream {
    let deadline = Instant::now() + within;
    loop {
        let mut stream = connect(app).await;
        let seen = send_and_read_until(&mut stream, stream_head("").as_bytes(), "\r\n\r\n").await;
        if seen.starts_with("HTTP/1.1 200") {
            return stream;
        }
        assert!(seen.starts_with("HTTP/1.1 429"), "{seen:?}");
        assert!(Instant::now() < deadline, "the place was not given back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_closed_stream_gives_its_place_back_at_once() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| s.abuse.max_streams_per_client = 1).await;
    let mut open = open_stream_within(&app, Duration::ZERO).await;
    for _ in 0..3 {
        drop(open);
        // The server sees the close without writing anything (the next keep-alive is 15 s
        // away), so the one place is free again soon after.
        open = open_stream_within(&app, Duration::from_secs(2)).await;
    }
}
