//! Fetching a language at mount: the file URL (from the `locales` list `embed.js` passes: the
//! `locales/` base URL, then one `<lang>-<hash>` stem per language), the fetch itself, and the
//! partner's `strings` overrides. Any failure falls back to English; nothing throws.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use js_sys::{Array, JSON, Object};
use wasm_bindgen::JsValue;

use crate::i18n::{Pick, Strings};

/// The file of `lang` named in `locales` (`"https://h/widget/locales/ es-1a2b3c4d …"`); the
/// stem is the language, a dash and the 8-digit hash, so `zh` never picks `zh-hant-…`.
pub fn file_url(locales: &str, lang: &str) -> Option<String> {
    let mut parts = locales.split_whitespace();
    let base = parts.next()?;
    // "-" and the 8-digit hash after the language (`zh-hant-…` is longer).
    let stem = parts.find(|p| p.strip_prefix(lang).is_some_and(|r| r.len() == 9))?;
    Some(format!("{base}{stem}.txt"))
}

// The table lives as long as the page, like the compiled-in English one.
fn keep(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The text of the file at `url` (the loader's prefetched answer when it has one); `None` on
/// any failure.
pub async fn fetch_text(url: &str) -> Option<String> {
    super::api::get_text(url).await
}

/// The strings for `pick` from its fetched language `file` (English when there is none), with
/// the partner's `overrides` (a JSON object of key → text) applied on top.
pub fn strings(pick: Pick, file: Option<String>, overrides: Option<&str>) -> &'static Strings {
    let fetched = file.is_some();
    let mut s = match file {
        Some(text) => Strings::english().with_wire(keep(text)),
        None => Strings::english(),
    };
    s.tag = if fetched || pick.lang == "en" {
        keep(pick.locale)
    } else {
        "en"
    };
    apply_overrides(&mut s, overrides);
    Box::leak(Box::new(s))
}

/// `{"submit": "Add my name"}`: each string member replaces that key's text. A `submit`
/// override also names the compact opener unless `open_form` is given too (both start the
/// signing). Unknown keys are ignored with one `console.warn` per page, naming them.
fn apply_overrides(s: &mut Strings, json: Option<&str>) {
    let Some(obj) = json
        .and_then(|j| JSON::parse(j).ok())
        .filter(JsValue::is_object)
    else {
        return;
    };
    let unknown = Array::new();
    let mut opener = None;
    for entry in Object::entries(&Object::from(obj)).iter() {
        let e = Array::from(&entry);
        if let (Some(k), Some(v)) = (e.get(0).as_string(), e.get(1).as_string()) {
            let v = keep(v);
            if !s.set(&k, v) {
                unknown.push(&e.get(0));
            } else if k == "submit" {
                opener.get_or_insert(v);
            } else if k == "open_form" {
                opener = Some(v);
            }
        }
    }
    if let Some(text) = opener {
        s.open_form = text;
    }
    // Once per page, however many widgets share the mistake.
    if unknown.length() > 0 && !WARNED.swap(true, Relaxed) {
        web_sys::console::warn_2(
            &"[pledge-widget] strings: unknown keys ignored (see docs/i18n.md):".into(),
            &unknown,
        );
    }
}

/// Whether this page was already told about unknown `strings` keys.
static WARNED: AtomicBool = AtomicBool::new(false);
