//! Arbitrary bytes as the widget would receive them from an endpoint: parsed as JSON, then
//! read into the contract's wire types with the `Deserialize` code the widget runs on the
//! browser's values (the lenient readers of `pledge_contract::wire`), and by the widget's own
//! decoders (`pledge_widget::document`) as a campaign document (with its translations), a
//! count, a signature answer and a page of the signer wall; the pledge text is split into
//! paragraphs and links, and a form is checked against the decoded fields, as the widget does
//! before it renders and submits. Any panic is a bug: a hostile or broken endpoint must never
//! crash the widget (in the browser a panic is an `unreachable` trap in the host page).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pledge_widget::campaign::{Segment, paragraphs};
use pledge_widget::document::{
    CampaignDoc, CountDoc, SignatureAnswer, SignersPageDoc, campaign, count, from_json, translate,
};
use pledge_widget::validate::{FormInput, check_form};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = count(&from_json::<CountDoc>(doc.clone()));
    let _ = from_json::<SignatureAnswer>(doc.clone());
    let _ = pledge_widget::wall::page(&from_json::<SignersPageDoc>(doc.clone()));
    let doc = from_json::<CampaignDoc>(doc);
    let Some(mut c) = campaign(&doc) else {
        return;
    };
    for tag in ["es", "pt-BR", "zh-Hant-TW", ""] {
        translate(&doc, tag, &mut c);
    }
    for paragraph in paragraphs(&c.text) {
        for segment in paragraph {
            if let Segment::Link(url) = segment {
                assert!(url.starts_with("http://") || url.starts_with("https://"));
            }
        }
    }
    // Every decoded field gets a value taken from the document's own strings.
    let input = FormInput {
        name: c.title.clone(),
        email: c.consent_text.clone().unwrap_or_default(),
        fields: c
            .fields
            .iter()
            .map(|f| {
                let value = f.options.first().map_or(c.text.clone(), |o| o.value.clone());
                (f.key.clone(), value)
            })
            .collect(),
        consent: c.allow_public_names,
    };
    let _ = check_form(&c, &input);
});
