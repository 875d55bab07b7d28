//! The public signer wall (`layout="wall"`): the names of `GET …/signers` grouped by the
//! campaign's role field (featured first, then each role option in the field's order, then
//! everyone else), a search box (the route's `q`), "Show more names" (its cursor), and live
//! changes from the stream (new names appear, hidden ones disappear, featured ones lead).
//! Names and details are text in `<bdi>`, never HTML. Without the route (`404 wall_off`, a
//! third-party endpoint) the wall shows nothing.

use std::{cell::RefCell, rc::Rc, sync::Arc};

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, ShadowRoot};

use super::Ctx;
use crate::browser::dom::{El, control_value, set_attr, set_text, switch};
use crate::browser::host::{after, clear_timer};
use crate::browser::intl::region_names;
use crate::browser::signers::{self, WallEvent};
use crate::campaign::Campaign;
use crate::wall::{self, Group, Signer};

/// The wall's stylesheet, minified at build time from `src/wall.css`; it ships in the wall's
/// chunk, not with the form.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/wall.min.css"));
/// Names per page.
const PAGE: u32 = 30;
/// Typing pauses this long before a search is sent.
const SEARCH_DELAY_MS: u32 = 300;

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// Adds the wall's stylesheet to the widget's shadow root, once (a constructable sheet where
/// the browser has them, as the widget's own, else a `<style>`).
pub fn adopt_wall_styles(ctx: &Ctx) {
    let Some(shadow) = ctx.root.get_root_node().dyn_into::<ShadowRoot>().ok() else {
        return;
    };
    let sheet = SHEET.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = CssStyleSheet::new()
                .ok()
                .filter(|s| s.replace_sync(CSS).is_ok());
        }
        cell.clone()
    });
    let adopted = js_sys::Reflect::get(&shadow, &"adoptedStyleSheets".into())
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|v| js_sys::Array::from(&v));
    match (sheet, adopted) {
        (Some(sheet), Some(list)) => {
            if !list.includes(&sheet, 0) {
                list.push(&sheet);
                shadow.set_adopted_style_sheets(&list);
            }
        }
        _ => {
            if ctx
                .root
                .query_selector("style.wall-css")
                .ok()
                .flatten()
                .is_none()
            {
                let style = El::class("style", "wall-css").text(CSS);
                let _ = ctx.root.append_child(style.node());
            }
        }
    }
}

/// Names a country code in the widget's language.
pub fn region_namer(tag: &str) -> Rc<dyn Fn(&str) -> String> {
    Rc::new(region_names(tag))
}

/// Where the list stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Loading,
    Shown,
    /// No wall here (`404 wall_off`, no route, or no answer): nothing to show.
    Off,
}

/// The wall's list state.
#[derive(Clone, Copy)]
struct List {
    entries: RwSignal<Vec<Signer>>,
    next: RwSignal<Option<String>>,
    phase: RwSignal<Phase>,
    q: RwSignal<String>,
    /// Bumped by each new query, so an answer to an older one is dropped.
    generation: StoredValue<u32>,
}

impl List {
    /// Fetches the first page (`more`: the next page) for the current search.
    fn load(self, base: Rc<str>, more: bool) {
        let cursor = if more {
            match self.next.get_untracked() {
                Some(c) => Some(c),
                None => return,
            }
        } else {
            self.generation.update_value(|g| *g += 1);
            None
        };
        let generation = self.generation.get_value();
        let q = self.q.get_untracked();
        spawn_local(async move {
            let page = signers::page(&base, PAGE, cursor.as_deref(), &q).await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match page {
                Ok(p) => {
                    self.entries.update(|l| {
                        if !more {
                            l.clear();
                        }
                        wall::append(l, p.signers);
                    });
                    self.next.set(p.next_cursor);
                    self.phase.set(Phase::Shown);
                }
                Err(_) if !more => self.phase.set(Phase::Off),
                Err(_) => {}
            }
        });
    }

    /// Applies a live change, as far as it concerns the search shown.
    fn apply(self, base: Rc<str>, ev: &WallEvent) {
        match ev {
            WallEvent::Signer(e) => {
                let q = self.q.get_untracked();
                let complete = self.next.get_untracked().is_none();
                self.entries.update(|l| {
                    if wall::matches(e, &q) {
                        wall::upsert(l, e.clone(), complete);
                    } else {
                        wall::remove(l, &e.id);
                    }
                });
                if self.phase.get_untracked() == Phase::Loading {
                    return;
                }
                self.phase.set(Phase::Shown);
            }
            WallEvent::Removed(id) => self.entries.update(|l| {
                wall::remove(l, id);
            }),
            WallEvent::Reset => self.load(base, false),
        }
    }
}

/// The wall (`part="wall"`) of `campaign`.
pub fn wall_list(ctx: &Ctx, campaign: &Arc<Campaign>) -> El {
    adopt_wall_styles(ctx);
    let s = ctx.s;
    let base: Rc<str> = ctx.opts.campaign_url().into();
    let list = List {
        entries: RwSignal::new(Vec::new()),
        next: RwSignal::new(None),
        phase: RwSignal::new(Phase::Loading),
        q: RwSignal::new(String::new()),
        generation: StoredValue::new(0),
    };
    list.load(base.clone(), false);
    let id = signers::listen(&base, {
        let base = base.clone();
        Rc::new(move |ev: &WallEvent| list.apply(base.clone(), ev))
    });
    on_cleanup(move || signers::unlisten(id));

    let typing = StoredValue::new(None::<i32>);
    let search_base = base.clone();
    let search = El::new("input")
        .attr("type", "search")
        .attr("id", "pw-wall-q")
        .attr("part", "wall-search")
        .attr("autocomplete", "off")
        .attr("enterkeyhint", "search")
        .on("input", move |ev| {
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            if let Some(t) = typing.get_value() {
                clear_timer(t);
            }
            let base = search_base.clone();
            let id = after(SEARCH_DELAY_MS, move || {
                let q = control_value(&input);
                if list
                    .q
                    .try_get_untracked()
                    .is_some_and(|old| old.trim() != q.trim())
                {
                    list.q.set(q);
                    list.load(base, false);
                }
            });
            typing.set_value(id);
        });
    on_cleanup(move || {
        if let Some(t) = typing.try_get_value().flatten() {
            clear_timer(t);
        }
    });
    let search = El::class("div", "wall-search")
        .attr("role", "search")
        .child(
            El::new("label")
                .attr("for", "pw-wall-q")
                .text(s.wall_search),
        )
        .child(search);

    let status = El::class("p", "notice")
        .attr("role", "status")
        .bind(move |el| {
            let empty = list.phase.get() == Phase::Shown && list.entries.with(Vec::is_empty);
            let text = match list.q.with(|q| q.trim().is_empty()) {
                _ if !empty => None,
                true => Some(s.wall_empty),
                false => Some(s.wall_no_match),
            };
            set_text(el, text);
        });

    let campaign = campaign.clone();
    let region = region_namer(s.tag);
    let role_key = wall::role_field(&campaign).map(|f| f.key.clone());
    let groups = switch(
        move || list.entries.get(),
        move |entries| {
            let grouped = wall::groups(&campaign, &entries);
            let mut out = Vec::new();
            for (g, items) in grouped {
                let heading = match g {
                    Group::Featured => Some(s.wall_featured.to_owned()),
                    Group::Role(i) => wall::role_field(&campaign)
                        .and_then(|f| f.options.get(i))
                        .map(|o| o.label.clone()),
                    // Without a role field the rest needs no heading.
                    Group::Other if role_key.is_none() => None,
                    Group::Other => Some(s.wall_other.to_owned()),
                };
                if let Some(h) = heading {
                    out.push(El::new("h4").attr("part", "wall-group").text(&h));
                }
                // The group heading says the role; featured entries say it themselves.
                let skip = (g != Group::Featured)
                    .then_some(role_key.as_deref())
                    .flatten();
                let rows = items.into_iter().map(|e| {
                    let details = wall::details(&campaign, e, skip, &*region);
                    let part = if e.featured {
                        "wall-entry featured"
                    } else {
                        "wall-entry"
                    };
                    let mut row = El::new("li").attr("part", part).child(
                        El::class("bdi", "wall-name")
                            .attr("part", "wall-name")
                            .text(&e.name),
                    );
                    if !details.is_empty() {
                        row = row.child(
                            El::class("bdi", "wall-detail")
                                .attr("part", "wall-detail")
                                .text(&details.join(" · ")),
                        );
                    }
                    row
                });
                out.push(El::new("ul").attr("part", "wall-list").children(rows));
            }
            out
        },
    );

    let more_base = base.clone();
    let more = El::class("button", "secondary")
        .attr("type", "button")
        .attr("part", "wall-more")
        .text(s.wall_more)
        .on("click", move |_| list.load(more_base.clone(), true))
        .bind(move |el| set_attr(el, "hidden", list.next.with(Option::is_none).then_some("")));

    El::class("section", "wall")
        .attr("part", "wall")
        .attr("aria-labelledby", "pw-wall-heading")
        .child(
            El::new("h3")
                .attr("id", "pw-wall-heading")
                .text(s.wall_heading),
        )
        .child(search)
        .child(status)
        .child(groups.attr("class", "wall-groups"))
        .child(more)
        .bind(move |el| set_attr(el, "hidden", (list.phase.get() == Phase::Off).then_some("")))
}
