//! Reads endpoint JSON (already parsed by the browser's `Response.json()`) into the crate's
//! types with `Reflect`, tolerating missing or mistyped members. Hand-written instead of serde:
//! serde's error paths pull float formatting into the wasm, which costs more than this file.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::campaign::{Campaign, Choice, FieldKind, FieldSpec};
use crate::outcome::ReplyBody;

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or_default()
}

fn string(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

/// A non-negative whole number within `f64`'s exact integers.
fn uint(o: &JsValue, key: &str) -> Option<u64> {
    get(o, key)
        .as_f64()
        .filter(|n| (0.0..9.0e15).contains(n) && n.fract() == 0.0)
        .map(|n| n as u64)
}

fn list(o: &JsValue, key: &str) -> Vec<JsValue> {
    let v = get(o, key);
    if Array::is_array(&v) {
        Array::from(&v).iter().collect()
    } else {
        Vec::new()
    }
}

/// `GET …/campaigns/{slug}`; `None` when the body is not a campaign (no `title`).
pub fn campaign(v: &JsValue) -> Option<Campaign> {
    Some(Campaign {
        title: string(v, "title")?,
        text: string(v, "text").unwrap_or_default(),
        goal: uint(v, "goal"),
        count: uint(v, "count"),
        fields: list(v, "fields").iter().filter_map(field).collect(),
        consent_text: string(v, "consent_text"),
        privacy_url: string(v, "privacy_url"),
        share_url: string(v, "share_url"),
        allow_public_names: get(v, "allow_public_names").as_bool().unwrap_or(false),
        proof_of_work: uint(&get(v, "proof_of_work"), "maxnumber"),
    })
}

fn field(v: &JsValue) -> Option<FieldSpec> {
    Some(FieldSpec {
        key: string(v, "key")?,
        label: string(v, "label")?,
        kind: FieldKind::parse(&string(v, "type").unwrap_or_default()),
        required: get(v, "required").as_bool().unwrap_or(false),
        max_length: uint(v, "max_length").map(|n| n as usize),
        options: list(v, "options")
            .iter()
            .filter_map(|o| {
                Some(Choice {
                    value: string(o, "value")?,
                    label: string(o, "label")?,
                })
            })
            .collect(),
    })
}

/// `{"count": N, "goal": G}` (goal optional), as `…/count` and SSE `count` events send it.
pub fn count(v: &JsValue) -> Option<(u64, Option<u64>)> {
    Some((uint(v, "count")?, uint(v, "goal")))
}

/// Any answer body: success members and error members alike.
pub fn reply(v: &JsValue) -> ReplyBody {
    let fields = get(v, "fields");
    let fields = if fields.is_object() {
        Object::entries(&Object::from(fields))
            .iter()
            .filter_map(|e| {
                let e = Array::from(&e);
                Some((e.get(0).as_string()?, e.get(1).as_string()?))
            })
            .collect()
    } else {
        Vec::new()
    };
    ReplyBody {
        status: string(v, "status"),
        count: uint(v, "count"),
        error: string(v, "error"),
        message: string(v, "message"),
        fields,
    }
}

/// Puts the campaign's own text for the widget's language (`translations.<lang>` of the
/// campaign document: `title`, `text`, `consent_text`, each optional) over the default text.
/// `tag` is tried whole (`pt-BR`), then by its language (`pt`).
pub fn translate(v: &JsValue, tag: &str, c: &mut Campaign) {
    let all = get(v, "translations");
    let primary = tag.split('-').next().unwrap_or(tag);
    let t = [tag, primary]
        .into_iter()
        .map(|k| get(&all, k))
        .find(JsValue::is_object);
    let Some(t) = t else { return };
    if let Some(title) = string(&t, "title") {
        c.title = title;
    }
    if let Some(text) = string(&t, "text") {
        c.text = text;
    }
    if let Some(consent) = string(&t, "consent_text") {
        c.consent_text = Some(consent);
    }
}
