//! The page around the widget: styles for the shadow root, `CustomEvent`s for the host page,
//! the page's language and URL, timers and random ids.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, prelude::*};
use web_sys::{CssStyleSheet, CustomEvent, CustomEventInit, Element, ShadowRoot};

/// The widget stylesheet, minified at build time from `src/widget.css`.
pub const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

thread_local! {
    /// One constructed sheet shared by every widget on the page.
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// Applies the stylesheet to `root`: a constructable sheet via `adoptedStyleSheets` (allowed
/// under a strict CSP), or a `<style>` element where that API is missing.
pub fn adopt_styles(root: &ShadowRoot) {
    let sheet = SHEET.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            let sheet = CssStyleSheet::new()
                .ok()
                .filter(|s| s.replace_sync(CSS).is_ok());
            *cell = sheet;
        }
        cell.clone()
    });
    let adopted = sheet.is_some_and(|sheet| {
        js_sys::Reflect::has(root, &"adoptedStyleSheets".into()).unwrap_or(false) && {
            root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
            true
        }
    });
    if !adopted && let Some(style) = document().and_then(|d| d.create_element("style").ok()) {
        style.set_text_content(Some(CSS));
        let _ = root.append_child(&style);
    }
}

/// Dispatches `pledge:<name>` on `target`, bubbling out of the shadow root, with `detail`
/// built from `(key, value)` pairs.
pub fn emit(target: &Element, name: &str, detail: &[(&str, JsValue)]) {
    let obj = js_sys::Object::new();
    for (k, v) in detail {
        let _ = js_sys::Reflect::set(&obj, &(*k).into(), v);
    }
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&obj);
    if let Ok(ev) = CustomEvent::new_with_event_init_dict(&format!("pledge:{name}"), &init) {
        let _ = target.dispatch_event(&ev);
    }
}

/// A widget that cannot take signatures tells the partner once: one `console.error` line
/// `[pledge-widget] CODE: FIX` and `pledge:error` with `{campaign, code, message: "CODE: FIX"}`.
pub fn refuse(target: &Element, campaign: &str, code: &str, fix: &str) {
    let line = [code, ": ", fix].concat();
    report(&line);
    let detail = [
        ("campaign", campaign.into()),
        ("code", code.into()),
        ("message", line.into()),
    ];
    emit(target, "error", &detail);
}

/// `console.error("[pledge-widget] …")`.
pub fn report(msg: &str) {
    web_sys::console::error_1(&format!("[pledge-widget] {msg}").into());
}

/// The page's document, when there is one.
pub fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Language candidates in order of preference: the `lang` option, the host page's
/// `<html lang>`, then `navigator.languages`.
pub fn language_candidates(option: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = option.map(str::to_owned).into_iter().collect();
    if let Some(html) = document().and_then(|d| d.document_element()) {
        out.extend(html.get_attribute("lang").filter(|l| !l.is_empty()));
    }
    if let Some(w) = web_sys::window() {
        out.extend(
            w.navigator()
                .languages()
                .iter()
                .filter_map(|l| l.as_string()),
        );
    }
    out
}

/// The page the visitor is on (`source_url`, and the default share link).
pub fn page_url() -> Option<String> {
    web_sys::window()?
        .location()
        .href()
        .ok()
        .filter(|u| u.starts_with("http"))
}

/// A fresh idempotency key: `crypto.randomUUID()` where available (secure contexts), else 32
/// random hex digits.
pub fn random_key() -> String {
    let uuid = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .filter(|c| js_sys::Reflect::has(c, &"randomUUID".into()).unwrap_or(false))
        .map(|c| c.random_uuid());
    // Digit by digit: `format!("{:x}")` would bring hex formatting into the main module.
    uuid.unwrap_or_else(|| {
        (0..32)
            .map(|_| char::from_digit((js_sys::Math::random() * 16.0) as u32, 16).unwrap_or('0'))
            .collect()
    })
}

/// Runs `f` once after `ms` milliseconds; returns the timer id for [`clear_timer`].
pub fn after(ms: u32, f: impl FnOnce() + 'static) -> Option<i32> {
    after_boxed(ms, Box::new(f))
}

// Boxed so every timer shares one `Closure` instantiation (smaller wasm).
fn after_boxed(ms: u32, f: Box<dyn FnOnce()>) -> Option<i32> {
    let cb = Closure::once_into_js(f);
    web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), ms as i32)
        .ok()
}

/// Cancels a timer from [`after`].
pub fn clear_timer(id: i32) {
    if let Some(w) = web_sys::window() {
        w.clear_timeout_with_handle(id);
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = after(ms, move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
