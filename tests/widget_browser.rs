//! Browser tests of the widget: mount into a fresh shadow root, act, wait a tick, assert on
//! the DOM. Run with `.ci/test-widget-browser` (headless Chromium via chromedriver).
#![cfg(target_arch = "wasm32")]

use pledge_widget::browser::{host, intl};
use pledge_widget::campaign::Campaign;
use pledge_widget::i18n::EN;
use pledge_widget::outcome::{ReplyBody, SubmitOutcome, ui_messages};
use pledge_widget::validate::FormInput;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

fn fresh_shadow() -> (Element, ShadowRoot) {
    let doc = host::document().unwrap();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    let shadow = el
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    (el, shadow)
}

/// Waits until `selector` matches inside `shadow` (up to ~5 s).
async fn wait_for(shadow: &ShadowRoot, selector: &str) -> Element {
    for _ in 0..100 {
        if let Ok(Some(el)) = shadow.query_selector(selector) {
            return el;
        }
        host::sleep(50).await;
    }
    panic!("{selector} never appeared");
}

fn attr(shadow: &ShadowRoot, selector: &str, name: &str) -> Option<String> {
    shadow
        .query_selector(selector)
        .unwrap()?
        .get_attribute(name)
}

/// An endpoint that refuses connections: no answer, so no form may take a signature.
const DEAD: &str = "http://127.0.0.1:9/api/v1";

/// An endpoint that answers but has no campaign route: the test runner's own server, whose
/// `404` for any other path is no pledge API error. The minimal form (name, email, consent)
/// renders, since the POST may still work.
fn no_campaign_route() -> String {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    format!("{origin}/no-campaign-route/api/v1")
}

#[wasm_bindgen_test]
async fn mounting_shows_the_minimal_form_when_the_campaign_route_is_missing() {
    let (_el, shadow) = fresh_shadow();
    let endpoint = no_campaign_route();
    let opts = options(&[
        ("endpoint", &endpoint),
        ("campaign", "demo"),
        ("title", "Sign now"),
        ("lang", "en"),
    ]);
    let handle = pledge_widget::mount(shadow.clone(), opts).unwrap();
    wait_for(&shadow, "form").await;
    let title = shadow
        .query_selector("h2")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(title, "Sign now");
    for id in ["#pw-name", "#pw-email", "#pw-consent"] {
        assert!(shadow.query_selector(id).unwrap().is_some(), "{id}");
        let label = format!("label[for={}]", &id[1..]);
        assert!(shadow.query_selector(&label).unwrap().is_some(), "{label}");
    }
    assert_eq!(
        attr(&shadow, "#pw-email", "aria-required").as_deref(),
        Some("true")
    );
    assert_eq!(attr(&shadow, ".root", "lang").as_deref(), Some("en"));
    handle.unmount();
    assert!(shadow.query_selector(".root").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn an_endpoint_that_gives_no_answer_shows_no_form() {
    let (_el, shadow) = fresh_shadow();
    let opts = options(&[("endpoint", DEAD), ("campaign", "demo"), ("lang", "en")]);
    let handle = pledge_widget::mount(shadow.clone(), opts).unwrap();
    let notice = wait_for(&shadow, "[role=alert]").await;
    assert_eq!(notice.text_content().unwrap(), EN.unreachable);
    assert!(shadow.query_selector("form, input").unwrap().is_none());
    handle.unmount();
}

#[wasm_bindgen_test]
async fn empty_submit_marks_fields_invalid_and_focuses_the_first() {
    let (_el, shadow) = fresh_shadow();
    let endpoint = no_campaign_route();
    let opts = options(&[
        ("endpoint", &endpoint),
        ("campaign", "demo"),
        ("lang", "en"),
    ]);
    let handle = pledge_widget::mount(shadow.clone(), opts).unwrap();
    let button: HtmlElement = wait_for(&shadow, "button[type=submit]")
        .await
        .unchecked_into();
    button.click();
    host::sleep(50).await;
    for (id, msg) in [
        ("pw-name", "Name: this is required"),
        ("pw-email", "Email: this is required"),
    ] {
        assert_eq!(
            attr(&shadow, &format!("#{id}"), "aria-invalid").as_deref(),
            Some("true")
        );
        let err = format!("{id}-err");
        assert_eq!(
            attr(&shadow, &format!("#{id}"), "aria-describedby").as_deref(),
            Some(err.as_str())
        );
        let text = shadow
            .get_element_by_id(&err)
            .unwrap()
            .text_content()
            .unwrap();
        assert_eq!(text, msg);
    }
    assert!(attr(&shadow, "#pw-consent", "aria-invalid").is_some());
    let focused = shadow.active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("pw-name"));
    handle.unmount();
}

#[wasm_bindgen_test]
async fn bad_options_render_a_notice_instead_of_throwing() {
    let (_el, shadow) = fresh_shadow();
    let handle = pledge_widget::mount(shadow.clone(), options(&[("campaign", "demo")])).unwrap();
    let notice = wait_for(&shadow, "[role=alert]").await;
    assert!(!notice.text_content().unwrap().is_empty());
    handle.unmount();
}

#[wasm_bindgen_test]
fn counts_are_formatted_for_the_locale() {
    assert_eq!(intl::format_count(1204, "en"), "1,204");
    assert_eq!(intl::format_count(1204, "es"), "1.204");
    assert_eq!(intl::plural(1, "en"), "one");
    assert_eq!(intl::plural(2, "es"), "other");
}

#[wasm_bindgen_test]
fn answers_map_to_ui_messages() {
    let body = ReplyBody {
        error: Some("validation".into()),
        fields: vec![("email".into(), "Enter an email address.".into())],
        ..ReplyBody::default()
    };
    let input = FormInput {
        email: "nope".into(),
        ..FormInput::default()
    };
    let c = Campaign::default();
    let ui = ui_messages(
        &EN,
        &c,
        &input,
        &SubmitOutcome::classify(Some(422), Some(body), None),
        false,
    );
    assert_eq!(
        ui.fields,
        vec![(
            "email".to_string(),
            "Email: enter an address like name@example.org".to_string()
        )]
    );
    let limited = SubmitOutcome::classify(Some(429), None, Some("7"));
    let ui = ui_messages(
        &EN.with_file(include_str!("../src/locales/es.txt")),
        &c,
        &input,
        &limited,
        true,
    );
    assert_eq!(
        ui.banner.as_deref(),
        Some("Demasiadas firmas en este momento. Reintentando en 7 segundos.")
    );
    let ui = ui_messages(
        &EN,
        &c,
        &input,
        &SubmitOutcome::classify(None, None, None),
        false,
    );
    assert_eq!(ui.banner.as_deref(), Some(EN.network));
}

#[wasm_bindgen_test]
async fn host_events_cross_the_shadow_boundary() {
    use std::{cell::RefCell, rc::Rc};
    use wasm_bindgen::closure::Closure;
    let seen = Rc::new(RefCell::new(Vec::<String>::new()));
    let log = seen.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |ev: web_sys::CustomEvent| {
            let code = js_sys::Reflect::get(&ev.detail(), &"code".into())
                .unwrap()
                .as_string();
            log.borrow_mut().push(code.unwrap_or_default());
        });
    let doc = host::document().unwrap();
    doc.add_event_listener_with_callback("pledge:error", listener.as_ref().unchecked_ref())
        .unwrap();
    let (_el, shadow) = fresh_shadow();
    let opts = options(&[("endpoint", "ftp://x.org"), ("campaign", "demo")]);
    let handle = pledge_widget::mount(shadow, opts).unwrap();
    doc.remove_event_listener_with_callback("pledge:error", listener.as_ref().unchecked_ref())
        .unwrap();
    assert_eq!(*seen.borrow(), ["bad_options"]);
    handle.unmount();
}

#[wasm_bindgen_test]
async fn outbox_keeps_an_entry_until_removed_and_drops_week_old_ones() {
    use pledge_contract::wire::{FieldValue, SignatureRequest};
    use pledge_widget::browser::outbox;
    let base = "http://127.0.0.1:9/api/v1/campaigns/outbox-test";
    let request = SignatureRequest {
        name: "Ada".into(),
        email: "ada@example.org".into(),
        fields: vec![
            ("role".into(), FieldValue::Text("artist".into())),
            ("agree".into(), FieldValue::Checked(true)),
        ],
        source_url: Some("https://artist.example/".into()),
        ..SignatureRequest::default()
    };
    outbox::save(base, "key-12345678", &request);
    let p = outbox::load(base).expect("the entry is kept");
    assert_eq!((p.key.as_str(), &p.request), ("key-12345678", &request));
    // Scoped to the campaign URL: another campaign of the endpoint sees nothing.
    assert_eq!(
        outbox::load("http://127.0.0.1:9/api/v1/campaigns/other"),
        None
    );
    outbox::remove(base);
    assert_eq!(outbox::load(base), None);

    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let old = js_sys::Date::now() - 8.0 * 24.0 * 3600.0 * 1000.0;
    let entry = format!(r#"{{"key":"k-12345678","body":"{{}}","url":"{base}","at":{old}}}"#);
    storage
        .set_item(&format!("pledge-outbox:{base}"), &entry)
        .unwrap();
    assert_eq!(outbox::load(base), None, "a week-old entry is dropped");
    assert_eq!(
        storage.get_item(&format!("pledge-outbox:{base}")).unwrap(),
        None
    );
    storage
        .set_item(&format!("pledge-outbox:{base}"), "not json")
        .unwrap();
    assert_eq!(
        outbox::load(base),
        None,
        "garbage is dropped, never a panic"
    );
    // An entry the previous version stored (its request as JSON text in `body`) is still sent
    // after an upgrade, not lost.
    let now = js_sys::Date::now();
    let legacy = format!(
        r#"{{"key":"k-legacy-1","body":"{{\"name\":\"Ada\",\"fields\":{{\"agree\":true}},\"public\":true}}","at":{now}}}"#
    );
    storage
        .set_item(&format!("pledge-outbox:{base}"), &legacy)
        .unwrap();
    let p = outbox::load(base).expect("a legacy entry is read");
    assert_eq!(p.key, "k-legacy-1");
    assert_eq!(p.request.name, "Ada");
    assert!(p.request.public);
    assert_eq!(
        p.request.fields,
        [("agree".to_owned(), FieldValue::Checked(true))]
    );
    outbox::remove(base);
}

#[wasm_bindgen_test]
async fn a_lock_is_exclusive_across_holders_until_dropped() {
    use pledge_widget::browser::locks;
    assert!(locks::supported());
    let held = locks::acquire("pledge-test-lock", false).await;
    assert!(held.is_some());
    assert!(locks::acquire("pledge-test-lock", false).await.is_none());
    drop(held);
    host::sleep(50).await;
    assert!(locks::acquire("pledge-test-lock", false).await.is_some());
}
