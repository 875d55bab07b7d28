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
//!   (`components::widget::Widget` is the whole widget), [`mount`] is the entry point
//!   `embed.js` calls, and [`PledgeWidget`] the component Leptos apps use; both start the
//!   widget in a shadow root through one function (`start`).

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
mod start;
#[cfg(target_arch = "wasm32")]
pub use components::pledge_widget::PledgeWidget;
#[cfg(target_arch = "wasm32")]
pub use entry::{WidgetHandle, mount};

#[cfg(target_arch = "wasm32")]
mod entry {
    use std::cell::RefCell;

    use leptos::prelude::Owner;

    use wasm_bindgen::prelude::*;
    use web_sys::{HtmlElement, ShadowRoot};

    #[cfg(debug_assertions)]
    use crate::browser::host;
    use crate::browser::{api, prefetch};
    use crate::options::{MountOptions, OptionsError, WidgetOptions};
    use crate::start::{Start, start};

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
        let owner = Owner::new();
        let start_with = Start {
            parsed: WidgetOptions::parse(|k| options.get(k)),
            campaign: options.campaign.unwrap_or_default(),
            lang: options.lang,
            strings: options.strings,
            locales: options.locales,
            // Options from attributes (script tag, element, div) or from a mount() call:
            // errors name them as the partner wrote them.
            describe: OptionsError::describe,
            attributes: options.via.is_some(),
        };
        let root = start(&shadow, &owner, start_with)?;
        Ok(WidgetHandle::keep(Some(owner), root))
    }
}
