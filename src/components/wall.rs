//! The public signer wall (`layout="wall"`): the names of `GET …/signers` grouped by the
//! campaign's role field (featured first, then each role option in the field's order, then
//! everyone else), a search box (the route's `q`), "Show more names" (its cursor), and live
//! changes from the stream (new names appear, hidden ones disappear, featured ones lead).
//! Names and details are text in `<bdi>`, never HTML. Without the route (`404 wall_off`, a
//! third-party endpoint) the wall stays hidden.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    sync::Arc,
};

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, ShadowRoot};

use super::{Ctx, heading::Heading};
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
                let style = ctx
                    .root
                    .owner_document()
                    .and_then(|d| d.create_element("style").ok());
                if let Some(style) = style {
                    style.set_class_name("wall-css");
                    style.set_text_content(Some(CSS));
                    let _ = ctx.root.append_child(&style);
                }
            }
        }
    }
}

/// Names a country code in the widget's language.
pub fn region_namer(tag: &str) -> Rc<dyn Fn(&str) -> String> {
    Rc::new(region_names(tag))
}

/// A timer that can be replaced or cleared.
#[derive(Clone, Default)]
pub struct Timer(Rc<Cell<Option<i32>>>);

impl Timer {
    /// Clears the pending timer, if any, and keeps `id` (from [`after`]) instead.
    pub fn replace(&self, id: Option<i32>) {
        if let Some(old) = self.0.replace(id) {
            clear_timer(old);
        }
    }
}

/// Where a list of names stands: the state of a wall or a ticker (one type for both, so the
/// chunk carries one signal instantiation).
#[derive(Clone, Default)]
pub struct Names {
    /// Entries in the wall's order.
    pub entries: Vec<Signer>,
    /// Cursor of the next page (`None`: all loaded).
    pub next: Option<String>,
    /// The first page arrived.
    pub shown: bool,
    /// No wall here (`404 wall_off`, no route, or no answer).
    pub off: bool,
    /// The search shown (wall).
    pub q: String,
    /// Bumped by each new query, so an answer to an older one is dropped.
    pub generation: u32,
    /// Index of the name shown (ticker).
    pub at: usize,
    /// Paused by its button (ticker).
    pub paused: bool,
    /// Pointed at or focused (ticker).
    pub held: bool,
}

/// Fetches the first page of `names` for its search (`more`: the next page); `limit` names.
pub fn load(names: RwSignal<Names>, base: Rc<str>, limit: u32, more: bool) {
    let Some((cursor, q, generation)) = names.try_update(|n| {
        if !more {
            n.generation += 1;
        }
        (n.next.clone(), n.q.clone(), n.generation)
    }) else {
        return;
    };
    if more && cursor.is_none() {
        return;
    }
    let cursor = cursor.filter(|_| more);
    spawn_local(async move {
        let page = signers::page(&base, limit, cursor.as_deref(), &q).await;
        names.try_update(|n| {
            if n.generation != generation {
                return;
            }
            match page {
                Ok(p) => {
                    if !more {
                        n.entries.clear();
                        n.at = 0;
                    }
                    wall::append(&mut n.entries, p.signers);
                    n.next = p.next_cursor;
                    n.shown = true;
                }
                Err(_) if !more => n.off = true,
                Err(_) => {}
            }
        });
    });
}

/// Follows the wall events of `base` into `names` for as long as the current owner lives;
/// `on_new` hears the index of an entry new to the list.
pub fn follow(names: RwSignal<Names>, base: Rc<str>, limit: u32, on_new: fn(&mut Names, usize)) {
    let id = signers::listen(&base.clone(), {
        Rc::new(move |ev: &WallEvent| match ev {
            // During a search only the endpoint knows what matches: ask it again.
            WallEvent::Signer(_) if names.with_untracked(|n| !n.q.trim().is_empty()) => {
                load(names, base.clone(), limit, false)
            }
            WallEvent::Signer(e) => names.update(|n| {
                let complete = n.next.is_none();
                if wall::upsert(&mut n.entries, e.clone(), complete)
                    && let Some(i) = n.entries.iter().position(|h| h.id == e.id)
                {
                    on_new(n, i);
                }
            }),
            WallEvent::Removed(id) => names.update(|n| {
                wall::remove(&mut n.entries, id);
            }),
            WallEvent::Reset => load(names, base.clone(), limit, false),
        })
    });
    on_cleanup(move || signers::unlisten(id));
}

/// The wall (`part="wall"`): heading, search, the names in their groups and "Show more".
#[component]
pub fn Wall(
    /// The widget's context (its language and endpoint).
    ctx: Ctx,
    /// The campaign whose signers it lists (its role field groups them).
    campaign: Arc<Campaign>,
) -> impl IntoView {
    adopt_wall_styles(&ctx);
    let s = ctx.s;
    // The wall sits one level under the widget's title, its groups one under the wall.
    let level = ctx.opts.heading_level.below();
    let base: Rc<str> = ctx.opts.campaign_url().into();
    let names = RwSignal::new(Names::default());
    load(names, base.clone(), PAGE, false);
    follow(names, base.clone(), PAGE, |_, _| {});

    let typing = Timer::default();
    on_cleanup({
        let typing = SendWrapper::new(typing.clone());
        move || typing.replace(None)
    });
    let search_base = base.clone();
    let search = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let base = search_base.clone();
        typing.replace(after(SEARCH_DELAY_MS, move || {
            let q = input.value();
            let changed = names.try_update(|n| {
                let changed = n.q.trim() != q.trim();
                n.q = q;
                changed
            });
            if changed == Some(true) {
                load(names, base, PAGE, false);
            }
        }));
    };
    let status = move || {
        names.with(|n| {
            if !n.shown || !n.entries.is_empty() {
                None
            } else if n.q.trim().is_empty() {
                Some(s.wall_empty)
            } else {
                Some(s.wall_no_match)
            }
        })
    };

    let region = SendWrapper::new(region_namer(s.tag));
    let role_key = wall::role_field(&campaign).map(|f| f.key.clone());
    let groups = move || {
        let entries = names.with(|n| n.entries.clone());
        wall::groups(&campaign, &entries)
            .into_iter()
            .map(|(g, items)| {
                let label = match g {
                    Group::Featured => Some(s.wall_featured.to_owned()),
                    Group::Role(i) => wall::role_field(&campaign)
                        .and_then(|f| f.options.get(i))
                        .map(|o| o.label.clone()),
                    // Without a role field the rest needs no heading.
                    Group::Other if role_key.is_none() => None,
                    Group::Other => Some(s.wall_other.to_owned()),
                };
                // The group heading says the role; featured entries say it themselves.
                let skip = (g != Group::Featured)
                    .then_some(role_key.as_deref())
                    .flatten();
                let rows = items
                    .into_iter()
                    .map(|e| {
                        let details = wall::details(&campaign, e, skip, &**region);
                        let part = if e.featured {
                            "wall-entry featured"
                        } else {
                            "wall-entry"
                        };
                        let details = (!details.is_empty()).then(|| {
                            let text = details.join(" · ");
                            view! { <bdi class="wall-detail" part="wall-detail">{text}</bdi> }
                        });
                        let name = e.name.clone();
                        view! {
                            <li part=part>
                                <bdi class="wall-name" part="wall-name">{name}</bdi>
                                {details}
                            </li>
                        }
                        .into_any()
                    })
                    .collect_view();
                let heading = label.map(|h| {
                    Heading {
                        level: level.below(),
                        part: Some("wall-group"),
                        ..Default::default()
                    }
                    .view(h)
                });
                view! {
                    {heading}
                    <ul part="wall-list">{rows}</ul>
                }
                .into_any()
            })
            .collect_view()
    };

    view! {
        <section
            class="wall"
            part="wall"
            aria-labelledby="pw-wall-heading"
            hidden=move || names.with(|n| n.off)
        >
            {Heading { level, class: Some("sub"), id: Some("pw-wall-heading"), ..Default::default() }.view(s.wall_heading.into())}
            <div class="wall-search" role="search">
                <label for="pw-wall-q">{s.wall_search}</label>
                <input
                    type="search"
                    id="pw-wall-q"
                    part="wall-search"
                    autocomplete="off"
                    enterkeyhint="search"
                    on:input=search
                />
            </div>
            <p class="notice" role="status" hidden=move || status().is_none()>{status}</p>
            <div class="wall-groups">{groups}</div>
            <button
                class="secondary"
                type="button"
                part="wall-more"
                hidden=move || names.with(|n| n.next.is_none())
                on:click=move |_| load(names, base.clone(), PAGE, true)
            >
                {s.wall_more}
            </button>
        </section>
    }
}
