//! Write side: `POST /campaigns/{slug}/signatures`.
//!
//! Checks run cheapest and least revealing first (docs/api.md lists the order): rate
//! limits, the honeypot, the body's values, the proof of work, the minimum fill time;
//! then the store answers retries, spends the proof and stores (or holds) the signature
//! in one transaction.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::abuse::client_addr::ClientAddr;
use crate::abuse::proof::{ProofError, VerifiedProof, unix_now};
use crate::domain::{NewSignature, SignatureRequest};
use crate::error::ApiError;
use crate::extract::{ApiJson, CampaignFromPath, IdempotencyKeyHeader};
use crate::state::AppState;
use crate::store::{Campaign, SignContext, SignOutcome, SpentChallenge, Store};

pub async fn create(
    State(state): State<AppState>,
    CampaignFromPath(live): CampaignFromPath,
    client: ClientAddr,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<SignatureRequest>,
) -> Result<Response, ApiError> {
    let abuse = &state.abuse;
    let campaign = &live.campaign;
    abuse
        .rate_limiter
        .check(client.network(), campaign.id)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    if request.website.as_deref().is_some_and(|w| !w.is_empty()) {
        return Err(ApiError::Rejected);
    }
    let signature = NewSignature::parse(&request, &campaign.fields, campaign.allow_public_names)
        .map_err(ApiError::Validation)?;
    let proof = check_proof(&state, campaign, &request)?;
    let network_hash = client.network().map(|n| abuse.network_hash(n));
    let ctx = SignContext {
        challenge: proof.as_ref().map(|p| SpentChallenge {
            challenge: &p.challenge,
            expires_at: p.expires,
        }),
        network_hash: network_hash.as_deref(),
        hold: abuse.hold_check(),
    };
    let outcome = state
        .campaigns
        .store()
        .sign(campaign.id, &key, &request_hash(&request), &signature, ctx)
        .await?;
    // A held signature is answered exactly like a counted one: the sender learns nothing.
    let (status, word, count) = match outcome {
        SignOutcome::Signed { count }
        | SignOutcome::Held { count }
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
        SignOutcome::ProofReplayed => return Err(ApiError::ProofReplayed),
    };
    if matches!(outcome, SignOutcome::Held { .. }) {
        tracing::info!(campaign = %campaign.slug, "signature held for review");
    }
    live.publish(count);
    Ok((status, Json(json!({ "status": word, "count": count }))).into_response())
}

/// The proof of work and the minimum fill time; `None` when the campaign asks for no proof
/// (a proof sent anyway is ignored).
fn check_proof(
    state: &AppState,
    campaign: &Campaign,
    request: &SignatureRequest,
) -> Result<Option<VerifiedProof>, ApiError> {
    if campaign.proof_of_work.is_none() {
        return Ok(None);
    }
    let proof = request.proof.as_ref().ok_or(ApiError::ProofRequired)?;
    let now = unix_now();
    let verified = state
        .abuse
        .challenges
        .verify(&campaign.slug, proof, now)
        .map_err(|e| match e {
            ProofError::Invalid => ApiError::ProofInvalid,
            ProofError::Expired => ApiError::ProofExpired,
        })?;
    let ready_at = verified
        .issued
        .saturating_add(u64::from(campaign.min_fill_seconds));
    if now < ready_at {
        return Err(ApiError::TooFast {
            retry_after_secs: ready_at - now,
        });
    }
    Ok(Some(verified))
}

/// Hash of the canonical body (sorted keys, defaults filled in, proof and honeypot left
/// out), so a retry that re-serialises the same values with different spacing or key
/// order, or with a fresh challenge, still matches.
fn request_hash(request: &SignatureRequest) -> String {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    hex::encode(Sha256::digest(&canonical))
}
