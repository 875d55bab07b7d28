//! The thanks view: confirmation (or the friendly "already signed"), the updated count and
//! share actions.

use leptos::prelude::*;

use super::{Ctx, count::count_view, share::share};
use crate::browser::dom::El;

/// Shown once the signature is stored. `already`: the email had signed before; `count` and
/// `goal`: the live count; `share_url`/`share_text`: what the share actions send.
pub fn thanks(
    ctx: &Ctx,
    already: bool,
    count: RwSignal<Option<u64>>,
    goal: RwSignal<Option<u64>>,
    share_url: &str,
    share_text: &str,
) -> El {
    let s = ctx.s;
    El::class("div", "thanks")
        .attr("part", "thanks")
        .attr("id", "pw-thanks")
        .attr("tabindex", "-1")
        .child(El::new("h2").text(if already { s.already } else { s.thanks }))
        .child(count_view(ctx, count, goal))
        .child(share(ctx, share_url, share_text))
}
