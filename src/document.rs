//! Reads the endpoint's JSON answers into the crate's types, tolerating missing or mistyped
//! members. Generic over [`Json`] so the code the widget runs on the browser's parsed values
//! (`JsValue`, in `browser/decode.rs`) is the code the host tests and the fuzzer run on
//! `serde_json` values. Hand-written instead of serde: serde's error paths pull float
//! formatting into the wasm, which costs more than this file.

use crate::campaign::{Campaign, Choice, FieldKind, FieldSpec};
use crate::outcome::ReplyBody;

/// A parsed JSON value, as far as the decoders need one.
pub trait Json: Sized {
    /// The member `key` of an object; a value that is none of the kinds below otherwise.
    fn member(&self, key: &str) -> Self;
    /// The value as a string, if it is one.
    fn text(&self) -> Option<String>;
    /// The value as a number, if it is one.
    fn number(&self) -> Option<f64>;
    /// The value as a boolean, if it is one.
    fn boolean(&self) -> Option<bool>;
    /// Whether the value is an object or an array (JavaScript's `typeof` "object", but not `null`).
    fn is_object(&self) -> bool;
    /// The elements of an array; empty for anything else.
    fn items(&self) -> Vec<Self>;
    /// The members of an object whose values are strings, in order.
    fn text_entries(&self) -> Vec<(String, String)>;
}

fn string<J: Json>(o: &J, key: &str) -> Option<String> {
    o.member(key).text()
}

/// A non-negative whole number within `f64`'s exact integers.
fn uint<J: Json>(o: &J, key: &str) -> Option<u64> {
    o.member(key)
        .number()
        .filter(|n| (0.0..9.0e15).contains(n) && n.fract() == 0.0)
        .map(|n| n as u64)
}

/// `GET …/campaigns/{slug}`; `None` when the body is not a campaign (no `title`).
pub fn campaign<J: Json>(v: &J) -> Option<Campaign> {
    let lang = v.member("languages").items().first().and_then(Json::text);
    let consent_text = string(v, "consent_text");
    Some(Campaign {
        title: string(v, "title")?,
        text: string(v, "text").unwrap_or_default(),
        goal: uint(v, "goal"),
        count: uint(v, "count"),
        fields: v
            .member("fields")
            .items()
            .iter()
            .filter_map(|f| field(f, lang.as_deref()))
            .collect(),
        consent_lang: consent_text.as_ref().and(lang.clone()),
        consent_text,
        privacy_url: string(v, "privacy_url"),
        share_url: string(v, "share_url"),
        allow_public_names: v.member("allow_public_names").boolean().unwrap_or(false),
        proof_of_work: uint(&v.member("proof_of_work"), "maxnumber"),
        can_sign_here: v.member("can_sign_here").boolean() != Some(false),
        lang,
        closed: closed(v).unwrap_or(false),
        wall: v.member("wall").is_object(),
    })
}

fn field<J: Json>(v: &J, lang: Option<&str>) -> Option<FieldSpec> {
    let lang = lang.map(str::to_owned);
    Some(FieldSpec {
        key: string(v, "key")?,
        label: string(v, "label")?,
        // A kind this version does not know (a newer server's) is shown as text.
        kind: FieldKind::parse(&string(v, "type").unwrap_or_default()).unwrap_or_default(),
        required: v.member("required").boolean().unwrap_or(false),
        max_length: uint(v, "max_length").map(|n| n as usize),
        options: v
            .member("options")
            .items()
            .iter()
            .filter_map(|o| {
                Some(Choice {
                    value: string(o, "value")?,
                    label: string(o, "label")?,
                    lang: lang.clone(),
                })
            })
            .collect(),
        lang,
    })
}

/// A live update: `{"count": N, "goal": G}` (goal optional) as `…/count` and SSE `count`
/// events send it, or the whole campaign document of a `campaign` event, whose `state`
/// says whether it is closed (`None` when the message does not say).
pub type Update = (u64, Option<u64>, Option<bool>);

/// Reads a [`Update`]; `None` without a count.
pub fn count<J: Json>(v: &J) -> Option<Update> {
    Some((uint(v, "count")?, uint(v, "goal"), closed(v)))
}

/// `state` other than `open` (`closed`, `archived`): no form; absent: unknown.
fn closed<J: Json>(v: &J) -> Option<bool> {
    string(v, "state").map(|s| s != "open")
}

/// Any answer body: success members and error members alike.
pub fn reply<J: Json>(v: &J) -> ReplyBody {
    let fields = v.member("fields");
    ReplyBody {
        status: string(v, "status"),
        count: uint(v, "count"),
        confirmation: string(v, "confirmation"),
        error: string(v, "error"),
        fields: if fields.is_object() {
            fields.text_entries()
        } else {
            Vec::new()
        },
    }
}

/// Puts the campaign's own text for the widget's language (`translations.<lang>` of the
/// campaign document: `title`, `text`, `consent_text`, and `fields.<key>.label` and
/// `.options.<value>`, each optional) over the default text; what is translated loses its
/// `lang` (it is in the widget's language now). `tag` is tried whole (`pt-BR`), then by its
/// language (`pt`).
pub fn translate<J: Json>(v: &J, tag: &str, c: &mut Campaign) {
    let all = v.member("translations");
    let primary = tag.split('-').next().unwrap_or(tag);
    let Some(t) = [tag, primary]
        .into_iter()
        .map(|k| all.member(k))
        .find(Json::is_object)
    else {
        return;
    };
    c.lang = None;
    if let Some(title) = string(&t, "title") {
        c.title = title;
    }
    if let Some(text) = string(&t, "text") {
        c.text = text;
    }
    if let Some(consent) = string(&t, "consent_text") {
        c.consent_text = Some(consent);
        c.consent_lang = None;
    }
    let fields = t.member("fields");
    for f in &mut c.fields {
        let words = fields.member(&f.key);
        if let Some(label) = string(&words, "label") {
            f.label = label;
            f.lang = None;
        }
        let options = words.member("options");
        for o in &mut f.options {
            if let Some(label) = string(&options, &o.value) {
                o.label = label;
                o.lang = None;
            }
        }
    }
}

/// On the host (tests, the fuzzer), documents come from `serde_json`.
#[cfg(not(target_arch = "wasm32"))]
impl Json for serde_json::Value {
    fn member(&self, key: &str) -> Self {
        self.get(key).cloned().unwrap_or_default()
    }
    fn text(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn is_object(&self) -> bool {
        self.is_object() || self.is_array()
    }
    fn items(&self) -> Vec<Self> {
        self.as_array().cloned().unwrap_or_default()
    }
    fn text_entries(&self) -> Vec<(String, String)> {
        self.as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_campaign_and_ignores_mistyped_members() {
        let doc = json!({
            "title": "No Music for ICE", "goal": 2000, "count": -3,
            "fields": [
                {"key": "role", "label": "I am", "type": "select", "required": true,
                 "options": [{"value": "artist", "label": "An artist"}, {"value": 1}]},
                {"label": "no key"},
                {"key": "band", "label": "Band", "type": "date", "max_length": 1.5}
            ],
            "proof_of_work": {"maxnumber": 50000},
            "allow_public_names": "yes"
        });
        let c = campaign(&doc).unwrap();
        assert_eq!(c.goal, Some(2000));
        assert_eq!(c.count, None, "a negative count is not a count");
        assert_eq!(c.fields.len(), 2);
        assert_eq!(c.fields[0].options.len(), 1);
        assert_eq!(c.fields[1].kind, FieldKind::Text);
        assert_eq!(c.fields[1].max_length, None);
        assert_eq!(c.proof_of_work, Some(50000));
        assert!(!c.allow_public_names);
        assert!(
            c.can_sign_here,
            "absent means the endpoint does not know: sign"
        );
        let refused = campaign(&json!({"title": "T", "can_sign_here": false})).unwrap();
        assert!(!refused.can_sign_here);
        assert!(!c.wall, "no `wall` member: no wall");
        let walled = campaign(&json!({"title": "t", "wall": {"public_names": "immediate"}}));
        assert!(walled.unwrap().wall);
        assert!(!campaign(&json!({"title": "t", "wall": null})).unwrap().wall);
        assert_eq!(campaign(&json!({"text": "no title"})), None);
        assert_eq!(campaign(&json!([1, 2])), None);
    }

    #[test]
    fn translation_by_tag_then_language() {
        let doc = json!({"title": "T", "translations": {"pt": {"title": "Pt"}, "es-MX": "bad"}});
        let mut c = campaign(&doc).unwrap();
        translate(&doc, "es-MX", &mut c);
        assert_eq!(c.title, "T");
        assert_eq!(c.lang, None, "no languages named");
        translate(&doc, "pt-BR", &mut c);
        assert_eq!(c.title, "Pt");
        let doc = json!({"title": "T", "languages": ["en", "es"], "translations": {"es": {}}});
        let mut c = campaign(&doc).unwrap();
        translate(&doc, "ar", &mut c);
        assert_eq!(
            c.lang.as_deref(),
            Some("en"),
            "untranslated: the campaign's own"
        );
        translate(&doc, "es", &mut c);
        assert_eq!(c.lang, None, "translated: the widget's");
    }

    #[test]
    fn reply_keeps_only_text_field_reasons() {
        let r = reply(&json!({"error": "validation", "fields": {"email": "bad", "n": 3}}));
        assert_eq!(r.error.as_deref(), Some("validation"));
        assert_eq!(r.fields, vec![("email".to_owned(), "bad".to_owned())]);
        assert_eq!(count(&json!({"count": 7})), Some((7, None, None)));
        let closed = json!({"count": 7, "goal": 9, "state": "closed", "title": "T"});
        assert_eq!(count(&closed), Some((7, Some(9), Some(true))));
        assert!(campaign(&closed).is_some_and(|c| c.closed));
        assert!(campaign(&json!({"title": "T", "state": "open"})).is_some_and(|c| !c.closed));
    }
}
