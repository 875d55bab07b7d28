//! Browser tests of the `PledgeWidget` component as a Leptos app mounts it: its own host with
//! a shadow root, a restart when a prop changes, nothing left after unmount. Run with
//! `.ci/test-widget-browser` (headless Chromium via chromedriver). No network: the options are
//! bad, so the widget stops at its notice (tests/e2e/leptos-app.spec.mjs signs through it).
#![cfg(target_arch = "wasm32")]

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use pledge_widget::PledgeWidget;
use pledge_widget::browser::host;
use wasm_bindgen::{JsCast, closure::Closure};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// The `message` of every `pledge:error` that reaches `parent`.
fn errors_at(parent: &HtmlElement) -> Rc<RefCell<Vec<String>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let push = seen.clone();
    let on_error =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            let message = js_sys::Reflect::get(&e.detail(), &"message".into()).unwrap();
            push.borrow_mut().push(message.as_string().unwrap());
        });
    parent
        .add_event_listener_with_callback("pledge:error", on_error.as_ref().unchecked_ref())
        .unwrap();
    on_error.forget();
    seen
}

#[wasm_bindgen_test]
async fn restarts_when_a_prop_changes_and_leaves_nothing_when_unmounted() {
    let doc = host::document().unwrap();
    let parent: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&parent).unwrap();
    let errors = errors_at(&parent);
    let campaign = RwSignal::new("Not A Slug".to_owned());
    let handle = leptos::mount::mount_to(parent.clone(), move || {
        view! { <PledgeWidget endpoint="http://127.0.0.1:9/api/v1" campaign=campaign/> }
    });
    host::sleep(50).await;
    let host_el = parent
        .query_selector("div[data-pledge-widget-host]")
        .unwrap()
        .expect("the component renders its host element");
    let shadow = host_el.shadow_root().expect("with an open shadow root");
    let notice = shadow.query_selector("[role=alert]").unwrap().unwrap();
    assert_eq!(
        notice.text_content().as_deref(),
        Some("This pledge form could not start.")
    );

    campaign.set("Also Bad".to_owned());
    host::sleep(50).await;
    // The first widget went with its options; one root, the second one's.
    assert_eq!(shadow.child_element_count(), 1);
    let prop = |v: &str| {
        format!(
            "bad_options: <PledgeWidget> prop campaign \"{v}\" is not a slug (a-z, 0-9 and -, at most 64)"
        )
    };
    assert_eq!(*errors.borrow(), [prop("Not A Slug"), prop("Also Bad")]);

    drop(handle);
    host::sleep(50).await;
    assert!(
        parent
            .query_selector("[data-pledge-widget-host]")
            .unwrap()
            .is_none()
    );
    assert_eq!(shadow.child_element_count(), 0);
    parent.remove();
}
