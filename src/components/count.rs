//! The live count ("1,204 people have signed") and the goal bar ("Goal: 2,000").

use leptos::prelude::*;

use super::Ctx;
use crate::browser::intl::{format_count, plural};
use crate::i18n::{Strings, fill};

/// "N people have signed" ("Be the first to sign" for 0), worded by the locale's plural rules.
pub fn count_phrase(s: &Strings, n: u64) -> String {
    fill(
        s.count_template(n, &plural(n, s.tag)),
        &format_count(n, s.tag),
    )
}

/// Count (`part="count"`) and goal bar (`part="goal-bar"`), each hidden while unknown.
#[component]
pub fn Count(
    /// The widget's context (its language).
    ctx: Ctx,
    /// Signatures so far (`None`: unknown, e.g. an endpoint without count routes).
    count: RwSignal<Option<u64>>,
    /// The target (`None`: no goal bar).
    goal: RwSignal<Option<u64>>,
) -> impl IntoView {
    let s = ctx.s;
    let max = move || goal.get().unwrap_or(1);
    view! {
        <div>
            <p class="count" part="count" hidden=move || count.with(Option::is_none)>
                {move || count.get().map(|n| count_phrase(s, n))}
            </p>
            <div class="goal" hidden=move || goal.with(Option::is_none)>
                <progress
                    part="goal-bar"
                    aria-label=s.goal_label
                    max=move || max().to_string()
                    value=move || count.get().unwrap_or(0).min(max()).to_string()
                ></progress>
                <span>{move || goal.get().map(|g| fill(s.goal, &format_count(g, s.tag)))}</span>
            </div>
        </div>
    }
}
