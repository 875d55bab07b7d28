//! The widget's views, one Leptos `#[component]` per file, written with `view!`. [`Ctx`]
//! carries what every view needs; [`widget::Widget`] is the whole widget, and
//! [`pledge_widget::PledgeWidget`] the component Leptos apps use (it starts a `Widget` in a
//! shadow root of its own).

pub mod close_button;
pub mod count;
pub mod external_link;
pub mod field;
pub mod form;
pub mod heading;
pub mod notice;
pub mod pitch;
pub mod pledge_widget;
pub mod share;
pub mod summary;
pub mod thanks;
pub mod ticker;
pub mod wall;
pub mod wall_slot;
pub mod widget;

use std::{ops::Deref, rc::Rc};

use leptos::prelude::{AnyView, on_cleanup};
use send_wrapper::SendWrapper;
use web_sys::{Element, HtmlElement};

use crate::{i18n::Strings, options::WidgetOptions};

/// Widget-wide context: options, language, and the host/root elements.
#[derive(Clone)]
pub struct Ctx(SendWrapper<Rc<CtxInner>>);

/// The data behind [`Ctx`].
pub struct CtxInner {
    /// Validated options.
    pub opts: WidgetOptions,
    /// Strings of the chosen language.
    pub s: &'static Strings,
    /// The shadow host: target of `pledge:*` events.
    pub host: Element,
    /// The widget's root element inside the shadow root.
    pub root: HtmlElement,
}

impl Ctx {
    /// Wraps the context for use in (single-threaded) reactive closures.
    pub fn new(inner: CtxInner) -> Self {
        Self(SendWrapper::new(Rc::new(inner)))
    }

    /// Whether keyboard focus is inside the widget (on its host element, as the page sees it).
    pub fn has_focus(&self) -> bool {
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element());
        active.is_some_and(|a| a == self.host)
    }

    /// Focuses the element with this id inside the widget, only when focus is already inside
    /// it: a signature delivered later (back online, after a reload) or a live change must
    /// not pull the reader away from where they are on the page (WCAG 2.4.3, 3.2.1).
    pub fn focus_within(&self, id: &str) {
        if self.has_focus() {
            self.focus(id);
        }
    }

    /// Focuses the element with this id inside the widget.
    pub fn focus(&self, id: &str) {
        use wasm_bindgen::JsCast;
        let el = self.root.query_selector(&format!("#{id}")).ok().flatten();
        if let Some(el) = el.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = el.focus();
        }
    }
}

impl Deref for Ctx {
    type Target = CtxInner;
    fn deref(&self) -> &CtxInner {
        &self.0
    }
}

/// Element id of an error key (`fields.role` → `pw-fields-role`); keys are made id-safe.
pub fn id_of(key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("pw-{safe}")
}

/// Renders `view` at the end of `parent`; it lives (its effects run) as long as the current
/// reactive owner.
pub fn render_into(parent: &Element, view: AnyView) {
    use leptos::tachys::view::{Mountable, Render};
    let mut state = view.build();
    state.mount(parent, None);
    let state = SendWrapper::new(state);
    on_cleanup(move || drop(state));
}
