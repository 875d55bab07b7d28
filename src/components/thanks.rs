//! The thanks view: confirmation (or the friendly "already signed"), the updated count and
//! share actions. Built in the lazily loaded `deliver` chunk
//! ([`thanks_view`](crate::browser::lazy::thanks_view)).

use leptos::prelude::*;

use super::{Ctx, count::Count, heading::Heading, share::Share};

/// Shown once the signature is stored (`part="thanks"`, focused by the widget), with the share
/// actions.
#[component]
pub fn Thanks(
    /// The widget's context (its language).
    ctx: Ctx,
    /// The email had signed before: the friendly "already signed" instead of the thanks.
    already: bool,
    /// The signature counts once the signer confirms their email: "check your inbox".
    pending: bool,
    /// The live count.
    count: RwSignal<Option<u64>>,
    /// The campaign's goal, if any.
    goal: RwSignal<Option<u64>>,
    /// The page the share actions send.
    share_url: String,
    /// The text they send with it (the campaign title).
    share_text: String,
) -> impl IntoView {
    let s = ctx.s;
    view! {
        <div class="thanks" part="thanks">
            // Focused when the signature is stored: its words alone are read, not the panel.
            {Heading { level: ctx.opts.heading_level, class: Some("title"), id: Some("pw-thanks"), focusable: true, ..Default::default() }.view(super::widget::thanks_heading(s, already).into())}
            {pending.then(|| view! { <p class="check-inbox">{s.check_inbox}</p> })}
            <Count ctx=ctx.clone() count goal/>
            <Share ctx url=share_url text=share_text/>
        </div>
    }
}
