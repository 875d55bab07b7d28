//! The endpoint contract of docs/api.md over the browser's `fetch`. Bodies are parsed by the
//! browser (`Response.json()`) and read by [`super::decode`], so no JSON parser ships in the
//! wasm. (web-sys directly rather than gloo-net: the wrapper cost ~1 KB brotli for two calls.)

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

use super::host::{after, clear_timer};
use super::{decode, prefetch};
use crate::outcome::SubmitOutcome;

/// A request without an answer by then is aborted and counts as no answer: a signature goes
/// to the outbox instead of leaving "Signing…" up forever on a dead connection.
const TIMEOUT_MS: u32 = 15_000;

pub use crate::availability::FetchError;

/// `fetch(url, {method, headers, body})`; `None` when no answer arrived within [`TIMEOUT_MS`].
async fn fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Option<Response> {
    let init = RequestInit::new();
    init.set_method(method);
    let h = js_sys::Object::new();
    for (k, v) in headers {
        let _ = js_sys::Reflect::set(&h, &(*k).into(), &(*v).into());
    }
    init.set_headers(&h);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let abort = web_sys::AbortController::new().ok()?;
    init.set_signal(Some(&abort.signal()));
    let timer = after(TIMEOUT_MS, move || abort.abort());
    // The campaign document is usually on its way already: `embed.js` asked with the module.
    let promise = match prefetch::take(url) {
        Some(answer) => answer,
        None => web_sys::window()?.fetch_with_str_and_init(url, &init),
    };
    let resp = JsFuture::from(promise).await;
    if let Some(t) = timer {
        clear_timer(t);
    }
    resp.ok()?.dyn_into().ok()
}

async fn json(resp: &Response) -> JsValue {
    match resp.json() {
        Ok(p) => JsFuture::from(p).await.unwrap_or_default(),
        Err(_) => JsValue::UNDEFINED,
    }
}

/// `GET url` → the parsed JSON body of a 2xx answer.
pub async fn get(url: &str) -> Result<JsValue, FetchError> {
    let resp = fetch("GET", url, &[], None)
        .await
        .ok_or(FetchError::Network)?;
    let body = json(&resp).await;
    if resp.ok() {
        Ok(body)
    } else {
        Err(FetchError::Status(
            resp.status(),
            decode::reply(&body).error,
        ))
    }
}

/// `POST {campaign_url}/signatures` with the given idempotency key and JSON body.
pub async fn post_signature(campaign_url: &str, key: &str, body: &str) -> SubmitOutcome {
    let url = format!("{campaign_url}/signatures");
    let headers = [
        ("Content-Type", "application/json"),
        ("Idempotency-Key", key),
    ];
    let Some(resp) = fetch("POST", &url, &headers, Some(body)).await else {
        return SubmitOutcome::Unavailable;
    };
    let retry_after = resp.headers().get("retry-after").ok().flatten();
    let reply = decode::reply(&json(&resp).await);
    SubmitOutcome::classify(Some(resp.status()), Some(reply), retry_after.as_deref())
}
