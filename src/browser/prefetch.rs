//! Answers `embed.js` fetched before the module started (the campaign document, the language
//! file): taken here rather than fetched a second time, so they travel while the wasm
//! downloads and compiles. The loader hands over a function, `prefetched(url)`, with the mount
//! options; it returns a promise of a copy of the answer, or nothing when it holds none for
//! that URL or the one it holds is stale (the caller then fetches as before). A prefetch that
//! failed is asked again by the loader, so the promise is as good as the caller's own fetch.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// The loader's `prefetched` function (one per page: every copy of `embed.js` mounts
    /// through the first one's).
    static LOADER: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Keeps the `prefetched` function of the mount `options` object, if it has one (a module
/// mounted by something other than `embed.js` simply fetches everything itself).
pub fn install(options: &JsValue) {
    if let Ok(f) = Reflect::get(options, &"prefetched".into())
        && let Ok(f) = f.dyn_into::<Function>()
    {
        LOADER.with(|l| *l.borrow_mut() = Some(f));
    }
}

/// The loader's promise of its answer to `url` (a copy of the `Response`; its own request again
/// if the early one failed), or `None` when it holds no fresh one: then the caller fetches.
pub fn take(url: &str) -> Option<Promise> {
    LOADER.with(|l| {
        let loader = l.borrow();
        loader
            .as_ref()?
            .call1(&JsValue::NULL, &url.into())
            .ok()?
            .dyn_into()
            .ok()
    })
}
