//! What an organiser configures: the campaign slug and the fields its form asks for.

use serde::{Deserialize, Serialize};

/// `[a-z0-9-]{1,64}`: safe in URLs, file names and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CampaignSlug(String);

impl CampaignSlug {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Self(raw.to_owned()))
    }
}

impl AsRef<str> for CampaignSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Kinds of campaign fields: the contract's, which the widget reads too.
pub use pledge_contract::FieldKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldOption {
    pub value: String,
    pub label: String,
}

/// One extra question on the form. Serialised as-is in `GET /campaigns/{slug}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDefinition {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FieldOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Shown with the signer's name on the public wall (`campaign wall --public-field`).
    /// Never for email fields. Absent from the JSON when `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

impl FieldDefinition {
    pub const DEFAULT_MAX_LENGTH: usize = 200;

    /// Limit for free-text values (text and email fields).
    pub fn max_len(&self) -> usize {
        self.max_length.unwrap_or(Self::DEFAULT_MAX_LENGTH)
    }

    /// Parses the CLI's `--field` spec: `key:type:label[:required|optional[:extra]]`, where
    /// `extra` is `value=Label|value=Label` for `select` and a maximum length for `text`.
    pub fn from_spec(spec: &str) -> Result<Self, String> {
        let parts: Vec<&str> = spec.splitn(5, ':').collect();
        let [key, kind, label, rest @ ..] = parts.as_slice() else {
            return Err(format!(
                "field spec {spec:?}: expected key:type:label[:required[:extra]]"
            ));
        };
        let key_ok = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            return Err(format!("field key {key:?}: use 1-64 of [a-z0-9_]"));
        }
        let kind = FieldKind::parse(kind).ok_or_else(|| {
            format!("field type {kind:?}: use text, email, select, country or checkbox")
        })?;
        if label.trim().is_empty() {
            return Err(format!("field {key:?}: empty label"));
        }
        let required = match rest.first().copied() {
            None | Some("") | Some("optional") => false,
            Some("required") => true,
            Some(other) => {
                return Err(format!(
                    "field {key:?}: {other:?} is neither required nor optional"
                ));
            }
        };
        let extra = rest.get(1).copied().unwrap_or("");
        let mut field = FieldDefinition {
            key: (*key).to_owned(),
            label: label.trim().to_owned(),
            kind,
            required,
            options: Vec::new(),
            max_length: None,
            public: false,
        };
        match kind {
            FieldKind::Select => {
                field.options = extra
                    .split('|')
                    .filter(|o| !o.is_empty())
                    .map(|o| {
                        let (value, label) = o.split_once('=').unwrap_or((o, o));
                        FieldOption {
                            value: value.trim().to_owned(),
                            label: label.trim().to_owned(),
                        }
                    })
                    .collect();
                if field.options.is_empty() {
                    return Err(format!(
                        "select field {key:?} needs options: value=Label|value=Label"
                    ));
                }
            }
            FieldKind::Text | FieldKind::Email => {
                let max = if extra.is_empty() {
                    Self::DEFAULT_MAX_LENGTH
                } else {
                    extra
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=2000).contains(n))
                        .ok_or_else(|| {
                            format!("field {key:?}: max length {extra:?} is not 1-2000")
                        })?
                };
                field.max_length = Some(max);
            }
            FieldKind::Country | FieldKind::Checkbox if !extra.is_empty() => {
                return Err(format!("field {key:?}: {kind:?} takes no extra part"));
            }
            FieldKind::Country | FieldKind::Checkbox => {}
        }
        Ok(field)
    }
}

/// Everything `campaign create` needs; also used to seed the demo campaign.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub slug: CampaignSlug,
    pub title: String,
    pub text: String,
    pub goal: Option<i64>,
    pub fields: Vec<FieldDefinition>,
    pub consent_text: String,
    pub privacy_url: Option<String>,
    pub share_url: Option<String>,
    pub allow_public_names: bool,
    pub languages: Vec<String>,
    /// The listed origins (normalised, see [`super::Origin`]).
    pub allowed_origins: Vec<String>,
    /// `Any`: every page may sign; `Listed`: only `allowed_origins`.
    pub origin_mode: super::OriginMode,
    /// Proof-of-work difficulty (`maxnumber`); 0 = no proof asked.
    pub pow_maxnumber: u32,
    /// Minimum seconds from a challenge's issue to the post (with proof of work only).
    pub min_fill_seconds: u32,
    /// Answer a repeated email `200 already_signed` (`true`) instead of exactly like a new
    /// signature (`false`, the default). See docs/api.md for the risk.
    pub reveal_already_signed: bool,
    /// Whether and when opted-in signers appear on the public wall.
    pub public_names: super::PublicNames,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_rules() {
        assert!(CampaignSlug::parse("no-music-for-ice").is_some());
        assert!(CampaignSlug::parse("No-Music").is_none());
        assert!(CampaignSlug::parse("").is_none());
        assert!(CampaignSlug::parse(&"a".repeat(65)).is_none());
    }

    #[test]
    fn select_spec() {
        let f = FieldDefinition::from_spec("role:select:I am:required:artist=An artist|fan=A fan")
            .unwrap();
        assert_eq!(f.kind, FieldKind::Select);
        assert!(f.required);
        assert_eq!(f.options.len(), 2);
        assert_eq!(
            f.options[1],
            FieldOption {
                value: "fan".into(),
                label: "A fan".into()
            }
        );
    }

    #[test]
    fn text_spec_defaults() {
        let f = FieldDefinition::from_spec("postal_code:text:Postal code:optional:20").unwrap();
        assert_eq!(f.max_length, Some(20));
        let f = FieldDefinition::from_spec("organisation:text:Band").unwrap();
        assert!(!f.required);
        assert_eq!(f.max_length, Some(200));
    }

    proptest::proptest! {
        #[test]
        fn spec_and_slug_parsers_never_panic(s in proptest::prelude::any::<String>()) {
            let _ = FieldDefinition::from_spec(&s);
            if let Some(slug) = CampaignSlug::parse(&s) {
                proptest::prop_assert_eq!(CampaignSlug::parse(slug.as_ref()), Some(slug.clone()));
            }
        }
    }

    #[test]
    fn bad_specs() {
        for bad in [
            "role",
            "role:select:I am:required",
            "Role:text:x",
            "k:number:x",
            "k:text:x:maybe",
            "k:text:x::0",
        ] {
            assert!(FieldDefinition::from_spec(bad).is_err(), "{bad}");
        }
    }
}
