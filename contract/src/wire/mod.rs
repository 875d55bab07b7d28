//! The JSON documents of docs/api.md as Rust types (with the `serde` feature): the campaign
//! document, the count, the signature request and its answer, the challenge, and the signer
//! wall's pages and events. The widget reads the endpoint's answers into these (through
//! `serde-wasm-bindgen` in the browser, `serde_json` on the host) and writes the request
//! from one; the server may write its answers from them.
//!
//! Reading is lenient, as the widget must be with an endpoint it does not control: every
//! member is optional and a member of the wrong type reads as absent ([`loose`]), so only the
//! member is lost, never the document. Unknown members are ignored (a newer server's).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize, Serializer, ser::SerializeMap};

pub mod loose;

/// `GET {endpoint}/campaigns/{slug}` (and the `campaign` stream event).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CampaignDoc {
    /// Heading; a body without it is no campaign.
    #[serde(deserialize_with = "loose::text")]
    pub title: Option<String>,
    /// Plain pledge text.
    #[serde(deserialize_with = "loose::text")]
    pub text: Option<String>,
    /// Target number of signatures.
    #[serde(deserialize_with = "loose::uint")]
    pub goal: Option<u64>,
    /// Signatures so far.
    #[serde(deserialize_with = "loose::uint")]
    pub count: Option<u64>,
    /// The form's extra fields, in order.
    #[serde(deserialize_with = "loose::list")]
    pub fields: Vec<FieldDoc>,
    /// The consent line.
    #[serde(deserialize_with = "loose::text")]
    pub consent_text: Option<String>,
    /// The privacy policy's address.
    #[serde(deserialize_with = "loose::text")]
    pub privacy_url: Option<String>,
    /// The page share actions point at.
    #[serde(deserialize_with = "loose::text")]
    pub share_url: Option<String>,
    /// Whether signers may show their name publicly.
    #[serde(deserialize_with = "loose::boolean")]
    pub allow_public_names: Option<bool>,
    /// Proof of work, when the campaign asks for it.
    pub proof_of_work: loose::Loose<ProofOfWorkDoc>,
    /// Whether the asking page's `Origin` may sign (absent: the endpoint does not say).
    #[serde(deserialize_with = "loose::boolean")]
    pub can_sign_here: Option<bool>,
    /// The campaign's languages, its own first.
    #[serde(deserialize_with = "loose::texts")]
    pub languages: Vec<String>,
    /// `open`, `closed` or `archived`.
    #[serde(deserialize_with = "loose::text")]
    pub state: Option<String>,
    /// Whether the campaign has a public signer wall (`wall` is an object).
    #[serde(deserialize_with = "loose::present")]
    pub wall: bool,
    /// The campaign's own text per language tag (members that are no object left out).
    #[serde(deserialize_with = "objects")]
    pub translations: Vec<(String, TranslationDoc)>,
}

/// `proof_of_work` of the campaign document.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ProofOfWorkDoc {
    /// Largest number a challenge may hide.
    #[serde(deserialize_with = "loose::uint")]
    pub maxnumber: Option<u64>,
}

/// One of the campaign's fields.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FieldDoc {
    /// Key in the signature's `fields`.
    #[serde(deserialize_with = "loose::text")]
    pub key: Option<String>,
    /// Visible label.
    #[serde(deserialize_with = "loose::text")]
    pub label: Option<String>,
    /// Kind (`text`, `select`, …: [`crate::FieldKind`]).
    #[serde(rename = "type", deserialize_with = "loose::text")]
    pub kind: Option<String>,
    /// Whether an answer is needed.
    #[serde(deserialize_with = "loose::boolean")]
    pub required: Option<bool>,
    /// Longest answer, in characters.
    #[serde(deserialize_with = "loose::uint")]
    pub max_length: Option<u64>,
    /// A select's choices.
    #[serde(deserialize_with = "loose::list")]
    pub options: Vec<ChoiceDoc>,
}

/// One choice of a select field.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ChoiceDoc {
    /// Value sent.
    #[serde(deserialize_with = "loose::text")]
    pub value: Option<String>,
    /// Visible text.
    #[serde(deserialize_with = "loose::text")]
    pub label: Option<String>,
}

/// `translations.<lang>` of the campaign document.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TranslationDoc {
    /// Translated heading.
    #[serde(deserialize_with = "loose::text")]
    pub title: Option<String>,
    /// Translated pledge text.
    #[serde(deserialize_with = "loose::text")]
    pub text: Option<String>,
    /// Translated consent line.
    #[serde(deserialize_with = "loose::text")]
    pub consent_text: Option<String>,
    /// Translated field labels and choices, by field key (members that are no object left
    /// out).
    #[serde(deserialize_with = "objects")]
    pub fields: Vec<(String, FieldTranslationDoc)>,
}

/// `translations.<lang>.fields.<key>` of the campaign document.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FieldTranslationDoc {
    /// Translated label.
    #[serde(deserialize_with = "loose::text")]
    pub label: Option<String>,
    /// Translated choice labels, by choice value (values that are not strings left out).
    #[serde(deserialize_with = "loose::text_entries")]
    pub options: Vec<(String, String)>,
}

/// An object's members whose values are objects, each read as `T`; the others left out.
fn objects<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Vec<(String, T)>, D::Error> {
    let map: Vec<(String, loose::Loose<T>)> = loose::object(d)?;
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.0?)))
        .collect())
}

/// `GET …/count`, the stream's `count` events, and the count members of a `campaign` event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CountDoc {
    /// Signatures so far; an update without it is none.
    #[serde(deserialize_with = "loose::uint")]
    pub count: Option<u64>,
    /// The goal, when the message says.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::uint"
    )]
    pub goal: Option<u64>,
    /// `open`, `closed` or `archived`, when the message says.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub state: Option<String>,
}

/// The body of any answer to the POST (success and error members alike; every one optional
/// so an endpoint with a thinner body still works).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignatureAnswer {
    /// `signed` or `already_signed` on success.
    #[serde(deserialize_with = "loose::text")]
    pub status: Option<String>,
    /// The count after this signature.
    #[serde(deserialize_with = "loose::uint")]
    pub count: Option<u64>,
    /// `pending` when the signature counts once the signer confirms it by email.
    #[serde(deserialize_with = "loose::text")]
    pub confirmation: Option<String>,
    /// Stable machine code of an error (the English `message` is not read: the visitor is
    /// told in their language, from the code).
    #[serde(deserialize_with = "loose::text")]
    pub error: Option<String>,
    /// Field key → reason, on `validation` (reasons that are not strings left out).
    #[serde(deserialize_with = "loose::text_entries")]
    pub fields: Vec<(String, String)>,
}

/// The answer to a campaign field: text, or a checkbox's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// A text, select, country or date answer.
    Text(String),
    /// A checkbox.
    Checked(bool),
}

impl Serialize for FieldValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(t) => s.serialize_str(t),
            Self::Checked(b) => s.serialize_bool(*b),
        }
    }
}

/// `consent` of the signature request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Consent {
    /// The box was ticked.
    #[serde(deserialize_with = "loose::boolean_or_false")]
    pub given: bool,
    /// The consent line as shown.
    #[serde(deserialize_with = "loose::text_or_empty")]
    pub text: String,
}

/// `POST …/signatures`: the signature as the widget sends it (and keeps it in its outbox until
/// it is acknowledged). `proof` is fresh for each attempt, so the outbox keeps none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignatureRequest {
    /// The signer's name.
    #[serde(deserialize_with = "loose::text_or_empty")]
    pub name: String,
    /// The signer's email.
    #[serde(deserialize_with = "loose::text_or_empty")]
    pub email: String,
    /// The campaign fields' answers, in the campaign's order (empty optional ones left out).
    #[serde(serialize_with = "entries", deserialize_with = "loose::answer_entries")]
    pub fields: Vec<(String, FieldValue)>,
    /// The consent given.
    pub consent: Consent,
    /// Show the name on the public wall.
    #[serde(deserialize_with = "loose::boolean_or_false")]
    pub public: bool,
    /// The widget's language.
    #[serde(deserialize_with = "loose::text_or_empty")]
    pub locale: String,
    /// The honeypot (empty from people).
    #[serde(deserialize_with = "loose::text_or_empty")]
    pub website: String,
    /// The page signed on.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub source_url: Option<String>,
    /// The solved proof of work, for campaigns that ask for one.
    #[serde(skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub proof: Option<Proof>,
}

fn entries<S: Serializer>(fields: &[(String, FieldValue)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(fields.len()))?;
    for (k, v) in fields {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// `GET …/challenge`: a proof-of-work challenge (ALTCHA style).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ChallengeDoc {
    /// Hash algorithm (`SHA-256`).
    #[serde(deserialize_with = "loose::text")]
    pub algorithm: Option<String>,
    /// Hex SHA-256 of the salt and the hidden number.
    #[serde(deserialize_with = "loose::text")]
    pub challenge: Option<String>,
    /// The salt (with its expiry in `?expires=`).
    #[serde(deserialize_with = "loose::text")]
    pub salt: Option<String>,
    /// The server's signature of the challenge.
    #[serde(deserialize_with = "loose::text")]
    pub signature: Option<String>,
    /// Largest number the challenge may hide.
    #[serde(deserialize_with = "loose::uint")]
    pub maxnumber: Option<u64>,
    /// Seconds the server waits after the challenge before it takes a signature with it.
    #[serde(deserialize_with = "loose::uint")]
    pub min_fill_seconds: Option<u64>,
}

/// `proof` of the signature request: the challenge with the number that solves it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// As in the challenge.
    pub algorithm: String,
    /// As in the challenge.
    pub challenge: String,
    /// As in the challenge.
    pub salt: String,
    /// As in the challenge.
    pub signature: String,
    /// The number found.
    pub number: u64,
}

/// One entry of the signer wall (a page's, or a `signer` stream event's).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignerDoc {
    /// Opaque id (what `signer_removed` names).
    #[serde(deserialize_with = "loose::text")]
    pub id: Option<String>,
    /// The public name.
    #[serde(deserialize_with = "loose::text")]
    pub name: Option<String>,
    /// Public answers by field key (non-string values left out).
    #[serde(deserialize_with = "loose::text_entries")]
    pub fields: Vec<(String, String)>,
    /// Shown first.
    #[serde(deserialize_with = "loose::boolean")]
    pub featured: Option<bool>,
    /// UTC, to the second.
    #[serde(deserialize_with = "loose::text")]
    pub signed_at: Option<String>,
}

/// `GET …/signers`: one page of the wall.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignersPageDoc {
    /// Entries, in the wall's order; `None` when the body has no list (no page).
    #[serde(deserialize_with = "loose::some_list")]
    pub signers: Option<Vec<SignerDoc>>,
    /// Where the next page starts.
    #[serde(deserialize_with = "loose::text")]
    pub next_cursor: Option<String>,
    /// Entries on the whole wall (matching the search).
    #[serde(deserialize_with = "loose::uint")]
    pub total: Option<u64>,
}

/// The `signer_removed` stream event.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SignerRemovedDoc {
    /// The id of the entry that left the wall.
    #[serde(deserialize_with = "loose::text")]
    pub id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{borrow::ToOwned, vec};
    use serde_json::json;

    #[test]
    fn a_request_is_written_as_docs_api_md_says_and_read_back_the_same() {
        let request = SignatureRequest {
            name: "Ada".into(),
            email: "ada@example.org".into(),
            fields: vec![
                ("role".into(), FieldValue::Text("artist".into())),
                ("agree".into(), FieldValue::Checked(true)),
            ],
            consent: Consent {
                given: true,
                text: "I agree.".into(),
            },
            public: true,
            locale: "es".into(),
            website: String::new(),
            source_url: None,
            proof: None,
        };
        let written = serde_json::to_value(&request).unwrap();
        assert_eq!(
            written,
            json!({"name": "Ada", "email": "ada@example.org",
                   "fields": {"role": "artist", "agree": true},
                   "consent": {"given": true, "text": "I agree."},
                   "public": true, "locale": "es", "website": ""}),
            "no source_url or proof member when there is none"
        );
        // Read back from the text, in order (as the outbox does: the same request keeps its
        // idempotency key).
        let text = serde_json::to_string(&request).unwrap();
        let read: SignatureRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(read, request);
        let with_proof = SignatureRequest {
            proof: Some(Proof {
                number: 7,
                ..Proof::default()
            }),
            ..request
        };
        let written = serde_json::to_value(&with_proof).unwrap();
        assert_eq!(written["proof"]["number"], 7);
    }

    #[test]
    fn a_mistyped_member_is_absent_and_the_rest_is_read() {
        let answer: SignatureAnswer = serde_json::from_value(json!({
            "status": 3, "count": 12.5, "error": "validation", "confirmation": "pending",
            "fields": {"email": "bad", "n": 3, "o": {"x": 1}}
        }))
        .unwrap();
        assert_eq!(answer.status, None);
        assert_eq!(answer.count, None, "not a whole number");
        assert_eq!(answer.confirmation.as_deref(), Some("pending"));
        assert_eq!(answer.fields, vec![("email".to_owned(), "bad".to_owned())]);
        let count: CountDoc =
            serde_json::from_value(json!({"count": 9e15, "goal": "many", "state": null})).unwrap();
        assert_eq!(count, CountDoc::default(), "beyond f64's exact integers");
        let page: SignersPageDoc =
            serde_json::from_value(json!({"signers": [1, {"id": "a", "featured": "yes"}]}))
                .unwrap();
        let signers = page.signers.unwrap();
        assert_eq!(signers.len(), 1);
        assert_eq!(signers[0].featured, None);
        let none: SignersPageDoc = serde_json::from_value(json!({"signers": null})).unwrap();
        assert_eq!(none.signers, None);
        // From JSON text too (the fuzzer's way in): a mistyped object member is skipped whole.
        let doc: CampaignDoc = serde_json::from_str(
            r#"{"title": "T", "proof_of_work": {"maxnumber": "x"}, "translations": {"es": 1, "pt": {"title": "P"}}, "count": 4}"#,
        )
        .unwrap();
        assert_eq!(doc.proof_of_work.0, Some(ProofOfWorkDoc::default()));
        assert_eq!(doc.translations.len(), 1);
        assert_eq!(doc.count, Some(4));
    }
}
