//! Write side: `POST /campaigns/{slug}/signatures`.
//!
//! Checks run cheapest and least revealing first (docs/api.md lists the order): the
//! client's rate limit, the body's values, the proof of work (the hardest level when the
//! honeypot is filled, `abuse::trap`), the minimum fill time, the campaign's rate limit; then
//! the store answers retries, spends the proof and stores (or holds) the signature in one
//! transaction.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::abuse::client_addr::ClientAddr;
use crate::abuse::proof::{DEFAULT_MAXNUMBER, ProofError, VerifiedProof};
use crate::abuse::trap::trap_maxnumber;
use crate::domain::{CampaignState, NewSignature, SignatureRequest};
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
    if campaign.state != CampaignState::Open {
        return Err(ApiError::CampaignClosed);
    }
    let limited = |retry_after_secs| ApiError::RateLimited { retry_after_secs };
    abuse
        .rate_limiter
        .check_client(client.network(), abuse.clock.now())
        .map_err(limited)?;
    // The honeypot: never a dead end (a form-filler may have filled it for a person), but a
    // proof of work at the hardest level, which this network's next challenge will be.
    let trapped = request.website.as_deref().is_some_and(|w| !w.is_empty());
    if trapped && let Some(network) = client.network() {
        abuse.trapped.remember(network, abuse.clock.now());
    }
    let signature = NewSignature::parse(
        &request,
        &campaign.fields,
        campaign.allow_public_names,
        &campaign.consent_texts(),
    )
    .map_err(ApiError::Validation)?;
    let proof = check_proof(&state, campaign, &request, trapped)?;
    // Only posts that could be stored use up the campaign's ceiling: junk refused above
    // must not lock real signers out.
    abuse
        .rate_limiter
        .check_campaign(campaign.id, abuse.clock.now())
        .map_err(limited)?;
    let network_hash = client.network().map(|n| abuse.network_hash(n));
    let ctx = SignContext {
        challenge: proof.as_ref().map(|p| SpentChallenge {
            challenge: &p.challenge,
            expires_at: p.expires,
        }),
        network_hash: network_hash.as_deref(),
        hold: abuse.hold_check(),
        confirm_email: campaign.confirm_email,
    };
    let outcome = state
        .campaigns
        .store()
        .sign(campaign.id, &key, &request_hash(&request), &signature, ctx)
        .await?;
    let answer = if campaign.confirm_email {
        Answer::awaiting_confirmation(outcome)?
    } else {
        Answer::of(outcome, campaign.reveal_already_signed)?
    };
    match outcome {
        SignOutcome::Signed { count } => live.publish(count),
        SignOutcome::Held { .. } if !campaign.confirm_email => {
            tracing::info!(campaign = %campaign.slug, "signature held for review");
        }
        _ => {}
    }
    Ok(answer.into_response())
}

/// What the sender of a signature is told. Nobody may learn from it what others cannot
/// see anyway: a held signature is answered as if counted (the public count plus one, what a
/// counted one would have shown), and so is a repeated email unless the campaign reveals
/// repeats (`campaign create --reveal-already-signed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    already_signed: bool,
    count: i64,
    /// The campaign asks for confirmation by email: `"confirmation": "pending"`.
    confirmation_pending: bool,
}

impl Answer {
    fn of(outcome: SignOutcome, reveal_already_signed: bool) -> Result<Self, ApiError> {
        let hidden_repeat = |count: i64| {
            if reveal_already_signed {
                Self {
                    already_signed: true,
                    count,
                    confirmation_pending: false,
                }
            } else {
                Self::signed(count + 1)
            }
        };
        Ok(match outcome {
            SignOutcome::Signed { count }
            | SignOutcome::Replayed {
                signed: true,
                count,
            } => Self::signed(count),
            SignOutcome::Held { count } => Self::signed(count + 1),
            SignOutcome::AlreadySigned { count }
            | SignOutcome::Replayed {
                signed: false,
                count,
            } => hidden_repeat(count),
            SignOutcome::KeyReused => return Err(ApiError::IdempotencyKeyReused),
            SignOutcome::ProofReplayed => return Err(ApiError::ProofReplayed),
        })
    }

    fn signed(count: i64) -> Self {
        Self {
            already_signed: false,
            count,
            confirmation_pending: false,
        }
    }

    /// In a campaign that asks for confirmation by email every accepted post gets the same
    /// answer, new or repeated (the email tells the signer which it was): `201 signed`, the
    /// public count, and `"confirmation": "pending"`. The campaign's
    /// `reveal_already_signed` does not apply.
    fn awaiting_confirmation(outcome: SignOutcome) -> Result<Self, ApiError> {
        let count = match outcome {
            SignOutcome::Signed { count }
            | SignOutcome::Held { count }
            | SignOutcome::AlreadySigned { count }
            | SignOutcome::Replayed { count, .. } => count,
            SignOutcome::KeyReused => return Err(ApiError::IdempotencyKeyReused),
            SignOutcome::ProofReplayed => return Err(ApiError::ProofReplayed),
        };
        Ok(Self {
            confirmation_pending: true,
            ..Self::signed(count)
        })
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let (status, word) = if self.already_signed {
            (StatusCode::OK, "already_signed")
        } else {
            (StatusCode::CREATED, "signed")
        };
        let body = if self.confirmation_pending {
            json!({ "status": word, "count": self.count, "confirmation": "pending" })
        } else {
            json!({ "status": word, "count": self.count })
        };
        (status, Json(body)).into_response()
    }
}

/// The proof of work and the minimum fill time; `None` when the campaign asks for no proof
/// (a proof sent anyway is ignored) and the honeypot is empty. A `trapped` post (honeypot
/// filled) needs a proof at the hardest level ([`trap_maxnumber`]), even where the campaign
/// asks for none: `proof_required` until it has one.
fn check_proof(
    state: &AppState,
    campaign: &Campaign,
    request: &SignatureRequest,
    trapped: bool,
) -> Result<Option<VerifiedProof>, ApiError> {
    let base = match (campaign.proof_of_work, trapped) {
        (Some(pow), _) => pow.maxnumber,
        (None, true) => DEFAULT_MAXNUMBER,
        (None, false) => return Ok(None),
    };
    let proof = request.proof.as_ref().ok_or(ApiError::ProofRequired)?;
    let now = state.abuse.clock.unix_now();
    let verified = state
        .abuse
        .challenges
        .verify(&campaign.slug, base, proof, now)
        .map_err(|e| match e {
            ProofError::Invalid => ApiError::ProofInvalid,
            ProofError::Expired => ApiError::ProofExpired,
        })?;
    if trapped && verified.maxnumber < trap_maxnumber(base) {
        return Err(ApiError::ProofRequired);
    }
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
