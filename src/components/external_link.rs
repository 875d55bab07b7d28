//! A link out of the widget, opening in a new tab without handing the page to it.

use leptos::prelude::*;

/// `<a href target=_blank rel="noopener noreferrer">text</a>`.
#[component]
pub fn ExternalLink(
    /// Where it goes (an `http(s)`/`mailto:` URL the caller has checked).
    href: String,
    /// The link's text (rendered as text, never HTML).
    text: String,
) -> impl IntoView {
    view! { <a href=href target="_blank" rel="noopener noreferrer">{text}</a> }
}
