//! One labelled form control (text, email, select, country, checkbox) with its error message
//! tied by `aria-describedby` / `aria-invalid`.

use leptos::prelude::*;

use super::{Ctx, id_of, pitch::lang_attrs};
use crate::browser::intl::regions;
use crate::campaign::{Choice, FieldKind};
use crate::i18n::region;

/// What a [`Field`] shows and edits.
#[derive(Clone)]
pub struct Control {
    /// Error key (`name`, `email`, `consent`, `fields.<key>`); also gives the element id.
    pub key: String,
    /// Visible label text.
    pub label: String,
    /// Control kind.
    pub kind: FieldKind,
    /// Whether a value is needed (`aria-required`: the native `required` would expose an
    /// untouched select or checkbox as invalid from the start, WCAG 4.1.2).
    pub required: bool,
    /// `maxlength` of text inputs.
    pub max_len: usize,
    /// `autocomplete` token.
    pub autocomplete: &'static str,
    /// Choices of a select.
    pub choices: Vec<Choice>,
    /// The label's language when it is campaign text not in the widget's language.
    pub lang: Option<String>,
}

/// A label, a control and the error under it (`div.field`); the control follows `value`
/// both ways (a restored signature shows in it).
#[component]
pub fn Field(
    /// The widget's context (its language, for "required", "Choose…" and country names).
    ctx: Ctx,
    /// The control to show.
    control: Control,
    /// What the control holds (`"true"`/`""` for a checkbox); written on every change.
    value: RwSignal<String>,
    /// The whole form's errors (field key → message); this field shows its own and clears it
    /// when edited.
    errors: RwSignal<Vec<(String, String)>>,
) -> impl IntoView {
    let c = control;
    let s = ctx.s;
    let id = id_of(&c.key);
    let err_id = format!("{id}-err");
    let key = c.key.clone();
    let error = Signal::derive(move || {
        errors.with(|e| e.iter().find(|(k, _)| *k == key).map(|(_, m)| m.clone()))
    });
    let invalid = move || error.with(Option::is_some).then_some("true");
    let described = {
        let err_id = err_id.clone();
        move || error.with(Option::is_some).then(|| err_id.clone())
    };
    let required = c.required.then_some("true");
    let key = c.key.clone();
    let edited = move |v: String| {
        value.set(v);
        errors.update(|e| e.retain(|(k, _)| *k != key));
    };
    let checkbox = c.kind == FieldKind::Checkbox;
    let control = match c.kind {
        FieldKind::Checkbox => view! {
            <input
                type="checkbox"
                id=id.clone()
                aria-required=required
                aria-invalid=invalid
                aria-describedby=described
                prop:checked=move || value.with(|v| v == "true")
                on:change=move |ev| edited(if event_target_checked(&ev) { "true".into() } else { String::new() })
            />
        }
        .into_any(),
        FieldKind::Select | FieldKind::Country => {
            let country = c.kind == FieldKind::Country;
            let choices: Vec<(String, String, Option<String>)> = if country {
                regions(s.tag)
                    .into_iter()
                    .map(|(v, l)| (v, l, None))
                    .collect()
            } else {
                c.choices
                    .iter()
                    .map(|o| (o.value.clone(), o.label.clone(), o.lang.clone()))
                    .collect()
            };
            // A country field starts at the region of the visitor's locale (es-MX → MX), if any.
            let region = country
                .then(|| region(s.tag))
                .flatten()
                .filter(|r| choices.iter().any(|(v, ..)| v == r));
            if let Some(r) = &region {
                value.set(r.clone());
            }
            let options = choices
                .into_iter()
                .map(|(v, l, lang)| {
                    let this = v.clone();
                    let selected = move || value.with(|v| *v == this);
                    let (lang, dir) = lang_attrs(lang.as_deref());
                    view! { <option value=v prop:selected=selected lang=lang dir=dir>{l}</option> }
                        .into_any()
                })
                .collect_view();
            view! {
                <select
                    id=id.clone()
                        aria-required=required
                    aria-invalid=invalid
                    aria-describedby=described
                    autocomplete=c.autocomplete
                    on:input=move |ev| edited(event_target_value(&ev))
                >
                    <option value="">{s.choose}</option>
                    {options}
                </select>
            }
            .into_any()
        }
        FieldKind::Text | FieldKind::Email => view! {
            <input
                type=if c.kind == FieldKind::Email { "email" } else { "text" }
                id=id.clone()
                aria-required=required
                aria-invalid=invalid
                aria-describedby=described
                maxlength=c.max_len.to_string()
                autocomplete=c.autocomplete
                prop:value=value
                on:input=move |ev| edited(event_target_value(&ev))
            />
        }
        .into_any(),
    };
    // The required marker is a translated template around the label ("{label} (required)",
    // Chinese "{label}（必填）"): the text before the label, the marker after it.
    // The consent box's marker is on its group's legend (form.rs), the name its error uses.
    let (before, after) = if c.required && c.key != "consent" {
        let (before, after) = s.required_marker();
        (before, Some(after))
    } else {
        ("", None)
    };
    let req = after.map(|after| view! { <span class="req">{after}</span> });
    // Campaign text in another language than the widget's gets its own lang and dir; the
    // required marker around it stays in the widget's.
    let (lang, dir) = lang_attrs(c.lang.as_deref());
    let label =
        view! { <label for=id>{before}<span lang=lang dir=dir>{c.label}</span>{req}</label> };
    let controls = if checkbox {
        view! { <div class="check">{control}{label}</div> }.into_any()
    } else {
        (label, control).into_any()
    };
    view! {
        <div class="field">
            {controls}
            <p class="error" id=err_id hidden=move || error.with(Option::is_none)>{error}</p>
        </div>
    }
}
