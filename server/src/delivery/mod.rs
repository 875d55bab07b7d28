//! Deliveries of signature events to the organisers' tools: webhooks (signed JSON POSTs)
//! and OSDI petitions (Action Network's record-signature helper).
//!
//! The signature triggers write each event to the outbox in the signature's own
//! transaction (`migrations/*/20261201200000_delivery_outbox.sql`); this worker, running in
//! every `serve` instance, leases targets with due deliveries, sends each target its events
//! oldest first, and records the outcome: delivered, retried later ([`Backoff`]), or parked
//! after the retry window (`delivery list`, `delivery resend`). Delivery is at least once:
//! a worker that dies mid-request leaves its lease to expire, and another sends again.
//!
//! - [`target`]: what may be configured (URLs, events, API key sources, secrets).
//! - [`signing`]: the `Pledge-Signature` header.
//! - [`payload`]: webhook and OSDI bodies.
//! - [`http`]: the outbound client (timeouts, redirects, bounded answers).
//! - [`cli`]: `webhook`, `osdi` and `delivery` commands.

pub mod backoff;
pub mod cli;
pub mod http;
pub mod payload;
pub mod signing;
pub mod target;

use std::time::Duration;

use tokio::sync::watch;

pub use backoff::Backoff;

use crate::abuse::Clock;
use crate::store::SignatureStore;
use crate::store::delivery::{DeliveryStore, Failure, LeasedTarget, PendingEvent, TargetKind};
use http::Answer;
use target::ApiKeySource;

/// How the worker runs; `Default` is production's.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Off: this instance sends nothing (others on the database still do).
    pub enabled: bool,
    /// How often the outbox is looked at when there was nothing to send.
    pub poll_interval: Duration,
    pub connect_timeout: Duration,
    /// Each request, from connecting to the end of its answer.
    pub request_timeout: Duration,
    pub backoff: Backoff,
    /// Targets served at once per instance (each by its own task).
    pub concurrency: u32,
    /// Delivered events are deleted after this long (with their copies of personal data).
    pub keep_delivered: Duration,
    /// The time the worker goes by (tests move it forward instead of waiting a day).
    pub clock: Clock,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            backoff: Backoff::default(),
            concurrency: 16,
            keep_delivered: Duration::from_secs(7 * 24 * 3600),
            clock: Clock::default(),
        }
    }
}

/// Runs the worker until `stop` flips; requests in flight finish first (each is bounded
/// by the request timeout).
///
/// Each leased target is served by its own task, up to `concurrency` at once, and the loop
/// goes on leasing while they run: a receiver that never answers holds up only its own
/// target, never the others' events.
pub async fn run(
    store: SignatureStore,
    settings: DeliverySettings,
    mut stop: watch::Receiver<bool>,
) {
    if !settings.enabled {
        return;
    }
    let worker = match Worker::new(store, settings) {
        Ok(w) => std::sync::Arc::new(w),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "deliveries are off: the HTTP client could not be built");
            return;
        }
    };
    let mut serving = tokio::task::JoinSet::new();
    let mut last_prune: Option<i64> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let now = worker.now_ms();
        if last_prune.is_none_or(|t| now - t >= 3_600_000) {
            last_prune = Some(now);
            worker.prune(now).await;
        }
        let room = (worker.settings.concurrency as usize).saturating_sub(serving.len());
        let leased = if room == 0 {
            Vec::new()
        } else {
            worker.lease(room).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading the delivery outbox failed");
                Vec::new()
            })
        };
        let idle = leased.is_empty();
        for target in leased {
            let worker = std::sync::Arc::clone(&worker);
            serving.spawn(async move { worker.serve(&target).await });
        }
        if idle {
            tokio::select! {
                () = tokio::time::sleep(worker.settings.poll_interval) => {}
                Some(_) = serving.join_next(), if !serving.is_empty() => {}
                () = crate::transport::stopped(&mut stop) => break,
            }
        }
    }
    // Batches in flight finish (bounded by the timeout) and give their leases back; no
    // new ones start.
    worker
        .stopping
        .store(true, std::sync::atomic::Ordering::Relaxed);
    while serving.join_next().await.is_some() {}
}

struct Worker {
    store: SignatureStore,
    settings: DeliverySettings,
    sender: http::Sender,
    /// This worker's name on leases: process id and a random part.
    owner: String,
    /// Set on shutdown: serve no further batches.
    stopping: std::sync::atomic::AtomicBool,
}

impl Worker {
    fn new(store: SignatureStore, settings: DeliverySettings) -> anyhow::Result<Self> {
        let sender = http::Sender::new(settings.connect_timeout, settings.request_timeout);
        Ok(Self {
            store,
            sender,
            owner: format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
            stopping: std::sync::atomic::AtomicBool::new(false),
            settings,
        })
    }

    fn now_ms(&self) -> i64 {
        i64::try_from(self.settings.clock.unix_now_ms()).unwrap_or(i64::MAX)
    }

    /// Long enough for one request and its bookkeeping; a worker that takes longer loses
    /// the lease (and the events may go twice: at least once).
    fn lease_ms(&self) -> i64 {
        let d = self.settings.connect_timeout + self.settings.request_timeout;
        i64::try_from(d.as_millis())
            .unwrap_or(i64::MAX)
            .saturating_add(30_000)
    }

    /// Leases up to `limit` targets with a due delivery.
    async fn lease(&self, limit: usize) -> Result<Vec<LeasedTarget>, crate::store::StoreError> {
        self.store
            .lease_due_targets(
                &self.owner,
                self.now_ms(),
                self.lease_ms(),
                u32::try_from(limit).unwrap_or(u32::MAX),
            )
            .await
    }

    /// Sends the target its pending events, a batch at a time, for as long as they go
    /// through (up to [`ROUNDS_PER_LEASE`] batches), then gives the lease back. Keeping
    /// the lease between batches saves a write per batch while a backlog drains.
    async fn serve(&self, target: &LeasedTarget) {
        for round in 1..=ROUNDS_PER_LEASE {
            let last = round == ROUNDS_PER_LEASE
                || self.stopping.load(std::sync::atomic::Ordering::Relaxed);
            if !self.serve_batch(target, !last).await {
                return;
            }
        }
    }

    /// One batch; `true` when it went through and the lease is kept for the next.
    async fn serve_batch(&self, target: &LeasedTarget, may_continue: bool) -> bool {
        let batch = match target.kind {
            TargetKind::Webhook => target.batch_size.max(1),
            TargetKind::Osdi => 1,
        };
        let events = match self.store.pending_events(target.id, batch).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(target_id = target.id, error = %e, "reading pending deliveries failed");
                return false;
            }
        };
        let ids: Vec<i64> = events.iter().map(|e| e.delivery_id).collect();
        // A full batch may have more behind it.
        let keep = may_continue && !events.is_empty() && events.len() == batch as usize;
        let outcome = if events.is_empty() {
            Ok(())
        } else {
            self.send(target, &events).await
        };
        let now = self.now_ms();
        let recorded = match outcome {
            Ok(()) => {
                if !ids.is_empty() {
                    tracing::info!(
                        target_id = target.id,
                        kind = target.kind.as_str(),
                        events = ids.len(),
                        "delivered"
                    );
                }
                let keep_until = keep.then(|| now.saturating_add(self.lease_ms()));
                self.store
                    .record_success(target.id, &self.owner, &ids, now, keep_until)
                    .await
            }
            Err((error, maybe_sent)) => {
                let attempts = events.first().map_or(1, |e| e.attempts.saturating_add(1));
                let wait = self.settings.backoff.delay(attempts, fastrand::f64());
                let failure = Failure {
                    now_ms: now,
                    retry_window_ms: i64::try_from(self.settings.backoff.retry_window.as_millis())
                        .unwrap_or(i64::MAX),
                    next_attempt_at: now
                        .saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
                    error: &error,
                    maybe_sent,
                };
                let parked = self
                    .store
                    .record_failure(target.id, &self.owner, &ids, &failure)
                    .await;
                // The receiver's answer stays out of the logs (it may echo a name or email).
                let logged = error.split(ANSWER_MARK).next().unwrap_or_default();
                match &parked {
                    Ok(0) => {
                        tracing::warn!(target_id = target.id, kind = target.kind.as_str(), attempts, retry_in_ms = wait.as_millis() as u64, error = %logged, "delivery failed; will retry")
                    }
                    Ok(n) => {
                        tracing::warn!(target_id = target.id, kind = target.kind.as_str(), parked = n, error = %logged, "delivery failed for the whole retry window: parked (delivery list --state parked; delivery resend)")
                    }
                    Err(_) => {}
                }
                parked.map(|_| false)
            }
        };
        match recorded {
            Ok(held) => keep && held,
            Err(e) => {
                tracing::warn!(target_id = target.id, error = %e, "recording a delivery's outcome failed; its lease runs out and it is sent again");
                false
            }
        }
    }

    /// One request; `Err((why, maybe_sent))` on any failure.
    async fn send(
        &self,
        target: &LeasedTarget,
        events: &[PendingEvent],
    ) -> Result<(), (String, bool)> {
        match target.kind {
            TargetKind::Webhook => self.send_webhook(target, events).await,
            TargetKind::Osdi => self.send_osdi(target, events).await,
        }
    }

    async fn send_webhook(
        &self,
        target: &LeasedTarget,
        events: &[PendingEvent],
    ) -> Result<(), (String, bool)> {
        let secret = target
            .secret
            .as_deref()
            .ok_or_else(|| ("the webhook has no signing secret".to_owned(), false))?;
        let body = serde_json::to_vec(&payload::webhook_body(
            &target.campaign_slug,
            target.batch_size,
            events,
        ))
        .map_err(|e| (e.to_string(), false))?;
        let t = self.settings.clock.unix_now();
        let signature = signing::sign(secret, t, &body);
        let mut headers = vec![(signing::HEADER, signature.as_str())];
        if let [only] = events {
            headers.push(("Pledge-Event-Id", &only.public_id));
            headers.push(("Pledge-Event-Type", &only.event_type));
        }
        match self.sender.post_json(&target.url, &headers, body).await {
            Answer::Http { status, .. } if status.is_success() => Ok(()),
            answer => Err(failure_text(answer)),
        }
    }

    async fn send_osdi(
        &self,
        target: &LeasedTarget,
        events: &[PendingEvent],
    ) -> Result<(), (String, bool)> {
        let [event] = events else {
            return Err(("an OSDI request carries one signature".to_owned(), false));
        };
        if event.data.get("erased").is_some_and(|e| e == true) {
            // Erased before it was sent: there is no person left to record.
            return Ok(());
        }
        if !payload::osdi_records(event) {
            // Awaiting confirmation: its `signature.confirmed` records the person.
            return Ok(());
        }
        let key = target
            .api_key_source
            .as_deref()
            .ok_or_else(|| "no API key source".to_owned())
            .and_then(ApiKeySource::from_stored)
            .and_then(|s| s.read())
            .map_err(|e| (e, false))?;
        let body = payload::osdi_signature(event, &target.tags, !event.maybe_sent);
        let body = serde_json::to_vec(&body).map_err(|e| (e.to_string(), false))?;
        let headers = [("OSDI-API-Token", key.expose())];
        match self.sender.post_json(&target.url, &headers, body).await {
            Answer::Http { status, body, .. } if status.is_success() => {
                // Action Network answers some refusals with an empty 200: only a resource
                // back means the signature was recorded.
                let resource = serde_json::from_slice::<serde_json::Value>(&body).ok();
                if resource.as_ref().is_some_and(serde_json::Value::is_object) {
                    Ok(())
                } else if body.iter().all(u8::is_ascii_whitespace) {
                    Err((format!("{status} with an empty body: not recorded"), false))
                } else {
                    Err((
                        format!(
                            "{status} without a JSON resource{ANSWER_MARK}{}",
                            http::snippet(&body)
                        ),
                        false,
                    ))
                }
            }
            answer => Err(failure_text(answer)),
        }
    }

    async fn prune(&self, now: i64) {
        let keep = i64::try_from(self.settings.keep_delivered.as_millis()).unwrap_or(i64::MAX);
        match self.store.prune_delivered(now.saturating_sub(keep)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "old delivered events removed"),
            Err(e) => tracing::warn!(error = %e, "pruning delivered events failed"),
        }
    }
}

/// Batches sent to one target under one lease at most, before others get a turn.
const ROUNDS_PER_LEASE: u32 = 50;

/// Separates a failure from the receiver's own words in `last_error`; logs keep only
/// what comes before it.
const ANSWER_MARK: &str = " | answer: ";

fn failure_text(answer: Answer) -> (String, bool) {
    match answer {
        Answer::Http {
            status,
            location: Some(to),
            ..
        } if status.is_redirection() => (
            format!("{status}: redirected to {to} (not followed: update the URL)"),
            false,
        ),
        Answer::Http { status, body, .. } => {
            let text = http::snippet(&body);
            if text.is_empty() {
                (status.to_string(), false)
            } else {
                (format!("{status}{ANSWER_MARK}{text}"), false)
            }
        }
        Answer::Failed { error, maybe_sent } => (error, maybe_sent),
    }
}
