//! Per-campaign CORS. A global CORS layer cannot know which partner sites each campaign
//! allows, so this middleware asks for the campaign like a handler does
//! ([`CampaignFromPath`]: 404 for unknown slugs, before any body is read) and answers
//! preflights itself.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::CampaignState;
use axum::extract::State;

use crate::error::ApiError;
use crate::extract::CampaignFromPath;
use crate::state::AppState;

/// Adds the campaign's CORS headers; answers preflights (`OPTIONS`) itself.
pub async fn campaign_cors(
    State(state): State<AppState>,
    campaign: Result<CampaignFromPath, ApiError>,
    req: Request,
    next: Next,
) -> Response {
    let campaign = match campaign {
        Ok(CampaignFromPath(c)) => c,
        Err(e) => return with_vary(e.into_response()),
    };
    let asked = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    if let Some(refused) = asked.filter(|o| !campaign.allows_origin(o)) {
        // For the console's partners view: a site that may want to be allowed.
        (state.console.refused_origins).record(campaign.campaign.id, refused);
    }
    let origin = asked.filter(|o| campaign.allows_origin(o)).map(|o| {
        if campaign.allows_any_origin() {
            HeaderValue::from_static("*")
        } else {
            // It came from a header, so it is a valid header value.
            HeaderValue::from_str(o).unwrap_or_else(|_| HeaderValue::from_static("null"))
        }
    });
    let mut response = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else if campaign.campaign.state == CampaignState::Archived {
        // Said here, with the CORS headers, so the widget can read why.
        ApiError::CampaignArchived.into_response()
    } else {
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
