//! Extractors that turn request parts into domain values or the app's own `ApiError`,
//! so axum's plain-text rejections never reach a client.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

use crate::domain::IdempotencyKey;
use crate::error::ApiError;
use crate::live::LiveCampaign;
use crate::state::AppState;
use crate::transport::BodyDeadlineExceeded;

/// Request bodies above this are refused with 413 (docs/api.md).
pub const BODY_LIMIT: usize = 16 * 1024;

/// The campaign named by the route's `{slug}`: `404 campaign_not_found` when there is none
/// (or the slug is not even UTF-8). Loaded once per request: the CORS layer asks first, and
/// the handler then gets the same one from the request's extensions.
#[derive(Debug, Clone)]
pub struct CampaignFromPath(pub Arc<LiveCampaign>);

impl FromRequestParts<AppState> for CampaignFromPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(loaded) = parts.extensions.get::<Self>() {
            return Ok(loaded.clone());
        }
        let Ok(Path(slug)) = Path::<String>::from_request_parts(parts, state).await else {
            return Err(ApiError::CampaignNotFound);
        };
        let live = state
            .campaigns
            .get(&slug)
            .await?
            .ok_or(ApiError::CampaignNotFound)?;
        // Archived: gone from every public route (read and signing alike), readable as such.
        if live.campaign.state == crate::domain::CampaignState::Archived {
            return Err(ApiError::CampaignArchived);
        }
        let loaded = Self(live);
        parts.extensions.insert(loaded.clone());
        Ok(loaded)
    }
}

/// Like `axum::Json`, but rejections become `ApiError` (415, 413, 400 with a location).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else if caused_by_deadline(&rejection) {
                ApiError::BodyTimeout
            } else {
                ApiError::MalformedJson("The request body could not be read.".into())
            }
        })?;
        // serde would read a struct from a JSON array of its members; the API takes objects.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::MalformedJson(
                "The body must be a JSON object.".into(),
            ));
        }
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            ApiError::MalformedJson(format!("The body is not the expected JSON: {e}."))
        })
    }
}

/// Whether a body error comes from the transport's body deadline (somewhere in its chain).
fn caused_by_deadline(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyDeadlineExceeded>() {
            return true;
        }
        cause = e.source();
    }
    false
}

fn is_json(value: Option<&header::HeaderValue>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// The `Idempotency-Key` header, required on POST.
#[derive(Debug)]
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts
            .headers
            .get("idempotency-key")
            .ok_or(ApiError::MissingIdempotencyKey)?;
        let raw = raw.to_str().map_err(|_| ApiError::InvalidIdempotencyKey)?;
        IdempotencyKey::parse(raw)
            .map(Self)
            .ok_or(ApiError::InvalidIdempotencyKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let ok = |s: &'static str| is_json(Some(&header::HeaderValue::from_static(s)));
        assert!(ok("application/json"));
        assert!(ok("Application/JSON; charset=utf-8"));
        assert!(!ok("text/plain"));
        assert!(!ok("application/jsonx"));
        assert!(!is_json(None));
    }
}
