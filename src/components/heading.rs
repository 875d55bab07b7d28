//! Headings at the level the partner's page outline asks for (option `heading-level`).

use leptos::html::custom;
use leptos::prelude::*;

use crate::options::HeadingLevel;

/// One of the widget's headings: an `h1`…`h6` element at `level`. A real heading element, not
/// `role="heading"` with `aria-level`: WebKit ignores `aria-level` on an `hN` without an
/// explicit role. Its look comes from `class` (widget.css), never from the element name, so
/// the level changes the outline and nothing on screen. Every heading is this one type, so
/// the renderer's code for it is in the module once, not once per heading (bytes).
#[derive(Default)]
pub struct Heading {
    /// Its level (a view's own, or [`HeadingLevel::below`] the widget's).
    pub level: HeadingLevel,
    /// The class that styles it: `title` or `sub` (or `sr-only`; the wall's groups are
    /// styled by their part).
    pub class: Option<&'static str>,
    /// Its element id, for labels and focus.
    pub id: Option<&'static str>,
    /// Its `::part()` name.
    pub part: Option<&'static str>,
    /// `lang` and `dir` of text in a language not the widget's.
    pub lang: Option<String>,
    /// See `lang`.
    pub dir: Option<&'static str>,
    /// Focusable by script (`tabindex="-1"`): the thanks heading takes focus.
    pub focusable: bool,
}

impl Heading {
    /// The element, holding `text`.
    pub fn view(self, text: String) -> impl IntoView {
        custom(self.level.tag())
            .attr("class", self.class)
            .attr("id", self.id)
            .attr("part", self.part)
            .attr("lang", self.lang)
            .attr("dir", self.dir)
            .attr("tabindex", self.focusable.then_some("-1"))
            .child(text)
    }
}
