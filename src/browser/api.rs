//! The endpoint contract of docs/api.md over gloo-net's `fetch`: every request with a timeout
//! (an `AbortSignal` fired by a timer), bodies parsed by the browser (`JSON.parse`) and read
//! into the contract's wire types with serde-wasm-bindgen, so no JSON parser ships in the
//! wasm. `JsValue` stays in this file: callers get typed documents.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use wasm_bindgen::{JsCast, JsValue};

use super::host::{after, clear_timer};
use super::prefetch;
use crate::document::SignatureAnswer;
use crate::outcome::SubmitOutcome;
use pledge_contract::wire::{SignatureRequest, loose};

/// A request without an answer by then is aborted and counts as no answer: a signature goes
/// to the outbox instead of leaving "Signing…" up forever on a dead connection.
const TIMEOUT_MS: u32 = 15_000;

pub use crate::availability::FetchError;

/// Sends `request` (with `body`, if any); `None` when no answer arrived within
/// [`TIMEOUT_MS`] (aborted then) or none at all (offline, DNS, CORS).
async fn send(request: RequestBuilder, body: Option<JsValue>) -> Option<Response> {
    let abort = web_sys::AbortController::new().ok()?;
    let request = request.abort_signal(Some(&abort.signal()));
    let request = match body {
        Some(body) => request.body(body),
        None => request.build(),
    }
    .ok()?;
    let timer = after(TIMEOUT_MS, move || abort.abort());
    let resp = request.send().await;
    if let Some(t) = timer {
        clear_timer(t);
    }
    resp.ok()
}

/// `GET url`: the answer `embed.js` fetched early when it holds one ([`prefetch`]: the campaign
/// document and language file travel while the module compiles), else a request of our own.
async fn send_get(url: &str) -> Option<Response> {
    match prefetch::take(url) {
        Some(early) => {
            let answer = wasm_bindgen_futures::JsFuture::from(early).await.ok()?;
            Some(Response::from(answer.dyn_into::<web_sys::Response>().ok()?))
        }
        None => send(Request::get(url), None).await,
    }
}

/// The body parsed by the browser; `undefined` when it is no JSON (or could not be read).
async fn body(resp: &Response) -> JsValue {
    let Ok(text) = resp.text().await else {
        return JsValue::UNDEFINED;
    };
    js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED)
}

/// The body read as `T`; a body that is no JSON, or no object, reads as `T::default()`
/// (every wire type's members are optional).
async fn json<T: DeserializeOwned + Default>(resp: &Response) -> T {
    from_js(body(resp).await).unwrap_or_default()
}

/// What a `GET` reads of an error answer: its code (the POST's answer, with its fields, is
/// read where the signature is sent).
#[derive(Default, Deserialize)]
#[serde(default)]
struct ErrorCode {
    #[serde(deserialize_with = "loose::text")]
    error: Option<String>,
}

/// A parsed JSON value (a stream message, a `BroadcastChannel` message, the `mount()`
/// options) read as `T`; `None` when it is not the object `T` reads.
pub fn from_js<T: DeserializeOwned>(v: JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(v).ok()
}

/// `value` as a plain JavaScript value (maps as objects), e.g. to post to other tabs or to
/// `JSON.stringify`.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Option<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()
}

/// `value` as JSON text.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    js_sys::JSON::stringify(&to_js(value)?).ok()?.as_string()
}

/// `GET url` → the parsed body of a 2xx answer. Not generic, so the request's code is in the
/// wasm once, not once per document type.
async fn get_body(url: &str) -> Result<JsValue, FetchError> {
    let resp = send_get(url).await.ok_or(FetchError::Network)?;
    let value = body(&resp).await;
    if resp.ok() {
        Ok(value)
    } else {
        let answer: ErrorCode = from_js(value).unwrap_or_default();
        Err(FetchError::Status(resp.status(), answer.error))
    }
}

/// `GET url` → the body of a 2xx answer as `T`.
pub async fn get<T: DeserializeOwned + Default>(url: &str) -> Result<T, FetchError> {
    Ok(from_js(get_body(url).await?).unwrap_or_default())
}

/// `GET url` → the text of a 2xx answer; `None` on any failure.
pub async fn get_text(url: &str) -> Option<String> {
    let resp = send_get(url).await?;
    if !resp.ok() {
        return None;
    }
    resp.text().await.ok()
}

/// `POST {campaign_url}/signatures` with the given idempotency key and request.
pub async fn post_signature(
    campaign_url: &str,
    key: &str,
    request: &SignatureRequest,
) -> SubmitOutcome {
    let Some(body) = to_json(request) else {
        return SubmitOutcome::Unavailable;
    };
    let post = Request::post(&format!("{campaign_url}/signatures"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key);
    let Some(resp) = send(post, Some(body.into())).await else {
        return SubmitOutcome::Unavailable;
    };
    let retry_after = resp.headers().get("retry-after");
    let reply: SignatureAnswer = json(&resp).await;
    SubmitOutcome::classify(Some(resp.status()), Some(reply), retry_after.as_deref())
}
