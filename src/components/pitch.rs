//! The pitch: title and pledge text, paragraphs and lists with links, always as text nodes.

use leptos::prelude::*;

use super::{external_link::ExternalLink, heading::Heading};
use crate::campaign::{Block, Segment, blocks};
use crate::options::HeadingLevel;

/// `lang` and `dir` attributes for text with a language of its own (`None`: the widget's).
pub fn lang_attrs(lang: Option<&str>) -> (Option<String>, Option<&'static str>) {
    (lang.map(str::to_owned), lang.map(crate::i18n::dir))
}

/// Title (`part="title"`) and the pledge text, marked with their own `lang` (when not the
/// widget's, so English text keeps left-to-right under `lang="ar"`).
#[component]
pub fn Pitch(
    /// The campaign's title.
    title: String,
    /// The pledge text (docs/api.md: plain text, blank lines separate paragraphs, `http(s)`
    /// URLs become links opening in a new tab).
    text: String,
    /// The language of `title` and `text`, when not the widget's.
    lang: Option<String>,
    /// The title's heading level (option `heading-level`).
    level: HeadingLevel,
) -> impl IntoView {
    let (lang, dir) = lang_attrs(lang.as_deref());
    let inline = |segs: Vec<Segment>| {
        segs.into_iter()
            .map(|seg| match seg {
                Segment::Text(t) => t.into_any(),
                Segment::Link(u) => view! { <ExternalLink href=u.clone() text=u/> }.into_any(),
            })
            .collect_view()
    };
    let paras = blocks(&text)
        .into_iter()
        .map(|block| match block {
            Block::Para(segs) => view! { <p>{inline(segs)}</p> }.into_any(),
            Block::List { ordered, items } => {
                let items = items
                    .into_iter()
                    .map(|segs| view! { <li>{inline(segs)}</li> })
                    .collect_view();
                // One element for both kinds (less code): numbered ones get numbers from CSS.
                let class = if ordered {
                    "demands numbered"
                } else {
                    "demands"
                };
                view! { <ul class=class>{items}</ul> }.into_any()
            }
        })
        .collect_view();
    view! {
        <div lang=lang dir=dir>
            {Heading { level, class: Some("title"), id: Some("pw-title"), part: Some("title"), ..Default::default() }.view(title)}
            {paras}
        </div>
    }
}
