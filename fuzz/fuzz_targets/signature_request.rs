//! Arbitrary bytes through the signature handler's parsing path: the JSON body into
//! `SignatureRequest` (as `ApiJson` does), the canonical re-serialisation hashed for the
//! idempotency check, then `NewSignature::parse` against a fixed campaign with every
//! field type. The same bytes as text go through the idempotency-key and email parsers.
//! Any panic is a bug: the handler must answer 400 or 422, never crash.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use pledge_server::domain::{
    FieldDefinition, IdempotencyKey, NewSignature, ShownConsent, SignatureRequest, SignerEmail,
};

/// The campaign's consent texts: its own and one translation.
const CONSENTS: &[ShownConsent<'static>] = &[
    ShownConsent {
        lang: "en",
        text: "I agree.",
    },
    ShownConsent {
        lang: "es",
        text: "Acepto.",
    },
];

/// One field of each type, required and optional, as `campaign create --field` takes them.
static FIELDS: LazyLock<Vec<FieldDefinition>> = LazyLock::new(|| {
    [
        "role:select:I am:required:artist=An artist|industry=An industry worker|fan=A fan",
        "organisation:text:Band or organisation:optional:50",
        "country:country:Country",
        "contact:email:Work email:optional",
        "newsletter:checkbox:Send me news:optional",
        "agree:checkbox:I am over 16:required",
    ]
    .iter()
    .map(|spec| FieldDefinition::from_spec(spec).expect("valid spec"))
    .collect()
});

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<SignatureRequest>(data) {
        let _ = serde_json::to_vec(&request);
        for allow_public_names in [true, false] {
            if let Ok(signature) = NewSignature::parse(&request, &FIELDS, allow_public_names, CONSENTS) {
                // Parsed values must be what the store is told they are.
                assert!(!signature.name.as_ref().trim().is_empty());
                assert!(signature.email.normalised().contains('@'));
                assert!(CONSENTS.iter().any(|c| c.text == signature.consent.text));
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(key) = IdempotencyKey::parse(text) {
            assert!((8..=128).contains(&key.as_ref().len()));
        }
        if let Ok(email) = SignerEmail::parse(text) {
            assert!(email.as_typed().chars().count() <= 254);
        }
    }
});
