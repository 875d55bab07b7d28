//! Open, closed, archived: `campaign close|open|archive` and what the API says then.

use std::time::Duration;

use tokio::time::{sleep, timeout};

use super::*;
use crate::helpers::{PARTNER, SLUG, TIMEOUT, assert_error, spawn_app};

#[tokio::test]
async fn closing_from_the_command_line_reaches_the_running_server_and_its_streams() {
    let app = spawn_app().await;
    assert_eq!(
        post_from(&app, SLUG, PARTNER, "ada@example.org")
            .await
            .status(),
        201
    );
    let mut stream = open_stream(&app, SLUG).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;
    seen.clear();

    let out = ok(&app, &["campaign", "close", SLUG]).await;
    assert_eq!(out.trim(), "campaign test-pledge: closed (was open)");
    // The open widget hears it: the new document, with the final count.
    read_until(&mut stream, &mut seen, "\"state\":\"closed\"").await;
    assert!(seen.contains("event: campaign\ndata: {"), "{seen}");
    assert!(seen.contains("\"count\":1"), "{seen}");
    let doc = wait_for_document(&app, SLUG, |d| d["state"] == "closed").await;
    assert_eq!(doc["count"], 1);

    // A signature now is refused, with CORS headers so the widget can read why.
    let r = post_from(&app, SLUG, PARTNER, "bob@example.org").await;
    assert_eq!(allowed_origin(&r).as_deref(), Some(PARTNER));
    assert_error(r, 410, "campaign_closed").await;
    let r = app
        .client
        .get(app.campaign_api(crate::helpers::POW_SLUG, "/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "other campaigns still sign");
    ok(&app, &["campaign", "close", crate::helpers::POW_SLUG]).await;
    timeout(TIMEOUT, async {
        loop {
            let r = app
                .client
                .get(app.campaign_api(crate::helpers::POW_SLUG, "/challenge"))
                .send()
                .await
                .unwrap();
            if r.status() == 410 {
                assert_error(r, 410, "campaign_closed").await;
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a closed campaign issues no challenges");
    assert_eq!(app.count().await, 1, "the count stays");
    let again = ok(&app, &["campaign", "close", SLUG]).await;
    assert_eq!(again.trim(), "campaign test-pledge is already closed");

    seen.clear();
    ok(&app, &["campaign", "open", SLUG]).await;
    read_until(&mut stream, &mut seen, "\"state\":\"open\"").await;
    wait_for_document(&app, SLUG, |d| d["state"] == "open").await;
    let r = post_from(&app, SLUG, PARTNER, "bob@example.org").await;
    assert_eq!(r.status(), 201);
    assert!(
        refused(&app, &["campaign", "close", "no-such-pledge"])
            .await
            .contains("no campaign \"no-such-pledge\"")
    );
}

#[tokio::test]
async fn an_archived_campaign_is_gone_from_the_api_and_the_list_until_opened() {
    let app = spawn_app().await;
    assert_eq!(document(&app, SLUG).await.status(), 200);
    ok(&app, &["campaign", "archive", SLUG]).await;
    timeout(TIMEOUT, async {
        loop {
            let r = app
                .client
                .get(app.api(""))
                .header("origin", PARTNER)
                .send()
                .await
                .unwrap();
            if r.status() == 410 {
                // A public answer, like every read route's (issue 18).
                assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
                assert_error(r, 410, "campaign_archived").await;
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("archiving reaches the server");
    for path in ["/count", "/events", "/challenge", "/signers"] {
        let r = app.client.get(app.api(path)).send().await.unwrap();
        assert_error(r, 410, "campaign_archived").await;
    }
    let r = post_from(&app, SLUG, PARTNER, "ada@example.org").await;
    assert_error(r, 410, "campaign_archived").await;

    let list = ok(&app, &["campaign", "list"]).await;
    assert!(!list.contains("test-pledge\t"), "{list}");
    let all = ok(&app, &["campaign", "list", "--all"]).await;
    assert!(
        all.lines()
            .any(|l| l.starts_with("test-pledge\t0\t100\tTest pledge\tarchived")),
        "{all}"
    );

    ok(&app, &["campaign", "open", SLUG]).await;
    wait_for_document(&app, SLUG, |d| d["state"] == "open").await;
    let list = ok(&app, &["campaign", "list"]).await;
    assert!(
        list.contains("test-pledge\t0\t100\tTest pledge\topen"),
        "{list}"
    );
}
