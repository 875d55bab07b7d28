//! The pitch: title and pledge text, paragraphs with links, always as text nodes.

use crate::browser::dom::El;
use crate::campaign::{Segment, paragraphs};

/// Title (`part="title"`) and the pledge `text` (docs/api.md: plain text, blank lines
/// separate paragraphs, `http(s)` URLs become links opening in a new tab), marked with their
/// own `lang` (when not the widget's, so English text keeps left-to-right under `lang="ar"`).
pub fn pitch(title: &str, text: &str, lang: Option<&str>) -> El {
    let paras = paragraphs(text).into_iter().map(|segs| {
        segs.into_iter().fold(El::new("p"), |p, seg| match seg {
            Segment::Text(t) => p.text(&t),
            Segment::Link(u) => p.child(external_link(&u, &u)),
        })
    });
    in_language(El::new("div"), lang)
        .child(El::new("h2").attr("part", "title").text(title))
        .children(paras)
}

/// `el` with `lang` and its `dir`, when the text in it has a language of its own.
pub fn in_language(el: El, lang: Option<&str>) -> El {
    match lang {
        Some(l) => el.attr("lang", l).attr("dir", crate::i18n::dir(l)),
        None => el,
    }
}

/// `<a href target=_blank rel="noopener noreferrer">text</a>`.
pub fn external_link(href: &str, text: &str) -> El {
    El::new("a")
        .attr("href", href)
        .attr("target", "_blank")
        .attr("rel", "noopener noreferrer")
        .text(text)
}
