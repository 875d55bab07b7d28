//! What the compact, banner and wall layouts show until the form opens, and what every layout
//! shows for a closed campaign: the title, the count and one line (a button or a notice).

use std::sync::Arc;

use leptos::prelude::*;

use super::{
    Ctx,
    count::Count,
    heading::Heading,
    notice::Notice,
    pitch::lang_attrs,
    wall_slot::{WallPart, WallSlot},
};
use crate::browser::host;
use crate::campaign::Campaign;
use crate::options::Layout;

/// Title, count (with the ticker and, for `layout="wall"`, the wall) and the button that opens
/// the form, or "This pledge is closed" when the campaign is. The banner layout is one line: the
/// title stays for screen readers only.
#[component]
pub fn Summary(
    /// The widget's context (options and language).
    ctx: Ctx,
    /// The campaign shown.
    campaign: Arc<Campaign>,
    /// The live count.
    count: RwSignal<Option<u64>>,
    /// The campaign's goal, if any.
    goal: RwSignal<Option<u64>>,
    /// Whether the form is open (the button opens it).
    open: RwSignal<bool>,
    /// The campaign is closed: a notice instead of the button.
    closed: bool,
) -> impl IntoView {
    let s = ctx.s;
    let wall = ctx.opts.layout == Layout::Wall;
    let opener = if closed {
        view! { <Notice role="status" text=s.closed/> }.into_any()
    } else {
        let c = ctx.clone();
        let click = move |_| {
            open.set(true);
            // The opener button is replaced: keep keyboard focus in the form.
            let c = c.clone();
            host::after(0, move || c.focus("pw-name"));
        };
        // Named with the campaign's title after its text ("Sign the pledge No Music for ICE"),
        // so it is told apart from the form's own sign button (WCAG 2.5.3: the visible words
        // come first). No aria-expanded: it is replaced by the form, not a disclosure.
        view! {
            <button type="button" part="open" id="pw-open" aria-labelledby="pw-open pw-open-title" on:click=click>
                {if wall { s.sign_too } else { s.open_form }}
            </button>
        }
        .into_any()
    };
    let title = campaign.title.clone();
    let level = ctx.opts.heading_level;
    if ctx.opts.layout == Layout::Banner {
        return view! {
            {Heading { level, class: Some("sr-only"), id: Some("pw-open-title"), ..Default::default() }.view(title)}
            <div class="strip"><Count ctx count goal/>{opener}</div>
        }
        .into_any();
    }
    let (lang, dir) = lang_attrs(campaign.lang.as_deref());
    let list = wall.then(|| {
        view! { <WallSlot ctx=ctx.clone() campaign=campaign.clone() count part=WallPart::List/> }
    });
    view! {
        {Heading { level, class: Some("title"), id: Some("pw-open-title"), part: Some("title"), lang, dir, ..Default::default() }.view(title)}
        <Count ctx=ctx.clone() count goal/>
        <WallSlot ctx=ctx.clone() campaign=campaign.clone() count part=WallPart::Ticker/>
        {opener}
        {list}
    }
    .into_any()
}
