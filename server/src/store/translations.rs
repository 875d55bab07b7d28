//! Per-language campaign text (`campaign_translations`): a widget showing Spanish shows the
//! campaign's Spanish title, text and consent line when the organiser wrote them.

use serde::{Deserialize, Serialize};

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
