//! The signer form: fields, consent, submit with one idempotency key per signature through the
//! outbox (kept until acknowledged, sent again when the network returns), and the mapping of
//! every answer (422, 429, network, 5xx) onto the form without losing input.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsValue;

use super::external_link::ExternalLink;
use super::field::{Control, field};
use super::{Ctx, id_of};
use crate::browser::dom::{El, control_value, from_view, set_attr, set_text};
use crate::browser::{challenge, host, lazy, outbox};
use crate::campaign::{Campaign, FieldKind};
use crate::outcome::{Next, SubmitOutcome, ui_messages};
use crate::validate::{FormInput, check_form, label_of, message};

/// What the form reports upward when a signature is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed {
    /// Count after the signature, if the endpoint said.
    pub count: Option<u64>,
    /// The email had signed before.
    pub already: bool,
}

fn props(
    key: &str,
    label: &str,
    kind: FieldKind,
    max_len: usize,
    autocomplete: &'static str,
) -> Control {
    Control {
        key: key.into(),
        label: label.into(),
        kind,
        required: true,
        max_len,
        autocomplete,
        choices: Vec::new(),
    }
}

fn set(obj: &js_sys::Object, key: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(obj, &key.into(), &value.into());
}

/// The request body of docs/api.md as JSON text; checkbox fields are booleans, empty optional
/// fields are left out.
fn body(
    ctx: &Ctx,
    campaign: &Campaign,
    input: &FormInput,
    public: bool,
    website: &str,
) -> Option<String> {
    let fields = js_sys::Object::new();
    for spec in &campaign.fields {
        let v = input
            .fields
            .iter()
            .find(|(k, _)| *k == spec.key)
            .map_or("", |(_, v)| v.trim());
        match spec.kind {
            FieldKind::Checkbox if v == "true" => set(&fields, &spec.key, true),
            _ if !v.is_empty() && spec.kind != FieldKind::Checkbox => set(&fields, &spec.key, v),
            _ => {}
        }
    }
    let consent = js_sys::Object::new();
    set(&consent, "given", input.consent);
    set(&consent, "text", consent_text(ctx, campaign));
    let b = js_sys::Object::new();
    set(&b, "name", input.name.trim());
    set(&b, "email", input.email.trim());
    set(&b, "fields", fields);
    set(&b, "consent", consent);
    set(&b, "public", public);
    set(&b, "locale", ctx.s.tag);
    set(&b, "website", website);
    if let Some(url) = host::page_url().filter(|u| u.len() <= 2000) {
        set(&b, "source_url", url);
    }
    js_sys::JSON::stringify(&b).ok()?.as_string()
}

/// The consent line as shown (and stored with the signature).
pub fn consent_text<'a>(ctx: &'a Ctx, campaign: &'a Campaign) -> &'a str {
    campaign
        .consent_text
        .as_deref()
        .unwrap_or(ctx.s.consent_default)
}

/// The form (`part="form"`) for `campaign` (or the minimal fallback). Calls `on_signed` once
/// a signature is stored (or was already).
pub fn pledge_form(ctx: &Ctx, campaign: Arc<Campaign>, on_signed: impl Fn(Signed) + 'static) -> El {
    let s = ctx.s;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let consent = RwSignal::new(String::new());
    let public = RwSignal::new(String::new());
    let values: Vec<(String, RwSignal<String>)> = campaign
        .fields
        .iter()
        .map(|f| (f.key.clone(), RwSignal::new(String::new())))
        .collect();
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A delivery is running (it ends when this value is disposed: the form is gone).
    let sending = StoredValue::new(false);
    // The signature waits in the outbox for the network.
    let saved = RwSignal::new(false);

    let mut form = El::new("form")
        .attr("part", "form")
        .attr("novalidate", "")
        .child(field(
            ctx,
            props("name", s.name, FieldKind::Text, 200, "name"),
            name,
            errors,
        ))
        .child(field(
            ctx,
            props("email", s.email, FieldKind::Email, 254, "email"),
            email,
            errors,
        ));
    for (f, (_, value)) in campaign.fields.iter().zip(values.iter()) {
        let c = Control {
            key: format!("fields.{}", f.key),
            label: f.label.clone(),
            kind: f.kind,
            required: f.required,
            max_len: f.max_len(),
            autocomplete: if f.kind == FieldKind::Country {
                "country"
            } else {
                "off"
            },
            choices: f.options.clone(),
        };
        form = form.child(field(ctx, c, *value, errors));
    }
    let consent_line = consent_text(ctx, &campaign).to_owned();
    form = form.child(field(
        ctx,
        props("consent", &consent_line, FieldKind::Checkbox, 0, "off"),
        consent,
        errors,
    ));
    if let Some(url) = campaign
        .privacy_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        let (href, text) = (url.to_owned(), s.privacy.to_owned());
        let link = from_view(view! { <ExternalLink href text/> }.into_any());
        form = form.child(El::class("p", "notice").child(link));
    }
    if campaign.allow_public_names {
        let mut c = props("public", s.public_name, FieldKind::Checkbox, 0, "off");
        c.required = false;
        form = form.child(field(ctx, c, public, errors));
    }
    // The honeypot: invisible to people and assistive tech, filled in by form-filling bots.
    let trap = El::new("input")
        .attr("name", "website")
        .attr("class", "sr-only")
        .attr("tabindex", "-1")
        .attr("autocomplete", "off")
        .attr("aria-hidden", "true");
    let trap_el = trap.0.clone();
    let banner_el = El::class("p", "banner")
        .attr("role", "alert")
        .bind(move |el| set_text(el, banner.get().as_deref()));
    let button = El::new("button")
        .attr("type", "submit")
        .attr("part", "submit")
        .bind(move |el| {
            let b = busy.get();
            el.set_text_content(Some(if b { s.submitting } else { s.submit }));
            set_attr(el, "aria-busy", Some(if b { "true" } else { "false" }));
        });
    let base = ctx.opts.campaign_url();
    // Quieter than the sign button (outline, not filled): giving up is not the next step.
    // Quieter than the sign button (outline, not filled): giving up is not the next step.
    let cancel = El::class("button", "secondary")
        .attr("type", "button")
        .text(s.cancel);
    let cancel = cancel
        .bind(move |el| set_attr(el, "hidden", (!saved.get()).then_some("")))
        .on("click", {
            let base = base.clone();
            move |_| {
                outbox::remove(&base);
                outbox::wake();
                saved.set(false);
                banner.set(None);
            }
        });
    let needs_proof = campaign.proof_of_work.is_some();
    if needs_proof {
        let base = base.clone();
        spawn_local(async move { challenge::prepare(&base).await });
    }
    // The sending code is a lazy chunk: fetched now, while the supporter types (a failure
    // here is retried by the delivery itself).
    spawn_local(async move {
        let _ = lazy::preload_deliver().await;
    });

    let ctx = ctx.clone();
    let on_signed = std::rc::Rc::new(on_signed);
    let form_el = form.0.clone();
    // Sends what the outbox holds for this campaign and shows where it stands.
    let deliver = {
        let (ctx, campaign, base) = (ctx.clone(), campaign.clone(), base.clone());
        std::rc::Rc::new(move |input: FormInput| {
            let _ = sending.try_set_value(true);
            // The thanks view's share actions, fetched while the signature is sent.
            spawn_local(async {
                let _ = lazy::preload_share().await;
            });
            let (ctx, campaign, base, on_signed) = (
                ctx.clone(),
                campaign.clone(),
                base.clone(),
                on_signed.clone(),
            );
            spawn_local(async move {
                let alive = move || sending.try_get_value().is_some();
                let waiting = {
                    let (campaign, input) = (campaign.clone(), input.clone());
                    move |o: &SubmitOutcome| {
                        let keep = matches!(o.next(), Next::Retry);
                        busy.set(!keep);
                        saved.set(keep);
                        banner.set(if keep {
                            Some(s.offline.into())
                        } else {
                            ui_messages(s, &campaign, &input, o, true).banner
                        });
                    }
                };
                let outcome = outbox::deliver_lazily(&base, needs_proof, alive, waiting).await;
                if sending.try_set_value(false).is_some() {
                    return;
                }
                busy.set(false);
                saved.set(false);
                let Some(outcome) = outcome else {
                    return;
                };
                if let SubmitOutcome::Signed { count, already } = outcome {
                    on_signed(Signed { count, already });
                    return;
                }
                let ui = ui_messages(s, &campaign, &input, &outcome, false);
                if let Some((first, _)) = ui.fields.first() {
                    ctx.focus(&id_of(first));
                }
                errors.set(ui.fields);
                banner.set(ui.banner.clone());
                if let Some(code) = outcome.error_code() {
                    let detail = [
                        ("campaign", JsValue::from_str(&ctx.opts.campaign)),
                        ("code", JsValue::from_str(&code)),
                        ("message", JsValue::from_str(&ui.banner.unwrap_or_default())),
                    ];
                    host::emit(&ctx.host, "error", &detail);
                }
            });
        })
    };
    // A signature saved earlier (offline, timed out, page closed mid-request) is shown again in
    // its form and sent; the supporter can still cancel it.
    if let Some(p) = outbox::load(&base) {
        restore(&form_el, &p.body, &[name, email, consent, public], &values);
        saved.set(true);
        banner.set(Some(s.offline.into()));
        deliver(input_of(name, email, consent, &values));
    }
    // Key and body of the last attempt: the same body reuses the same key.
    let mut attempt = None::<outbox::Pending>;
    form.child(trap)
        .child(banner_el)
        .child(button)
        .child(cancel)
        .on("submit", move |ev| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let input = input_of(name, email, consent, &values);
            let problems = check_form(&campaign, &input);
            if let Some((first, _)) = problems.first() {
                errors.set(
                    problems
                        .iter()
                        .map(|(k, p)| (k.clone(), message(s, label_of(s, &campaign, k), *p)))
                        .collect(),
                );
                banner.set(Some(s.fix_fields.into()));
                ctx.focus(&id_of(first));
                return;
            }
            errors.set(Vec::new());
            let website = control_value(&trap_el);
            let public = public.get_untracked() == "true";
            let Some(body) = body(&ctx, &campaign, &input, public, &website) else {
                return;
            };
            // The same signature keeps its key (a retry counts once); a corrected one gets a
            // new key. Saved before sending: a reload or crash mid-request does not lose it.
            let key = match outbox::load(&base).or(attempt.take()) {
                Some(p) if p.body == body => p.key,
                _ => host::random_key(),
            };
            outbox::save(&base, &key, &body);
            attempt = Some(outbox::Pending { key, body });
            busy.set(true);
            banner.set(None);
            if sending.try_get_value() == Some(true) {
                // The running delivery picks up the entry now.
                outbox::wake();
            } else {
                deliver(input);
            }
        })
}

fn input_of(
    name: RwSignal<String>,
    email: RwSignal<String>,
    consent: RwSignal<String>,
    values: &[(String, RwSignal<String>)],
) -> FormInput {
    FormInput {
        name: name.get_untracked(),
        email: email.get_untracked(),
        fields: values
            .iter()
            .map(|(k, v)| (k.clone(), v.get_untracked()))
            .collect(),
        consent: consent.get_untracked() == "true",
    }
}

/// Puts a saved body's values back into the form's controls and signals.
fn restore(
    form: &web_sys::Element,
    body: &str,
    [name, email, consent, public]: &[RwSignal<String>; 4],
    values: &[(String, RwSignal<String>)],
) {
    let Ok(b) = js_sys::JSON::parse(body) else {
        return;
    };
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap_or_default();
    let text = |v: JsValue| match v.as_bool() {
        Some(true) => "true".to_owned(),
        Some(false) => String::new(),
        None => v.as_string().unwrap_or_default(),
    };
    let fields = get(&b, "fields");
    let mut all = vec![
        ("name", *name, text(get(&b, "name"))),
        ("email", *email, text(get(&b, "email"))),
        ("consent", *consent, text(get(&get(&b, "consent"), "given"))),
        ("public", *public, text(get(&b, "public"))),
    ];
    let keys: Vec<String> = values.iter().map(|(k, _)| format!("fields.{k}")).collect();
    for ((k, v), key) in values.iter().zip(&keys) {
        all.push((key.as_str(), *v, text(get(&fields, k))));
    }
    for (key, signal, value) in all {
        if let Ok(Some(el)) = form.query_selector(&format!("#{}", id_of(key))) {
            let (prop, v) = if el.get_attribute("type").as_deref() == Some("checkbox") {
                ("checked", JsValue::from_bool(value == "true"))
            } else {
                ("value", JsValue::from_str(&value))
            };
            let _ = js_sys::Reflect::set(&el, &prop.into(), &v);
        }
        signal.set(value);
    }
}
