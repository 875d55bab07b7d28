//! The pitch: title and pledge text, paragraphs with links, always as text nodes.

use crate::browser::dom::El;
use crate::campaign::{Segment, paragraphs};

/// Title (`part="title"`) and the pledge `text` (docs/api.md: plain text, blank lines
/// separate paragraphs, `http(s)` URLs become links opening in a new tab).
pub fn pitch(title: &str, text: &str) -> El {
    let paras = paragraphs(text).into_iter().map(|segs| {
        segs.into_iter().fold(El::new("p"), |p, seg| match seg {
            Segment::Text(t) => p.text(&t),
            Segment::Link(u) => p.child(external_link(&u, &u)),
        })
    });
    El::new("div")
        .child(El::new("h2").attr("part", "title").text(title))
        .children(paras)
}

/// `<a href target=_blank rel="noopener noreferrer">text</a>`.
pub fn external_link(href: &str, text: &str) -> El {
    El::new("a")
        .attr("href", href)
        .attr("target", "_blank")
        .attr("rel", "noopener noreferrer")
        .text(text)
}
