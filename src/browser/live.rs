//! The live count: one feed per (endpoint, campaign) per page, shared by every widget showing
//! that campaign, and one stream per browser, shared by its tabs. A feed fetches `…/count`,
//! then, in the tab that holds the Web Lock named after the campaign (the leader), follows
//! `…/events` (SSE `count` events) and relays each count over a `BroadcastChannel`; the other
//! tabs listen, and ask the leader for the latest count when they join. The leader reconnects
//! with capped, jittered exponential back-off; when the stream never works (e.g. `429
//! too_many_streams`) it polls `…/count` every 30 s instead. A hidden tab holds no stream and
//! polls nothing (a hidden leader lets go of the lock, so a visible tab leads); shown again, it
//! fetches the count at once and rejoins. Without locks or `BroadcastChannel`, each tab
//! follows the stream itself. A feed closes when its last subscriber leaves.
//!
//! The same stream carries the wall events (`signer`, `signer_removed`, `signers_reset`): the
//! leader hands them to [`signers::dispatch`] and relays them to the other tabs. Whatever was
//! missed while no stream was open is covered by a `signers_reset` when the stream reopens.

use std::{cell::RefCell, pin::Pin, rc::Rc};

use futures_core::Stream;
use gloo_net::eventsource::futures::{EventSource, EventSourceSubscription};
use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

use super::api::{FetchError, from_js, get, to_js};
use super::host::{after, clear_timer};
use super::tabs::{Channel, VisibilityWatch, hidden};
use super::{lazy, locks, signers};
use crate::document::{self, CountDoc, Update};

/// A live update: signatures, and when known the goal and whether the campaign is closed
/// (a `campaign` event says; a count does not).
pub type Listener = Rc<dyn Fn(Update)>;

const POLL_MS: u32 = 30_000;
const MAX_BACKOFF_MS: u32 = 60_000;
/// Failed connections without a single event before the feed falls back to polling.
const STRIKES_BEFORE_POLLING: u32 = 2;

/// One campaign's feed (see the module documentation).
#[derive(Default)]
pub struct Feed {
    base: String,
    listeners: Vec<(u32, Listener)>,
    last: Option<Update>,
    /// The open stream (dropping it closes it).
    source: Option<EventSource>,
    /// Counts the streams opened: a stream's events are heard only while it is the current one.
    generation: u32,
    /// A stream was open before: a new one may have missed wall events.
    streamed: bool,
    timer: Option<i32>,
    failures: u32,
    strikes: u32,
    heard: bool,
    stopped: bool,
    /// Other tabs following this campaign (`None`: this tab follows the stream on its own).
    channel: Option<Channel>,
    /// Held while this tab leads: it alone holds the stream.
    lock: Option<locks::Held>,
    /// A lock request is waiting in the browser's queue.
    queued: bool,
    watch: Option<VisibilityWatch>,
}

/// A feed, shared by the widgets that show its campaign.
pub type Shared = Rc<RefCell<Feed>>;

thread_local! {
    /// Open feeds by campaign URL (a handful per page at most: a Vec beats a map in bytes).
    static FEEDS: RefCell<Vec<(String, Shared)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: RefCell<u32> = const { RefCell::new(0) };
}

/// Follows the count of the campaign at `base` (`{endpoint}/campaigns/{slug}`); `listener`
/// hears the last known count at once if there is one. Returns the id for [`unsubscribe`].
pub fn subscribe(base: &str, listener: Listener) -> u32 {
    let id = NEXT_ID.with(|n| {
        *n.borrow_mut() += 1;
        *n.borrow()
    });
    let (feed, fresh) = FEEDS.with(|f| {
        let mut feeds = f.borrow_mut();
        if let Some((_, feed)) = feeds.iter().find(|(b, _)| b == base) {
            return (feed.clone(), false);
        }
        let feed = Rc::new(RefCell::new(Feed {
            base: base.to_owned(),
            ..Feed::default()
        }));
        feeds.push((base.to_owned(), feed.clone()));
        (feed, true)
    });
    let last = feed.borrow().last;
    if let Some(last) = last {
        listener(last);
    }
    feed.borrow_mut().listeners.push((id, listener));
    if fresh {
        // The stream, the tabs and the polling are a lazy chunk: until it is in, the widget
        // shows the count of the campaign document (and keeps it, should the chunk not load).
        leptos::task::spawn_local(async move {
            let _ = lazy::live_start(feed).await;
        });
    }
    id
}

/// Stops `id` hearing updates; the feed closes when nobody listens any more.
pub fn unsubscribe(base: &str, id: u32) {
    let empty = FEEDS.with(|f| {
        let feeds = f.borrow();
        let Some((_, feed)) = feeds.iter().find(|(b, _)| b == base) else {
            return false;
        };
        let mut feed = feed.borrow_mut();
        feed.listeners.retain(|(i, _)| *i != id);
        feed.listeners.is_empty()
    });
    let removed = FEEDS.with(|f| {
        let mut feeds = f.borrow_mut();
        let i = feeds
            .iter()
            .position(|(b, _)| b == base)
            .filter(|_| empty)?;
        Some(feeds.swap_remove(i).1)
    });
    if let Some(feed) = removed {
        let mut feed = feed.borrow_mut();
        feed.stopped = true;
        leave(&mut feed);
        feed.channel = None;
        feed.watch = None;
    }
}

/// Joins the other tabs (when the browser can) and starts following, unless hidden or
/// closed already (its last widget left while the chunk loaded).
pub fn start(feed: &Shared) {
    if feed.borrow().stopped {
        return;
    }
    let base = feed.borrow().base.clone();
    let channel = if locks::supported() {
        let weak = Rc::downgrade(feed);
        Channel::open(&format!("pledge-live:{base}"), move |msg| {
            let Some(feed) = weak.upgrade() else { return };
            if msg.as_string().as_deref() == Some("hello") {
                let f = feed.borrow();
                if let (Some(c), Some(_), Some(last)) = (&f.channel, &f.lock, f.last) {
                    c.post(&count_msg(last));
                }
            } else if let Some(kind) = js_sys::Reflect::get(&msg, &"wall".into())
                .ok()
                .and_then(|k| k.as_string())
            {
                let data = js_sys::Reflect::get(&msg, &"data".into()).unwrap_or_default();
                signers::dispatch(&base_of(&feed), &kind, &data);
            } else if let Some(update) = from_js::<CountDoc>(msg).and_then(|c| document::count(&c))
            {
                notify(&feed, update);
            }
        })
    } else {
        None
    };
    let weak = Rc::downgrade(feed);
    let watch = VisibilityWatch::new(move || {
        let Some(feed) = weak.upgrade() else { return };
        if hidden() {
            leave(&mut feed.borrow_mut());
        } else if feed.borrow().source.is_none() && feed.borrow().timer.is_none() {
            // Whatever changed meanwhile shows at once; then the stream (or leader) resumes.
            leptos::task::spawn_local(poll_once(weak.clone(), true));
        }
    });
    {
        let mut f = feed.borrow_mut();
        f.channel = channel;
        f.watch = Some(watch);
    }
    if !hidden() {
        leptos::task::spawn_local(poll_once(Rc::downgrade(feed), true));
    }
}

/// Stops streaming and polling, and lets another tab lead.
fn leave(feed: &mut Feed) {
    close(feed);
    if let Some(t) = feed.timer.take() {
        clear_timer(t);
    }
    feed.lock = None;
    feed.heard = false;
    feed.strikes = 0;
}

fn base_of(feed: &Shared) -> String {
    feed.borrow().base.clone()
}

/// Hands a wall event to this tab's walls and, from the leader, to the other tabs'.
fn wall_event(feed: &Shared, kind: &str, data: &JsValue) {
    let base = base_of(feed);
    if let (Some(c), Some(_)) = (&feed.borrow().channel, &feed.borrow().lock) {
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"wall".into(), &kind.into());
        let _ = js_sys::Reflect::set(&o, &"data".into(), data);
        c.post(&o);
    }
    signers::dispatch(&base, kind, data);
}

/// An update as the other tabs read it: the `…/count` document.
fn count_msg((count, goal, closed): Update) -> JsValue {
    let doc = CountDoc {
        count: Some(count),
        goal,
        state: closed.map(|c| if c { "closed" } else { "open" }.into()),
    };
    to_js(&doc).unwrap_or_default()
}

/// Follows the stream: directly without a channel, else once this tab leads.
fn join(feed: &Shared) {
    let (shared, leading) = {
        let f = feed.borrow();
        (f.channel.is_some(), f.lock.is_some())
    };
    if !shared || leading {
        return connect(feed);
    }
    let name = {
        let mut f = feed.borrow_mut();
        if let Some(c) = &f.channel {
            c.post(&"hello".into());
        }
        if f.queued {
            return;
        }
        f.queued = true;
        format!("pledge-live:{}", f.base)
    };
    let weak = Rc::downgrade(feed);
    leptos::task::spawn_local(async move {
        let held = locks::acquire(&name, true).await;
        let Some(feed) = weak.upgrade() else { return };
        feed.borrow_mut().queued = false;
        // Granted while hidden or after unmount: pass the lead on at once (dropping `held`).
        if held.is_some() && !hidden() && !feed.borrow().stopped {
            feed.borrow_mut().lock = held;
            connect(&feed);
        }
    });
}

fn close(feed: &mut Feed) {
    // Closing ends the stream's subscriptions (gloo-net tells them with an `error` event,
    // which [`follow`] ignores: the stream is no longer the current one).
    if let Some(es) = feed.source.take() {
        es.close();
    }
}

fn notify(feed: &Shared, (count, goal, closed): Update) {
    let (listeners, last) = {
        let mut f = feed.borrow_mut();
        let known = f.last.map_or((None, None), |(_, g, c)| (g, c));
        let last = (count, goal.or(known.0), closed.or(known.1));
        f.last = Some(last);
        (
            f.listeners
                .iter()
                .map(|(_, l)| l.clone())
                .collect::<Vec<_>>(),
            last,
        )
    };
    // The leader tells the other tabs.
    if let (Some(c), Some(_)) = (&feed.borrow().channel, &feed.borrow().lock) {
        c.post(&count_msg(last));
    }
    for l in listeners {
        l(last);
    }
}

/// Fetches `…/count`; the first time, goes on to the stream, later schedules the next poll.
/// A 404 means the endpoint has no count routes: the feed then stays quiet.
async fn poll_once(weak: std::rc::Weak<RefCell<Feed>>, first: bool) {
    let Some(base) = weak.upgrade().map(|f| f.borrow().base.clone()) else {
        return;
    };
    let result = get::<CountDoc>(&format!("{base}/count")).await;
    let Some(feed) = weak.upgrade() else { return };
    if feed.borrow().stopped || hidden() {
        return;
    }
    match result {
        Ok(doc) => {
            if let Some(update) = document::count(&doc) {
                notify(&feed, update);
            }
        }
        Err(FetchError::Status(404 | 405 | 501, _)) => return,
        Err(_) => {}
    }
    if first {
        join(&feed);
    } else {
        schedule(&feed, POLL_MS, Step::Poll);
    }
}

enum Step {
    Connect,
    Poll,
}

fn schedule(feed: &Shared, ms: u32, step: Step) {
    let weak = Rc::downgrade(feed);
    let timer = after(ms, move || {
        let Some(feed) = weak.upgrade() else { return };
        feed.borrow_mut().timer = None;
        match step {
            Step::Connect => connect(&feed),
            Step::Poll => leptos::task::spawn_local(poll_once(weak, false)),
        }
    });
    feed.borrow_mut().timer = timer;
}

/// Opens the stream: `count` and `campaign` events update the count, the wall events go to
/// the walls, and any `error` (the browser would retry on its own, in step with every other
/// viewer) closes it and schedules the next attempt here, with back-off and jitter.
fn connect(feed: &Shared) {
    let url = format!("{}/events", feed.borrow().base);
    let Ok(mut es) = EventSource::new(&url) else {
        schedule(feed, POLL_MS, Step::Poll);
        return;
    };
    let generation = {
        let mut f = feed.borrow_mut();
        f.generation = f.generation.wrapping_add(1);
        f.generation
    };
    // `campaign` events (an organiser's change) carry the count, goal and state too. `error`
    // as an event type: gloo-net reports an error to subscriptions only once the browser has
    // given up, and this feed decides itself when to reconnect.
    for kind in [
        "count",
        "campaign",
        "signer",
        "signer_removed",
        "signers_reset",
        "error",
    ] {
        if let Ok(sub) = es.subscribe(kind) {
            leptos::task::spawn_local(follow(Rc::downgrade(feed), generation, sub));
        }
    }
    let reopened = {
        let mut f = feed.borrow_mut();
        f.source = Some(es);
        std::mem::replace(&mut f.streamed, true)
    };
    if reopened {
        wall_event(feed, "signers_reset", &JsValue::NULL);
    }
}

/// Hears one event type of the stream `generation` until it closes.
async fn follow(
    weak: std::rc::Weak<RefCell<Feed>>,
    generation: u32,
    mut sub: EventSourceSubscription,
) {
    while let Some(Ok((kind, ev))) =
        std::future::poll_fn(|cx| Pin::new(&mut sub).poll_next(cx)).await
    {
        let Some(feed) = weak.upgrade() else { return };
        let current = {
            let f = feed.borrow();
            f.generation == generation && f.source.is_some()
        };
        if !current {
            return;
        }
        match kind.as_str() {
            "error" => failed(&feed),
            "count" | "campaign" => heard(&feed, &ev),
            _ => wall_event(&feed, &kind, &parse(&ev).unwrap_or_default()),
        }
    }
}

/// The event's `data`, parsed as JSON.
fn parse(ev: &MessageEvent) -> Option<JsValue> {
    js_sys::JSON::parse(&ev.data().as_string()?).ok()
}

/// A `count` or `campaign` event.
fn heard(feed: &Shared, ev: &MessageEvent) {
    let doc = parse(ev).and_then(from_js::<CountDoc>);
    if let Some(update) = doc.as_ref().and_then(document::count) {
        {
            let mut f = feed.borrow_mut();
            f.failures = 0;
            f.strikes = 0;
            f.heard = true;
        }
        notify(feed, update);
    }
}

/// The stream failed: close it, then reconnect after a back-off, or poll after repeated
/// failures without a single event.
fn failed(feed: &Shared) {
    let (delay, step) = {
        let mut f = feed.borrow_mut();
        close(&mut f);
        if !f.heard {
            f.strikes += 1;
        }
        f.heard = false;
        f.failures = f.failures.saturating_add(1);
        if f.strikes >= STRIKES_BEFORE_POLLING {
            (POLL_MS, Step::Poll)
        } else {
            (backoff(f.failures), Step::Connect)
        }
    };
    schedule(feed, delay, step);
}

/// 1 s, 2 s, 4 s … capped at 60 s, each scaled by a random 50–100 % so that thousands of
/// viewers do not reconnect in step after a server restart.
fn backoff(failures: u32) -> u32 {
    let base = 1000u32
        .saturating_mul(1 << failures.min(6))
        .min(MAX_BACKOFF_MS);
    (f64::from(base) * (0.5 + js_sys::Math::random() / 2.0)) as u32
}
