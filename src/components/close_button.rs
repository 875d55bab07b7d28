//! The compact layouts' "Close" button, first in the open form.

use leptos::prelude::*;

use super::{Ctx, widget::close};

/// Closes the form and gives focus back to the button that opened it (Escape does the same).
#[component]
pub fn CloseButton(
    /// The widget's context (its language).
    ctx: Ctx,
    /// Whether the form is open (this button closes it).
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = ctx.s;
    view! {
        <button class="secondary close" type="button" id="pw-close" on:click=move |_| close(&ctx, open)>
            {s.close_form}
        </button>
    }
}
