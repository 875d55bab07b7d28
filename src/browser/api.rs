//! The endpoint contract of docs/api.md over `fetch` (gloo-net). Bodies are parsed by the
//! browser (`Response.json()`) and read by [`super::decode`], so no JSON parser ships in the wasm.

use gloo_net::http::{Request, Response};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::decode;
use crate::outcome::SubmitOutcome;

/// Why a GET gave no usable document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer (offline, DNS, CORS refusal, …).
    Network,
    /// An answer with this status and, if JSON, this error code.
    Status(u16, Option<String>),
}

async fn json(resp: Response) -> JsValue {
    let raw = web_sys::Response::from(resp);
    match raw.json() {
        Ok(p) => JsFuture::from(p).await.unwrap_or_default(),
        Err(_) => JsValue::UNDEFINED,
    }
}

/// `GET url` → the parsed JSON body of a 2xx answer.
pub async fn get(url: &str) -> Result<JsValue, FetchError> {
    let resp = Request::get(url)
        .send()
        .await
        .map_err(|_| FetchError::Network)?;
    let (ok, status) = (resp.ok(), resp.status());
    let body = json(resp).await;
    if ok {
        Ok(body)
    } else {
        Err(FetchError::Status(status, decode::reply(&body).error))
    }
}

/// `POST {campaign_url}/signatures` with the given idempotency key and JSON body.
pub async fn post_signature(campaign_url: &str, key: &str, body: &str) -> SubmitOutcome {
    let sent = Request::post(&format!("{campaign_url}/signatures"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .body(JsValue::from_str(body));
    let Ok(req) = sent else {
        return SubmitOutcome::Unavailable;
    };
    let Ok(resp) = req.send().await else {
        return SubmitOutcome::Unavailable;
    };
    let retry_after = resp.headers().get("retry-after");
    let status = resp.status();
    let body = decode::reply(&json(resp).await);
    SubmitOutcome::classify(Some(status), Some(body), retry_after.as_deref())
}
