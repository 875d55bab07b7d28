//! Writes a response to an HTTP/1.1 connection without hyper: the head as hyper writes it
//! (status line, the response's headers, `date`, the framing), then the body's frames as
//! they come. A live stream is written this way ([`StreamWriter`]) so that for as long as it
//! is open its connection holds a few hundred bytes instead of hyper's buffers; the other
//! answers to a stream request (`403`, `404`, `429`…) are written whole ([`write_whole`])
//! and the connection then goes on under hyper.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header, response};
use hyper::body::Body as _;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// A response head as hyper writes it: `HTTP/1.1`, the status, the headers (names in lower
/// case), `date`, then `framing`, then `connection: close` if `close`.
pub(super) fn head(parts: &response::Parts, framing: Framing, close: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(parts.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    put_headers(&mut out, &parts.headers);
    if !parts.headers.contains_key(header::DATE) {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(httpdate::fmt_http_date(SystemTime::now()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
        Framing::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(n.to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Framing::None => {}
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Every header but the framing ones, which [`head`] writes itself (as hyper replaces them).
fn put_headers(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        if name == header::CONTENT_LENGTH
            || name == header::TRANSFER_ENCODING
            || name == header::CONNECTION
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// How a body's end is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// `transfer-encoding: chunked`: a body whose length is not known (a stream).
    Chunked,
    /// `content-length`.
    Length(u64),
    /// No body at all (`204`, `304`).
    None,
}

/// Whether `parts` start a live stream (`200`, `text/event-stream`).
pub(super) fn is_event_stream(parts: &response::Parts) -> bool {
    parts.status == StatusCode::OK
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
}

/// Largest answer [`write_whole`] collects: the answers to a stream request are small JSON
/// errors; anything bigger is not one of them, and closes the connection.
const MAX_WHOLE: usize = 1 << 20;

/// Writes a (small) response whole, with its length. `close` adds `connection: close`.
pub(super) async fn write_whole<W: AsyncWrite + Unpin>(
    io: &mut W,
    parts: &response::Parts,
    body: Body,
    close: bool,
) -> io::Result<()> {
    let body = http_body_util::BodyExt::collect(http_body_util::Limited::new(body, MAX_WHOLE))
        .await
        .map_err(io::Error::other)?
        .to_bytes();
    let framing =
        if parts.status == StatusCode::NO_CONTENT || parts.status == StatusCode::NOT_MODIFIED {
            Framing::None
        } else {
            Framing::Length(body.len() as u64)
        };
    let mut out = head(parts, framing, close);
    if framing != Framing::None {
        out.extend_from_slice(&body);
    }
    io.write_all(&out).await?;
    io.flush().await
}

/// A live stream's response: writes `head`, then each data frame of `body` as a chunk as it
/// comes, then the last chunk, and shuts the connection's write side. Ends early (with the
/// stream, which frees its place under the stream caps) when the client closes the
/// connection. Bytes the client sends meanwhile are not read (as hyper, which keeps them for
/// a next request the `connection: close` here rules out), and neither then is its close.
pub(super) struct StreamWriter<IO> {
    io: IO,
    body: Body,
    out: Outgoing,
    /// The body has ended; `out` holds the last chunk.
    ended: bool,
    /// Still reading, to see the client close.
    watching: bool,
}

impl<IO> StreamWriter<IO> {
    pub(super) fn new(io: IO, head: Vec<u8>, body: Body) -> Self {
        Self {
            io,
            body,
            out: Outgoing::data(Bytes::from(head)),
            ended: false,
            watching: true,
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for StreamWriter<IO> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            while !this.out.is_empty() {
                let slices = this.out.slices();
                let n = ready!(Pin::new(&mut this.io).poll_write_vectored(cx, &slices))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                this.out.advance(n);
            }
            if this.ended {
                // Errors here only mean the client is already gone.
                let _ = ready!(Pin::new(&mut this.io).poll_shutdown(cx));
                return Poll::Ready(Ok(()));
            }
            if this.watching {
                let mut byte = [0u8; 1];
                let mut read = ReadBuf::new(&mut byte);
                match Pin::new(&mut this.io).poll_read(cx, &mut read) {
                    Poll::Ready(Ok(())) if read.filled().is_empty() => {
                        return Poll::Ready(Ok(()));
                    }
                    Poll::Ready(Ok(())) => this.watching = false,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            match ready!(Pin::new(&mut this.body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        this.out = Outgoing::chunk(data);
                    }
                }
                // Ended without its last chunk, so the client sees a broken stream (as
                // hyper does it).
                Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
                None => {
                    this.out = Outgoing::last_chunk();
                    this.ended = true;
                }
            }
        }
    }
}

/// What is still to be written of one chunk: its size line, its data, its CRLF.
struct Outgoing {
    line: [u8; 18],
    line_at: u8,
    line_end: u8,
    data: Bytes,
    tail: &'static [u8],
}

impl Outgoing {
    fn data(data: Bytes) -> Self {
        Self {
            line: [0; 18],
            line_at: 0,
            line_end: 0,
            data,
            tail: b"",
        }
    }

    fn chunk(data: Bytes) -> Self {
        // The size in hex, without an allocation per frame (there is one per viewer).
        let mut digits = [0u8; 16];
        let mut at = digits.len();
        let mut n = data.len();
        loop {
            at -= 1;
            digits[at] = b"0123456789abcdef"[n & 15];
            n >>= 4;
            if n == 0 {
                break;
            }
        }
        let mut out = Self::data(data);
        let size = digits.len() - at;
        out.line[..size].copy_from_slice(&digits[at..]);
        out.line[size..size + 2].copy_from_slice(b"\r\n");
        out.line_end = (size + 2) as u8;
        out.tail = b"\r\n";
        out
    }

    fn last_chunk() -> Self {
        Self::data(Bytes::from_static(b"0\r\n\r\n"))
    }

    fn is_empty(&self) -> bool {
        self.line_at == self.line_end && self.data.is_empty() && self.tail.is_empty()
    }

    fn slices(&self) -> [IoSlice<'_>; 3] {
        [
            IoSlice::new(&self.line[usize::from(self.line_at)..usize::from(self.line_end)]),
            IoSlice::new(&self.data),
            IoSlice::new(self.tail),
        ]
    }

    fn advance(&mut self, mut n: usize) {
        let line = usize::from(self.line_end - self.line_at).min(n);
        self.line_at += line as u8;
        n -= line;
        let data = self.data.len().min(n);
        let _ = self.data.split_to(data);
        n -= data;
        self.tail = &self.tail[n.min(self.tail.len())..];
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Response};
    use tokio::io::AsyncReadExt;

    use super::*;

    #[test]
    fn a_chunk_is_written_whole_however_the_writes_split_it() {
        let mut out = Outgoing::chunk(Bytes::from_static(b"event: count\n\n"));
        let mut written = Vec::new();
        while !out.is_empty() {
            let first = out.slices().iter().find(|s| !s.is_empty()).map(|s| s[0]);
            written.push(first.unwrap());
            out.advance(1);
        }
        assert_eq!(written, b"e\r\nevent: count\n\n\r\n");
    }

    #[test]
    fn a_chunks_size_line_is_its_length_in_hex() {
        for (len, line) in [
            (1, "1\r\n"),
            (0x1a2b, "1a2b\r\n"),
            (0x10_0000, "100000\r\n"),
        ] {
            let out = Outgoing::chunk(Bytes::from(vec![b'x'; len]));
            assert_eq!(&*out.slices()[0], line.as_bytes());
        }
    }

    #[test]
    fn the_head_carries_the_headers_a_date_and_the_framing() {
        let (mut parts, ()) = Response::new(()).into_parts();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        parts
            .headers
            .append("vary", HeaderValue::from_static("origin"));
        parts
            .headers
            .append("vary", HeaderValue::from_static("accept-encoding"));
        let text = String::from_utf8(head(&parts, Framing::Chunked, true)).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nvary: origin\r\nvary: accept-encoding\r\ndate: "), "{text}");
        assert!(
            text.ends_with(" GMT\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"),
            "{text}"
        );
        assert!(is_event_stream(&parts));
    }

    #[tokio::test]
    async fn a_stream_is_chunked_and_ends_with_the_last_chunk() {
        let (client, server) = tokio::io::duplex(1024);
        let body = Body::from_stream(futures_util::stream::iter([
            Ok::<_, std::convert::Infallible>(Bytes::from_static(b"retry: 1\n\n")),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(b":\n\n")),
        ]));
        StreamWriter::new(server, b"HEAD\r\n\r\n".to_vec(), body)
            .await
            .unwrap();
        let mut seen = String::new();
        let mut client = client;
        client.read_to_string(&mut seen).await.unwrap();
        assert_eq!(
            seen,
            "HEAD\r\n\r\na\r\nretry: 1\n\n\r\n3\r\n:\n\n\r\n0\r\n\r\n"
        );
    }

    #[tokio::test]
    async fn a_stream_ends_when_its_client_closes() {
        let (client, server) = tokio::io::duplex(1024);
        let writer = tokio::spawn(StreamWriter::new(
            server,
            b"HEAD\r\n\r\n".to_vec(),
            Body::from_stream(futures_util::stream::pending::<
                Result<Bytes, std::convert::Infallible>,
            >()),
        ));
        drop(client);
        tokio::time::timeout(std::time::Duration::from_secs(5), writer)
            .await
            .expect("the writer ends")
            .unwrap()
            .ok();
    }
}
