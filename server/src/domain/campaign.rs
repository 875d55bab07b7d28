//! What an organiser configures: the campaign slug and the fields its form asks for.

use serde::{Deserialize, Serialize};

/// `[a-z0-9-]{1,64}`: safe in URLs, file names and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CampaignSlug(String);

impl CampaignSlug {
    pub fn parse(raw: &str) -> Option<Self> {
        Self::parse_explained(raw).ok()
    }

    /// [`Self::parse`], saying what is wrong (for a form that shows it next to the field).
    pub fn parse_explained(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err(
                "Give the campaign a short name for its address, like no-music-for-ice.".into(),
            );
        }
        if raw.len() > 64 {
            return Err(format!("At most 64 characters; this has {}.", raw.len()));
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "{bad:?} cannot be in it: use lowercase letters a-z, digits and hyphens."
            ));
        }
        Ok(Self(raw.to_owned()))
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
        let kind = parse_field_kind(kind)?;
        let options = if kind == FieldKind::Select {
            extra
                .split('|')
                .filter(|o| !o.is_empty())
                .map(|o| {
                    let (value, label) = o.split_once('=').unwrap_or((o, o));
                    (value.to_owned(), label.to_owned())
                })
                .collect()
        } else {
            Vec::new()
        };
        let max_length = matches!(kind, FieldKind::Text | FieldKind::Email).then_some(extra);
        if matches!(kind, FieldKind::Country | FieldKind::Checkbox) && !extra.is_empty() {
            return Err(format!("field {key:?}: {kind:?} takes no extra part"));
        }
        Self::from_parts(FieldParts {
            key,
            kind,
            label,
            required,
            options,
            max_length,
        })
        .map_err(|e| e.to_string())
    }

    /// Builds a field from its parts (the console's form rows; `from_spec` for the CLI),
    /// naming the part that is wrong.
    pub fn from_parts(parts: FieldParts<'_>) -> Result<Self, FieldRefused> {
        let FieldParts {
            key,
            kind,
            label,
            required,
            options,
            max_length,
        } = parts;
        let refuse = |part, reason: String| FieldRefused { part, reason };
        let key_ok = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            return Err(refuse(
                FieldPart::Key,
                format!("field key {key:?}: use 1-64 of [a-z0-9_]"),
            ));
        }
        if label.trim().is_empty() {
            return Err(refuse(
                FieldPart::Label,
                format!("field {key:?}: empty label"),
            ));
        }
        if label.chars().any(char::is_control) || label.chars().count() > 200 {
            return Err(refuse(
                FieldPart::Label,
                format!("field {key:?}: a label is one line of at most 200 characters"),
            ));
        }
        if !matches!(kind, FieldKind::Select) && !options.is_empty() {
            return Err(refuse(
                FieldPart::Options,
                format!("field {key:?}: only select fields have options"),
            ));
        }
        let mut field = FieldDefinition {
            key: key.to_owned(),
            label: label.trim().to_owned(),
            kind,
            required,
            options: Vec::new(),
            max_length: None,
            public: false,
        };
        match kind {
            FieldKind::Select => {
                for (value, label) in options {
                    let (value, label) = (value.trim(), label.trim());
                    let label = if label.is_empty() { value } else { label };
                    if value.is_empty()
                        || value.chars().any(char::is_control)
                        || label.chars().any(char::is_control)
                    {
                        return Err(refuse(
                            FieldPart::Options,
                            format!(
                                "select field {key:?}: option {value:?} needs a value and a one-line label"
                            ),
                        ));
                    }
                    if field.options.iter().any(|o| o.value == value) {
                        return Err(refuse(
                            FieldPart::Options,
                            format!("select field {key:?}: option {value:?} given twice"),
                        ));
                    }
                    field.options.push(FieldOption {
                        value: value.to_owned(),
                        label: label.to_owned(),
                    });
                }
                if field.options.is_empty() {
                    return Err(refuse(
                        FieldPart::Options,
                        format!("select field {key:?} needs options: value=Label|value=Label"),
                    ));
                }
            }
            FieldKind::Text | FieldKind::Email => {
                let extra = max_length.unwrap_or("").trim();
                let max = if extra.is_empty() {
                    Self::DEFAULT_MAX_LENGTH
                } else {
                    extra
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=2000).contains(n))
                        .ok_or_else(|| {
                            refuse(
                                FieldPart::MaxLength,
                                format!("field {key:?}: max length {extra:?} is not 1-2000"),
                            )
                        })?
                };
                field.max_length = Some(max);
            }
            FieldKind::Country | FieldKind::Checkbox => {}
        }
        Ok(field)
    }
}

/// A field as a form gives it, before [`FieldDefinition::from_parts`] checks it.
#[derive(Debug, Clone)]
pub struct FieldParts<'a> {
    pub key: &'a str,
    pub kind: FieldKind,
    pub label: &'a str,
    pub required: bool,
    /// (value, label) pairs, for `select` fields only.
    pub options: Vec<(String, String)>,
    /// For `text` and `email` fields; empty or `None` = the default.
    pub max_length: Option<&'a str>,
}

/// Which part of a field definition is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPart {
    Key,
    Label,
    Options,
    MaxLength,
}

/// Why a field was refused: the part, and why (the text names the field's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRefused {
    pub part: FieldPart,
    pub reason: String,
}

impl std::fmt::Display for FieldRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Reads a field `type` (the contract's names), naming the kinds there are when it is none.
pub fn parse_field_kind(raw: &str) -> Result<FieldKind, String> {
    FieldKind::parse(raw)
        .ok_or_else(|| format!("field type {raw:?}: use text, email, select, country or checkbox"))
}

/// The consent line a new campaign gets unless the organiser writes another.
pub const DEFAULT_CONSENT_TEXT: &str = "I agree that the organisers may store my name and email to count my pledge and contact me about it.";

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
    fn slug_reasons_name_the_problem() {
        assert!(
            CampaignSlug::parse_explained("")
                .unwrap_err()
                .contains("short name")
        );
        assert!(
            CampaignSlug::parse_explained("Bands")
                .unwrap_err()
                .contains("'B'")
        );
        assert!(
            CampaignSlug::parse_explained(&"a".repeat(65))
                .unwrap_err()
                .contains("65")
        );
    }

    #[test]
    fn parts_name_the_part_that_is_wrong() {
        let parts = |key, kind, label, options: &[(&str, &str)], max| FieldParts {
            key,
            kind,
            label,
            required: false,
            options: options
                .iter()
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                .collect(),
            max_length: Some(max),
        };
        let part = |p| FieldDefinition::from_parts(p).unwrap_err().part;
        assert_eq!(
            part(parts("Key", FieldKind::Text, "L", &[], "")),
            FieldPart::Key
        );
        assert_eq!(
            part(parts("k", FieldKind::Text, " ", &[], "")),
            FieldPart::Label
        );
        assert_eq!(
            part(parts("k", FieldKind::Select, "L", &[], "")),
            FieldPart::Options
        );
        assert_eq!(
            part(parts(
                "k",
                FieldKind::Select,
                "L",
                &[("a", "A"), ("a", "B")],
                ""
            )),
            FieldPart::Options
        );
        assert_eq!(
            part(parts("k", FieldKind::Text, "L", &[("a", "")], "")),
            FieldPart::Options
        );
        assert_eq!(
            part(parts("k", FieldKind::Text, "L", &[], "0")),
            FieldPart::MaxLength
        );
        let f = FieldDefinition::from_parts(parts("k", FieldKind::Select, "L", &[("a", "")], ""))
            .unwrap();
        assert_eq!(
            f.options[0].label, "a",
            "an option without a label shows its value"
        );
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
