//! The live count ("1,204 people have signed") and the goal bar ("Goal: 2,000").

use leptos::prelude::*;

use super::Ctx;
use crate::browser::dom::{El, set_attr, set_text};
use crate::browser::intl::{format_count, plural};
use crate::i18n::{Strings, fill};

/// "N people have signed" ("Be the first to sign" for 0), worded by the locale's plural rules.
pub fn count_phrase(s: &Strings, n: u64) -> String {
    fill(
        s.count_template(n, &plural(n, s.tag)),
        &format_count(n, s.tag),
    )
}

/// Count (`part="count"`) and goal bar (`part="goal-bar"`); each hidden while unknown.
/// `count`: signatures so far (`None` = unknown, e.g. an endpoint without count routes);
/// `goal`: the target (`None` = no goal bar).
pub fn count_view(ctx: &Ctx, count: RwSignal<Option<u64>>, goal: RwSignal<Option<u64>>) -> El {
    let s = ctx.s;
    let phrase = El::class("p", "count")
        .attr("part", "count")
        .bind(move |el| set_text(el, count.get().map(|n| count_phrase(s, n)).as_deref()));
    let bar = El::new("progress")
        .attr("part", "goal-bar")
        .attr("aria-label", s.goal_label)
        .bind(move |el| {
            let g = goal.get().unwrap_or(1);
            set_attr(el, "max", Some(&g.to_string()));
            set_attr(
                el,
                "value",
                Some(&count.get().unwrap_or(0).min(g).to_string()),
            );
        });
    let of = El::new("span").bind(move |el| {
        el.set_text_content(
            goal.get()
                .map(|g| fill(s.goal, &format_count(g, s.tag)))
                .as_deref(),
        );
    });
    let bar = El::class("div", "goal")
        .child(bar)
        .child(of)
        .bind(move |el| {
            set_attr(el, "hidden", goal.with(Option::is_none).then_some(""));
        });
    El::new("div").child(phrase).child(bar)
}
