//! The HTTP surface: `app` builds the main router (what `serve` publishes), `app_with` the
//! same with the demo pages or without `/metrics`, `ops_site` the separate metrics
//! listener, `partner_site` the demo's second origin.

mod assets;
mod campaigns;
mod embed;
mod events;
mod ops;
mod signatures;
mod signers;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::cors::{api_not_found, campaign_cors, public_cors};
use crate::error::ApiError;
use crate::extract::BODY_LIMIT;
use crate::state::AppState;

pub use assets::{content_type_for, widget_file_names};
pub use events::is_stream_path;

/// What a router publishes besides the API, the widget, `/embed/`, `/healthz` and `/readyz`.
#[derive(Debug, Clone, Copy)]
pub struct Surface {
    /// The `www/` pages at `/` (`demo` only: in production they would show a campaign
    /// that does not exist there).
    pub demo_pages: bool,
    /// `/metrics` (off when it has a listener of its own).
    pub metrics: bool,
}

/// What `serve` publishes: the API v1, widget assets under `/widget/`, `/embed/`, health
/// and metrics. No demo pages.
pub fn app(state: AppState) -> Router {
    app_with(
        state,
        Surface {
            demo_pages: false,
            metrics: true,
        },
    )
}

/// The main router with a chosen [`Surface`].
pub fn app_with(state: AppState, surface: Surface) -> Router {
    let no_content = || async { StatusCode::NO_CONTENT };
    // Public, read-only: any origin may read them (crate::cors::public_cors).
    let read_routes = Router::new()
        .route(
            "/campaigns/{slug}",
            get(campaigns::info).options(no_content),
        )
        .route(
            "/campaigns/{slug}/count",
            get(campaigns::count).options(no_content),
        )
        .route(
            "/campaigns/{slug}/events",
            get(events::stream).options(no_content),
        )
        .route(
            "/campaigns/{slug}/signers",
            get(signers::list).options(no_content),
        )
        .route_layer(from_fn(public_cors));
    // Signing: the campaign's allowed origins only.
    let sign_routes = Router::new()
        .route(
            "/campaigns/{slug}/challenge",
            get(campaigns::challenge).options(no_content),
        )
        .route(
            "/campaigns/{slug}/signatures",
            axum::routing::post(signatures::create).options(no_content),
        )
        .route_layer(from_fn_with_state(state.clone(), campaign_cors));
    let campaign_routes = read_routes.merge(sign_routes).layer(api_compression());
    let mut router = Router::new()
        .nest("/api/v1", campaign_routes)
        .route("/api/{*path}", any(api_not_found))
        .route("/widget/{*path}", get(assets::widget))
        .route("/embed/{campaign}", get(embed::page))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .merge(crate::console::router(state.clone()))
        .merge(crate::email::pages::router());
    if surface.metrics {
        router = router.route("/metrics", get(ops::metrics));
    }
    router = if surface.demo_pages {
        router.fallback(assets::page_or_not_found)
    } else {
        router.fallback(not_found)
    };
    let router = router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(map_response(security_headers))
        .layer(from_fn_with_state(state.clone(), crate::metrics::track));
    traced(router).with_state(state)
}

/// The metrics listener (`serve --metrics-addr`): `/metrics`, `/healthz`, `/readyz`.
pub fn ops_site(state: AppState) -> Router {
    let router = Router::new()
        .route("/metrics", get(ops::metrics))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    traced(router).with_state(state)
}

/// The demo's "partner site": only the `www/` pages, on another origin.
pub fn partner_site(state: AppState) -> Router {
    let router = Router::new()
        .fallback(assets::page_or_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(map_response(security_headers));
    traced(router).with_state(state)
}

/// gzip for API answers big enough to gain from it (the campaign document, about 1.6 KB, goes
/// out in about 0.7), when the client accepts it. The live-count stream never is: a compressor
/// would hold each small event in its buffer. Widget files are precompressed (`assets.rs`).
fn api_compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(SizeAbove::new(512).and(NotForContentType::SSE))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// A request's id: on its span (so on every log line it causes) and in the `X-Request-Id`
/// response header. A well-formed `X-Request-Id` from the client or proxy (nginx's
/// `$request_id`) is kept so both logs tell of one request by one id.
#[derive(Debug, Clone)]
struct RequestId(HeaderValue);

const REQUEST_ID: &str = "x-request-id";

async fn request_id(mut request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            (1..=64).contains(&b.len())
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        })
        .cloned();
    let id = given.unwrap_or_else(|| {
        HeaderValue::from_str(&format!("{:016x}", fastrand::u64(..)))
            .unwrap_or_else(|_| HeaderValue::from_static("0"))
    });
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// One INFO line per request: request id, method and path (never the query string, which
/// can carry an email) on the span, status and latency on the event. Headers and bodies
/// are never recorded, so no email or name reaches the logs.
fn traced(router: Router<AppState>) -> Router<AppState> {
    router
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|r| r.0.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        id = %id,
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(from_fn(request_id))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    response.into_response()
}
