//! Parked confirmation emails (failed for their whole retry window) on the console's
//! Deliveries page and on the command line: listed without the recipient, resent by an
//! admin only (CSRF-checked, audited), and sent rows pruned after the documented period.

use std::time::Duration;

use pledge_server::abuse::Clock;
use pledge_server::store::email_outbox::{EmailFilter, EmailOutboxStore};
use pledge_server::store::{OpenMode, SignatureStore, Store};

use super::{get, organiser, post_form};
use crate::binary::{run_cli, run_cli_failing};
use crate::deliveries::wait_until_async;
use crate::email::events::start_confirming;
use crate::email::smtp::SmtpServer;
use crate::helpers::{SLUG, signature};
use crate::receiver::wait_until;

async fn in_state(store: &SignatureStore, state: &str) -> usize {
    store
        .outbox_emails(
            &EmailFilter {
                state: Some(state.into()),
                ..EmailFilter::default()
            },
            100,
        )
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn parked_emails_are_listed_resent_by_an_admin_and_sent_ones_pruned() {
    let smtp = SmtpServer::start().await;
    smtp.set_down(true);
    let clock = Clock::default();
    let app = start_confirming(&smtp, &clock, false).await;
    let r = app
        .post_signature("parked-1", &signature("ada@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    wait_until("the worker tried", || {
        smtp.refused.load(std::sync::atomic::Ordering::SeqCst) >= 1
    })
    .await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    assert_eq!(in_state(&store, "parked").await, 0);
    clock.advance(Duration::from_secs(24 * 3600 + 60));
    wait_until_async("the email parked", || async {
        in_state(&store, "parked").await == 1
    })
    .await;

    let admin = organiser(&app, "admin@example.org", "admin").await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    let db = app.db_url.clone();
    let list = run_cli(&["email", "list", "--state", "parked", "--database-url", &db]).await;
    assert!(
        list.contains(&format!("\t{SLUG}\tconfirm\tparked\t")),
        "{list}"
    );
    assert!(
        list.contains("SMTP 127.0.0.1"),
        "the error is listed: {list}"
    );
    assert!(!list.contains("ada@example.org"), "no recipient: {list}");
    let err = run_cli_failing(&["email", "resend", "--database-url", &db]).await;
    assert!(err.contains("--all"), "{err}");

    let page = |cookie: String| {
        let app = &app;
        async move {
            let r = get(
                app,
                &format!("/admin/campaigns/{SLUG}/deliveries"),
                Some(&cookie),
            )
            .await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let html = page(admin.cookie.clone()).await;
    assert!(html.contains("Parked emails (1)"), "{html}");
    assert!(html.contains("Resend every parked email"), "{html}");
    assert!(html.contains("SMTP 127.0.0.1"), "{html}");
    assert!(!html.contains("ada@example.org"), "{html}");
    let read_only = page(moderator.cookie.clone()).await;
    assert!(read_only.contains("Parked emails (1)"));
    assert!(
        !read_only.contains("resend-email"),
        "no form for a moderator"
    );

    let resend = format!("/admin/campaigns/{SLUG}/deliveries/resend-email");
    let refused = post_form(
        &app,
        &resend,
        Some(&moderator.cookie),
        &[("csrf", &moderator.csrf), ("all", "parked")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    let forged = post_form(
        &app,
        &resend,
        Some(&admin.cookie),
        &[("csrf", &"0".repeat(64)), ("all", "parked")],
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(in_state(&store, "parked").await, 1, "nothing resent yet");

    smtp.set_down(false);
    let r = post_form(
        &app,
        &resend,
        Some(&admin.cookie),
        &[("csrf", &admin.csrf), ("all", "parked")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("1+email+is+back")
    );
    wait_until("the email arrived", || smtp.count() == 1).await;
    assert_eq!(smtp.get(0).rcpt, ["ada@example.org"]);
    assert!(
        page(admin.cookie.clone())
            .await
            .contains("No email is parked.")
    );
    let audit = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("email.resend") && audit.contains("all parked (1)"),
        "{audit}"
    );

    // Confirmed, then 30 days on: the sent row goes (a waiting signer's rows stay, for the
    // reminders' count).
    let confirm = smtp.get(0).link("confirm");
    let r = app.client.post(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 200);
    wait_until_async("recorded as sent", || async {
        in_state(&store, "sent").await == 1
    })
    .await;
    clock.advance(Duration::from_secs(31 * 24 * 3600));
    wait_until_async("the sent email pruned", || async {
        in_state(&store, "sent").await == 0
    })
    .await;
    store.close().await;
    app.stop().await;
}
