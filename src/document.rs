//! Reads the endpoint's JSON documents (the wire types of `pledge_contract::wire`, read
//! leniently: a mistyped member is absent) into the crate's types. The browser reads them
//! from its own parsed values with `serde-wasm-bindgen` (`browser/api.rs`); the host tests and
//! the fuzzer from `serde_json`: the same `Deserialize` code either way.

use crate::campaign::{Campaign, Choice, FieldKind, FieldSpec};
pub use pledge_contract::wire::{
    CampaignDoc, ChallengeDoc, CountDoc, FieldDoc, SignatureAnswer, SignerDoc, SignerRemovedDoc,
    SignersPageDoc,
};

/// `GET …/campaigns/{slug}`; `None` when the body is not a campaign (no `title`).
pub fn campaign(v: &CampaignDoc) -> Option<Campaign> {
    let lang = v.languages.first().cloned();
    Some(Campaign {
        title: v.title.clone()?,
        text: v.text.clone().unwrap_or_default(),
        goal: v.goal,
        count: v.count,
        fields: v
            .fields
            .iter()
            .filter_map(|f| field(f, lang.as_deref()))
            .collect(),
        consent_lang: v.consent_text.as_ref().and(lang.clone()),
        consent_text: v.consent_text.clone(),
        privacy_url: v.privacy_url.clone(),
        share_url: v.share_url.clone(),
        allow_public_names: v.allow_public_names.unwrap_or(false),
        proof_of_work: v.proof_of_work.0.as_ref().and_then(|p| p.maxnumber),
        can_sign_here: v.can_sign_here != Some(false),
        lang,
        closed: closed(v.state.as_deref()).unwrap_or(false),
        wall: v.wall,
    })
}

fn field(v: &FieldDoc, lang: Option<&str>) -> Option<FieldSpec> {
    let lang = lang.map(str::to_owned);
    Some(FieldSpec {
        key: v.key.clone()?,
        label: v.label.clone()?,
        // A kind this version does not know (a newer server's) is shown as text.
        kind: FieldKind::parse(v.kind.as_deref().unwrap_or_default()).unwrap_or_default(),
        required: v.required.unwrap_or(false),
        max_length: v.max_length.map(|n| n as usize),
        options: v
            .options
            .iter()
            .filter_map(|o| {
                Some(Choice {
                    value: o.value.clone()?,
                    label: o.label.clone()?,
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
pub fn count(v: &CountDoc) -> Option<Update> {
    Some((v.count?, v.goal, closed(v.state.as_deref())))
}

/// `state` other than `open` (`closed`, `archived`): no form; absent: unknown.
fn closed(state: Option<&str>) -> Option<bool> {
    state.map(|s| s != "open")
}

/// Puts the campaign's own text for the widget's language (`translations.<lang>` of the
/// campaign document: `title`, `text`, `consent_text`, and `fields.<key>.label` and
/// `.options.<value>`, each optional) over the default text; what is translated loses its
/// `lang` (it is in the widget's language now). `tag` is tried whole (`pt-BR`), then by its
/// language (`pt`).
pub fn translate(v: &CampaignDoc, tag: &str, c: &mut Campaign) {
    let primary = tag.split('-').next().unwrap_or(tag);
    let Some(t) = [tag, primary]
        .into_iter()
        .find_map(|k| v.translations.iter().find(|(l, _)| l == k))
        .map(|(_, t)| t)
    else {
        return;
    };
    c.lang = None;
    if let Some(title) = &t.title {
        c.title = title.clone();
    }
    if let Some(text) = &t.text {
        c.text = text.clone();
    }
    if let Some(consent) = &t.consent_text {
        c.consent_text = Some(consent.clone());
        c.consent_lang = None;
    }
    for f in &mut c.fields {
        let Some((_, words)) = t.fields.iter().find(|(k, _)| *k == f.key) else {
            continue;
        };
        if let Some(label) = &words.label {
            f.label = label.clone();
            f.lang = None;
        }
        for o in &mut f.options {
            if let Some((_, label)) = words.options.iter().find(|(v, _)| *v == o.value) {
                o.label = label.clone();
                o.lang = None;
            }
        }
    }
}

/// On the host (tests, the fuzzer): a document from a `serde_json` value; one that is not an
/// object reads as an empty document.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_json<T: serde::de::DeserializeOwned + Default>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    fn campaign(v: serde_json::Value) -> Option<Campaign> {
        super::campaign(&from_json(v))
    }
    fn count(v: serde_json::Value) -> Option<Update> {
        super::count(&from_json(v))
    }
    fn reply(v: serde_json::Value) -> SignatureAnswer {
        from_json(v)
    }
    fn translate(v: &serde_json::Value, tag: &str, c: &mut Campaign) {
        super::translate(&from_json(v.clone()), tag, c)
    }

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
        let c = campaign(doc.clone()).unwrap();
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
        let refused = campaign(json!({"title": "T", "can_sign_here": false})).unwrap();
        assert!(!refused.can_sign_here);
        assert!(!c.wall, "no `wall` member: no wall");
        let walled = campaign(json!({"title": "t", "wall": {"public_names": "immediate"}}));
        assert!(walled.unwrap().wall);
        assert!(!campaign(json!({"title": "t", "wall": null})).unwrap().wall);
        assert_eq!(campaign(json!({"text": "no title"})), None);
        assert_eq!(campaign(json!([1, 2])), None);
    }

    #[test]
    fn translation_by_tag_then_language() {
        let doc = json!({"title": "T", "translations": {"pt": {"title": "Pt"}, "es-MX": "bad"}});
        let mut c = campaign(doc.clone()).unwrap();
        translate(&doc, "es-MX", &mut c);
        assert_eq!(c.title, "T");
        assert_eq!(c.lang, None, "no languages named");
        translate(&doc, "pt-BR", &mut c);
        assert_eq!(c.title, "Pt");
        let doc = json!({"title": "T", "languages": ["en", "es"], "translations": {"es": {}}});
        let mut c = campaign(doc.clone()).unwrap();
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
    fn translation_covers_field_labels_and_choices() {
        let doc = json!({
            "title": "T", "languages": ["en"], "consent_text": "I agree",
            "fields": [
                {"key": "role", "label": "I am", "type": "select",
                 "options": [{"value": "artist", "label": "An artist"}, {"value": "fan", "label": "A fan"}]},
                {"key": "city", "label": "City"}
            ],
            "translations": {"es": {
                "consent_text": "Acepto",
                "fields": {"role": {"label": "Soy", "options": {"artist": "Artista", "fan": 3}},
                           "city": "not an object"}
            }}
        });
        let mut c = campaign(doc.clone()).unwrap();
        assert_eq!(c.fields[0].lang.as_deref(), Some("en"));
        assert_eq!(c.consent_lang.as_deref(), Some("en"));
        translate(&doc, "es", &mut c);
        assert_eq!(
            (c.fields[0].label.as_str(), c.fields[0].lang.as_deref()),
            ("Soy", None)
        );
        let role = &c.fields[0].options;
        assert_eq!(
            (role[0].label.as_str(), role[0].lang.as_deref()),
            ("Artista", None)
        );
        assert_eq!(
            (role[1].label.as_str(), role[1].lang.as_deref()),
            ("A fan", Some("en")),
            "an untranslated choice keeps its text and language"
        );
        assert_eq!(
            (c.fields[1].label.as_str(), c.fields[1].lang.as_deref()),
            ("City", Some("en"))
        );
        assert_eq!(
            (c.consent_text.as_deref(), c.consent_lang),
            (Some("Acepto"), None)
        );
    }

    #[test]
    fn reply_keeps_only_text_field_reasons() {
        let r = reply(json!({"error": "validation", "fields": {"email": "bad", "n": 3}}));
        assert_eq!(r.error.as_deref(), Some("validation"));
        assert_eq!(r.fields, vec![("email".to_owned(), "bad".to_owned())]);
        assert_eq!(count(json!({"count": 7})), Some((7, None, None)));
        let closed = json!({"count": 7, "goal": 9, "state": "closed", "title": "T"});
        assert_eq!(count(closed.clone()), Some((7, Some(9), Some(true))));
        assert!(campaign(closed.clone()).is_some_and(|c| c.closed));
        assert!(campaign(json!({"title": "T", "state": "open"})).is_some_and(|c| !c.closed));
    }
}
