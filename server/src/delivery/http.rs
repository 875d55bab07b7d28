//! The outbound HTTP client of deliveries (hyper with rustls: ring, and the system's root
//! certificates): a timeout on every request (connect, and the whole exchange), no
//! redirect ever followed (a 3xx is a failure that names where it pointed), and at most
//! [`MAX_ANSWER_BYTES`] of an answer read.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// How much of an answer is read: enough for an OSDI resource or an error message.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The client and its timeouts; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Sender {
    /// `connect_timeout` for the TCP connection; `timeout` for the whole request, from
    /// connecting to the end of the (bounded) answer.
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            // Plain http to loopback still works; every https delivery fails with a
            // certificate error naming the problem, and is retried once roots exist.
            tracing::warn!(
                errors = native.errors.len(),
                "no system root certificates found (install ca-certificates): https deliveries will fail"
            );
        }
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .unwrap_or_else(|_| unreachable!("ring supports the default protocol versions"));
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Self { client, timeout }
    }

    /// POSTs `body` as JSON to `url` with `headers`, and reads a bounded answer.
    pub async fn post_json(&self, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
        let mut request = Request::post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                USER_AGENT,
                HeaderValue::from_static(concat!(
                    "pledge-server/",
                    env!("CARGO_PKG_VERSION"),
                    " (deliveries)"
                )),
            );
        for (name, value) in headers {
            let (Ok(name), Ok(value)) =
                (HeaderName::try_from(*name), HeaderValue::try_from(*value))
            else {
                return Answer::Failed {
                    error: format!("header {name} cannot be sent"),
                    maybe_sent: false,
                };
            };
            request = request.header(name, value);
        }
        let request = match request.body(Full::new(Bytes::from(body))) {
            Ok(r) => r,
            Err(e) => {
                return Answer::Failed {
                    error: format!("bad request to {url}: {e}"),
                    maybe_sent: false,
                };
            }
        };
        match tokio::time::timeout(self.timeout, self.exchange(request)).await {
            Ok(answer) => answer,
            Err(_) => Answer::Failed {
                error: format!("no answer within {} ms", self.timeout.as_millis()),
                maybe_sent: true,
            },
        }
    }

    async fn exchange(&self, request: Request<Full<Bytes>>) -> Answer {
        let response = match self.client.request(request).await {
            Ok(r) => r,
            Err(e) => {
                return Answer::Failed {
                    maybe_sent: !e.is_connect(),
                    error: describe(&e),
                };
            }
        };
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect());
        let mut incoming = response.into_body();
        let mut body = Vec::new();
        while body.len() < MAX_ANSWER_BYTES {
            match incoming.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        let room = MAX_ANSWER_BYTES - body.len();
                        body.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
                None => break,
                // The status came, so the receiver got the request; a broken-off answer
                // is judged by its status.
                Some(Err(_)) => break,
            }
        }
        Answer::Http {
            status,
            body,
            location,
        }
    }
}

/// What came back from one request.
#[derive(Debug)]
pub enum Answer {
    /// The status and up to [`MAX_ANSWER_BYTES`] of the body.
    Http {
        status: StatusCode,
        body: Vec<u8>,
        location: Option<String>,
    },
    /// No answer. `maybe_sent`: the request may have reached the receiver (a timeout, a
    /// connection lost after sending), as opposed to a connection never made.
    Failed { error: String, maybe_sent: bool },
}

/// The error and its causes on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Up to 200 characters of an answer's body, for `last_error` (control characters out).
pub fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}
