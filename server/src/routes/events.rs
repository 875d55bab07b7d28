//! `GET /campaigns/{slug}/events`: the live stream (SSE) of a campaign's count, its wall's
//! changes and its own changes, for as long as a page is open.
//!
//! Tens of thousands of these are open at once during a peak, so a stream is kept small:
//! one state machine per viewer ([`Frames`]) instead of a stack of boxed stream adapters,
//! and the count's event is encoded once per change and shared by every viewer
//! ([`crate::live::LiveCount`]). docs/performance.md has the figures.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use futures_util::stream;
use serde_json::json;
use tokio::sync::{broadcast, watch};

use super::campaigns::{can_sign_here, retry_with_jitter};
use crate::abuse::STREAM_RETRY_AFTER_SECS;
use crate::abuse::client_addr::ClientAddr;
use crate::abuse::streams::StreamPermit;
use crate::error::ApiError;
use crate::extract::CampaignFromPath;
use crate::live::{LiveCampaigns, LiveCount};
use crate::state::AppState;
use crate::wall::WallEvent;
use crate::wire::CampaignInfo;

/// A stream with nothing to say for this long sends a comment (`:`), so proxies and the
/// server's own idle timeout keep it open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Whether `path` is a campaign's live stream (`/api/v1/campaigns/{slug}/events`). The
/// transport answers these requests without hyper's connection (`transport::first_head`),
/// so an open stream costs its connection a few hundred bytes instead of hyper's buffers.
pub fn is_stream_path(path: &str) -> bool {
    path.strip_prefix("/api/v1/campaigns/")
        .and_then(|rest| rest.strip_suffix("/events"))
        .is_some_and(|slug| !slug.is_empty() && !slug.contains('/'))
}

/// `GET .../events`, within the stream caps (past them, `429 too_many_streams`).
pub async fn stream(
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
    // The wall's changes (issue 14) ride the same stream. A wall that cannot be read now
    // leaves the count stream working.
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
    let frames = Frames {
        retry: Some(retry_with_jitter()),
        counts: Some(live.subscribe()),
        first_count: true,
        wall,
        revisions: Some(live.subscribe_revisions()),
        shutdown: state.shutdown.clone(),
        keep_alive: KEEP_ALIVE,
    };
    let viewer = Viewer {
        frames,
        campaigns: Arc::clone(&state.campaigns),
        slug: live.campaign.slug.clone(),
        origin,
        _permit: permit,
    };
    let body = Body::from_stream(stream::unfold(viewer, |mut viewer| async move {
        let frame = viewer.next_frame().await?;
        Some((Ok::<_, Infallible>(frame), viewer))
    }));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            // nginx buffers proxied responses unless told not to; a buffered stream shows
            // no count.
            (
                header::HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        body,
    ))
}

/// One viewer's stream: its [`Frames`], what a `campaign` event needs, and its place
/// under the stream caps (freed, and the stream's length logged, when the viewer leaves).
struct Viewer {
    frames: Frames,
    campaigns: Arc<LiveCampaigns>,
    slug: String,
    origin: Option<HeaderValue>,
    _permit: StreamPermit,
}

impl Viewer {
    async fn next_frame(&mut self) -> Option<Bytes> {
        loop {
            match self.frames.next().await {
                Next::Frame(frame) => return Some(frame),
                Next::CampaignChanged => {
                    // `None` if it cannot be read now: the next change sends it again.
                    if let Some(frame) = self.campaign_event().await {
                        return Some(frame);
                    }
                }
                Next::End => return None,
            }
        }
    }

    /// The campaign's current document as a `campaign` event, so an open widget can show
    /// a new title, goal or closed state.
    async fn campaign_event(&self) -> Option<Bytes> {
        match self.campaigns.get(&self.slug).await {
            Ok(Some(live)) => {
                let can_sign = can_sign_here(&live, self.origin.as_ref());
                let info = CampaignInfo::new(&live.campaign, live.count(), can_sign);
                Some(event("campaign", &serde_json::to_string(&info).ok()?))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "reading a changed campaign for its streams failed");
                None
            }
        }
    }
}

/// What a stream sends next.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Frame(Bytes),
    /// The campaign's public document changed: send it (`event: campaign`).
    CampaignChanged,
    /// Shutdown, or the count's channel is gone: the stream ends.
    End,
}

/// The frames of one stream, in order: `retry:` (jittered), the current count, then every
/// later count, wall change and campaign change as they come, and a keep-alive comment
/// after `keep_alive` without any, until shutdown. A source that closes is only left out.
struct Frames {
    retry: Option<Duration>,
    /// `None` once its channel closed.
    counts: Option<watch::Receiver<LiveCount>>,
    first_count: bool,
    wall: Option<broadcast::Receiver<WallEvent>>,
    revisions: Option<watch::Receiver<u64>>,
    shutdown: watch::Receiver<bool>,
    keep_alive: Duration,
}

impl Frames {
    async fn next(&mut self) -> Next {
        if let Some(retry) = self.retry.take() {
            return Next::Frame(Bytes::from(format!("retry: {}\n\n", retry.as_millis())));
        }
        // End the stream on shutdown, or graceful shutdown would wait for every viewer.
        if *self.shutdown.borrow() {
            return Next::End;
        }
        let Some(counts) = self.counts.as_mut() else {
            return Next::End;
        };
        if std::mem::take(&mut self.first_count) {
            return Next::Frame(counts.borrow_and_update().event.clone());
        }
        tokio::select! {
            biased;
            () = crate::transport::stopped(&mut self.shutdown) => Next::End,
            changed = counts.changed() => match changed {
                Ok(()) => Next::Frame(counts.borrow_and_update().event.clone()),
                Err(_) => Next::End,
            },
            heard = recv_wall(&mut self.wall) => match heard {
                Some(heard) => Next::Frame(wall_event(heard)),
                None => {
                    self.wall = None;
                    Box::pin(self.next()).await
                }
            },
            changed = changed_revision(&mut self.revisions) => {
                if changed {
                    Next::CampaignChanged
                } else {
                    self.revisions = None;
                    Box::pin(self.next()).await
                }
            },
            () = tokio::time::sleep(self.keep_alive) => Next::Frame(Bytes::from_static(b":\n\n")),
        }
    }
}

/// The wall's next change (`Err` if this stream fell behind); `None` once the wall's channel
/// closed; never resolves without a wall.
async fn recv_wall(
    wall: &mut Option<broadcast::Receiver<WallEvent>>,
) -> Option<Result<WallEvent, broadcast::error::RecvError>> {
    let Some(rx) = wall.as_mut() else {
        return std::future::pending().await;
    };
    match rx.recv().await {
        Err(broadcast::error::RecvError::Closed) => None,
        heard => Some(heard),
    }
}

/// True on the campaign's next change; false once its channel closed; never resolves
/// without one.
async fn changed_revision(revisions: &mut Option<watch::Receiver<u64>>) -> bool {
    match revisions.as_mut() {
        Some(rx) => rx.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// A wall change as an SSE event (docs/api.md, "Live events"). A stream that fell behind
/// is told to refetch, like one whose wall was read again.
fn wall_event(heard: Result<WallEvent, broadcast::error::RecvError>) -> Bytes {
    match heard {
        Ok(WallEvent::Shown(entry)) => event(
            "signer",
            &serde_json::to_string(&*entry).unwrap_or_default(),
        ),
        Ok(WallEvent::Removed(id)) => event("signer_removed", &json!({ "id": id }).to_string()),
        Ok(WallEvent::Reset) | Err(_) => event("signers_reset", "{}"),
    }
}

/// `event: NAME` and `data` as SSE lines (one `data:` line per line of `data`).
fn event(name: &str, data: &str) -> Bytes {
    let mut out = String::with_capacity(name.len() + data.len() + 16);
    out.push_str("event: ");
    out.push_str(name);
    out.push('\n');
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream's sources, with their senders kept by the test.
    struct Sources {
        count: watch::Sender<LiveCount>,
        wall: broadcast::Sender<WallEvent>,
        revision: watch::Sender<u64>,
        shutdown: watch::Sender<bool>,
    }

    fn open_stream() -> (Frames, Sources) {
        let (count, counts) = watch::channel(LiveCount::new(7));
        let (wall, wall_rx) = broadcast::channel(4);
        let (revision, revisions) = watch::channel(0);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let frames = Frames {
            retry: Some(Duration::from_millis(2500)),
            counts: Some(counts),
            first_count: true,
            wall: Some(wall_rx),
            revisions: Some(revisions),
            shutdown: shutdown_rx,
            keep_alive: KEEP_ALIVE,
        };
        let sources = Sources {
            count,
            wall,
            revision,
            shutdown,
        };
        (frames, sources)
    }

    fn frame(text: &'static str) -> Next {
        Next::Frame(Bytes::from_static(text.as_bytes()))
    }

    #[tokio::test(start_paused = true)]
    async fn retry_then_the_current_count_then_changes_and_keep_alives() {
        let (mut frames, sources) = open_stream();
        assert_eq!(frames.next().await, frame("retry: 2500\n\n"));
        assert_eq!(
            frames.next().await,
            frame("event: count\ndata: {\"count\":7}\n\n")
        );
        sources.count.send_replace(LiveCount::new(8));
        assert_eq!(
            frames.next().await,
            frame("event: count\ndata: {\"count\":8}\n\n")
        );
        // Idle: a comment after the keep-alive interval (time is paused: it advances at once).
        let before = tokio::time::Instant::now();
        assert_eq!(frames.next().await, frame(":\n\n"));
        assert_eq!(before.elapsed(), KEEP_ALIVE);
        sources.wall.send(WallEvent::Removed("w1".into())).unwrap();
        assert_eq!(
            frames.next().await,
            frame("event: signer_removed\ndata: {\"id\":\"w1\"}\n\n")
        );
        sources.revision.send_replace(1);
        assert_eq!(frames.next().await, Next::CampaignChanged);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_ends_an_idle_stream_and_one_that_has_not_started() {
        let (mut frames, sources) = open_stream();
        frames.next().await;
        frames.next().await;
        let waiting = tokio::spawn(async move { frames.next().await });
        tokio::task::yield_now().await;
        sources.shutdown.send_replace(true);
        assert_eq!(waiting.await.unwrap(), Next::End);

        let (mut fresh, sources) = open_stream();
        sources.shutdown.send_replace(true);
        // `retry:` is sent first even then; nothing after it.
        assert_eq!(fresh.next().await, frame("retry: 2500\n\n"));
        assert_eq!(fresh.next().await, Next::End);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lagging_stream_is_told_to_refetch_and_a_closed_wall_left_out() {
        let (mut frames, sources) = open_stream();
        frames.next().await;
        frames.next().await;
        for i in 0..5 {
            sources
                .wall
                .send(WallEvent::Removed(format!("w{i}")))
                .unwrap();
        }
        // The channel holds 4: the stream missed one and must refetch, then gets the rest.
        assert_eq!(
            frames.next().await,
            frame("event: signers_reset\ndata: {}\n\n")
        );
        for i in 1..5 {
            let Next::Frame(f) = frames.next().await else {
                panic!("a frame")
            };
            assert!(f.starts_with(
                format!("event: signer_removed\ndata: {{\"id\":\"w{i}\"}}").as_bytes()
            ));
        }
        let Sources { count, wall, .. } = sources;
        drop(wall);
        // The closed wall neither ends the stream nor wakes it: next comes the keep-alive.
        assert_eq!(frames.next().await, frame(":\n\n"));
        count.send_replace(LiveCount::new(9));
        assert_eq!(
            frames.next().await,
            frame("event: count\ndata: {\"count\":9}\n\n")
        );
    }

    #[test]
    fn the_stream_path_is_one_campaigns_events_only() {
        assert!(is_stream_path("/api/v1/campaigns/a-campaign/events"));
        for other in [
            "/api/v1/campaigns//events",
            "/api/v1/campaigns/a/b/events",
            "/api/v1/campaigns/a/count",
            "/api/v1/campaigns/a/events/",
            "/api/v2/campaigns/a/events",
            "/campaigns/a/events",
        ] {
            assert!(!is_stream_path(other), "{other}");
        }
    }

    #[test]
    fn multi_line_data_gets_a_data_line_each() {
        assert_eq!(
            event("x", "a\nb"),
            Bytes::from_static(b"event: x\ndata: a\ndata: b\n\n")
        );
    }
}
