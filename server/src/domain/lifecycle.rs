//! A campaign's life after `campaign create`: its state (open, closed, archived) and an
//! organiser's edit, checked whole before anything is written (which pages may sign is
//! `super::origin`). The CLI and the console both speak these types to the store
//! (`crate::store::LifecycleStore`).

use std::fmt;

use super::{FieldDefinition, FieldKind};
use crate::abuse::proof::WIDGET_MAXNUMBER;
use crate::store::{Campaign, Translation};

/// Where a campaign is in its life (docs/api.md, "Campaign states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignState {
    /// Takes signatures.
    Open,
    /// Shows its final count; a signature gets `410 campaign_closed`.
    Closed,
    /// Closed and put away: not listed, every public route answers `410 campaign_archived`.
    Archived,
}

impl CampaignState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            "archived" => Ok(Self::Archived),
            other => Err(format!(
                "campaign state {other:?}: use open, closed or archived"
            )),
        }
    }
}

/// An organiser's edit: `None` keeps the current value; `Some(None)` removes an optional
/// one (goal, links, retention).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignEdit {
    pub title: Option<String>,
    pub text: Option<String>,
    pub goal: Option<Option<i64>>,
    /// Replaces every field (answers already given stay with their signatures).
    pub fields: Option<Vec<FieldDefinition>>,
    /// A new text is a new consent version (its hash); signatures keep the one they saw.
    pub consent_text: Option<String>,
    pub privacy_url: Option<Option<String>>,
    pub share_url: Option<Option<String>>,
    pub pow_maxnumber: Option<u32>,
    pub min_fill_seconds: Option<u32>,
    /// Added or replaced, per language tag.
    pub translations: Vec<(String, Translation)>,
    /// Language tags whose translation is deleted: widgets in that language fall back to
    /// the campaign's own text.
    pub removed_translations: Vec<String>,
    pub retention_days: Option<Option<u32>>,
}

/// Why an edit was refused: the flag (`--goal`) or form field it is about, and why.
/// Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRefused {
    pub flag: &'static str,
    pub reason: String,
}

impl fmt::Display for EditRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--{}: {}", self.flag, self.reason)
    }
}

impl std::error::Error for EditRefused {}

/// Longest title, and longest pledge text, an edit accepts.
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 20_000;
/// Longest minimum fill time (an hour: longer would refuse honest signers).
pub const MAX_MIN_FILL_SECONDS: u32 = 3600;
/// Longest retention (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;

fn refuse<T>(flag: &'static str, reason: impl Into<String>) -> Result<T, EditRefused> {
    Err(EditRefused {
        flag,
        reason: reason.into(),
    })
}

/// One line of text without control characters (consent lines are stored with each
/// signature and printed by `campaign export`).
fn check_line(flag: &'static str, text: &str, max: usize) -> Result<(), EditRefused> {
    if text.trim().is_empty() {
        return refuse(flag, "must not be empty");
    }
    if text.chars().any(char::is_control) {
        return refuse(flag, "must be one line without control characters");
    }
    if text.chars().count() > max {
        return refuse(flag, format!("longer than {max} characters"));
    }
    Ok(())
}

/// An `http(s)` link without spaces or control characters, at most 2000 characters.
fn check_url(flag: &'static str, url: &str) -> Result<(), EditRefused> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        refuse(flag, format!("{url:?} is not an http(s) link"))
    }
}

impl CampaignEdit {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Keeps each field's wall mark (`public`) when a field of that key stays: `--field`
    /// says what the form asks, `wall settings` what the wall shows.
    pub fn keep_public_marks(&mut self, current: &Campaign) {
        for field in self.fields.iter_mut().flatten() {
            field.public = current
                .fields
                .iter()
                .any(|f| f.key == field.key && f.public && f.kind == field.kind);
        }
    }

    /// Checks the whole edit against the campaign as it is; the first problem found is
    /// returned, naming its flag. (An empty edit passes: it changes nothing.)
    pub fn check(&self, current: &Campaign) -> Result<(), EditRefused> {
        match self.problems(current.count).into_iter().next() {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    /// Every problem of the edit, one per flag at most, in the flags' order, for a
    /// campaign that has counted `count` signatures (a form shows each next to its field).
    pub fn problems(&self, count: i64) -> Vec<EditRefused> {
        let checks: [&dyn Fn() -> Result<(), EditRefused>; 10] = [
            &|| self.check_title(),
            &|| self.check_text(),
            &|| self.check_goal(count),
            &|| self.check_fields(),
            &|| self.check_consent(),
            &|| self.check_links(),
            &|| self.check_pow(),
            &|| self.check_min_fill(),
            &|| self.check_translations(),
            &|| self.check_retention(),
        ];
        checks.iter().filter_map(|c| c().err()).collect()
    }

    fn check_title(&self) -> Result<(), EditRefused> {
        if let Some(title) = &self.title {
            check_line("title", title, MAX_TITLE)?;
        }
        Ok(())
    }

    fn check_text(&self) -> Result<(), EditRefused> {
        if let Some(text) = &self.text {
            if text.chars().count() > MAX_TEXT {
                return refuse("text", format!("longer than {MAX_TEXT} characters"));
            }
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
            {
                return refuse("text", "contains control characters");
            }
        }
        Ok(())
    }

    fn check_goal(&self, count: i64) -> Result<(), EditRefused> {
        if let Some(Some(goal)) = self.goal {
            if goal <= 0 {
                return refuse("goal", format!("{goal} is not a positive number"));
            }
            // A goal below what is already counted would read "reached" before anyone
            // signs: refuse it. Raising one that was reached is what a campaign does.
            if goal < count {
                return refuse(
                    "goal",
                    format!(
                        "{goal} is below the {count} signatures already counted; give a goal of at least {count}, or --no-goal"
                    ),
                );
            }
        }
        Ok(())
    }

    fn check_fields(&self) -> Result<(), EditRefused> {
        let Some(fields) = &self.fields else {
            return Ok(());
        };
        if let Some((_, dup)) = fields
            .iter()
            .enumerate()
            .find(|(i, f)| fields[..*i].iter().any(|g| g.key == f.key))
        {
            return refuse("field", format!("field {:?} given twice", dup.key));
        }
        if let Some(f) = fields
            .iter()
            .find(|f| f.public && matches!(f.kind, FieldKind::Email | FieldKind::Checkbox))
        {
            return refuse(
                "field",
                format!(
                    "field {:?} cannot be public: email and checkbox answers are never shown",
                    f.key
                ),
            );
        }
        Ok(())
    }

    fn check_consent(&self) -> Result<(), EditRefused> {
        if let Some(consent) = &self.consent_text {
            check_line("consent-text", consent, 2000)?;
        }
        Ok(())
    }

    fn check_links(&self) -> Result<(), EditRefused> {
        if let Some(Some(url)) = &self.privacy_url {
            check_url("privacy-url", url)?;
        }
        if let Some(Some(url)) = &self.share_url {
            check_url("share-url", url)?;
        }
        Ok(())
    }

    fn check_pow(&self) -> Result<(), EditRefused> {
        if let Some(pow) = self.pow_maxnumber
            && pow > WIDGET_MAXNUMBER
        {
            return refuse(
                "pow",
                format!(
                    "{pow} is more than the widget solves ({WIDGET_MAXNUMBER}); 0 turns proof of work off"
                ),
            );
        }
        Ok(())
    }

    fn check_min_fill(&self) -> Result<(), EditRefused> {
        if let Some(secs) = self.min_fill_seconds
            && secs > MAX_MIN_FILL_SECONDS
        {
            return refuse(
                "min-fill-seconds",
                format!("{secs} is more than {MAX_MIN_FILL_SECONDS}"),
            );
        }
        Ok(())
    }

    fn check_translations(&self) -> Result<(), EditRefused> {
        for (lang, t) in &self.translations {
            if let Some(consent) = &t.consent_text {
                check_line("translation", consent, 2000).map_err(|e| EditRefused {
                    reason: format!("{lang}: consent_text {}", e.reason),
                    ..e
                })?;
            }
            if let Some(title) = &t.title {
                check_line("translation", title, MAX_TITLE).map_err(|e| EditRefused {
                    reason: format!("{lang}: title {}", e.reason),
                    ..e
                })?;
            }
        }
        Ok(())
    }

    fn check_retention(&self) -> Result<(), EditRefused> {
        if let Some(Some(days)) = self.retention_days
            && !(1..=MAX_RETENTION_DAYS).contains(&days)
        {
            return refuse(
                "retention-days",
                format!("{days} is not 1-{MAX_RETENTION_DAYS}"),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_lists_every_flag_that_is_wrong() {
        let edit = CampaignEdit {
            title: Some(" ".into()),
            goal: Some(Some(5)),
            share_url: Some(Some("nope".into())),
            pow_maxnumber: Some(WIDGET_MAXNUMBER + 1),
            ..CampaignEdit::default()
        };
        let flags: Vec<_> = edit.problems(10).iter().map(|e| e.flag).collect();
        assert_eq!(flags, ["title", "goal", "share-url", "pow"]);
        assert!(edit.problems(0).iter().all(|e| e.flag != "goal"));
        assert!(CampaignEdit::default().problems(0).is_empty());
    }
}
