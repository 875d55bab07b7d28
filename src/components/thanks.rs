//! The thanks view: confirmation (or the friendly "already signed"), the updated count and
//! share actions.

use leptos::prelude::*;

use super::{Ctx, count::Count, share::Share};

/// Shown once the signature is stored.
#[component]
pub fn Thanks(
    /// Widget context.
    ctx: Ctx,
    /// The email had signed before.
    already: bool,
    /// Live count.
    count: RwSignal<Option<u64>>,
    /// Goal.
    goal: RwSignal<Option<u64>>,
    /// Link to share.
    share_url: String,
    /// Text to share with it.
    share_text: String,
) -> impl IntoView {
    let s = ctx.s;
    view! {
        <div class="thanks" part="thanks" tabindex="-1" id="pw-thanks">
            <h2>{if already { s.already } else { s.thanks }}</h2>
            <Count ctx=ctx.clone() count=count goal=goal />
            <Share ctx=ctx url=share_url text=share_text />
        </div>
    }
}
