//! The delivery commands: targets managed, parked deliveries listed and resent, a
//! supporter's erasure forwarded.

use super::*;
use crate::binary::{run_cli as cli, run_cli_failing as cli_fails};

#[tokio::test]
async fn a_delivery_failing_for_a_day_is_parked_listed_and_resent() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    receiver.otherwise(Reply::Status(500));
    let (target, _) = add_webhook(&app, SLUG, &receiver.url("/p"), 1).await;
    sign(&app, SLUG, "p0@example.org").await;
    wait_until("a few failed tries", || receiver.requests().len() >= 3).await;
    let store = open(&app).await;
    let parked = || async {
        store
            .deliveries(
                &DeliveryFilter {
                    state: Some("parked".into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap()
    };
    assert!(parked().await.is_empty(), "not parked within the day");
    // A day and a minute later, the next failure parks it.
    clock.advance(Duration::from_secs(24 * 3600 + 60));
    wait_until_async("parked", || async { parked().await.len() == 1 }).await;
    // Parked, it no longer holds up the campaign's next events.
    receiver.otherwise(Reply::Ok);
    sign(&app, SLUG, "p1@example.org").await;
    wait_until("the next event got through", || {
        emails(&accepted_events(&receiver)) == ["p1@example.org"]
    })
    .await;
    let db = app.db_url.clone();
    let list = cli(&[
        "delivery",
        "list",
        "--state",
        "parked",
        "--database-url",
        &db,
    ])
    .await;
    let line = list.lines().next().expect("one parked delivery");
    let columns: Vec<&str> = line.split('\t').collect();
    assert_eq!(columns[1], target.to_string());
    assert_eq!(columns[3], "parked");
    assert_eq!(columns[6], "signature.created");
    assert!(columns[9].contains("500"), "the last error: {line}");
    let resent = cli(&["delivery", "resend", columns[0], "--database-url", &db]).await;
    assert!(resent.starts_with("1 parked"), "{resent}");
    wait_until("the parked event arrived", || {
        accepted_events(&receiver).len() == 2
    })
    .await;
    assert_eq!(
        emails(&accepted_events(&receiver)),
        ["p1@example.org", "p0@example.org"]
    );
    assert!(parked().await.is_empty());
    store.close().await;
    app.stop().await;
}

#[tokio::test]
async fn an_erasure_is_forwarded_as_withdrawn_and_removes_the_signature() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, SLUG, &receiver.url("/e"), 1).await;
    sign(&app, SLUG, "Forget.Me@example.org").await;
    sign(&app, SLUG, "keep@example.org").await;
    wait_until("both created", || accepted_events(&receiver).len() == 2).await;
    let db = app.db_url.clone();
    let out = cli(&[
        "supporter",
        "erase",
        "--email",
        "forget.me@EXAMPLE.org",
        "--database-url",
        &db,
    ])
    .await;
    assert_eq!(out.trim(), "erased the signature in test-pledge");
    wait_until("withdrawn", || accepted_events(&receiver).len() == 3).await;
    let events = accepted_events(&receiver);
    assert_eq!(events[2]["type"], "signature.withdrawn");
    assert_eq!(events[2]["data"]["email"], "Forget.Me@example.org");
    assert_eq!(events[2]["data"]["reason"], "erased");
    assert_eq!(events[0]["data"]["confirmation"], "not_required");
    assert_eq!(
        events[2]["data"]["signature_id"],
        events[0]["data"]["signature_id"]
    );
    assert!(receiver.requests().iter().all(|r| verify(&secret, r)));
    let export = cli(&["campaign", "export", SLUG, "--database-url", &db]).await;
    assert!(!export.to_lowercase().contains("forget.me"), "{export}");
    assert!(export.contains("keep@example.org"));
    let store = open(&app).await;
    assert_eq!(store.campaign(SLUG).await.unwrap().unwrap().count, 1);
    store.close().await;
    let again = cli_fails(&[
        "supporter",
        "erase",
        "--email",
        "forget.me@example.org",
        "--database-url",
        &db,
    ])
    .await;
    assert!(again.contains("no signature"), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn a_supporter_export_holds_everything_stored_about_them_and_nothing_else() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/hook?token=s3cret"), 1).await;
    sign(&app, SLUG, "Ada.L@example.org").await;
    sign(&app, crate::helpers::REVEAL_SLUG, "ada.l@example.org").await;
    sign(&app, SLUG, "keep@example.org").await;
    wait_until("both delivered", || accepted_events(&receiver).len() == 2).await;
    let db = app.db_url.clone();
    let out = cli(&[
        "supporter",
        "export",
        "--email",
        "ADA.L@example.org",
        "--database-url",
        &db,
    ])
    .await;
    let export: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(export["email"], "ada.l@example.org");
    let signatures = export["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{out}");
    let first = &signatures[0];
    assert_eq!(first["campaign"], SLUG);
    assert_eq!(first["campaign_title"], "Test pledge");
    assert_eq!(first["status"], "signed");
    assert_eq!(first["name"], "Ada Lovelace");
    assert_eq!(first["email"], "Ada.L@example.org");
    assert_eq!(first["fields"]["role"], "artist");
    assert_eq!(first["source_url"], "https://artist.example/tour");
    assert_eq!(first["consent"]["text"], "I agree.");
    assert_eq!(first["consent"]["version"].as_str().unwrap().len(), 16);
    assert!(first["signed_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first["wall"]["state"], "pending");
    assert_eq!(first["network_hash_stored"], true);
    let deliveries = first["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{out}");
    assert_eq!(deliveries[0]["event"], "signature.created");
    assert_eq!(deliveries[0]["to"], "webhook");
    assert_eq!(deliveries[0]["state"], "delivered");
    let host = deliveries[0]["host"].as_str().unwrap();
    assert!(host.starts_with("127.0.0.1:"), "{host}");
    assert_eq!(signatures[1]["campaign"], crate::helpers::REVEAL_SLUG);
    assert_eq!(signatures[1]["deliveries"], json!([]));
    // Not another supporter's, not the webhook's secret path, not the network hash.
    assert!(!out.contains("keep@"), "{out}");
    assert!(!out.contains("s3cret") && !out.contains("/hook"), "{out}");
    assert!(!out.contains("\"network_hash\""), "{out}");

    let none = cli(&[
        "supporter",
        "export",
        "--email",
        "nobody@example.org",
        "--database-url",
        &db,
    ])
    .await;
    let none: Value = serde_json::from_str(&none).unwrap();
    assert_eq!(none["signatures"], json!([]));
    let bad = cli_fails(&[
        "supporter",
        "export",
        "--email",
        "not-an-email",
        "--database-url",
        &db,
    ])
    .await;
    assert!(bad.to_lowercase().contains("email"), "{bad}");
    app.stop().await;
}

#[tokio::test]
async fn webhooks_and_osdi_targets_are_managed_from_the_command_line() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let db = app.db_url.clone();
    let added = cli(&[
        "webhook",
        "add",
        SLUG,
        "https://crm.example/hooks",
        "--batch",
        "10",
        "--database-url",
        &db,
    ])
    .await;
    let lines: Vec<&str> = added.lines().collect();
    assert!(
        lines[0].starts_with("added webhook 1 for campaign test-pledge"),
        "{added}"
    );
    let secret = lines.last().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{added}"
    );
    let list = cli(&["webhook", "list", "--database-url", &db]).await;
    assert_eq!(
        list.trim(),
        "1\ttest-pledge\tpending=0\tparked=0\tdelivered=0\tbatch=10\tsignature.created,signature.confirmed,signature.withdrawn\thttps://crm.example/hooks"
    );
    assert!(
        !list.contains(secret),
        "the secret is shown once, never listed"
    );
    // Names and emails never travel in clear text, except to this machine.
    let refused = cli_fails(&[
        "webhook",
        "add",
        SLUG,
        "http://crm.example/hooks",
        "--database-url",
        &db,
    ])
    .await;
    assert!(refused.contains("loopback"), "{refused}");
    let refused = cli_fails(&[
        "webhook",
        "add",
        "no-such",
        "https://crm.example/",
        "--database-url",
        &db,
    ])
    .await;
    assert!(refused.contains("no campaign"), "{refused}");
    let refused = cli_fails(&[
        "webhook",
        "add",
        SLUG,
        "https://crm.example/",
        "--event",
        "signature.deleted",
        "--database-url",
        &db,
    ])
    .await;
    assert!(refused.contains("unknown event"), "{refused}");
    let osdi = cli(&[
        "osdi",
        "add",
        SLUG,
        "--petition",
        "abc-123",
        "--api-key-env",
        "AN_KEY",
        "--tag",
        "pledge",
        "--database-url",
        &db,
    ])
    .await;
    assert!(
        osdi.contains("https://actionnetwork.org/api/v2/petitions/abc-123/signatures/")
            && osdi.contains("env:AN_KEY"),
        "{osdi}"
    );
    let refused = cli_fails(&[
        "osdi",
        "add",
        SLUG,
        "--petition",
        "p",
        "--database-url",
        &db,
    ])
    .await;
    assert!(refused.contains("--api-key"), "{refused}");
    assert_eq!(
        cli(&["osdi", "list", "--database-url", &db])
            .await
            .lines()
            .count(),
        1
    );
    assert_eq!(
        cli(&["webhook", "remove", "1", "--database-url", &db])
            .await
            .trim(),
        "removed webhook 1"
    );
    // An id of the other kind is not removed by mistake.
    let refused = cli_fails(&["webhook", "remove", "2", "--database-url", &db]).await;
    assert!(refused.contains("no webhook with id 2"), "{refused}");
    assert_eq!(
        cli(&["webhook", "list", "--database-url", &db])
            .await
            .trim(),
        ""
    );
    let refused = cli_fails(&["delivery", "resend", "--database-url", &db]).await;
    assert!(refused.contains("--all"), "{refused}");
    app.stop().await;
}
