//! Issue 16, item 1: confirmation emails (double opt-in) sent over real SMTP on loopback to
//! a server in the test, read back and followed: the confirm link makes the count move,
//! the remove link withdraws, a repeated email gets the "already signed" email and the
//! same answer, expired and used links get clear pages, a dead SMTP server loses nothing.

mod bounce;
pub(crate) mod events;
mod public_name;
pub(crate) mod smtp;

use std::sync::Arc;
use std::time::Duration;

use pledge_server::abuse::Clock;
use pledge_server::delivery::Backoff;
use pledge_server::email::{EmailSettings, SmtpSettings};
use pledge_server::store::confirmation::{ConfirmationEdit, ConfirmationStore};
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::Value;

use crate::binary::{run_cli, run_cli_failing};
use crate::helpers::{SLUG, TestApp, signature, spawn_app_with};
use crate::receiver::wait_until;
use smtp::SmtpServer;

/// Emails to `smtp` at test speed: polled every 20 ms, retried within 20-200 ms, going by
/// `clock`.
pub(crate) fn fast_email(smtp: &SmtpServer, clock: &Clock) -> EmailSettings {
    EmailSettings {
        smtp: Some(SmtpSettings::parse(&smtp.url(), "Pledge <pledge@org.example>").unwrap()),
        poll_interval: Duration::from_millis(20),
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
            retry_window: Duration::from_secs(24 * 3600),
        },
        clock: clock.clone(),
        ..EmailSettings::default()
    }
}

/// A server whose emails go to `smtp`, the campaign not (yet) asking for confirmation.
async fn start_plain(smtp: &SmtpServer, clock: &Clock) -> TestApp {
    let email = fast_email(smtp, clock);
    let clock = clock.clone();
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), move |s| {
        s.email = email;
        s.abuse.clock = clock;
    })
    .await
}

/// A server whose emails go to `smtp`, polling every 20 ms, retrying within 20-200 ms,
/// going by `clock`; campaign `test-pledge` asks for confirmation.
async fn start(smtp: &SmtpServer, clock: &Clock) -> TestApp {
    let app = start_plain(smtp, clock).await;
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

fn signer(email: &str, locale: &str) -> Value {
    let mut body = signature(email);
    body["locale"] = locale.into();
    body
}

async fn sign(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let r = app.post_signature(&format!("email-test-{key}"), body).await;
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert!(status < 300, "{body}");
    (status, body)
}

async fn wait_for_emails(smtp: &SmtpServer, n: usize) {
    wait_until(&format!("{n} emails arrived"), || smtp.count() >= n).await;
}

async fn follow(app: &TestApp, method: reqwest::Method, url: &str) -> (u16, String) {
    let r = app.client.request(method, url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn confirm_link_counts_the_signature_and_remove_link_withdraws_it() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start(&smtp, &clock).await;

    let (status, answer) = sign(&app, "k1", &signer("ada@example.org", "fr-FR")).await;
    assert_eq!(status, 201);
    assert_eq!(answer["confirmation"], "pending");
    assert_eq!(answer["count"], 0);
    assert_eq!(
        app.count().await,
        0,
        "an unconfirmed signature does not count"
    );
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    let campaign = store.campaign(SLUG).await.unwrap().unwrap();
    let all = store.all_signatures(campaign.id).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].status, "unconfirmed",
        "exports say it is unconfirmed"
    );
    assert!(
        store.held(campaign.id).await.unwrap().is_empty(),
        "not for review"
    );
    assert_eq!(
        store.approve(campaign.id, None).await.unwrap(),
        0,
        "approve does not count it"
    );
    store.close().await;

    wait_for_emails(&smtp, 1).await;
    let email = smtp.get(0);
    assert_eq!(email.rcpt, ["ada@example.org"]);
    assert!(
        email.subject().starts_with("Merci de confirmer"),
        "{}",
        email.subject()
    );
    assert!(email.part("text/html").contains("lang=\"fr\""));
    assert!(
        email
            .part("text/plain")
            .starts_with("Bonjour Ada Lovelace,")
    );
    let confirm = email.link("confirm");
    let remove = email.link("remove");

    // A mail scanner fetching the link confirms nothing.
    let (status, page) = follow(&app, reqwest::Method::GET, &confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert_eq!(app.count().await, 0);

    let (status, page) = follow(&app, reqwest::Method::POST, &confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("est confirmée"), "{page}");
    assert_eq!(app.count().await, 1, "the confirmed signature counts");

    let (status, page) = follow(&app, reqwest::Method::POST, &confirm).await;
    assert_eq!(status, 200, "following it again is harmless");
    assert!(page.contains("déjà confirmée"), "{page}");
    assert_eq!(app.count().await, 1);

    let (status, _) = follow(&app, reqwest::Method::GET, &remove).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count().await,
        1,
        "showing the remove page removes nothing"
    );
    let (status, page) = follow(&app, reqwest::Method::POST, &remove).await;
    assert_eq!(status, 200);
    assert!(page.contains("a été retirée"), "{page}");
    assert_eq!(app.count().await, 0, "remove withdraws the signature");
    let (status, _) = follow(&app, reqwest::Method::POST, &remove).await;
    assert_eq!(
        status, 404,
        "a removed signature's links are no longer valid"
    );
}

#[tokio::test]
async fn a_repeated_email_gets_the_same_answer_and_an_already_signed_email() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start(&smtp, &clock).await;
    sign(&app, "k1", &signer("ada@example.org", "en")).await;
    wait_for_emails(&smtp, 1).await;
    let (status, _) = follow(&app, reqwest::Method::POST, &smtp.get(0).link("confirm")).await;
    assert_eq!(status, 200);
    assert_eq!(app.count().await, 1);

    let new = sign(&app, "k2", &signer("grace@example.org", "en")).await;
    let repeat = sign(&app, "k3", &signer("ada@example.org", "en")).await;
    assert_eq!(
        new, repeat,
        "a stranger cannot tell a new email from one that signed"
    );
    assert_eq!(new.0, 201);
    assert_eq!(new.1["confirmation"], "pending");

    wait_for_emails(&smtp, 3).await;
    let to_ada: Vec<_> = (1..3)
        .map(|i| smtp.get(i))
        .filter(|e| e.rcpt == ["ada@example.org"])
        .collect();
    let [again] = to_ada.as_slice() else {
        panic!("one more email to the first signer: {to_ada:?}");
    };
    assert!(
        again.subject().starts_with("You have already signed"),
        "{}",
        again.subject()
    );
    assert!(!again.has_link("confirm"));
    assert!(again.has_link("remove"));
    assert_eq!(app.count().await, 1, "the repeat counts nothing");
}

#[tokio::test]
async fn expired_used_and_unknown_links_get_clear_pages() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start(&smtp, &clock).await;
    sign(&app, "k1", &signer("ada@example.org", "en")).await;
    wait_for_emails(&smtp, 1).await;
    let confirm = smtp.get(0).link("confirm");

    clock.advance(Duration::from_secs(7 * 24 * 3600 + 60));
    let (status, page) = follow(&app, reqwest::Method::GET, &confirm).await;
    assert_eq!(status, 410);
    assert!(page.contains("expired"), "{page}");
    assert!(!page.contains("<form"), "{page}");
    let (status, _) = follow(&app, reqwest::Method::POST, &confirm).await;
    assert_eq!(status, 410);
    assert_eq!(app.count().await, 0, "an expired link confirms nothing");

    sign(&app, "k2", &signer("grace@example.org", "en")).await;
    wait_for_emails(&smtp, 2).await;
    let confirm = smtp.get(1).link("confirm");
    assert_eq!(follow(&app, reqwest::Method::POST, &confirm).await.0, 200);
    let (status, page) = follow(&app, reqwest::Method::GET, &confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("already confirmed"), "{page}");
    assert!(
        !page.contains("<form"),
        "a used link offers nothing to do: {page}"
    );
    assert_eq!(app.count().await, 1);

    let bogus = format!("{}/email/confirm/{}", app.address, "ab".repeat(32));
    assert_eq!(follow(&app, reqwest::Method::POST, &bogus).await.0, 404);
    let short = format!("{}/email/remove/nope", app.address);
    assert_eq!(follow(&app, reqwest::Method::GET, &short).await.0, 404);
}

#[tokio::test]
async fn emails_wait_while_the_smtp_server_is_down_and_all_go_once_it_is_back() {
    let smtp = SmtpServer::start().await;
    smtp.set_down(true);
    let clock = Clock::default();
    let app = start(&smtp, &clock).await;
    for (i, who) in ["a@example.org", "b@example.org", "c@example.org"]
        .iter()
        .enumerate()
    {
        let (status, _) = sign(&app, &format!("k{i}"), &signer(who, "en")).await;
        assert_eq!(status, 201);
    }
    wait_until("the worker tried and was turned away", || {
        smtp.refused.load(std::sync::atomic::Ordering::SeqCst) >= 3
    })
    .await;
    assert_eq!(smtp.count(), 0);

    smtp.set_down(false);
    wait_for_emails(&smtp, 3).await;
    let mut to: Vec<String> = (0..3).map(|i| smtp.get(i).rcpt.join(",")).collect();
    to.sort();
    assert_eq!(to, ["a@example.org", "b@example.org", "c@example.org"]);
    for i in 0..3 {
        let (status, _) = follow(&app, reqwest::Method::POST, &smtp.get(i).link("confirm")).await;
        assert_eq!(status, 200);
    }
    assert_eq!(app.count().await, 3);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.count(), 3, "each email went once");
}

#[tokio::test]
async fn an_unconfirmed_signer_gets_the_organisers_number_of_reminders_after_the_delay() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start(&smtp, &clock).await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    let edit = ConfirmationEdit {
        reminders: Some(1),
        reminder_hours: Some(24),
        ..ConfirmationEdit::default()
    };
    assert!(store.edit_confirmation(SLUG, &edit).await.unwrap());
    store.close().await;
    sign(&app, "k1", &signer("ada@example.org", "de")).await;
    wait_for_emails(&smtp, 1).await;

    clock.advance(Duration::from_secs(23 * 3600));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.count(), 1, "no reminder before the delay");

    clock.advance(Duration::from_secs(2 * 3600));
    wait_for_emails(&smtp, 2).await;
    let reminder = smtp.get(1);
    assert_eq!(reminder.rcpt, ["ada@example.org"]);
    assert!(
        reminder.subject().starts_with("Erinnerung"),
        "{}",
        reminder.subject()
    );

    clock.advance(Duration::from_secs(48 * 3600));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.count(), 2, "one reminder, as the organiser set");

    // The reminder's own link works (it was sent 48 h ago: within its 7 days).
    let (status, _) = follow(&app, reqwest::Method::POST, &reminder.link("confirm")).await;
    assert_eq!(status, 200);
    assert_eq!(app.count().await, 1);
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_pending_answer_and_sends_no_second_email() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start(&smtp, &clock).await;
    let body = signer("ada@example.org", "en");
    let first = sign(&app, "k1", &body).await;
    let again = sign(&app, "k1", &body).await;
    assert_eq!(first, again);
    assert_eq!(first.1["confirmation"], "pending");
    wait_for_emails(&smtp, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.count(), 1, "a replay is not a repeat: no second email");
}

#[tokio::test]
async fn campaign_edit_turns_confirmation_on_for_the_running_server() {
    let smtp = SmtpServer::start().await;
    let clock = Clock::default();
    let app = start_plain(&smtp, &clock).await;
    let (status, answer) = sign(&app, "k0", &signer("first@example.org", "en")).await;
    assert_eq!(status, 201);
    assert!(
        answer.get("confirmation").is_none(),
        "off by default: {answer}"
    );
    assert_eq!(app.count().await, 1);

    let db = app.db_url.clone();
    let edit = |flags: &[&str]| {
        let mut args = vec!["campaign", "edit", SLUG];
        args.extend_from_slice(flags);
        args.extend_from_slice(&["--database-url", &db]);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = edit(&["--confirm-email", "--confirmation-reminders", "2"]);
    run_cli(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let args = edit(&["--confirmation-reminders", "9"]);
    let err = run_cli_failing(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(err.contains("--confirmation-reminders"), "{err}");

    // The change reaches the running server within a second: post until it answers pending.
    let deadline = tokio::time::Instant::now() + crate::helpers::TIMEOUT;
    let mut i = 0;
    let answer = loop {
        i += 1;
        let (_, answer) = sign(
            &app,
            &format!("n{i}"),
            &signer(&format!("n{i}@example.org"), "en"),
        )
        .await;
        if answer.get("confirmation").is_some() {
            break answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the edit never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(answer["confirmation"], "pending");
    let counted = app.count().await;
    assert_eq!(counted, i64::from(i), "the pending signature did not count");
    wait_for_emails(&smtp, 1).await;
    assert_eq!(smtp.get(0).rcpt, [format!("n{i}@example.org")]);

    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    let settings = store.confirmation_settings(SLUG).await.unwrap().unwrap();
    store.close().await;
    assert!(settings.confirm_email);
    assert_eq!((settings.reminders, settings.reminder_hours), (2, 48));
}
