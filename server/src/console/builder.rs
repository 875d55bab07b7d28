//! The embed-code builder: layout, theme, language, accent and heading level in a GET form (no script
//! needed), the snippet of docs/embedding.md in a read-only textarea to copy, and a live
//! preview framing this server's own `/embed/` page.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use maud::{Markup, html};

use super::ConsoleError;
use super::auth::Organiser;
use super::dashboard::{campaign, campaign_nav};
use super::layout::{notice, page};
use crate::state::AppState;

/// The builder's choices, each checked; `None` = the widget's default (left out of the
/// snippet).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct EmbedOptions {
    pub layout: Option<&'static str>,
    pub theme: Option<&'static str>,
    pub lang: Option<String>,
    pub accent: Option<String>,
    /// The widget title's heading level on the partner's page (`heading-level`), 1–6.
    pub heading_level: Option<&'static str>,
}

const LAYOUTS: [&str; 3] = ["full", "compact", "banner"];
const THEMES: [&str; 3] = ["auto", "light", "dark"];
/// "2" is the widget's default (an `h2`), left out of the snippet like the other defaults.
const HEADING_LEVELS: [&str; 6] = ["1", "2", "3", "4", "5", "6"];

impl EmbedOptions {
    /// Reads the query; a value that is not one of the choices is an error naming it.
    pub(super) fn parse(q: &HashMap<String, String>, languages: &[String]) -> Result<Self, String> {
        let pick = |name: &str, choices: &[&'static str]| -> Result<Option<&'static str>, String> {
            match q.get(name).map(String::as_str) {
                None | Some("") => Ok(None),
                Some(v) => choices
                    .iter()
                    .find(|c| **c == v)
                    .map(|c| Some(*c))
                    .ok_or_else(|| format!("{name} must be one of {}", choices.join(", "))),
            }
        };
        let lang = match q.get("lang").map(String::as_str) {
            None | Some("") => None,
            Some(l) if languages.iter().any(|x| x == l) => Some(l.to_owned()),
            Some(_) => return Err(format!("lang must be one of {}", languages.join(", "))),
        };
        let accent = match q.get("accent").map(|a| a.trim()) {
            None | Some("") => None,
            Some(a) if is_hex_colour(a) => Some(a.to_owned()),
            Some(_) => {
                return Err("accent must be a hex colour like #c2185b (or empty)".to_owned());
            }
        };
        Ok(Self {
            layout: pick("layout", &LAYOUTS)?.filter(|l| *l != "full"),
            theme: pick("theme", &THEMES)?.filter(|t| *t != "auto"),
            lang,
            accent,
            heading_level: pick("heading-level", &HEADING_LEVELS)?.filter(|h| *h != "2"),
        })
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        if let Some(l) = self.layout {
            out.push(("layout", l));
        }
        if let Some(t) = self.theme {
            out.push(("theme", t));
        }
        if let Some(l) = &self.lang {
            out.push(("lang", l.as_str()));
        }
        if let Some(a) = &self.accent {
            out.push(("accent", a.as_str()));
        }
        if let Some(h) = self.heading_level {
            out.push(("heading-level", h));
        }
        out
    }

    /// The custom-element snippet of docs/embedding.md, for this server and campaign.
    pub(super) fn snippet(&self, origin: &str, slug: &str) -> String {
        let mut attrs = String::new();
        for (k, v) in self.pairs() {
            attrs.push_str(&format!(" {k}=\"{v}\""));
        }
        format!(
            "<pledge-widget endpoint=\"{origin}/api/v1\" campaign=\"{slug}\"{attrs}></pledge-widget>\n<script src=\"{origin}/widget/embed.js\" async></script>"
        )
    }

    /// The preview's address: this server's `/embed/` page with the same options.
    fn preview(&self, slug: &str) -> String {
        let mut url = format!("/embed/{slug}");
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs())
            .finish();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }
}

/// `#rgb` or `#rrggbb`: the accents a snippet can carry without quoting trouble.
fn is_hex_colour(a: &str) -> bool {
    a.strip_prefix('#')
        .is_some_and(|h| matches!(h.len(), 3 | 6) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `GET /admin/campaigns/{slug}/embed?layout=…&theme=…&lang=…&accent=…&heading-level=…`
pub(crate) async fn builder(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let mut languages = c.languages.clone();
    languages.extend(c.translations.keys().cloned());
    languages.sort();
    languages.dedup();
    let (options, error) = match EmbedOptions::parse(&q, &languages) {
        Ok(o) => (o, None),
        Err(e) => (EmbedOptions::default(), Some(e)),
    };
    let snippet = options.snippet(&state.public_origin, &slug);
    let current = |name: &str| q.get(name).map_or("", String::as_str).to_owned();
    Ok(page(
        &who,
        &format!("Embed {}", c.title),
        html! {
            (campaign_nav(&slug, "/embed"))
            (notice(q.get("done").map(String::as_str)))
            @if let Some(e) = error {
                p.error role="alert" { "Not applied: " (e) "." }
            }
            form.builder method="get" {
                label for="layout" { "Layout" }
                select #layout name="layout" {
                    @for l in LAYOUTS { option value=(l) selected[current("layout") == l] { (l) } }
                }
                label for="theme" { "Theme" }
                select #theme name="theme" {
                    @for t in THEMES { option value=(t) selected[current("theme") == t] { (t) } }
                }
                label for="lang" { "Language" }
                select #lang name="lang" {
                    option value="" { "The page's language" }
                    @for l in &languages { option value=(l) selected[current("lang") == *l] { (l) } }
                }
                label for="accent" { "Accent colour (hex, optional)" }
                input #accent name="accent" type="text" value=(current("accent")) placeholder="#1d4ed8"
                    pattern="#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})";
                label for="heading-level" { "Heading level of the widget's title" }
                select #heading-level name="heading-level" aria-describedby="heading-level-hint" {
                    @for h in HEADING_LEVELS {
                        option value=(h) selected[current("heading-level") == h || (h == "2" && current("heading-level").is_empty())] {
                            "h" (h) @if h == "2" { " (default)" }
                        }
                    }
                }
                p.hint #heading-level-hint { "Pick the level that fits the partner page's outline: one below the heading the widget sits under. It changes what screen readers announce, not how the widget looks." }
                button type="submit" { "Update the snippet and preview" }
            }
            h2 { label for="snippet" { "The snippet" } }
            p { "Paste it into the partner page where the widget should appear. Select it all (it is selected when you focus it, or press Ctrl+A) and copy." }
            textarea #snippet readonly rows="4" { (snippet) }
            button #copy type="button" hidden { "Copy the snippet" }
            @if !c.allowed_origins.iter().any(|o| o == "*") {
                p.hint { "The partner's site must be on this campaign's allowed origins (see Partners), or the widget cannot load there." }
            }
            h2 { "Preview" }
            p.hint { "The preview is the live widget: a signature made in it counts." }
            iframe.preview src=(options.preview(&slug)) title="Preview of the embedded widget" {}
            script src="/admin/console.js" defer {}
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_left_out_and_bad_values_named() {
        let langs = ["en".to_owned(), "de".to_owned()];
        let o = EmbedOptions::parse(
            &q(&[
                ("layout", "full"),
                ("theme", "dark"),
                ("lang", "de"),
                ("heading-level", "3"),
            ]),
            &langs,
        )
        .unwrap();
        assert_eq!(
            o.snippet("https://p.example", "x"),
            "<pledge-widget endpoint=\"https://p.example/api/v1\" campaign=\"x\" theme=\"dark\" lang=\"de\" heading-level=\"3\"></pledge-widget>\n<script src=\"https://p.example/widget/embed.js\" async></script>"
        );
        assert_eq!(
            o.preview("x"),
            "/embed/x?theme=dark&lang=de&heading-level=3"
        );
        let bad = EmbedOptions::parse(&q(&[("accent", "red\" onload=\"x")]), &langs);
        assert!(bad.unwrap_err().starts_with("accent"));
        assert!(
            EmbedOptions::parse(&q(&[("heading-level", "7")]), &langs)
                .unwrap_err()
                .starts_with("heading-level")
        );
        assert_eq!(
            EmbedOptions::parse(&q(&[("heading-level", "2")]), &langs),
            Ok(EmbedOptions::default()),
            "the default level is left out"
        );
        assert!(
            EmbedOptions::parse(&q(&[("layout", "huge")]), &langs)
                .unwrap_err()
                .starts_with("layout")
        );
        assert!(EmbedOptions::parse(&q(&[("lang", "fr")]), &langs).is_err());
    }
}
