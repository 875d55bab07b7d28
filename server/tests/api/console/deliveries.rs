//! Issue 16 in the console: a campaign's targets and parked deliveries are shown, and an
//! admin resends them (one, or all); moderators read but cannot resend; a delivery of
//! another campaign cannot be resent from this one's page.

use std::time::Duration;

use pledge_server::abuse::Clock;
use pledge_server::store::Store;
use pledge_server::store::delivery::{DeliveryFilter, DeliveryStore};

use super::{get, organiser, post_form};
use crate::deliveries::{
    accepted_events, add_webhook, emails, open, sign, start, wait_until_async,
};
use crate::helpers::{REVEAL_SLUG, SLUG};
use crate::receiver::{Receiver, Reply, wait_until};

async fn page(app: &crate::helpers::TestApp, slug: &str, cookie: &str) -> String {
    let r = get(
        app,
        &format!("/admin/campaigns/{slug}/deliveries"),
        Some(cookie),
    )
    .await;
    assert_eq!(r.status(), 200);
    r.text().await.expect("html")
}

#[tokio::test]
async fn parked_deliveries_are_shown_and_an_admin_resends_them() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    let receiver = Receiver::start().await;
    receiver.otherwise(Reply::Status(500));
    let url = receiver.url("/crm");
    add_webhook(&app, SLUG, &url, 1).await;
    add_webhook(&app, REVEAL_SLUG, &receiver.url("/other"), 1).await;
    sign(&app, SLUG, "p0@example.org").await;
    sign(&app, SLUG, "p1@example.org").await;
    sign(&app, REVEAL_SLUG, "o0@example.org").await;
    let store = open(&app).await;
    let parked = |slug: &'static str| {
        let store = &store;
        async move {
            store
                .deliveries(
                    &DeliveryFilter {
                        campaign_slug: Some(slug.into()),
                        state: Some("parked".into()),
                        ..Default::default()
                    },
                    100,
                )
                .await
                .unwrap()
        }
    };
    wait_until("a failed try of each", || receiver.requests().len() >= 3).await;
    assert!(
        page(&app, SLUG, &admin.cookie)
            .await
            .contains("Nothing is parked.")
    );
    // A day and a minute on, the next failures park the first of each campaign; the second
    // of test-pledge waited behind its first (in order per campaign), so its day starts now.
    clock.advance(Duration::from_secs(24 * 3600 + 60));
    wait_until_async("first ones parked", || async {
        parked(SLUG).await.len() == 1 && parked(REVEAL_SLUG).await.len() == 1
    })
    .await;
    let tried = receiver.requests().len();
    wait_until("the second one failed", || {
        receiver.requests().len() > tried
    })
    .await;
    clock.advance(Duration::from_secs(24 * 3600 + 60));
    wait_until_async("the second parked", || async {
        parked(SLUG).await.len() == 2
    })
    .await;

    let html = page(&app, SLUG, &admin.cookie).await;
    assert!(html.contains("Parked (2)"), "{html}");
    assert!(html.contains(&url), "the receiver's URL is listed");
    assert!(
        html.contains("receiver trouble"),
        "the last error is shown: {html}"
    );
    assert_eq!(
        html.matches("signature.created").count(),
        2 * 2,
        "two rows, each named in its button"
    );
    let read_only = page(&app, SLUG, &moderator.cookie).await;
    assert!(read_only.contains("Parked (2)") && read_only.contains("Only an admin may resend."));
    assert!(
        !read_only.contains("deliveries/resend"),
        "no resend form for a moderator"
    );

    let resend = format!("/admin/campaigns/{SLUG}/deliveries/resend");
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
    assert_eq!(forged.status(), 403, "a wrong CSRF token resends nothing");
    // Another campaign's parked delivery, named from this campaign's page: nothing happens.
    let other_id = parked(REVEAL_SLUG).await[0].id.to_string();
    let r = post_form(
        &app,
        &resend,
        Some(&admin.cookie),
        &[("csrf", &admin.csrf), ("id", &other_id)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("No+such+delivery+was+parked")
    );
    assert_eq!(parked(REVEAL_SLUG).await.len(), 1);
    let bad = post_form(
        &app,
        &resend,
        Some(&admin.cookie),
        &[("csrf", &admin.csrf), ("id", "seven")],
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("id: &quot;seven&quot; is not a number (of a parked delivery)")
    );
    assert_eq!(
        parked(SLUG).await.len(),
        2,
        "moderator, forged and bad requests resent nothing"
    );

    // The receiver is fixed: the admin resends one, then the rest.
    receiver.otherwise(Reply::Ok);
    let first = parked(SLUG).await[0].id.to_string();
    let r = post_form(
        &app,
        &resend,
        Some(&admin.cookie),
        &[("csrf", &admin.csrf), ("id", &first)],
    )
    .await;
    assert_eq!(r.status(), 303);
    wait_until("the first arrived", || {
        accepted_events(&receiver).len() == 1
    })
    .await;
    assert_eq!(emails(&accepted_events(&receiver)), ["p0@example.org"]);
    let r = post_form(
        &app,
        &resend,
        Some(&admin.cookie),
        &[("csrf", &admin.csrf), ("all", "parked")],
    )
    .await;
    assert_eq!(r.status(), 303);
    wait_until("the second arrived", || {
        accepted_events(&receiver).len() == 2
    })
    .await;
    assert_eq!(
        emails(&accepted_events(&receiver)),
        ["p0@example.org", "p1@example.org"]
    );
    assert!(
        page(&app, SLUG, &admin.cookie)
            .await
            .contains("Nothing is parked.")
    );
    assert_eq!(
        parked(REVEAL_SLUG).await.len(),
        1,
        "the other campaign's stays parked"
    );

    let audit = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("delivery.resend"), "{audit}");
    assert!(audit.contains("all parked (1)") && audit.contains(&format!("delivery {first} (1)")));
    store.close().await;
    app.stop().await;
}
