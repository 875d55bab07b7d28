//! Per-campaign CORS. A global CORS layer cannot know which partner sites each campaign
//! allows, so this middleware resolves the campaign first (404 for unknown slugs, before
//! any body is read) and answers preflights itself.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Resolves `{slug}` into an `Arc<LiveCampaign>` request extension and adds CORS headers.
pub async fn campaign_cors(
    State(state): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
    mut req: Request,
    next: Next,
) -> Response {
    // A slug that is not even UTF-8 names no campaign; answer in the app's own shape.
    let Ok(Path(slug)) = slug else {
        return with_vary(ApiError::CampaignNotFound.into_response());
    };
    let campaign = match state.campaigns.get(&slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return with_vary(ApiError::CampaignNotFound.into_response()),
        Err(e) => return with_vary(ApiError::from(e).into_response()),
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| campaign.allows_origin(o))
        .map(|o| {
            if campaign.allows_any_origin() {
                HeaderValue::from_static("*")
            } else {
                // It came from a header, so it is a valid header value.
                HeaderValue::from_str(o).unwrap_or_else(|_| HeaderValue::from_static("null"))
            }
        });
    let mut response = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        req.extensions_mut().insert(campaign);
        next.run(req).await
    };
    let headers = response.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("etag, retry-after"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, idempotency-key, if-none-match"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    with_vary(response)
}

/// Responses differ by `Origin`, so shared caches must key on it.
fn with_vary(mut response: Response) -> Response {
    add_vary_origin(response.headers_mut());
    response
}

fn add_vary_origin(headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("origin"));
}
