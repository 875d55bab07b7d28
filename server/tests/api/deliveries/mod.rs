//! Issue 16: signature events reach webhooks and Action Network (OSDI) over real HTTP on
//! loopback, from the outbox the signature's own transaction wrote: signed, in order per
//! campaign, retried with back-off, parked after the retry window, resent by the CLI.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use pledge_server::Settings;
use pledge_server::abuse::Clock;
use pledge_server::delivery::target::{new_signing_secret, osdi_endpoint};
use pledge_server::delivery::{Backoff, DeliverySettings};
use pledge_server::store::delivery::{DeliveryFilter, DeliveryStore, NewTarget, TargetKind};
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{REVEAL_SLUG, SLUG, TestApp, signature, spawn_app_with};
use crate::receiver::{Receiver, Recorded, Reply, wait_until};

mod action_network;
mod commands;
mod webhooks;

/// Deliveries at test speed: polls every 20 ms, waits of 20-200 ms between retries, and a
/// clock the test can move a day forward. Timeouts stay long (10 s): on a loaded machine a
/// receiver's answer can take longer than half a second, and a timed-out request is resent
/// (at least once, rightly), which broke the exactly-once counts of tests that are not about
/// timeouts. Tests about timeouts use [`start_with_short_timeouts`].
pub(super) fn fast_delivery(clock: &Clock) -> DeliverySettings {
    DeliverySettings {
        poll_interval: Duration::from_millis(20),
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(10),
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
            retry_window: Duration::from_secs(24 * 3600),
        },
        clock: clock.clone(),
        ..DeliverySettings::default()
    }
}

pub(super) fn fast(clock: &Clock) -> impl FnOnce(&mut Settings) + use<> {
    let delivery = fast_delivery(clock);
    move |s| s.delivery = delivery
}

/// How long a hanging receiver keeps a request waiting: ten times the short timeout.
pub(super) const HANG: Duration = Duration::from_secs(30);

pub(super) async fn start(clock: &Clock) -> TestApp {
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), fast(clock)).await
}

/// As [`start`], with a 3 s request timeout, for tests whose receiver hangs on purpose (for
/// [`HANG`], far longer): the timeout decides, not how fast a loaded machine answers.
pub(super) async fn start_with_short_timeouts(clock: &Clock) -> TestApp {
    let mut delivery = fast_delivery(clock);
    delivery.request_timeout = Duration::from_secs(3);
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), move |s| {
        s.delivery = delivery;
    })
    .await
}

pub(super) async fn open(app: &TestApp) -> SignatureStore {
    SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .expect("store")
}

/// Adds a webhook for `slug`; returns its id and signing secret.
pub(super) async fn add_webhook(app: &TestApp, slug: &str, url: &str, batch: u32) -> (i64, String) {
    let store = open(app).await;
    let secret = new_signing_secret().unwrap();
    let id = store
        .add_target(&NewTarget {
            campaign_slug: slug.into(),
            kind: TargetKind::Webhook,
            url: url.into(),
            secret: Some(secret.clone()),
            api_key_source: None,
            tags: vec![],
            events: vec![
                "signature.created".into(),
                "signature.confirmed".into(),
                "signature.withdrawn".into(),
            ],
            batch_size: batch,
        })
        .await
        .unwrap()
        .expect("campaign exists");
    store.close().await;
    (id, secret)
}

pub(super) async fn sign(app: &TestApp, slug: &str, email: &str) {
    let r = app
        .post_to(
            slug,
            &format!("key-{}", email.replace(['@', '.'], "-")),
            &signature(email),
        )
        .await;
    assert_eq!(r.status(), 201, "{email}");
}

/// What a receiver does with `Pledge-Signature: t=…,v1=…`: HMAC-SHA256 over `t.body`
/// with the secret, compared in constant time, and a timestamp within five minutes.
pub(super) fn verify(secret: &str, r: &Recorded) -> bool {
    let header = r.header("pledge-signature");
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x.parse::<u64>().ok(),
            Some(("v1", x)) => v1 = hex::decode(x).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&r.body);
    now.abs_diff(t) < 300 && mac.verify_slice(&v1).is_ok()
}

/// The events of the requests the receiver accepted, in the order it accepted them.
pub(super) fn accepted_events(receiver: &Receiver) -> Vec<Value> {
    receiver
        .requests()
        .iter()
        .filter(|r| r.accepted())
        .flat_map(|r| {
            let body = r.json();
            match body.get("events") {
                Some(Value::Array(all)) => all.clone(),
                _ => vec![body],
            }
        })
        .collect()
}

pub(super) fn emails(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["data"]["email"].as_str().unwrap_or("").to_owned())
        .collect()
}

pub(super) async fn wait_until_async<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + crate::helpers::TIMEOUT;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
