//! Read side: campaign info, the cacheable count, and the SSE stream of counts and wall
//! changes.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use serde::Serialize;
use serde_json::json;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

use crate::abuse::STREAM_RETRY_AFTER_SECS;
use crate::abuse::client_addr::ClientAddr;
use crate::abuse::proof::{Challenge, DEFAULT_MAXNUMBER};
use crate::abuse::trap::trap_maxnumber;
use crate::cors::add_vary_origin;
use crate::error::ApiError;
use crate::extract::CampaignFromPath;
use crate::state::AppState;
use crate::wall::WallEvent;
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
fn can_sign_here(live: &crate::live::LiveCampaign, origin: Option<&HeaderValue>) -> bool {
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

/// `GET .../events`, within the stream caps (past them, `429 too_many_streams`).
pub async fn events(
    State(state): State<AppState>,
    CampaignFromPath(live): CampaignFromPath,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    // The `campaign` events' documents say whether this stream's page may sign, like `info`.
    let origin = headers.get(header::ORIGIN).cloned();
    let permit = state
        .abuse
        .streams
        .acquire(client.network())
        .ok_or(ApiError::TooManyStreams {
            retry_after_secs: STREAM_RETRY_AFTER_SECS,
        })?;
    // `retry:` first (jittered), then the current count (WatchStream yields the current
    // value immediately) and every later change.
    let retry = retry_with_jitter();
    let retry = stream::once(async move { Ok::<_, Infallible>(Event::default().retry(retry)) });
    // The permit lives as long as the stream, and frees its place when the viewer leaves.
    let counts = WatchStream::new(live.subscribe()).map(move |count| {
        let _held = &permit;
        Ok(Event::default()
            .event("count")
            .data(json!({ "count": count }).to_string()))
    });
    // The wall's changes (issue 14) ride the same stream: `signer`, `signer_removed`,
    // `signers_reset`. A wall that cannot be read now leaves the count stream working.
    let wall = match state
        .walls
        .wall(live.campaign.id, &live.campaign.slug)
        .await
    {
        Ok(wall) => Some(wall.subscribe()),
        Err(e) => {
            tracing::warn!(error = %e, "reading the wall for a stream failed");
            None
        }
    };
    let wall_events = stream::iter(wall)
        .flat_map(BroadcastStream::new)
        .map(|heard| Ok(wall_event(heard)));
    // The campaign's own changes (an edit, closing it): a `campaign` event with its new
    // document, so an open widget can show the new title, goal or closed state.
    let campaigns = std::sync::Arc::clone(&state.campaigns);
    let slug = live.campaign.slug.clone();
    let campaign_events = WatchStream::from_changes(live.subscribe_revisions())
        .then(move |_| {
            let (campaigns, slug, origin) = (campaigns.clone(), slug.clone(), origin.clone());
            async move { campaign_event(&campaigns, &slug, origin.as_ref()).await }
        })
        .filter_map(|event| async move { event.map(Ok) });
    let events = stream::select(stream::select(counts, wall_events), campaign_events);
    // End the stream on shutdown, or graceful shutdown would wait for every viewer.
    let mut shutdown = state.shutdown.clone();
    let stopped = async move {
        let _ = shutdown.wait_for(|stopped| *stopped).await;
    };
    let sse = Sse::new(retry.chain(events).take_until(stopped))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)));
    // nginx buffers proxied responses unless told not to; a buffered stream shows no count.
    Ok(([(HeaderName::from_static("x-accel-buffering"), "no")], sse))
}

/// The campaign's current document as a `campaign` event; `None` if it cannot be read now
/// (the next change sends it again).
async fn campaign_event(
    campaigns: &crate::live::LiveCampaigns,
    slug: &str,
    origin: Option<&HeaderValue>,
) -> Option<Event> {
    match campaigns.get(slug).await {
        Ok(Some(live)) => {
            let info =
                CampaignInfo::new(&live.campaign, live.count(), can_sign_here(&live, origin));
            Some(
                Event::default()
                    .event("campaign")
                    .data(serde_json::to_string(&info).ok()?),
            )
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "reading a changed campaign for its streams failed");
            None
        }
    }
}

/// A wall change as an SSE event (docs/api.md, "Live events"). A stream that fell behind
/// is told to refetch, like one whose wall was read again.
fn wall_event(heard: Result<WallEvent, BroadcastStreamRecvError>) -> Event {
    match heard {
        Ok(WallEvent::Shown(entry)) => Event::default()
            .event("signer")
            .data(serde_json::to_string(&*entry).unwrap_or_default()),
        Ok(WallEvent::Removed(id)) => Event::default()
            .event("signer_removed")
            .data(json!({ "id": id }).to_string()),
        Ok(WallEvent::Reset) | Err(BroadcastStreamRecvError::Lagged(_)) => {
            Event::default().event("signers_reset").data("{}")
        }
    }
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
