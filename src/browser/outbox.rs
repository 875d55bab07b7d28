//! The outbox: a signature is written to `localStorage` (the typed request as JSON, its
//! idempotency key, the time; the campaign URL is in the storage key) before it is sent, and stays there until the endpoint
//! acknowledges it (`201`/`200`) or refuses it for good (then it is deleted at once). [`deliver`]
//! sends it, with back-off and at once when the browser comes back online, even after a reload:
//! a widget for the same campaign finds it on mount.
//! Several widgets or tabs may find the same entry; a Web Lock on the entry's storage key lets
//! one send at a time, and the idempotency key makes the endpoint count it once regardless.

use std::cell::RefCell;

use js_sys::{Function, JSON};
use pledge_contract::wire::{SignatureRequest, loose};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, prelude::*};
use web_sys::Storage;

use super::{api, challenge, host, lazy, locks};
use crate::outcome::{Next, SubmitOutcome};

/// Entries older than this are dropped unsent: a week-old signature is no longer what the
/// supporter expects to happen.
const MAX_AGE_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// Fresh proofs tried for one signature before giving up on it.
const MAX_PROOFS: u32 = 3;

/// A signature waiting to be acknowledged.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    /// `Idempotency-Key` of every attempt.
    pub key: String,
    /// The request as first sent (without `proof`, which is fresh for each attempt).
    pub request: SignatureRequest,
}

/// An entry as stored: `{"key", "request", "at"}`.
#[derive(Serialize)]
struct Stored<'a> {
    key: &'a str,
    request: &'a SignatureRequest,
    /// When it was saved, in milliseconds since 1970.
    at: f64,
}

/// An entry as read back; every member may be missing or mistyped (another version wrote
/// it, or someone edited storage).
#[derive(Default, Deserialize)]
#[serde(default)]
struct StoredEntry {
    #[serde(deserialize_with = "loose::text")]
    key: Option<String>,
    request: loose::Loose<SignatureRequest>,
    /// The request as JSON text, as the widget stored it before the outbox was typed: such an
    /// entry (at most a week old) is still sent, not lost to the upgrade.
    #[serde(deserialize_with = "loose::text")]
    body: Option<String>,
    #[serde(deserialize_with = "loose::uint")]
    at: Option<u64>,
}

fn storage() -> Option<Storage> {
    // Throws in sandboxed frames and with storage disabled: then the outbox is just memory-less.
    web_sys::window()?.local_storage().ok()?
}

/// Storage key (and lock name) of `base` (`{endpoint}/campaigns/{slug}`).
fn slot(base: &str) -> String {
    format!("pledge-outbox:{base}")
}

/// Keeps `request` with `key` for `base`, replacing any earlier entry.
pub fn save(base: &str, key: &str, request: &SignatureRequest) {
    let entry = Stored {
        key,
        request,
        at: js_sys::Date::now(),
    };
    if let (Some(s), Some(text)) = (storage(), api::to_json(&entry)) {
        let _ = s.set_item(&slot(base), &text);
    }
}

/// The entry waiting for `base`, if any; an expired or unreadable one is removed.
pub fn load(base: &str) -> Option<Pending> {
    let text = storage()?.get_item(&slot(base)).ok()??;
    let stored: StoredEntry = JSON::parse(&text)
        .ok()
        .and_then(api::from_js)
        .unwrap_or_default();
    let fresh = (js_sys::Date::now() - stored.at.unwrap_or(0) as f64) < MAX_AGE_MS;
    let request = stored.request.0.or_else(|| {
        let legacy = JSON::parse(&stored.body?).ok()?;
        api::from_js(legacy)
    });
    let entry = match (fresh, stored.key, request) {
        (true, Some(key), Some(request)) => Some(Pending { key, request }),
        _ => None,
    };
    if entry.is_none() {
        remove(base);
    }
    entry
}

/// Forgets the entry for `base` (acknowledged, refused, or cancelled by the supporter).
pub fn remove(base: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&slot(base));
    }
}

thread_local! {
    /// Resolvers of the outbox's current waits: [`wake`] ends them early.
    static WAITING: RefCell<Vec<Function>> = const { RefCell::new(Vec::new()) };
    static ONLINE_HOOKED: RefCell<bool> = const { RefCell::new(false) };
}

/// Ends every outbox wait now: the network is back, or the supporter pressed the button again.
pub fn wake() {
    for f in WAITING.with(|w| std::mem::take(&mut *w.borrow_mut())) {
        let _ = f.call0(&JsValue::NULL);
    }
}

/// Waits `ms`, or less when [`wake`] is called (the `online` event calls it).
pub async fn nap(ms: u32) {
    if !ONLINE_HOOKED.with(|h| h.replace(true))
        && let Some(w) = web_sys::window()
    {
        let cb = Closure::<dyn Fn()>::new(wake).into_js_value();
        let _ = w.add_event_listener_with_callback("online", cb.unchecked_ref());
    }
    let p = js_sys::Promise::new(&mut |resolve, _| {
        WAITING.with(|w| w.borrow_mut().push(resolve.clone()));
        let _ = host::after(ms, move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// 1 s, 2 s, 4 s … capped at 60 s, each scaled by a random 50–100 %.
pub fn backoff(failures: u32) -> u32 {
    let base = (1000u32 << failures.min(6)).min(60_000);
    (f64::from(base) * (0.5 + js_sys::Math::random() / 2.0)) as u32
}

/// [`deliver`] from its lazily loaded chunk ([`lazy::deliver`]). While the chunk cannot be
/// fetched (offline before it ever loaded), the entry waits as after an unanswered attempt:
/// `waiting` hears [`SubmitOutcome::Unavailable`], and the chunk is asked for again after a
/// back-off, or at once when the browser comes back online.
pub async fn deliver_lazily(
    base: &str,
    needs_proof: bool,
    alive: impl Fn() -> bool + Clone + 'static,
    waiting: impl Fn(&SubmitOutcome) + Clone + 'static,
) -> Option<SubmitOutcome> {
    let mut failures = 0;
    while alive() {
        let (a, w) = (Box::new(alive.clone()), Box::new(waiting.clone()));
        match lazy::deliver(base.to_owned(), needs_proof, a, w).await {
            Ok(delivery) => return delivery.await,
            Err(lazy::ChunkUnavailable) => {
                waiting(&SubmitOutcome::Unavailable);
                failures += 1;
                nap(backoff(failures)).await;
            }
        }
    }
    None
}

/// Sends the entry waiting for `base` until it is acknowledged or refused, and returns that
/// outcome; `None` when the entry is gone (cancelled, or sent by another tab) or `alive()`
/// turns false. `needs_proof`: the campaign asks for proof of work (solved per attempt).
/// `waiting` hears each outcome that leaves the entry waiting (no answer, 5xx, 429).
pub async fn deliver(
    base: &str,
    needs_proof: bool,
    alive: impl Fn() -> bool,
    waiting: impl Fn(&SubmitOutcome),
) -> Option<SubmitOutcome> {
    let name = slot(base);
    let mut needs_proof = needs_proof;
    let (mut failures, mut proofs) = (0, 0);
    // Kept across attempts: after `429 too_fast` the same proof must be sent again (a fresh one
    // would restart the minimum fill time); replaced only when the server refuses it.
    let mut proof = None;
    while alive() {
        load(base)?;
        let lock = if locks::supported() {
            let Some(held) = locks::acquire(&name, false).await else {
                // Another widget is sending it right now.
                nap(backoff(failures)).await;
                failures += 1;
                continue;
            };
            Some(held)
        } else {
            None
        };
        // Read again under the lock: the previous holder may have finished with it.
        let p = load(base)?;
        if needs_proof && proof.is_none() {
            proof = challenge::take(base).await;
        }
        let outcome = if needs_proof && proof.is_none() {
            SubmitOutcome::Unavailable
        } else {
            let request = SignatureRequest {
                proof: proof.clone(),
                ..p.request
            };
            api::post_signature(base, &p.key, &request).await
        };
        drop(lock);
        let next = match outcome.next() {
            Next::NewProof if proofs < MAX_PROOFS => {
                // Also from a campaign that asks for no proof: a post whose hidden trap field
                // was filled (by a form-filler, for a person) gets a second chance with a
                // harder proof, the challenge the server now gives (docs/api.md).
                needs_proof = true;
                proofs += 1;
                proof = None;
                continue;
            }
            Next::NewProof => Next::Drop,
            n => n,
        };
        match next {
            Next::Done | Next::Drop => {
                // Unless the supporter replaced it meanwhile with a corrected signature.
                if load(base).is_some_and(|now| now.key == p.key) {
                    remove(base);
                }
                return Some(outcome);
            }
            Next::Wait(s) => {
                waiting(&outcome);
                nap(s * 1000).await;
            }
            _ => {
                waiting(&outcome);
                failures += 1;
                nap(backoff(failures)).await;
            }
        }
    }
    None
}
