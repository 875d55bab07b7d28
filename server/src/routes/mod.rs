//! The HTTP surface: `app` builds the main router, `partner_site` the demo's second origin.

mod assets;
mod campaigns;
mod embed;
mod signatures;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::cors::campaign_cors;
use crate::error::ApiError;
use crate::extract::BODY_LIMIT;
use crate::startup::AppState;

pub use assets::{content_type_for, widget_file_names};

/// The whole application: API v1, widget assets under `/widget/`, demo pages at `/`.
pub fn app(state: AppState) -> Router {
    let no_content = || async { StatusCode::NO_CONTENT };
    let campaign_routes = Router::new()
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
            get(campaigns::events).options(no_content),
        )
        .route(
            "/campaigns/{slug}/challenge",
            get(campaigns::challenge).options(no_content),
        )
        .route(
            "/campaigns/{slug}/signatures",
            axum::routing::post(signatures::create).options(no_content),
        )
        .route_layer(from_fn_with_state(state.clone(), campaign_cors));
    let router = Router::new()
        .nest("/api/v1", campaign_routes)
        .route("/widget/{*path}", get(assets::widget))
        .route("/embed/{campaign}", get(embed::page))
        .fallback(assets::page_or_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(map_response(security_headers));
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

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// One INFO line per request: method and URI on the span, status and latency on the
/// event. Headers and bodies are never recorded, so no email or name reaches the logs.
fn traced(router: Router<AppState>) -> Router<AppState> {
    router.layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_request(())
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
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
