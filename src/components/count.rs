//! The live count ("1,204 have signed") and the goal bar ("of 2,000").

use leptos::prelude::*;

use super::Ctx;
use crate::browser::intl::{format_count, plural};
use crate::i18n::fill;

/// "N have signed", worded by the locale's plural rules.
pub fn count_phrase(ctx: &Ctx, n: u64) -> String {
    let s = ctx.s;
    let template = if plural(n, s.tag) == "one" {
        s.count_one
    } else {
        s.count_other
    };
    fill(template, &format_count(n, s.tag))
}

/// Count and goal bar; renders nothing until a count is known.
#[component]
pub fn Count(
    /// Widget context.
    ctx: Ctx,
    /// Signatures so far (`None` = not known, e.g. an endpoint without count routes).
    count: RwSignal<Option<u64>>,
    /// Goal (`None` = no goal bar).
    goal: RwSignal<Option<u64>>,
) -> impl IntoView {
    let phrase = {
        let ctx = ctx.clone();
        move || {
            let n = count.get()?;
            Some(
                view! { <p class="count" part="count"><strong>{count_phrase(&ctx, n)}</strong></p> },
            )
        }
    };
    let goal_view = move || {
        let g = goal.get()?;
        let n = count.get().unwrap_or(0);
        let of = fill(ctx.s.goal, &format_count(g, ctx.s.tag));
        Some(view! {
            <div class="goal">
                <progress part="goal-bar" max=g.to_string() value=n.min(g).to_string() aria-label=ctx.s.goal_label></progress>
                <span>{of}</span>
            </div>
        })
    };
    view! {
        {phrase}
        {goal_view}
    }
}
