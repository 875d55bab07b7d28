//! The delivery outbox's store contract ([`DeliveryStore`]): delivery targets (webhooks,
//! OSDI petitions), the events the signature triggers wrote, and each delivery's state.
//! SQLite in `delivery_sqlite`, PostgreSQL in `delivery_postgres`; both keep the same
//! promises: one worker at a time holds a target's lease, a target's events are handed out
//! in event order, and a delivery's outcome is only recorded by the lease's holder.

use std::future::Future;

use super::{SignatureStore, StoreResult};

/// What kind of receiver a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// Signed JSON POSTs (`Pledge-Signature`).
    Webhook,
    /// An OSDI petition's record-signature helper (Action Network).
    Osdi,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Osdi => "osdi",
        }
    }

    pub(crate) fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "webhook" => Ok(Self::Webhook),
            "osdi" => Ok(Self::Osdi),
            other => Err(super::StoreError::Corrupt(format!(
                "unknown delivery target kind {other:?}"
            ))),
        }
    }
}

/// A target to add to a campaign (checked by the caller: see `delivery::target`).
#[derive(Debug, Clone)]
pub struct NewTarget {
    pub campaign_slug: String,
    pub kind: TargetKind,
    pub url: String,
    pub secret: Option<String>,
    pub api_key_source: Option<String>,
    pub tags: Vec<String>,
    pub events: Vec<String>,
    pub batch_size: u32,
}

/// A stored target, as listed (never with its secret).
#[derive(Debug, Clone)]
pub struct TargetSummary {
    pub id: i64,
    pub campaign_slug: String,
    pub kind: TargetKind,
    pub url: String,
    pub events: Vec<String>,
    pub batch_size: u32,
    pub tags: Vec<String>,
    pub pending: i64,
    pub parked: i64,
    pub delivered: i64,
}

/// A target a worker holds the lease of, with what it needs to send.
#[derive(Debug, Clone)]
pub struct LeasedTarget {
    pub id: i64,
    pub campaign_slug: String,
    pub kind: TargetKind,
    pub url: String,
    pub secret: Option<String>,
    pub api_key_source: Option<String>,
    pub tags: Vec<String>,
    pub batch_size: u32,
}

/// A pending delivery of one event, oldest first.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    pub delivery_id: i64,
    pub attempts: u32,
    /// An earlier attempt may have reached the receiver.
    pub maybe_sent: bool,
    pub public_id: String,
    pub event_type: String,
    pub created_at: String,
    pub data: serde_json::Value,
}

/// A failed attempt, as the worker records it.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    pub now_ms: i64,
    /// A delivery failing since this long ago (or longer) is parked instead of retried.
    pub retry_window_ms: i64,
    pub next_attempt_at: i64,
    pub error: &'a str,
    pub maybe_sent: bool,
}

/// Which deliveries `deliveries` and `resend` look at.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub campaign_slug: Option<String>,
    pub target_id: Option<i64>,
    /// `pending`, `parked` or `delivered`; `None` = all.
    pub state: Option<String>,
    /// Only these deliveries (empty = any).
    pub ids: Vec<i64>,
}

/// One delivery, as listed by the CLI.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
    pub target_id: i64,
    pub campaign_slug: String,
    pub event_public_id: String,
    pub event_type: String,
    pub event_created_at: String,
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

/// The outbox's store contract.
pub trait DeliveryStore: Send + Sync {
    /// Adds a target to its campaign; `None` if there is no such campaign. Only events
    /// written after this reach it.
    fn add_target(&self, t: &NewTarget) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// Targets (of one campaign, or all), by id, with their deliveries' counts.
    fn targets(
        &self,
        campaign_slug: Option<&str>,
    ) -> impl Future<Output = StoreResult<Vec<TargetSummary>>> + Send;

    /// Removes a target and its deliveries; `false` if there was none of this kind.
    fn remove_target(
        &self,
        id: i64,
        kind: TargetKind,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Leases up to `limit` targets whose oldest pending delivery is due at `now_ms` and
    /// that nobody holds (or whose lease ran out), to `owner` until `now_ms + lease_ms`.
    fn lease_due_targets(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<LeasedTarget>>> + Send;

    /// The target's oldest pending deliveries, at most `limit`, in event order.
    fn pending_events(
        &self,
        target_id: i64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<PendingEvent>>> + Send;

    /// Marks these deliveries delivered, then gives the lease back (`keep_until: None`) or
    /// extends it to `keep_until` to go on with the target's next events. Returns whether
    /// `owner` (still) held the lease.
    fn record_success(
        &self,
        target_id: i64,
        owner: &str,
        delivery_ids: &[i64],
        now_ms: i64,
        keep_until: Option<i64>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Counts the failed attempt on these deliveries: retried at `next_attempt_at`, or
    /// parked when they have been failing for the retry window. Gives the lease back.
    /// Returns how many were parked.
    fn record_failure(
        &self,
        target_id: i64,
        owner: &str,
        delivery_ids: &[i64],
        failure: &Failure<'_>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Deliveries matching `filter`, oldest first, at most `limit`.
    fn deliveries(
        &self,
        filter: &DeliveryFilter,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<DeliveryRow>>> + Send;

    /// Puts the parked deliveries matching `filter` back in line, due now, with a fresh
    /// retry window. Returns how many.
    fn resend(&self, filter: &DeliveryFilter) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Deletes delivered deliveries finished before `before_ms`, and events nobody waits
    /// for any more (their copies of personal data with them). Returns deliveries removed.
    fn prune_delivered(&self, before_ms: i64) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// Calls the same method on whichever store this is.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            SignatureStore::Sqlite(s) => s.$method($($arg),*).await,
            SignatureStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl DeliveryStore for SignatureStore {
    async fn add_target(&self, t: &NewTarget) -> StoreResult<Option<i64>> {
        dispatch!(self.add_target(t))
    }
    async fn targets(&self, campaign_slug: Option<&str>) -> StoreResult<Vec<TargetSummary>> {
        dispatch!(self.targets(campaign_slug))
    }
    async fn remove_target(&self, id: i64, kind: TargetKind) -> StoreResult<bool> {
        dispatch!(self.remove_target(id, kind))
    }
    async fn lease_due_targets(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<LeasedTarget>> {
        dispatch!(self.lease_due_targets(owner, now_ms, lease_ms, limit))
    }
    async fn pending_events(&self, target_id: i64, limit: u32) -> StoreResult<Vec<PendingEvent>> {
        dispatch!(self.pending_events(target_id, limit))
    }
    async fn record_success(
        &self,
        target_id: i64,
        owner: &str,
        delivery_ids: &[i64],
        now_ms: i64,
        keep_until: Option<i64>,
    ) -> StoreResult<bool> {
        dispatch!(self.record_success(target_id, owner, delivery_ids, now_ms, keep_until))
    }
    async fn record_failure(
        &self,
        target_id: i64,
        owner: &str,
        delivery_ids: &[i64],
        failure: &Failure<'_>,
    ) -> StoreResult<u64> {
        dispatch!(self.record_failure(target_id, owner, delivery_ids, failure))
    }
    async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRow>> {
        dispatch!(self.deliveries(filter, limit))
    }
    async fn resend(&self, filter: &DeliveryFilter) -> StoreResult<u64> {
        dispatch!(self.resend(filter))
    }
    async fn prune_delivered(&self, before_ms: i64) -> StoreResult<u64> {
        dispatch!(self.prune_delivered(before_ms))
    }
}

/// `events` as stored: space-separated.
pub(crate) fn events_text(events: &[String]) -> String {
    events.join(" ")
}

pub(crate) fn events_list(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}
