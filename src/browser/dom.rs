//! A tiny DOM builder for the widget's views: static structure through web-sys, dynamic parts
//! bound to Leptos signals with effects (owned by the current reactive owner, so they stop
//! when the widget unmounts).
//!
//! Why not `view!`: every distinct `view!` tree monomorphizes tachys' render machinery, and
//! the widget's trees cost ~58 KB brotli, most of the 80 KB budget. This builder is a few
//! non-generic functions; reactivity, ownership and tasks still come from Leptos.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::*};
use web_sys::{Document, Element, Event, Node};

fn doc() -> Document {
    // The widget is only ever mounted into a document (mount() checks it first).
    web_sys::window()
        .and_then(|w| w.document())
        .expect("the widget runs in a document")
}

/// An element under construction (cheap to clone: a JS reference).
#[derive(Clone)]
pub struct El(pub Element);

impl El {
    /// `<tag>`.
    pub fn new(tag: &str) -> Self {
        Self(
            doc()
                .create_element(tag)
                .expect("static tag names are valid"),
        )
    }

    /// `<tag class="…">`.
    pub fn class(tag: &str, class: &str) -> Self {
        Self::new(tag).attr("class", class)
    }

    /// Sets an attribute.
    pub fn attr(self, name: &str, value: &str) -> Self {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// Sets an attribute when `cond` holds.
    pub fn attr_if(self, cond: bool, name: &str, value: &str) -> Self {
        if cond { self.attr(name, value) } else { self }
    }

    /// Appends a text node (never parsed as HTML).
    pub fn text(self, text: &str) -> Self {
        let _ = self.0.append_child(&doc().create_text_node(text));
        self
    }

    /// Appends a child element.
    pub fn child(self, child: El) -> Self {
        let _ = self.0.append_child(&child.0);
        self
    }

    /// Appends child elements.
    pub fn children(self, children: impl IntoIterator<Item = El>) -> Self {
        for c in children {
            let _ = self.0.append_child(&c.0);
        }
        self
    }

    /// Listens to `event` for the element's lifetime.
    pub fn on(self, event: &str, f: impl FnMut(Event) + 'static) -> Self {
        let cb = Closure::<dyn FnMut(Event)>::new(f).into_js_value();
        let _ = self
            .0
            .add_event_listener_with_callback(event, cb.unchecked_ref());
        self
    }

    /// Re-runs `f` on the element whenever a signal it reads changes.
    pub fn bind(self, f: impl Fn(&Element) + 'static) -> Self {
        self.bind_dyn(Box::new(f))
    }

    // Boxed so every binding shares one `Effect` instantiation: a distinct closure type per
    // call would monomorphize Leptos' effect machinery again for each (about 200 bytes of
    // brotli each, measured).
    fn bind_dyn(self, f: Box<dyn Fn(&Element)>) -> Self {
        let el = self.0.clone();
        Effect::new(move |_| f(&el));
        self
    }

    /// The element as a DOM node.
    pub fn node(&self) -> &Node {
        &self.0
    }
}

/// The element a single-rooted `view!` renders to, for the views still built here while the
/// rest move to components. The view's state (its render effects) lives as long as the
/// current reactive owner. Type-erased: one instantiation for every caller.
pub fn from_view(view: AnyView) -> El {
    use leptos::tachys::view::{Mountable, Render};
    let holder = El::new("div");
    let mut state = view.build();
    state.mount(&holder.0, None);
    let state = send_wrapper::SendWrapper::new(state);
    on_cleanup(move || drop(state));
    El(holder
        .0
        .first_element_child()
        .expect("a component with one root element"))
}

/// Sets or removes an attribute.
pub fn set_attr(el: &Element, name: &str, value: Option<&str>) {
    let _ = match value {
        Some(v) => el.set_attribute(name, v),
        None => el.remove_attribute(name),
    };
}

/// Sets the text of `el`, hiding it while there is none.
pub fn set_text(el: &Element, text: Option<&str>) {
    el.set_text_content(text);
    set_attr(el, "hidden", text.is_none().then_some(""));
}

/// A `<div>` whose content is rebuilt by `build` whenever `key` changes; signals read while
/// building are not tracked, and effects created by the previous build are disposed.
pub fn switch<K: 'static>(
    key: impl Fn() -> K + 'static,
    build: impl Fn(K) -> Vec<El> + 'static,
) -> El {
    El::new("div").bind(move |el| {
        let k = key();
        let children = untrack(|| build(k));
        el.set_text_content(None);
        for c in children {
            let _ = el.append_child(&c.0);
        }
    })
}

/// The current value of a form control (`checked` as `"true"`/`""` for checkboxes).
pub fn control_value(el: &Element) -> String {
    let checkbox = el.get_attribute("type").as_deref() == Some("checkbox");
    let prop = if checkbox { "checked" } else { "value" };
    let v = js_sys::Reflect::get(el, &prop.into()).unwrap_or_default();
    match v.as_bool() {
        Some(true) => "true".into(),
        Some(false) => String::new(),
        None => v.as_string().unwrap_or_default(),
    }
}
