//! A one-line notice in place of the form: loading, closed, or why the widget cannot take
//! signatures here.

use leptos::prelude::*;

/// `<p class="notice">` with its ARIA role.
#[component]
pub fn Notice(
    /// `status` (polite: loading, closed) or `alert` (the widget cannot sign here).
    role: &'static str,
    /// The text, in the widget's language.
    text: &'static str,
) -> impl IntoView {
    view! { <p class="notice" role=role>{text}</p> }
}
