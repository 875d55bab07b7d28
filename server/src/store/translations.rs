//! Per-language campaign text (`campaign_translations`): a widget showing Spanish shows the
//! campaign's Spanish title, text and consent line when the organiser wrote them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::SignatureStore;

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

impl SignatureStore {
    /// Stores (or replaces) the `lang` text of campaign `slug`; `false` if there is no such
    /// campaign.
    pub async fn set_translation(
        &self,
        slug: &str,
        lang: &str,
        t: &Translation,
    ) -> Result<bool, sqlx::Error> {
        let _gate = self.write_gate.lock().await;
        let done = sqlx::query(
            "INSERT INTO campaign_translations (campaign_id, lang, title, body, consent_text)
             SELECT id, ?, ?, ?, ? FROM campaigns WHERE slug = ?
             ON CONFLICT (campaign_id, lang) DO UPDATE SET
               title = excluded.title, body = excluded.body, consent_text = excluded.consent_text",
        )
        .bind(lang)
        .bind(&t.title)
        .bind(&t.text)
        .bind(&t.consent_text)
        .bind(slug)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every language's text of a campaign, by language tag.
    pub(super) async fn translations(
        &self,
        campaign_id: i64,
    ) -> Result<BTreeMap<String, Translation>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT lang, title, body, consent_text FROM campaign_translations WHERE campaign_id = ?",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let t = Translation {
                    title: r.try_get(1)?,
                    text: r.try_get(2)?,
                    consent_text: r.try_get(3)?,
                };
                Ok((r.try_get(0)?, t))
            })
            .collect()
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
