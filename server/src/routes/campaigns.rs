//! Read side: campaign info, the cacheable count and the proof-of-work challenge (the live
//! stream is `events.rs`).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::abuse::client_addr::ClientAddr;
use crate::abuse::proof::{Challenge, DEFAULT_MAXNUMBER};
use crate::abuse::trap::trap_maxnumber;
use crate::cors::add_vary_origin;
use crate::error::ApiError;
use crate::extract::CampaignFromPath;
use crate::state::AppState;
use crate::wire::CampaignInfo;

/// `GET /campaigns/{slug}`. The answer depends on `Origin` (`can_sign_here`), so it says
/// `Vary: Origin`; it carries no ETag and no cache lifetime of its own.
pub async fn info(
    State(state): State<AppState>,
    CampaignFromPath(live): CampaignFromPath,
    headers: HeaderMap,
) -> Response {
    let can_sign_here = can_sign_here(&live, headers.get(header::ORIGIN));
    if let Some(refused) = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|_| !can_sign_here)
    {
        // A page whose widget now says "can't be signed on this site yet": for the console's
        // partners view (the signing routes record theirs in `cors`).
        state
            .console
            .refused_origins
            .record(live.campaign.id, refused);
    }
    let info = CampaignInfo::new(&live.campaign, live.count(), can_sign_here);
    let mut response = Json(info).into_response();
    add_vary_origin(response.headers_mut());
    response
}

/// Whether the page asking (its `Origin`; none = not a browser page) may sign `live`.
pub(super) fn can_sign_here(
    live: &crate::live::LiveCampaign,
    origin: Option<&HeaderValue>,
) -> bool {
    origin.is_none_or(|o| o.to_str().is_ok_and(|o| live.allows_origin(o)))
}

pub async fn count(CampaignFromPath(live): CampaignFromPath, headers: HeaderMap) -> Response {
    let count = live.count();
    let goal = live.campaign.goal;
    let etag = format!(
        "\"{count}-{}\"",
        goal.map_or_else(|| "none".to_owned(), |g| g.to_string())
    );
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(json!({ "count": count, "goal": goal })).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=2"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}

/// True when the client already holds `etag` (weak comparison, as RFC 9110 asks for GET).
pub fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// `GET .../challenge`: a fresh proof-of-work challenge, harder for a network that fetches
/// many (`AbuseControls::challenge_maxnumber`) and hardest for one that filled the honeypot
/// (`abuse::trap`); never cached, since each one can be spent once.
pub async fn challenge(
    client: ClientAddr,
    State(state): State<AppState>,
    CampaignFromPath(live): CampaignFromPath,
) -> Result<Response, ApiError> {
    let campaign = &live.campaign;
    if campaign.state != crate::domain::CampaignState::Open {
        return Err(ApiError::CampaignClosed);
    }
    let abuse = &state.abuse;
    // A network whose post filled the honeypot gets the hardest challenge, even from a
    // campaign that asks for no proof: its second chance (`abuse::trap`).
    let trapped = client
        .network()
        .is_some_and(|n| abuse.trapped.recent(n, abuse.clock.now()));
    let maxnumber = match (campaign.proof_of_work, trapped) {
        (Some(pow), true) => trap_maxnumber(pow.maxnumber),
        (None, true) => trap_maxnumber(DEFAULT_MAXNUMBER),
        (Some(pow), false) => abuse.challenge_maxnumber(client.network(), pow.maxnumber),
        (None, false) => return Err(ApiError::ProofNotRequired),
    };
    let challenge = abuse
        .challenges
        .issue(&campaign.slug, maxnumber, abuse.clock.unix_now())
        .map_err(|e| ApiError::Internal(format!("random numbers: {e}")))?;
    let answer = ChallengeAnswer {
        challenge,
        min_fill_seconds: campaign.min_fill_seconds,
    };
    let mut response = Json(answer).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A challenge with the seconds that must pass between its issue and the post that spends
/// it, so a widget can wait them out instead of hearing `429 too_fast`.
#[derive(Serialize)]
struct ChallengeAnswer {
    #[serde(flatten)]
    challenge: Challenge,
    min_fill_seconds: u32,
}

/// Reconnect delay hinted to SSE clients: 3 s on average.
const RETRY_MS: u64 = 3000;

/// A `retry:` between 1.5 s and 4.5 s, drawn per connection: after a restart drops every
/// stream at once, viewers come back spread over 3 s instead of in the same second.
pub fn retry_with_jitter() -> Duration {
    Duration::from_millis(fastrand::u64(RETRY_MS / 2..=RETRY_MS * 3 / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_jitter_stays_within_half_either_side() {
        for _ in 0..1000 {
            let ms = retry_with_jitter().as_millis();
            assert!((1500..=4500).contains(&ms), "{ms}");
        }
    }
}
