//! The webhook events and Action Network follow the signature through double opt-in:
//! `signature.created` (confirmation pending) when it is made, `signature.confirmed` when
//! its link is followed, `signature.withdrawn` with a reason when it is removed; Action
//! Network records the person once, when confirmed.

use std::sync::Arc;
use std::time::Duration;

use pledge_server::abuse::Clock;
use pledge_server::delivery::target::osdi_endpoint;
use pledge_server::store::confirmation::{ConfirmationEdit, ConfirmationStore};
use pledge_server::store::delivery::{DeliveryStore, NewTarget, TargetKind};
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::Value;

use super::smtp::SmtpServer;
use super::{follow, sign, signer, wait_for_emails};
use crate::deliveries::{accepted_events, add_webhook, fast_delivery, verify};
use crate::helpers::{SLUG, TestApp, spawn_app_with};
use crate::receiver::{Receiver, Recorded, wait_until};

/// A server sending emails to `smtp` and events to its targets at test speed; the
/// campaign asks for confirmation.
pub(crate) async fn start_confirming_with_deliveries(smtp: &SmtpServer, clock: &Clock) -> TestApp {
    start_confirming(smtp, clock, true).await
}

/// As [`start_confirming_with_deliveries`]; `pages_by_clock`: the email pages and console
/// sessions go by `clock` too (off when the test signs in to the console, whose links the
/// command line writes by the real time).
pub(crate) async fn start_confirming(
    smtp: &SmtpServer,
    clock: &Clock,
    pages_by_clock: bool,
) -> TestApp {
    let email = super::fast_email(smtp, clock);
    let delivery = fast_delivery(clock);
    let clock = clock.clone();
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), move |s| {
        s.email = email;
        s.delivery = delivery;
        if pages_by_clock {
            s.abuse.clock = clock;
        }
    })
    .await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    let edit = ConfirmationEdit {
        confirm_email: Some(true),
        ..ConfirmationEdit::default()
    };
    assert!(store.edit_confirmation(SLUG, &edit).await.unwrap());
    store.close().await;
    app
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn created_is_pending_confirmed_follows_the_link_and_removal_is_withdrawn() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start_confirming_with_deliveries(&smtp, &clock).await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, SLUG, &receiver.url("/hook"), 1).await;

    sign(&app, "k1", &signer("ada@example.org", "en")).await;
    wait_until("signature.created arrived", || {
        !accepted_events(&receiver).is_empty()
    })
    .await;
    let events = accepted_events(&receiver);
    assert_eq!(types(&events), ["signature.created"]);
    assert_eq!(events[0]["data"]["confirmation"], "pending");
    assert_eq!(events[0]["data"]["email"], "ada@example.org");

    wait_for_emails(&smtp, 1).await;
    let (status, _) = follow(&app, reqwest::Method::POST, &smtp.get(0).link("confirm")).await;
    assert_eq!(status, 200);
    wait_until("signature.confirmed arrived", || {
        accepted_events(&receiver).len() >= 2
    })
    .await;
    let events = accepted_events(&receiver);
    assert_eq!(types(&events), ["signature.created", "signature.confirmed"]);
    let confirmed = &events[1]["data"];
    assert_eq!(confirmed["confirmation"], "confirmed");
    assert_eq!(confirmed["email"], "ada@example.org");
    assert_eq!(confirmed["name"], "Ada Lovelace");
    assert_eq!(confirmed["signature_id"], events[0]["data"]["signature_id"]);
    assert!(confirmed["confirmed_at"].is_string(), "{confirmed}");

    let (status, _) = follow(&app, reqwest::Method::POST, &smtp.get(0).link("remove")).await;
    assert_eq!(status, 200);
    wait_until("signature.withdrawn arrived", || {
        accepted_events(&receiver).len() >= 3
    })
    .await;
    let events = accepted_events(&receiver);
    assert_eq!(
        types(&events),
        [
            "signature.created",
            "signature.confirmed",
            "signature.withdrawn"
        ]
    );
    assert_eq!(events[2]["data"]["reason"], "removed");
    assert_eq!(events[2]["data"]["email"], "ada@example.org");
    assert!(receiver.requests().iter().all(|r| verify(&secret, r)));
    app.stop().await;
}

#[tokio::test]
async fn an_unconfirmed_signature_removed_is_withdrawn_and_action_network_never_hears_of_it() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start_confirming_with_deliveries(&smtp, &clock).await;
    let receiver = Receiver::start().await;
    let network = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/hook"), 1).await;
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("an-key");
    std::fs::write(&key_file, "an-test-key-0123\n").unwrap();
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    store
        .add_target(&NewTarget {
            campaign_slug: SLUG.into(),
            kind: TargetKind::Osdi,
            url: osdi_endpoint(&network.url(""), "p1")
                .unwrap()
                .as_str()
                .into(),
            secret: None,
            api_key_source: Some(format!("file:{}", key_file.display())),
            tags: vec![],
            events: vec!["signature.created".into(), "signature.confirmed".into()],
            batch_size: 1,
        })
        .await
        .unwrap()
        .unwrap();
    store.close().await;

    // Grace never confirms and removes her signature; Ada confirms.
    sign(&app, "k1", &signer("grace@example.org", "en")).await;
    sign(&app, "k2", &signer("ada@example.org", "en")).await;
    wait_for_emails(&smtp, 2).await;
    let to = |who: &str| {
        (0..2)
            .map(|i| smtp.get(i))
            .find(|e| e.rcpt == [who])
            .expect("an email to each")
    };
    let grace = to("grace@example.org");
    let ada = to("ada@example.org");
    assert_eq!(
        follow(&app, reqwest::Method::POST, &grace.link("remove"))
            .await
            .0,
        200
    );
    assert_eq!(
        follow(&app, reqwest::Method::POST, &ada.link("confirm"))
            .await
            .0,
        200
    );
    wait_until("four events", || accepted_events(&receiver).len() >= 4).await;
    wait_until("Action Network recorded Ada", || {
        network.requests().iter().any(Recorded::accepted)
    })
    .await;
    let events = accepted_events(&receiver);
    let withdrawn: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "signature.withdrawn")
        .collect();
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0]["data"]["email"], "grace@example.org");
    assert_eq!(withdrawn[0]["data"]["reason"], "removed");
    assert_eq!(app.count().await, 1);

    // Let any stray request arrive before counting: one person, Ada, confirmed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let people: Vec<Value> = network.requests().iter().map(Recorded::json).collect();
    assert_eq!(people.len(), 1, "{people:?}");
    assert_eq!(
        people[0]["person"]["email_addresses"][0]["address"],
        "ada@example.org"
    );
    app.stop().await;
}
