//! One labelled form control (text, email, select, country, checkbox) with its error message
//! tied by `aria-describedby` / `aria-invalid`.

use leptos::prelude::*;

use super::{Ctx, id_of};
use crate::browser::intl::regions;
use crate::campaign::{Choice, FieldKind};

/// What a [`Field`] shows and edits.
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

/// A label, a control bound to `value` (`"true"`/`""` for checkboxes) and the error under it.
#[component]
pub fn Field(
    /// Widget context.
    ctx: Ctx,
    /// Field description.
    control: Control,
    /// The value as typed.
    value: RwSignal<String>,
    /// Field key → message, for the whole form.
    errors: RwSignal<Vec<(String, String)>>,
) -> impl IntoView {
    let id = id_of(&control.key);
    let err_id = format!("{id}-err");
    let key = control.key.clone();
    let error = Signal::derive(move || {
        errors.with(|e| e.iter().find(|(k, _)| *k == key).map(|(_, m)| m.clone()))
    });
    let invalid = move || error.with(Option::is_some).then_some("true");
    let described = {
        let err_id = err_id.clone();
        move || error.with(Option::is_some).then(|| err_id.clone())
    };
    let key = control.key.clone();
    let clear = move || errors.update(|e| e.retain(|(k, _)| *k != key));
    let req = control.required.then_some("true");
    let req_mark = (control.required && control.kind != FieldKind::Checkbox)
        .then(|| view! { <span class="req">" (" {ctx.s.required} ")"</span> });
    let label = view! { <label for=id.clone()>{control.label.clone()} {req_mark}</label> };
    let error_view = move || {
        error
            .get()
            .map(|m| view! { <p class="error" id=err_id.clone()>{m}</p> })
    };

    let input = match control.kind {
        FieldKind::Checkbox => {
            return view! {
                <div class="field">
                    <div class="check">
                        <input type="checkbox" id=id required=control.required aria-required=req aria-invalid=invalid
                            aria-describedby=described prop:checked=move || value.with(|v| v == "true")
                            on:change=move |ev| { value.set(if event_target_checked(&ev) { "true".into() } else { String::new() }); clear(); } />
                        {label}
                    </div>
                    {error_view}
                </div>
            }
            .into_any();
        }
        FieldKind::Select | FieldKind::Country => {
            let choices: Vec<(String, String)> = if control.kind == FieldKind::Country {
                regions(ctx.s.tag)
            } else {
                control.choices.iter().map(|c| (c.value.clone(), c.label.clone())).collect()
            };
            let options = choices
                .into_iter()
                .map(|(v, l)| view! { <option value=v.clone() selected=move || value.with(|x| *x == v)>{l}</option> })
                .collect_view();
            view! {
                <select id=id.clone() required=control.required aria-required=req aria-invalid=invalid aria-describedby=described
                    autocomplete=control.autocomplete
                    on:change=move |ev| { value.set(event_target_value(&ev)); clear(); }>
                    <option value="">{ctx.s.choose}</option>
                    {options}
                </select>
            }
            .into_any()
        }
        FieldKind::Text | FieldKind::Email => view! {
            <input id=id.clone() type=if control.kind == FieldKind::Email { "email" } else { "text" }
                required=control.required aria-required=req aria-invalid=invalid aria-describedby=described
                maxlength=control.max_len.to_string() autocomplete=control.autocomplete
                prop:value=move || value.get()
                on:input=move |ev| { value.set(event_target_value(&ev)); clear(); } />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            {label}
            {input}
            {error_view}
        </div>
    }
    .into_any()
}
