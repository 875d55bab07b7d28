//! The pitch: title and pledge text, paragraphs with links, always as text nodes.

use leptos::prelude::*;

use crate::campaign::{Segment, paragraphs};

/// Title (`part="title"`) and the pledge text.
#[component]
pub fn Pitch(
    /// Campaign title.
    title: String,
    /// Plain pledge text (docs/api.md: blank lines separate paragraphs, URLs become links).
    text: String,
) -> impl IntoView {
    let paras = paragraphs(&text)
        .into_iter()
        .map(|segs| {
            let segs = segs
                .into_iter()
                .map(|seg| match seg {
                    Segment::Text(t) => t.into_any(),
                    Segment::Link(u) => {
                        view! { <a href=u.clone() target="_blank" rel="noopener noreferrer">{u.clone()}</a> }.into_any()
                    }
                })
                .collect_view();
            view! { <p>{segs}</p> }
        })
        .collect_view();
    view! {
        <h2 part="title">{title}</h2>
        {paras}
    }
}
