//! Per-language campaign text (`campaign_translations`): a widget showing Spanish shows the
//! campaign's Spanish title, text and consent line when the organiser wrote them, and the
//! Spanish labels of its fields and their options.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{StoreResult, from_json, to_json};

/// The campaign text in one language; a missing member falls back to the campaign's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
    /// Field labels and option labels, by field key; a missing one is the campaign's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldTranslation>,
}

/// One field's words in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Option labels by option value (select fields).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

impl FieldTranslation {
    pub fn is_empty(&self) -> bool {
        self.label.is_none() && self.options.is_empty()
    }
}

impl Translation {
    /// The `fields_json` column: `NULL` when no field is translated.
    pub(crate) fn fields_column(&self) -> Option<String> {
        (!self.fields.is_empty()).then(|| to_json(&self.fields))
    }

    pub(crate) fn fields_from_column(
        column: Option<String>,
    ) -> StoreResult<BTreeMap<String, FieldTranslation>> {
        column.map_or_else(|| Ok(BTreeMap::new()), |json| from_json(&json))
    }
}

/// `LANG:FILE` of `campaign create --translation`: a language tag (2–8 letters, then
/// `-` subtags) and a JSON file `{"title": …, "text": …, "consent_text": …}`.
pub fn parse_translation_arg(arg: &str) -> Result<(String, Translation), String> {
    let (lang, path) = arg
        .split_once(':')
        .ok_or_else(|| format!("--translation {arg:?}: expected LANG:FILE"))?;
    crate::domain::Locale::parse(lang).map_err(|e| format!("--translation {lang:?}: {e}"))?;
    let json = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let t: Translation = serde_json::from_str(&json).map_err(|e| format!("{path}: {e}"))?;
    Ok((lang.to_ascii_lowercase(), t))
}
