//! Headings at the level the partner's page outline asks for (option `heading-level`).

use leptos::html::{HtmlElement, custom};
use leptos::tachys::html::element::Custom;

use crate::options::HeadingLevel;

/// An `h1`…`h6` element at `level`. A real heading element, not `role="heading"` with
/// `aria-level`: WebKit ignores `aria-level` on an `hN` without an explicit role. Its look
/// comes from its class (widget.css), never from the element name, so the level changes the
/// outline and nothing on screen.
pub fn heading(level: HeadingLevel) -> HtmlElement<Custom<&'static str>, (), ()> {
    custom(level.tag())
}
