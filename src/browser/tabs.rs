//! What the widget needs to cooperate with other tabs of the same browser: a
//! `BroadcastChannel` to hear and tell them the count, and the page's visibility (a hidden tab
//! holds no stream). The leader election itself uses [`super::locks`].

use wasm_bindgen::{JsCast, prelude::*};
use web_sys::{BroadcastChannel, MessageEvent};

/// An open `BroadcastChannel`; closed when dropped.
pub struct Channel {
    bc: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Channel {
    /// Joins channel `name`; `f` hears every message other contexts post (`None` where the
    /// API is missing).
    pub fn open(name: &str, mut f: impl FnMut(JsValue) + 'static) -> Option<Self> {
        let bc = BroadcastChannel::new(name).ok()?;
        let cb = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| f(ev.data()));
        bc.set_onmessage(Some(cb.as_ref().unchecked_ref()));
        Some(Self {
            bc,
            _on_message: cb,
        })
    }

    /// Posts `msg` to the other members (structured clone; failures are ignored).
    pub fn post(&self, msg: &JsValue) {
        let _ = self.bc.post_message(msg);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.bc.set_onmessage(None);
        self.bc.close();
    }
}

/// `document.hidden`: the tab is in the background, minimised, or the screen is locked.
pub fn hidden() -> bool {
    super::host::document().is_some_and(|d| d.hidden())
}

/// Calls a function on every `visibilitychange` until dropped.
pub struct VisibilityWatch(Closure<dyn FnMut()>);

impl VisibilityWatch {
    /// Starts calling `f` (which reads [`hidden`]) when the page is hidden or shown.
    pub fn new(f: impl FnMut() + 'static) -> Self {
        let cb = Closure::<dyn FnMut()>::new(f);
        if let Some(d) = super::host::document() {
            let _ =
                d.add_event_listener_with_callback("visibilitychange", cb.as_ref().unchecked_ref());
        }
        Self(cb)
    }
}

impl Drop for VisibilityWatch {
    fn drop(&mut self) {
        if let Some(d) = super::host::document() {
            let _ = d.remove_event_listener_with_callback(
                "visibilitychange",
                self.0.as_ref().unchecked_ref(),
            );
        }
    }
}
