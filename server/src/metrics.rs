//! Prometheus metrics, written by hand in the text exposition format (version 0.0.4): a few
//! counters and one histogram need no metrics crate.
//!
//! Requests are counted by route *template* (`/api/v1/campaigns/{slug}/count`), so the
//! label set stays small whatever clients ask for; paths that match no route share
//! `route="unmatched"`. Signature posts are counted by result and, when refused, by the
//! error code (`rate_limited`, `proof_invalid`, ...). What the database holds (signed and
//! held signatures) is read at scrape time, so it is right after a restart, an approval or
//! a repair too.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ErrorCode;
use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route of signature posts, as the router names it.
const SIGNATURES_ROUTE: &str = "/api/v1/campaigns/{slug}/signatures";

/// Open connections of every listener in the process (the accept loop keeps it).
static OPEN_CONNECTIONS: AtomicI64 = AtomicI64::new(0);

/// Counts one open connection for as long as it lives.
#[derive(Debug)]
pub(crate) struct OpenConnection(());

impl OpenConnection {
    pub(crate) fn count() -> Self {
        OPEN_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        OPEN_CONNECTIONS.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
struct Histogram {
    /// Observations at or under each of `BUCKETS` (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Debug, Default)]
struct Counts {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → time to the response head.
    latency: BTreeMap<String, Histogram>,
    /// (result, reason) → signature posts.
    signature_posts: BTreeMap<(&'static str, &'static str), u64>,
}

/// The process's request metrics; one per `Application`, shared by its routers.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

/// What the scrape reads from elsewhere at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    pub sse_streams: usize,
    /// `None` when the database did not answer.
    pub database: Option<DatabaseGauges>,
}

#[derive(Debug, Clone, Copy)]
pub struct DatabaseGauges {
    pub signed: i64,
    pub held: i64,
    /// How long the scrape's queries took.
    pub query_time: Duration,
}

impl Metrics {
    fn record(
        &self,
        route: &str,
        method: &Method,
        status: StatusCode,
        error: Option<&'static str>,
        took: Duration,
    ) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *counts
            .requests
            .entry((
                route.to_owned(),
                method.as_str().to_owned(),
                status.as_u16(),
            ))
            .or_default() += 1;
        counts
            .latency
            .entry(route.to_owned())
            .or_default()
            .observe(took.as_secs_f64());
        if route == SIGNATURES_ROUTE && method == Method::POST {
            let key = match (status, error) {
                (StatusCode::CREATED, _) => ("accepted", ""),
                (StatusCode::OK, _) => ("already_signed", ""),
                (_, Some(code)) => ("refused", code),
                _ => ("refused", "other"),
            };
            *counts.signature_posts.entry(key).or_default() += 1;
        }
    }

    /// The exposition text.
    pub fn render(&self, gauges: Gauges) -> String {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::with_capacity(4096);
        header(
            &mut out,
            "pledge_build_info",
            "gauge",
            "The running version (always 1).",
        );
        let _ = writeln!(
            out,
            "pledge_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        header(
            &mut out,
            "pledge_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), n) in &counts.requests {
            let _ = writeln!(
                out,
                "pledge_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        header(
            &mut out,
            "pledge_http_request_duration_seconds",
            "histogram",
            "Time from request to response head, by route template (an SSE stream counts until its head).",
        );
        for (route, h) in &counts.latency {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "pledge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "pledge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "pledge_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "pledge_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        header(
            &mut out,
            "pledge_signature_posts_total",
            "counter",
            "Signature posts by result: accepted (201; held ones too, they are answered alike), already_signed (200), refused (by error code).",
        );
        for ((result, reason), n) in &counts.signature_posts {
            let _ = writeln!(
                out,
                "pledge_signature_posts_total{{result=\"{result}\",reason=\"{reason}\"}} {n}"
            );
        }
        drop(counts);
        header(
            &mut out,
            "pledge_sse_streams_open",
            "gauge",
            "Live-count streams (SSE) open now.",
        );
        let _ = writeln!(out, "pledge_sse_streams_open {}", gauges.sse_streams);
        header(
            &mut out,
            "pledge_connections_open",
            "gauge",
            "Client connections open now, over every listener of the process.",
        );
        let _ = writeln!(
            out,
            "pledge_connections_open {}",
            OPEN_CONNECTIONS.load(Ordering::Relaxed).max(0)
        );
        header(
            &mut out,
            "pledge_database_up",
            "gauge",
            "1 if the database answered this scrape's queries.",
        );
        let _ = writeln!(
            out,
            "pledge_database_up {}",
            u8::from(gauges.database.is_some())
        );
        if let Some(db) = gauges.database {
            header(
                &mut out,
                "pledge_database_query_seconds",
                "gauge",
                "How long this scrape's database queries took.",
            );
            let _ = writeln!(
                out,
                "pledge_database_query_seconds {}",
                db.query_time.as_secs_f64()
            );
            header(
                &mut out,
                "pledge_signatures",
                "gauge",
                "Signatures stored, by status: signed (counted) and held (waiting for review).",
            );
            let _ = writeln!(out, "pledge_signatures{{status=\"signed\"}} {}", db.signed);
            let _ = writeln!(out, "pledge_signatures{{status=\"held\"}} {}", db.held);
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values escape `\`, `"` and newlines.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts every answered request under its route template.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().clone();
    let response = next.run(request).await;
    let error = response.extensions().get::<ErrorCode>().map(|c| c.as_str());
    state
        .metrics
        .record(&route, &method, response.status(), error, started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_counts_and_buckets() {
        let m = Metrics::default();
        m.record(
            SIGNATURES_ROUTE,
            &Method::POST,
            StatusCode::CREATED,
            None,
            Duration::from_millis(3),
        );
        m.record(
            SIGNATURES_ROUTE,
            &Method::POST,
            StatusCode::TOO_MANY_REQUESTS,
            Some("rate_limited"),
            Duration::from_millis(30),
        );
        let text = m.render(Gauges::default());
        assert!(text.contains("pledge_http_requests_total{route=\"/api/v1/campaigns/{slug}/signatures\",method=\"POST\",status=\"201\"} 1"), "{text}");
        assert!(text.contains(
            "pledge_signature_posts_total{result=\"refused\",reason=\"rate_limited\"} 1"
        ));
        assert!(text.contains("pledge_http_request_duration_seconds_bucket{route=\"/api/v1/campaigns/{slug}/signatures\",le=\"0.005\"} 1"));
        assert!(text.contains("pledge_http_request_duration_seconds_bucket{route=\"/api/v1/campaigns/{slug}/signatures\",le=\"0.05\"} 2"));
        assert!(text.contains("pledge_database_up 0"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
