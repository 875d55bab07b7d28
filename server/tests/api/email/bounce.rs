//! Bounces withdraw the signature: the recipient's SMTP server refusing the address for
//! good (5xx at `RCPT`) withdraws it during the conversation, `email bounce` withdraws
//! the addresses a provider reported later; a refused sender is the server's problem and
//! withdraws nothing; the signer's answer never says any of it.

use std::sync::atomic::Ordering;

use pledge_server::abuse::Clock;
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::Value;

use super::events::start_confirming_with_deliveries;
use super::smtp::SmtpServer;
use super::{follow, sign, signer, wait_for_emails};
use crate::binary::{run_cli, run_cli_failing};
use crate::deliveries::{accepted_events, add_webhook, wait_until_async};
use crate::helpers::{SLUG, TestApp};
use crate::receiver::{Receiver, wait_until};

async fn emails_stored(app: &TestApp) -> Vec<String> {
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    let campaign = store.campaign(SLUG).await.unwrap().unwrap();
    let all = store.all_signatures(campaign.id).await.unwrap();
    store.close().await;
    all.into_iter().map(|s| s.email).collect()
}

fn withdrawn(receiver: &Receiver) -> Vec<Value> {
    accepted_events(receiver)
        .into_iter()
        .filter(|e| e["type"] == "signature.withdrawn")
        .map(|e| e["data"].clone())
        .collect()
}

#[tokio::test]
async fn a_refused_recipient_withdraws_the_signature_as_a_bounce_and_a_refused_sender_does_not() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start_confirming_with_deliveries(&smtp, &clock).await;
    let receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/hook"), 1).await;

    // A confirmed signer whose mailbox later disappears: the "already signed" email to
    // them bounces, and their signature stops counting.
    sign(&app, "k1", &signer("ada@example.org", "en")).await;
    wait_for_emails(&smtp, 1).await;
    assert_eq!(
        follow(&app, reqwest::Method::POST, &smtp.get(0).link("confirm"))
            .await
            .0,
        200
    );
    assert_eq!(app.count().await, 1);
    smtp.refuse_recipient("ada@example.org");
    smtp.refuse_recipient("nobody@example.org");
    // The unknown address first: its bounce changes no count, so both answers are
    // given while Ada still counts.
    let unknown = sign(&app, "k3", &signer("nobody@example.org", "en")).await;
    let repeat = sign(&app, "k2", &signer("ada@example.org", "en")).await;
    assert_eq!(repeat, unknown, "the answer says nothing about either");

    wait_until("both withdrawn", || withdrawn(&receiver).len() >= 2).await;
    let mut gone: Vec<(String, String)> = withdrawn(&receiver)
        .iter()
        .map(|d| {
            (
                d["email"].as_str().unwrap_or_default().to_owned(),
                d["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    gone.sort();
    assert_eq!(
        gone,
        [
            ("ada@example.org".to_owned(), "bounced".to_owned()),
            ("nobody@example.org".to_owned(), "bounced".to_owned())
        ]
    );
    wait_until_async("the count went down", || async { app.count().await == 0 }).await;
    assert!(emails_stored(&app).await.is_empty());
    assert_eq!(
        smtp.refusals.load(Ordering::SeqCst),
        2,
        "a bounce is not retried"
    );
    assert_eq!(smtp.count(), 1);

    // The relay refusing the sender is not the signer's doing: nothing is withdrawn, the
    // email waits for a retry.
    smtp.refuse_sender(true);
    sign(&app, "k4", &signer("grace@example.org", "en")).await;
    wait_until("the sender was refused twice", || {
        smtp.refusals.load(Ordering::SeqCst) >= 4
    })
    .await;
    assert_eq!(emails_stored(&app).await, ["grace@example.org"]);
    assert_eq!(withdrawn(&receiver).len(), 2);
    smtp.refuse_sender(false);
    wait_for_emails(&smtp, 2).await;
    assert_eq!(smtp.get(1).rcpt, ["grace@example.org"]);
    app.stop().await;
}

#[tokio::test]
async fn email_bounce_withdraws_the_reported_addresses_and_the_running_count_follows() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start_confirming_with_deliveries(&smtp, &clock).await;
    let receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/hook"), 1).await;
    sign(&app, "k1", &signer("ada@example.org", "en")).await;
    sign(&app, "k2", &signer("grace@example.org", "en")).await;
    wait_for_emails(&smtp, 2).await;
    for i in 0..2 {
        let (status, _) = follow(&app, reqwest::Method::POST, &smtp.get(i).link("confirm")).await;
        assert_eq!(status, 200);
    }
    assert_eq!(app.count().await, 2);

    let db = app.db_url.clone();
    let err = run_cli_failing(&[
        "email",
        "bounce",
        "Ada@Example.org",
        "not-an-address",
        "--database-url",
        &db,
    ])
    .await;
    assert!(err.contains("not-an-address"), "{err}");
    assert_eq!(
        app.count().await,
        2,
        "a bad address in the list changes nothing"
    );

    let out = run_cli(&[
        "email",
        "bounce",
        "Ada@Example.org",
        "stranger@example.org",
        "--database-url",
        &db,
    ])
    .await;
    assert!(
        out.contains("ada@example.org: withdrew the signature in test-pledge (bounced)"),
        "{out}"
    );
    assert!(out.contains("stranger@example.org: no signature"), "{out}");
    wait_until_async("the running server's count followed", || async {
        app.count().await == 1
    })
    .await;
    assert_eq!(emails_stored(&app).await, ["grace@example.org"]);
    wait_until("withdrawn", || !withdrawn(&receiver).is_empty()).await;
    let w = withdrawn(&receiver);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["email"], "ada@example.org");
    assert_eq!(w[0]["reason"], "bounced");
    app.stop().await;
}
