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

use std::{cell::RefCell, rc::Rc};

use wasm_bindgen::{JsCast, prelude::*};
use web_sys::{Event, EventSource, MessageEvent};

use super::api::{FetchError, get};
use super::host::{after, clear_timer};
use super::tabs::{Channel, VisibilityWatch, hidden};
use super::{decode, lazy, locks, signers};
use crate::document::Update;

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
    source: Option<EventSource>,
    on_count: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(Event)>>,
    on_wall: Option<Closure<dyn FnMut(MessageEvent)>>,
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
            } else if let Some(update) = decode::count(&msg) {
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

fn count_msg((count, goal, closed): Update) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"count".into(), &(count as f64).into());
    if let Some(g) = goal {
        let _ = js_sys::Reflect::set(&o, &"goal".into(), &(g as f64).into());
    }
    if let Some(c) = closed {
        let state = if c { "closed" } else { "open" };
        let _ = js_sys::Reflect::set(&o, &"state".into(), &state.into());
    }
    o.into()
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
    if let Some(es) = feed.source.take() {
        es.set_onerror(None);
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
    let result = get(&format!("{base}/count")).await;
    let Some(feed) = weak.upgrade() else { return };
    if feed.borrow().stopped || hidden() {
        return;
    }
    match result {
        Ok(doc) => {
            if let Some(update) = decode::count(&doc) {
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

fn connect(feed: &Shared) {
    let url = format!("{}/events", feed.borrow().base);
    let Ok(es) = EventSource::new(&url) else {
        schedule(feed, POLL_MS, Step::Poll);
        return;
    };
    let weak = Rc::downgrade(feed);
    let on_count = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(feed) = weak.upgrade() else { return };
        let data = ev
            .data()
            .as_string()
            .and_then(|d| js_sys::JSON::parse(&d).ok());
        if let Some(update) = data.as_ref().and_then(decode::count) {
            {
                let mut f = feed.borrow_mut();
                f.failures = 0;
                f.strikes = 0;
                f.heard = true;
            }
            notify(&feed, update);
        }
    });
    let weak = Rc::downgrade(feed);
    let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
        let Some(feed) = weak.upgrade() else { return };
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
        schedule(&feed, delay, step);
    });
    let weak = Rc::downgrade(feed);
    let on_wall = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(feed) = weak.upgrade() else { return };
        let data = ev
            .data()
            .as_string()
            .and_then(|d| js_sys::JSON::parse(&d).ok())
            .unwrap_or_default();
        wall_event(&feed, &ev.type_(), &data);
    });
    // `campaign` events (an organiser's change) carry the count, goal and state too.
    for event in ["count", "campaign"] {
        let _ = es.add_event_listener_with_callback(event, on_count.as_ref().unchecked_ref());
    }
    for kind in ["signer", "signer_removed", "signers_reset"] {
        let _ = es.add_event_listener_with_callback(kind, on_wall.as_ref().unchecked_ref());
    }
    es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let reopened = {
        let mut f = feed.borrow_mut();
        f.source = Some(es);
        f.on_count = Some(on_count);
        f.on_error = Some(on_error);
        f.on_wall = Some(on_wall);
        std::mem::replace(&mut f.streamed, true)
    };
    if reopened {
        wall_event(feed, "signers_reset", &JsValue::NULL);
    }
}

/// 1 s, 2 s, 4 s … capped at 60 s, each scaled by a random 50–100 % so that thousands of
/// viewers do not reconnect in step after a server restart.
fn backoff(failures: u32) -> u32 {
    let base = 1000u32
        .saturating_mul(1 << failures.min(6))
        .min(MAX_BACKOFF_MS);
    (f64::from(base) * (0.5 + js_sys::Math::random() / 2.0)) as u32
}
