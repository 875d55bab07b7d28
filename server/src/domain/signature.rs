//! The signature request as sent by the widget, and the parsed signature we store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::campaign::FieldDefinition;
use super::email::SignerEmail;
use super::fields::FieldValues;
use super::name::SignerName;
use crate::abuse::proof::ProofRequest;
use pledge_contract::rules::{self, has_control};

/// The POST body exactly as received. Every member has a default so that a missing
/// `name` is a 422 with a field reason rather than an opaque 400. It is `Serialize` so a
/// canonical form (sorted keys) can be hashed for the idempotency check; `proof` and
/// `website` are left out of that form, so a retry with a fresh challenge is still "the
/// same body".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SignatureRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    #[serde(default, deserialize_with = "object_or_null")]
    pub consent: Option<ConsentRequest>,
    #[serde(default)]
    pub public: Option<bool>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    /// The honeypot: a field people never see, so anything in it came from a bot.
    #[serde(default, skip_serializing)]
    pub website: Option<String>,
    /// The solved challenge, when the campaign asks for proof of work.
    #[serde(default, skip_serializing, deserialize_with = "object_or_null")]
    pub proof: Option<ProofRequest>,
}

/// serde lets a struct be written as a JSON array of its members in order; docs/api.md
/// says an object member must be an object, so `"consent": [true, "…"]` is `400`.
fn object_or_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error;
    let Some(members) = Option::<serde_json::Map<String, Value>>::deserialize(d)? else {
        return Ok(None);
    };
    serde_json::from_value(Value::Object(members))
        .map(Some)
        .map_err(D::Error::custom)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ConsentRequest {
    #[serde(default)]
    pub given: bool,
    #[serde(default)]
    pub text: String,
}

/// Consent that was given, with the words the signer saw: one of the campaign's own
/// consent texts, never the client's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// The campaign's text, as the organiser wrote it (trimmed).
    pub text: String,
    /// The language of that text: the campaign's first language, or a translation's tag.
    pub lang: String,
    /// First 16 hex digits of SHA-256 of `text`: changes whenever the wording does.
    pub version: String,
}

/// One consent text a campaign shows: its language tag and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownConsent<'a> {
    pub lang: &'a str,
    pub text: &'a str,
}

impl Consent {
    pub const MAX_CHARS: usize = 2000;

    /// `shown` lists the campaign's consent texts (its own first, then its translations'). The
    /// text sent must equal one of them (after trimming); when several languages share the
    /// words, the signer's `locale` (or its primary subtag) picks the language.
    pub fn parse(
        raw: Option<&ConsentRequest>,
        shown: &[ShownConsent<'_>],
        locale: Option<&str>,
    ) -> Result<Self, String> {
        let Some(raw) = raw.filter(|c| c.given) else {
            return Err("Give your consent to sign.".into());
        };
        let text = raw.text.trim();
        if text.is_empty() || text.chars().count() > Self::MAX_CHARS {
            return Err("The consent text shown to you is missing or too long.".into());
        }
        let same: Vec<&ShownConsent<'_>> = shown
            .iter()
            .filter(|s| !has_control(text) && s.text.trim() == text)
            .collect();
        let primary = locale.map(|l| l.split('-').next().unwrap_or(l));
        let chosen = [locale, primary]
            .into_iter()
            .flatten()
            .find_map(|tag| same.iter().find(|s| s.lang.eq_ignore_ascii_case(tag)))
            .or_else(|| same.first())
            .ok_or_else(|| {
                "This is not the consent text of this campaign; reload the page and sign again."
                    .to_owned()
            })?;
        let words = chosen.text.trim();
        Ok(Self {
            text: words.to_owned(),
            lang: chosen.lang.to_owned(),
            version: consent_version(words),
        })
    }
}

/// First 16 hex digits of SHA-256 of a consent text.
pub fn consent_version(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..8])
}

/// A BCP 47 language tag, loosely checked: `ll[-Xxxx][-RR]...`, ≤ 35 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// `pledge_contract::rules::check_locale`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        rules::check_locale(raw)
            .map(|tag| Self(tag.to_owned()))
            .map_err(|_| "Use a language tag such as en or es-MX.".into())
    }
}

impl AsRef<str> for Locale {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The page the widget was signed on: an `http(s)` URL of at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUrl(String);

impl SourceUrl {
    /// `pledge_contract::rules::check_source_url`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        rules::check_source_url(raw)
            .map(|url| Self(url.to_owned()))
            .map_err(|_| "Use an http or https address.".into())
    }
}

impl AsRef<str> for SourceUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A signature that passed every rule in docs/api.md, ready to store.
#[derive(Debug, Clone)]
pub struct NewSignature {
    pub name: SignerName,
    pub email: SignerEmail,
    pub fields: FieldValues,
    pub consent: Consent,
    pub public: bool,
    pub locale: Option<Locale>,
    pub source_url: Option<SourceUrl>,
}

impl NewSignature {
    /// Collects every failing field at once so the form can mark them all.
    pub fn parse(
        req: &SignatureRequest,
        definitions: &[FieldDefinition],
        allow_public_names: bool,
        consents: &[ShownConsent<'_>],
    ) -> Result<Self, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut note = |key: &str, r: Result<(), String>| {
            if let Err(reason) = r {
                errors.insert(key.to_owned(), reason);
            }
        };
        let name = SignerName::parse(&req.name);
        note("name", name.as_ref().map(|_| ()).map_err(Clone::clone));
        let email = SignerEmail::parse(&req.email);
        note("email", email.as_ref().map(|_| ()).map_err(Clone::clone));
        let optional = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let locale = optional(&req.locale).map(|s| Locale::parse(&s)).transpose();
        note("locale", locale.as_ref().map(|_| ()).map_err(Clone::clone));
        let signer_lang = locale
            .as_ref()
            .ok()
            .and_then(|l| l.as_ref().map(AsRef::as_ref));
        let consent = Consent::parse(req.consent.as_ref(), consents, signer_lang);
        note(
            "consent",
            consent.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let source_url = optional(&req.source_url)
            .map(|s| SourceUrl::parse(&s))
            .transpose();
        note(
            "source_url",
            source_url.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        let fields = FieldValues::parse(definitions, &req.fields);
        if let Err(field_errors) = &fields {
            errors.extend(field_errors.clone());
        }
        match (name, email, consent, locale, source_url, fields) {
            (Ok(name), Ok(email), Ok(consent), Ok(locale), Ok(source_url), Ok(fields))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    email,
                    fields,
                    consent,
                    // A campaign that never shows names stores no one as public.
                    public: req.public.unwrap_or(false) && allow_public_names,
                    locale,
                    source_url,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHOWN: &[ShownConsent<'static>] = &[
        ShownConsent {
            lang: "en",
            text: "ok",
        },
        ShownConsent {
            lang: "es",
            text: "vale",
        },
        ShownConsent {
            lang: "pt",
            text: "ok",
        },
    ];

    #[test]
    fn locale_and_url() {
        assert!(Locale::parse("en").is_ok());
        assert!(Locale::parse("es-MX").is_ok());
        assert!(Locale::parse("zh-Hant-TW").is_ok());
        assert!(Locale::parse("e").is_err());
        assert!(Locale::parse("en_US").is_err());
        assert!(SourceUrl::parse("https://artist.example/tour?x=1").is_ok());
        assert!(SourceUrl::parse("HTTP://artist.example").is_ok());
        assert!(SourceUrl::parse("javascript:alert(1)").is_err());
        assert!(SourceUrl::parse("https:///path").is_err());
        assert!(SourceUrl::parse(&format!("https://a.example/{}", "x".repeat(2000))).is_err());
    }

    #[test]
    fn collects_all_errors() {
        let req = SignatureRequest {
            locale: Some("??".into()),
            ..Default::default()
        };
        let e = NewSignature::parse(&req, &[], true, SHOWN).unwrap_err();
        let keys: Vec<_> = e.keys().map(String::as_str).collect();
        assert_eq!(keys, ["consent", "email", "locale", "name"]);
    }

    #[test]
    fn public_needs_campaign_permission() {
        let req = SignatureRequest {
            name: "Ada".into(),
            email: "ada@example.org".into(),
            consent: Some(ConsentRequest {
                given: true,
                text: "ok".into(),
            }),
            public: Some(true),
            ..Default::default()
        };
        assert!(NewSignature::parse(&req, &[], true, SHOWN).unwrap().public);
        assert!(!NewSignature::parse(&req, &[], false, SHOWN).unwrap().public);
    }

    #[test]
    fn consent_must_be_a_text_the_campaign_shows() {
        let given = |text: &str| ConsentRequest {
            given: true,
            text: text.into(),
        };
        let c = Consent::parse(Some(&given(" ok ")), SHOWN, None).unwrap();
        assert_eq!((c.text.as_str(), c.lang.as_str()), ("ok", "en"));
        assert_eq!(c.version, consent_version("ok"));
        assert_eq!(c.version.len(), 16);
        let es = Consent::parse(Some(&given("vale")), SHOWN, Some("en")).unwrap();
        assert_eq!(es.lang, "es");
        // The same words in two languages: the signer's language decides.
        let pt = Consent::parse(Some(&given("ok")), SHOWN, Some("pt-BR")).unwrap();
        assert_eq!(pt.lang, "pt");
        for bad in ["something else", "ok\u{1b}[31m", "va\nle", ""] {
            assert!(
                Consent::parse(Some(&given(bad)), SHOWN, None).is_err(),
                "{bad:?}"
            );
        }
        assert!(Consent::parse(Some(&given("ok")), &[], None).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            if let Ok(l) = Locale::parse(&s) { prop_assert_eq!(Locale::parse(l.as_ref()), Ok(l.clone())); }
            if let Ok(u) = SourceUrl::parse(&s) { prop_assert_eq!(SourceUrl::parse(u.as_ref()), Ok(u.clone())); }
            let req = SignatureRequest { name: s.clone(), email: s.clone(), locale: Some(s.clone()), source_url: Some(s.clone()), ..Default::default() };
            let _ = NewSignature::parse(&req, &[], true, SHOWN);
        }
    }
}
