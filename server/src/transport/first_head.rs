//! The first request head of a plain HTTP/1.1 connection, read here before hyper sees the
//! connection, so that a live stream (`GET …/events`) can be answered without hyper: its
//! connection keeps two 8 KiB buffers and the last response's headers for as long as it is
//! open, which for a stream is as long as the page is (docs/performance.md, third pass).
//!
//! Only a plain stream request is taken: `GET`, HTTP/1.1, one `Host`, no body and no framing
//! or upgrade headers, nothing sent after its head. Anything else, and anything this parser
//! does not like, goes to hyper untouched (the bytes read so far are replayed to it), so
//! every other request, bad or good, is handled exactly as before.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version, header};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::activity::Activity;

/// Most headers a stream request may have here; more go to hyper (which takes up to 100).
const MAX_HEADERS: usize = 64;

/// The read buffer's first size: a browser's stream request is well under 1 KiB. It grows
/// (doubling) up to the head limit only for a head that needs it, and is freed once the
/// head is handled.
const FIRST_READ: usize = 1024;

/// What the first request head turned out to be.
pub(super) enum FirstHead {
    /// The client closed, failed, or did not send a whole head within the header timeout
    /// (hyper would have closed it too, without an answer).
    Gone,
    /// Anything but a plain stream request: hyper serves the connection, reading these
    /// bytes first.
    Hyper(Vec<u8>),
    /// A plain stream request, and nothing after its head.
    Stream(Box<Request<Body>>),
}

/// Reads the first request head from `tcp`, until it is complete, `max_head` bytes are in
/// (hyper then answers `431` from the bytes it is given), the client closes, or `deadline`.
/// Never reads past what the client sent, and never panics on what it sent.
pub(super) async fn read(
    tcp: &mut TcpStream,
    max_head: usize,
    deadline: Instant,
    activity: &Activity,
) -> FirstHead {
    let mut buf = vec![0; FIRST_READ.min(max_head)];
    let mut len = 0;
    // Where the search for the blank line that ends the head goes on from.
    let mut scanned = 0;
    loop {
        if len == buf.len() {
            if len >= max_head {
                buf.truncate(len);
                return FirstHead::Hyper(buf);
            }
            buf.resize((len * 2).min(max_head), 0);
        }
        let n = match tokio::time::timeout_at(deadline, tcp.read(&mut buf[len..])).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) | Err(_) => return FirstHead::Gone,
        };
        if n == 0 {
            // Closed mid-head: hyper sees the same bytes and the same end.
            if len == 0 {
                return FirstHead::Gone;
            }
            buf.truncate(len);
            return FirstHead::Hyper(buf);
        }
        len += n;
        activity.touch();
        let found = ends_head(&buf[scanned..len]);
        // The blank line may straddle two reads.
        scanned = len.saturating_sub(3);
        if !found {
            continue;
        }
        match parse(&buf[..len]) {
            // Only blank lines before the request line so far (allowed, skipped): read on.
            Parsed::Partial => {}
            Parsed::Stream(request) => return FirstHead::Stream(request),
            Parsed::Other => {
                buf.truncate(len);
                return FirstHead::Hyper(buf);
            }
        }
    }
}

/// Whether `bytes` hold the blank line that ends a head (CRLF CRLF, or bare LFs, which
/// httparse and hyper accept too).
fn ends_head(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\n\n") || bytes.windows(3).any(|w| w == b"\n\r\n")
}

#[derive(Debug)]
enum Parsed {
    Partial,
    Stream(Box<Request<Body>>),
    Other,
}

/// `head` as a plain stream request, if it is one and is all there is.
fn parse(head: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(head) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Other,
    };
    // Pipelined bytes (another request, a body): hyper handles them as it always has.
    if head_len != head.len() || parsed.method != Some("GET") || parsed.version != Some(1) {
        return Parsed::Other;
    }
    let Some(target) = parsed.path else {
        return Parsed::Other;
    };
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    if !crate::routes::is_stream_path(path) {
        return Parsed::Other;
    }
    let Ok(uri) = target.parse::<Uri>() else {
        return Parsed::Other;
    };
    // Origin-form only ("/…"), as a browser or a proxy sends it.
    if uri.scheme().is_some() || uri.authority().is_some() {
        return Parsed::Other;
    }
    let Some(map) = header_map(parsed.headers) else {
        return Parsed::Other;
    };
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = map;
    Parsed::Stream(Box::new(request))
}

/// The headers as hyper would give them, or `None` for anything a stream request has no
/// business sending (a body, an upgrade, an expectation, a `Connection` other than
/// keep-alive, not exactly one `Host`) or that does not convert.
fn header_map(headers: &[httparse::Header<'_>]) -> Option<HeaderMap> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for h in headers {
        let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        if name == header::CONTENT_LENGTH
            || name == header::TRANSFER_ENCODING
            || name == header::EXPECT
            || name == header::UPGRADE
            || name == header::TE
            || name == header::TRAILER
        {
            return None;
        }
        if name == header::CONNECTION && !h.value.eq_ignore_ascii_case(b"keep-alive") {
            return None;
        }
        map.append(name, HeaderValue::from_bytes(h.value).ok()?);
    }
    (map.get_all(header::HOST).iter().count() == 1).then_some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "/api/v1/campaigns/a-campaign/events";

    fn stream_head(extra: &str) -> String {
        format!("GET {STREAM} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n{extra}\r\n")
    }

    fn is_stream(head: &[u8]) -> bool {
        matches!(parse(head), Parsed::Stream(_))
    }

    #[test]
    fn a_browsers_stream_request_is_taken_with_its_headers_and_query() {
        let head = format!(
            "GET {STREAM}?x=1 HTTP/1.1\r\nHost: pledge.example.org\r\nOrigin: https://a.example\r\nConnection: keep-alive\r\nX-Bytes: caf\u{e9}\r\n\r\n"
        );
        let Parsed::Stream(request) = parse(head.as_bytes()) else {
            panic!("taken")
        };
        assert_eq!(request.uri(), &format!("{STREAM}?x=1")[..]);
        assert_eq!(request.version(), Version::HTTP_11);
        assert_eq!(request.headers()["origin"], "https://a.example");
        assert_eq!(
            request.headers()["x-bytes"].as_bytes(),
            "caf\u{e9}".as_bytes()
        );
    }

    #[test]
    fn anything_unusual_goes_to_hyper() {
        for head in [
            stream_head("Content-Length: 0\r\n"),
            stream_head("Transfer-Encoding: chunked\r\n"),
            stream_head("Connection: close\r\n"),
            stream_head("Connection: upgrade\r\nUpgrade: websocket\r\n"),
            stream_head("Expect: 100-continue\r\n"),
            stream_head("Host: y\r\n"),
            stream_head("") + "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            format!("GET {STREAM} HTTP/1.1\r\nAccept: */*\r\n\r\n"),
            format!("GET {STREAM} HTTP/1.0\r\nHost: x\r\n\r\n"),
            format!("HEAD {STREAM} HTTP/1.1\r\nHost: x\r\n\r\n"),
            format!("GET http://x{STREAM} HTTP/1.1\r\nHost: x\r\n\r\n"),
            "GET /api/v1/campaigns/a/count HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
            "GET /api/v1/campaigns/a/b/events HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
            format!("GET {STREAM} HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"),
            format!("GET {STREAM} HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n"),
            (0..MAX_HEADERS).fold(format!("GET {STREAM} HTTP/1.1\r\nHost: x\r\n"), |h, i| {
                h + &format!("X-{i}: v\r\n")
            }) + "\r\n",
        ] {
            assert!(matches!(parse(head.as_bytes()), Parsed::Other), "{head:?}");
        }
        let mut bad_utf8 = format!("GET {STREAM}").into_bytes();
        bad_utf8.extend_from_slice(b"\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(matches!(parse(&bad_utf8), Parsed::Other));
    }

    #[test]
    fn a_head_is_complete_only_at_its_blank_line() {
        let head = stream_head("");
        assert!(is_stream(head.as_bytes()));
        assert!(matches!(
            parse(&head.as_bytes()[..head.len() - 2]),
            Parsed::Partial
        ));
        assert!(ends_head(head.as_bytes()));
        assert!(!ends_head(&head.as_bytes()[..head.len() - 1]));
        assert!(ends_head(
            format!("GET {STREAM} HTTP/1.1\nHost: x\n\n").as_bytes()
        ));
    }

    #[test]
    fn no_input_makes_the_parser_panic() {
        // Every prefix and a few corruptions of a real head, and raw noise.
        let head = stream_head("Origin: https://a.example\r\n").into_bytes();
        for end in 0..=head.len() {
            let _ = parse(&head[..end]);
            let _ = ends_head(&head[..end]);
            let mut corrupt = head.clone();
            corrupt[end.min(head.len() - 1)] = 0x80;
            let _ = parse(&corrupt);
        }
        let mut seed = 0x2545_f491_u32;
        for _ in 0..2000 {
            let noise: Vec<u8> = (0..64)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed.to_le_bytes()[0]
                })
                .collect();
            let _ = parse(&noise);
        }
    }
}
