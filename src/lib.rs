//! Pledge widget: an embeddable pledge form with a live signature counter.
//!
//! # Layout
//! - Pure Rust, tested on the host: [`options`] (what the partner passes), [`campaign`] (the
//!   campaign document and pledge-text splitter), [`document`] (the endpoint's JSON documents, the
//!   contract's wire types, read into those types), [`validate`] (the endpoint's rules, mirrored),
//!   [`outcome`] (what a submission's answer means for the visitor), [`availability`] (whether
//!   the campaign's answer lets the widget take signatures here), [`pow`] (the proof-of-work
//!   search), [`wall`] (the public signer wall's entries and order), [`i18n`] (all strings).
//! - Browser only (`wasm32`): `browser/` wraps the web APIs (fetch, `EventSource`, `Intl`, host
//!   events, stylesheet, the `localStorage` outbox, Web Locks and `BroadcastChannel` across
//!   tabs), `components/` holds the views, one Leptos `#[component]` per file
//!   (`components::widget::Widget` is the whole widget), and [`mount`] is the entry point
//!   `embed.js` calls.

pub mod availability;
pub mod campaign;
pub mod document;
pub mod i18n;
pub mod locale_file;
pub mod milestone;
pub mod options;
pub mod outcome;
pub mod pow;
pub mod validate;
pub mod wall;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub use entry::{WidgetHandle, mount};

#[cfg(target_arch = "wasm32")]
mod entry {
    use std::cell::RefCell;

    use leptos::{prelude::Owner, task::spawn_local};

    use wasm_bindgen::{JsCast, prelude::*};
    use web_sys::{HtmlElement, ShadowRoot};

    use leptos::prelude::{IntoAny, view};

    use crate::browser::{api, host, locale, prefetch};
    use crate::components::{Ctx, CtxInner, notice::Notice, render_into, widget::Widget};
    use crate::i18n;
    use crate::options::{MountOptions, WidgetOptions};

    type Mounted = (Option<Owner>, HtmlElement);

    thread_local! {
        /// Mounted widgets by id. They live here, not in the JS handle object, so a handle the
        /// page drops (and the GC finalizes) never takes the widget with it.
        static MOUNTED: RefCell<(u32, Vec<(u32, Mounted)>)> = const { RefCell::new((0, Vec::new())) };
    }

    /// A mounted widget; `unmount()` removes it and releases its live-count subscription.
    #[wasm_bindgen]
    pub struct WidgetHandle {
        id: u32,
    }

    impl WidgetHandle {
        fn keep(view: Option<Owner>, root: HtmlElement) -> Self {
            let id = MOUNTED.with(|m| {
                let mut m = m.borrow_mut();
                m.0 += 1;
                let id = m.0;
                m.1.push((id, (view, root)));
                id
            });
            Self { id }
        }
    }

    #[wasm_bindgen]
    impl WidgetHandle {
        /// Removes the widget from its shadow root and stops its streams. Idempotent.
        pub fn unmount(&self) {
            let found = MOUNTED.with(|m| {
                let mut m = m.borrow_mut();
                let i = m.1.iter().position(|(id, _)| *id == self.id)?;
                Some(m.1.swap_remove(i).1)
            });
            if let Some((owner, root)) = found {
                // Disposes every signal and effect and runs the cleanups (live-count feed).
                if let Some(owner) = owner {
                    owner.cleanup();
                }
                root.remove();
            }
        }
    }

    /// Renders a widget into `shadow` (an open shadow root) with `options`, a plain object of
    /// option names to strings (the `data-*` attributes of the embed), and from `embed.js` its
    /// `prefetched` function (see [`crate::browser::prefetch`]). Bad options render a
    /// short notice, log one `console.error` and fire `pledge:error`; nothing throws. A language
    /// other than English is fetched first (the root stays empty until then); English renders at once.
    #[wasm_bindgen]
    pub fn mount(shadow: ShadowRoot, options: JsValue) -> Result<WidgetHandle, JsValue> {
        // Debug builds only: panics are bugs; show them (release builds carry no hook: bytes).
        #[cfg(debug_assertions)]
        std::panic::set_hook(Box::new(|info| host::report(&info.to_string())));
        prefetch::install(&options);
        let options: MountOptions = api::from_js(options).unwrap_or_default();
        let parsed = WidgetOptions::parse(|k| options.get(k));
        // Options from attributes (script tag, element, div) or from a mount() call: errors
        // name them as the partner wrote them.
        let attributes = options.via.is_some();
        let lang = options.lang.clone();
        let pick = i18n::pick(
            host::language_candidates(lang.as_deref())
                .iter()
                .map(String::as_str),
        );
        host::adopt_styles(&shadow);
        let doc = host::document().ok_or("no document")?;
        let root: HtmlElement = doc.create_element("div")?.unchecked_into();
        root.set_class_name("root");
        root.set_attribute("part", "widget")?;
        shadow.append_child(&root)?;
        // Effects and tasks run on wasm-bindgen-futures (an Err = already initialised).
        let _ = any_spawner::Executor::init_wasm_bindgen();
        let owner = Owner::new();
        let pending = Pending {
            pick,
            overrides: options.strings.clone(),
            parsed,
            campaign: options.campaign.clone().unwrap_or_default(),
            attributes,
            host_el: shadow.host(),
            root: root.clone(),
            owner: owner.clone(),
        };
        let url = options
            .locales
            .as_deref()
            .and_then(|l| locale::file_url(l, pending.pick.lang));
        match url {
            Some(url) if pending.pick.lang != "en" => spawn_local(async move {
                let file = locale::fetch_text(&url).await;
                // Unmounted while the language loaded: nothing to render into.
                if pending.root.is_connected() {
                    let _ = pending.render(file);
                }
            }),
            _ => pending.render(None)?,
        }
        Ok(WidgetHandle::keep(Some(owner), root))
    }

    /// What a mount needs once its language is known.
    struct Pending {
        pick: i18n::Pick,
        overrides: Option<String>,
        parsed: Result<WidgetOptions, crate::options::OptionsError>,
        campaign: String,
        attributes: bool,
        host_el: web_sys::Element,
        root: HtmlElement,
        owner: Owner,
    }

    impl Pending {
        /// Renders with the fetched language `file` (English when `None`).
        fn render(self, file: Option<String>) -> Result<(), JsValue> {
            let Self {
                pick,
                overrides,
                parsed,
                campaign,
                attributes,
                host_el,
                root,
                owner,
            } = self;
            let s = locale::strings(pick, file, overrides.as_deref());
            root.set_attribute("lang", s.tag)?;
            root.set_attribute("dir", i18n::dir(s.tag))?;
            let opts = match parsed {
                Ok(o) => o,
                Err(e) => {
                    root.set_attribute("data-theme", "auto")?;
                    let notice = view! { <Notice role="alert" text=s.misconfigured/> };
                    owner.with(|| render_into(&root, notice.into_any()));
                    host::refuse(&host_el, &campaign, "bad_options", &e.describe(attributes));
                    return Ok(());
                }
            };
            root.set_attribute("data-theme", opts.theme.as_str())?;
            if let Some(accent) = &opts.accent {
                root.style().set_property("--pledge-accent", accent)?;
            }
            let ctx = Ctx::new(CtxInner {
                opts,
                s,
                host: host_el,
                root: root.clone(),
            });
            owner.with(|| render_into(&root, view! { <Widget ctx/> }.into_any()));
            Ok(())
        }
    }
}
