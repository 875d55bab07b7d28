//! The ticker under the count: "Ada Lovelace (An artist, The Engines) and 474 others have
//! signed", rotating slowly through the first names of the wall (featured, then newest; from
//! `GET …/signers`, then the stream's wall events). Calm: it is no live region (milestones are
//! announced by the widget's own live region); it pauses while pointed at or focused, and with
//! its Pause button (WCAG 2.2.2); under `prefers-reduced-motion` it does not rotate at all.
//! Names change without a fade: text half faded in reads below the contrast minimum.
//! Hidden while there is no name (no wall, `404 wall_off`, nobody yet).

use std::{rc::Rc, sync::Arc};

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use super::Ctx;
use super::wall::{Names, Timer, adopt_wall_styles, follow, load, region_namer};
use crate::browser::host::after;
use crate::browser::intl::{format_count, plural};
use crate::campaign::Campaign;
use crate::i18n::around_name;
use crate::wall;

/// Names the ticker rotates through: the first of the wall.
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

/// Shows the next name every [`ROTATE_MS`] unless paused or held, until `names` is disposed.
fn rotate(names: RwSignal<Names>, timer: Timer) {
    let next = timer.clone();
    timer.replace(after(ROTATE_MS, move || {
        let still = names.try_update(|n| {
            if n.entries.len() > 1 && !n.paused && !n.held {
                n.at = (n.at + 1) % n.entries.len();
            }
        });
        if still.is_some() {
            rotate(names, next);
        }
    }));
}

/// The ticker (`part="ticker"`): one name of the wall and how many others signed, with its
/// Pause button when it rotates.
#[component]
pub fn Ticker(
    /// The widget's context (its language and endpoint).
    ctx: Ctx,
    /// The campaign whose wall it reads (for the details of each name).
    campaign: Arc<Campaign>,
    /// The live count the "others" come from.
    count: RwSignal<Option<u64>>,
) -> impl IntoView {
    adopt_wall_styles(&ctx);
    let s = ctx.s;
    let base: Rc<str> = ctx.opts.campaign_url().into();
    let names = RwSignal::new(Names::default());
    load(names, base.clone(), NAMES, false);
    // A name that just arrived is the one to see; the list keeps the first few.
    follow(names, base, NAMES, |n, i| {
        n.entries.truncate(NAMES as usize);
        if i < n.entries.len() {
            n.at = i;
        }
    });

    let rotating = !reduced_motion();
    if rotating {
        let timer = Timer::default();
        rotate(names, timer.clone());
        let timer = SendWrapper::new(timer);
        on_cleanup(move || timer.replace(None));
    }

    let region = SendWrapper::new(region_namer(s.tag));
    let line = move || {
        let shown = names.with(|n| n.entries.get(n.at % n.entries.len().max(1)).cloned());
        let e = shown?;
        let details = wall::details(&campaign, &e, None, &**region);
        let others = count.get().unwrap_or(0).saturating_sub(1);
        let template = if others == 0 {
            s.ticker_alone
        } else {
            s.ticker_template(&plural(others, s.tag))
        };
        let (before, after) = around_name(template, &format_count(others, s.tag));
        let name = wall::describe(&e.name, &details);
        Some(view! { <span class="ticker-name">{before}<bdi>{name}</bdi>{after}</span> })
    };
    let pause = rotating.then(|| {
        view! {
            <button
                class="secondary ticker-pause"
                type="button"
                part="ticker-pause"
                aria-pressed=move || if names.with(|n| n.paused) { "true" } else { "false" }
                hidden=move || names.with(|n| n.entries.len() < 2)
                on:click=move |_| names.update(|n| n.paused = !n.paused)
            >
                {s.ticker_pause}
            </button>
        }
    });
    view! {
        <div
            class="ticker"
            part="ticker"
            data-rotating=if rotating { "true" } else { "false" }
            hidden=move || names.with(|n| n.entries.is_empty())
            on:pointerenter=move |_| names.update(|n| n.held = true)
            on:pointerleave=move |_| names.update(|n| n.held = false)
            on:focusin=move |_| names.update(|n| n.held = true)
            on:focusout=move |_| names.update(|n| n.held = false)
        >
            <p class="ticker-line">{line}</p>
            {pause}
        </div>
    }
}
