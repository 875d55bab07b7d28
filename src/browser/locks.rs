//! The Web Locks API (`navigator.locks.request`), shared by every tab of one browser profile
//! and origin: the outbox claims a pending signature with it, the live count elects the tab that
//! holds the one stream. Called through `Reflect` (web-sys gates `LockManager` behind unstable
//! APIs, and two calls do not need the bindings).

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, prelude::*};
use wasm_bindgen_futures::JsFuture;

/// A held lock; dropping it releases the lock.
pub struct Held(Function);

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::NULL);
    }
}

fn manager() -> Option<(JsValue, Function)> {
    let nav = web_sys::window()?.navigator();
    let locks = Reflect::get(&nav, &"locks".into())
        .ok()
        .filter(JsValue::is_object)?;
    let request = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    Some((locks, request))
}

/// Whether this browser has the Web Locks API (missing in old browsers and some sandboxes).
pub fn supported() -> bool {
    manager().is_some()
}

/// Requests the exclusive lock `name`. With `wait`, resolves when it is granted (queued
/// behind the current holder); without, resolves at once, `None` when another context holds
/// it. `None` too when the API is missing.
pub async fn acquire(name: &str, wait: bool) -> Option<Held> {
    let (locks, request) = manager()?;
    let mut release = None;
    // Held until `release` is called: the lock lives as long as this promise is pending.
    let hold = Promise::new(&mut |resolve, _| release = Some(resolve));
    let release = release?;
    let mut granted_cb = None;
    let granted = Promise::new(&mut |resolve, _| granted_cb = Some(resolve));
    let granted_cb: Function = granted_cb?;
    let refused = granted_cb.clone();
    let cb = Closure::once_into_js(move |lock: JsValue| {
        let _ = granted_cb.call1(&JsValue::NULL, &JsValue::from_bool(!lock.is_null()));
        hold
    });
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"ifAvailable".into(), &JsValue::from_bool(!wait));
    let pending = request.call3(&locks, &name.into(), &opts, &cb).ok()?;
    // A request that fails (e.g. a document without locks access) counts as not granted, and
    // must not surface as an unhandled rejection in the host page.
    if let Ok(p) = pending.dyn_into::<Promise>() {
        wasm_bindgen_futures::spawn_local(async move {
            if JsFuture::from(p).await.is_err() {
                let _ = refused.call1(&JsValue::NULL, &JsValue::FALSE);
            }
        });
    }
    let held = Held(release);
    let ok = JsFuture::from(granted).await.ok()?.as_bool() == Some(true);
    ok.then_some(held)
}
