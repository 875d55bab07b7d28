//! The thanks view: confirmation (or the friendly "already signed"), the updated count and
//! share actions.

use leptos::prelude::*;

use super::{Ctx, count::count_view};
use crate::browser::{dom::El, lazy};

/// Shown once the signature is stored. `already`: the email had signed before; `count` and
/// `goal`: the live count; `share_url`/`share_text`: what the share actions send. The share
/// actions are a lazy chunk, loaded before this view is shown; when it could not be fetched
/// (offline), the thanks show without them.
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
        .children(
            lazy::ready_now(lazy::share_view(ctx, share_url, share_text)).and_then(Result::ok),
        )
}
