//! CORS for the API. The public, read-only routes (campaign document, count, events, signers)
//! answer any origin, errors included, so a widget on any page can tell "unknown campaign" from
//! "no answer". The signing routes (challenge, signatures) keep the campaign's allow-list: a
//! global CORS layer cannot know which partner sites each campaign allows, so that middleware
//! asks for the campaign like a handler does ([`CampaignFromPath`]: 404 for unknown slugs,
//! before any body is read) and answers preflights itself.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::CampaignFromPath;
use crate::state::AppState;

/// Headers a cross-origin page may read from an answer.
fn exposed() -> HeaderValue {
    HeaderValue::from_static("etag, retry-after")
}

/// The read routes: `Access-Control-Allow-Origin: *` on every answer (no credentials are ever
/// allowed, so `*` is the whole truth and needs no `Vary: Origin`), and preflights answered
/// here. A route whose answer depends on `Origin` (the campaign document's `can_sign_here`)
/// says `Vary: Origin` itself.
pub async fn public_cors(req: Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let mut response = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed());
    if preflight {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("if-none-match, last-event-id"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    response
}

/// The signing routes: the campaign's CORS headers for an allowed origin, none for others;
/// answers preflights (`OPTIONS`) itself. An unknown campaign's `404` and an archived one's
/// `410` are readable by any origin, like the read routes' (they tell nothing about any
/// campaign's allow-list).
pub async fn campaign_cors(
    State(state): State<AppState>,
    campaign: Result<CampaignFromPath, ApiError>,
    req: Request,
    next: Next,
) -> Response {
    let campaign = match campaign {
        Ok(CampaignFromPath(c)) => c,
        Err(e) => {
            let mut response = e.into_response();
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            return response;
        }
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
    } else {
        next.run(req).await
    };
    let headers = response.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed());
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
    // Responses differ by `Origin`, so shared caches must key on it.
    add_vary_origin(headers);
    response
}

/// `Vary: Origin`, added to whatever the response already varies on.
pub fn add_vary_origin(headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("origin"));
}

/// `404 not_found` for any other path under `/api/`, readable by any origin: a widget whose
/// `endpoint` misses the version (`…/api` for `…/api/v1`) hears that the path is wrong
/// instead of a CORS failure it would have to read as "no answer".
pub async fn api_not_found() -> Response {
    let mut response = ApiError::NotFound.into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
