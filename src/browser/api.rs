//! The endpoint contract of docs/api.md over `fetch` (gloo-net). Bodies are decoded with
//! `Response.json()` + serde-wasm-bindgen, so no JSON parser ships in the wasm.

use gloo_net::http::{Request, Response};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::outcome::{ReplyBody, SubmitOutcome};

/// Why a GET gave no usable document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer (offline, DNS, CORS refusal, …).
    Network,
    /// An answer with this status and, if JSON, this error code.
    Status(u16, Option<String>),
    /// A 2xx whose body is not the documented shape.
    Decode,
}

async fn json<T: DeserializeOwned>(resp: Response) -> Option<T> {
    let raw = web_sys::Response::from(resp);
    let value = JsFuture::from(raw.json().ok()?).await.ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// `GET url` decoded as `T`.
pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, FetchError> {
    let resp = Request::get(url)
        .send()
        .await
        .map_err(|_| FetchError::Network)?;
    if !resp.ok() {
        let status = resp.status();
        let code = json::<ReplyBody>(resp).await.and_then(|b| b.error);
        return Err(FetchError::Status(status, code));
    }
    json(resp).await.ok_or(FetchError::Decode)
}

/// Serializes a payload as JSON text through the browser's `JSON.stringify`.
pub fn to_json<T: Serialize>(payload: &T) -> Option<String> {
    let value = payload
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

/// `POST {campaign_url}/signatures` with the given idempotency key and JSON body.
pub async fn post_signature(campaign_url: &str, key: &str, body: &str) -> SubmitOutcome {
    let sent = Request::post(&format!("{campaign_url}/signatures"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .body(JsValue::from_str(body));
    let resp = match sent {
        Ok(req) => req.send().await,
        Err(_) => return SubmitOutcome::Unavailable,
    };
    let Ok(resp) = resp else {
        return SubmitOutcome::Unavailable;
    };
    let retry_after = resp.headers().get("retry-after");
    let status = resp.status();
    let body = json::<ReplyBody>(resp).await;
    SubmitOutcome::classify(Some(status), body, retry_after.as_deref())
}
