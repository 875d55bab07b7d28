//! Write side: `POST /campaigns/{slug}/signatures`.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::domain::{NewSignature, SignatureRequest};
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientIp, IdempotencyKeyHeader};
use crate::live::LiveCampaign;
use crate::startup::AppState;
use crate::store::SignOutcome;

pub async fn create(
    State(state): State<AppState>,
    Extension(live): Extension<Arc<LiveCampaign>>,
    ClientIp(ip): ClientIp,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<SignatureRequest>,
) -> Result<Response, ApiError> {
    state
        .rate_limiter
        .check(ip)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let campaign = &live.campaign;
    let signature = NewSignature::parse(&request, &campaign.fields, campaign.allow_public_names)
        .map_err(ApiError::Validation)?;
    let outcome = state
        .campaigns
        .store()
        .sign(campaign.id, &key, &request_hash(&request), &signature)
        .await?;
    let (status, word, count) = match outcome {
        SignOutcome::Signed { count }
        | SignOutcome::Replayed {
            signed: true,
            count,
        } => (StatusCode::CREATED, "signed", count),
        SignOutcome::AlreadySigned { count }
        | SignOutcome::Replayed {
            signed: false,
            count,
        } => (StatusCode::OK, "already_signed", count),
        SignOutcome::KeyReused => return Err(ApiError::IdempotencyKeyReused),
    };
    live.publish(count);
    Ok((status, Json(json!({ "status": word, "count": count }))).into_response())
}

/// Hash of the canonical body (sorted keys, defaults filled in), so a retry that
/// re-serialises the same values with different spacing or key order still matches.
fn request_hash(request: &SignatureRequest) -> String {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
