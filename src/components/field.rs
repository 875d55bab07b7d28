//! One labelled form control (text, email, select, country, checkbox) with its error message
//! tied by `aria-describedby` / `aria-invalid`.

use leptos::prelude::*;

use super::{Ctx, id_of};
use crate::browser::dom::{El, control_value, set_attr, set_text};
use crate::browser::intl::regions;
use crate::campaign::{Choice, FieldKind};
use crate::i18n::region;

/// What a [`field`] shows and edits.
#[derive(Clone)]
pub struct Control {
    /// Error key (`name`, `email`, `consent`, `fields.<key>`); also gives the element id.
    pub key: String,
    /// Visible label text.
    pub label: String,
    /// Control kind.
    pub kind: FieldKind,
    /// Whether a value is needed (`required` + `aria-required`).
    pub required: bool,
    /// `maxlength` of text inputs.
    pub max_len: usize,
    /// `autocomplete` token.
    pub autocomplete: &'static str,
    /// Choices of a select.
    pub choices: Vec<Choice>,
}

/// A label, a control writing to `value` (`"true"`/`""` for checkboxes) and the error under
/// it, read from `errors` (field key → message, for the whole form).
pub fn field(
    ctx: &Ctx,
    c: Control,
    value: RwSignal<String>,
    errors: RwSignal<Vec<(String, String)>>,
) -> El {
    let id = id_of(&c.key);
    let err_id = format!("{id}-err");
    let key = c.key.clone();
    let error = Signal::derive(move || {
        errors.with(|e| e.iter().find(|(k, _)| *k == key).map(|(_, m)| m.clone()))
    });
    let checkbox = c.kind == FieldKind::Checkbox;

    let mut label = El::new("label").attr("for", &id);
    if c.required && !checkbox {
        let (before, after) = ctx.s.required_marker();
        label = label
            .text(&format!("{before}{}", c.label))
            .child(El::class("span", "req").text(after));
    } else {
        label = label.text(&c.label);
    }
    let control = match c.kind {
        FieldKind::Checkbox => El::new("input").attr("type", "checkbox"),
        FieldKind::Select | FieldKind::Country => {
            let choices = if c.kind == FieldKind::Country {
                regions(ctx.s.tag)
            } else {
                c.choices
                    .iter()
                    .map(|o| (o.value.clone(), o.label.clone()))
                    .collect()
            };
            // A country field starts at the region of the visitor's locale (es-MX → MX), if any.
            let region = (c.kind == FieldKind::Country)
                .then(|| region(ctx.s.tag))
                .flatten()
                .filter(|r| choices.iter().any(|(v, _)| v == r));
            if let Some(r) = &region {
                value.set(r.clone());
            }
            let first = El::new("option").attr("value", "").text(ctx.s.choose);
            let options = choices.iter().map(|(v, l)| {
                El::new("option")
                    .attr("value", v)
                    .attr_if(region.as_ref() == Some(v), "selected", "")
                    .text(l)
            });
            El::new("select")
                .child(first)
                .children(options)
                .attr("autocomplete", c.autocomplete)
        }
        FieldKind::Text | FieldKind::Email => El::new("input")
            .attr(
                "type",
                if c.kind == FieldKind::Email {
                    "email"
                } else {
                    "text"
                },
            )
            .attr("maxlength", &c.max_len.to_string())
            .attr("autocomplete", c.autocomplete),
    };
    let key = c.key.clone();
    let described = err_id.clone();
    let control = control
        .attr("id", &id)
        .attr_if(c.required, "required", "")
        .attr_if(c.required, "aria-required", "true")
        .bind(move |el| {
            let bad = error.with(Option::is_some);
            set_attr(el, "aria-invalid", bad.then_some("true"));
            set_attr(el, "aria-describedby", bad.then_some(described.as_str()));
        });
    let input = control.0.clone();
    let control = control.on(if checkbox { "change" } else { "input" }, move |_| {
        value.set(control_value(&input));
        errors.update(|e| e.retain(|(k, _)| *k != key));
    });
    let message = El::class("p", "error")
        .attr("id", &err_id)
        .bind(move |el| set_text(el, error.get().as_deref()));
    let outer = El::class("div", "field");
    let outer = if checkbox {
        outer.child(El::class("div", "check").child(control).child(label))
    } else {
        outer.child(label).child(control)
    };
    outer.child(message)
}
