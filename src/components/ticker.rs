//! The ticker under the count: "Ada Lovelace (An artist, The Engines) and 474 others have
//! signed", rotating slowly through the first names of the wall (featured, then newest; from
//! `GET …/signers`, then the stream's wall events). Calm: it is no live region (milestones are
//! announced by the widget's own live region); it pauses while pointed at or focused, and with
//! its Pause button (WCAG 2.2.2); under `prefers-reduced-motion` it does not rotate at all.
//! Hidden while there is no name (no wall, `404 wall_off`, nobody yet).

use std::{rc::Rc, sync::Arc};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use super::wall::{adopt_wall_styles, region_namer};
use crate::browser::dom::{El, set_attr};
use crate::browser::host::{after, clear_timer};
use crate::browser::intl::{format_count, plural};
use crate::browser::signers::{self, WallEvent};
use crate::campaign::Campaign;
use crate::i18n::around_name;
use crate::wall::{self, Signer};

/// Names the ticker rotates through: the newest of the wall.
const NAMES: u32 = 10;
/// Each name stays this long: slow enough to read twice.
const ROTATE_MS: u32 = 6_000;

/// Whether the visitor asked for reduced motion.
pub fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// The ticker (`part="ticker"`) for `campaign`; `count` is the live count the "others" come from.
pub fn ticker(ctx: &Ctx, campaign: &Arc<Campaign>, count: RwSignal<Option<u64>>) -> El {
    adopt_wall_styles(ctx);
    let s = ctx.s;
    let names = RwSignal::new(Vec::<Signer>::new());
    let at = RwSignal::new(0usize);
    let paused = RwSignal::new(false);
    let held = RwSignal::new(false);
    let base = ctx.opts.campaign_url();
    let fetch = {
        let base = base.clone();
        move || {
            let base = base.clone();
            spawn_local(async move {
                if let Ok(p) = signers::page(&base, NAMES, None, "").await {
                    let _ = names.try_set(p.signers);
                    let _ = at.try_set(0);
                }
            });
        }
    };
    fetch();
    let id = signers::listen(
        &base,
        Rc::new(move |ev: &WallEvent| match ev {
            WallEvent::Signer(e) => {
                let mut shown = None;
                names.update(|l| {
                    if wall::upsert(l, e.clone(), false) {
                        shown = l.iter().position(|h| h.id == e.id);
                    }
                    l.truncate(NAMES as usize);
                });
                // A name that just arrived is the one to see.
                if let Some(i) = shown.filter(|i| *i < NAMES as usize) {
                    at.set(i);
                }
            }
            WallEvent::Removed(id) => names.update(|l| {
                wall::remove(l, id);
            }),
            WallEvent::Reset => fetch(),
        }),
    );
    on_cleanup(move || signers::unlisten(id));

    let rotating = !reduced_motion();
    if rotating {
        let timer = StoredValue::new(None::<i32>);
        fn tick(
            at: RwSignal<usize>,
            names: RwSignal<Vec<Signer>>,
            stop: RwSignal<bool>,
            held: RwSignal<bool>,
            timer: StoredValue<Option<i32>>,
        ) {
            let id = after(ROTATE_MS, move || {
                let (Some(n), Some(p), Some(h)) = (
                    names.try_with_untracked(Vec::len),
                    stop.try_get_untracked(),
                    held.try_get_untracked(),
                ) else {
                    return;
                };
                if n > 1 && !p && !h {
                    at.update(|i| *i = (*i + 1) % n);
                }
                tick(at, names, stop, held, timer);
            });
            timer.set_value(id);
        }
        tick(at, names, paused, held, timer);
        on_cleanup(move || {
            if let Some(t) = timer.try_get_value().flatten() {
                clear_timer(t);
            }
        });
    }

    let campaign = campaign.clone();
    let region = region_namer(s.tag);
    let line = El::class("p", "ticker-line").bind(move |el| {
        el.set_text_content(None);
        let shown = names.with(|l| l.get(at.get() % l.len().max(1)).cloned());
        let Some(e) = shown else { return };
        let details = wall::details(&campaign, &e, None, &*region);
        let others = count.get().unwrap_or(0).saturating_sub(1);
        let template = if others == 0 {
            s.ticker_alone
        } else {
            s.ticker_template(&plural(others, s.tag))
        };
        let (before, after) = around_name(template, &format_count(others, s.tag));
        // Each rotation is a new element, so the (motion-safe) fade-in runs again.
        let item = El::class("span", "ticker-name")
            .text(&before)
            .child(El::new("bdi").text(&wall::describe(&e.name, &details)))
            .text(&after);
        let _ = el.append_child(item.node());
    });
    let mut view = El::class("div", "ticker")
        .attr("part", "ticker")
        .attr("data-rotating", if rotating { "true" } else { "false" })
        .child(line)
        .on("pointerenter", move |_| held.set(true))
        .on("pointerleave", move |_| held.set(false))
        .on("focusin", move |_| held.set(true))
        .on("focusout", move |_| held.set(false))
        .bind(move |el| set_attr(el, "hidden", names.with(Vec::is_empty).then_some("")));
    if rotating {
        let pause = El::class("button", "secondary ticker-pause")
            .attr("type", "button")
            .attr("part", "ticker-pause")
            .text(s.ticker_pause)
            .on("click", move |_| paused.update(|p| *p = !*p))
            .bind(move |el| {
                set_attr(
                    el,
                    "aria-pressed",
                    Some(if paused.get() { "true" } else { "false" }),
                );
                set_attr(el, "hidden", (names.with(Vec::len) < 2).then_some(""));
            });
        view = view.child(pause);
    }
    view
}
