//! Issue 16: signature events reach webhooks and Action Network (OSDI) over real HTTP on
//! loopback, from the outbox the signature's own transaction wrote: signed, in order per
//! campaign, retried with back-off, parked after the retry window, resent by the CLI.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use pledge_server::Settings;
use pledge_server::abuse::Clock;
use pledge_server::delivery::target::{new_signing_secret, osdi_endpoint};
use pledge_server::delivery::{Backoff, DeliverySettings};
use pledge_server::store::delivery::{DeliveryFilter, DeliveryStore, NewTarget, TargetKind};
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::process::Command;

use crate::helpers::{REVEAL_SLUG, SLUG, TestApp, signature, spawn_app_with};
use crate::receiver::{Receiver, Recorded, Reply, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_pledge-server");

/// Deliveries at test speed: polls every 20 ms, waits of 20-200 ms between retries, a
/// 500 ms request timeout, and a clock the test can move a day forward.
fn fast_delivery(clock: &Clock) -> DeliverySettings {
    DeliverySettings {
        poll_interval: Duration::from_millis(20),
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(500),
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
            retry_window: Duration::from_secs(24 * 3600),
        },
        clock: clock.clone(),
        ..DeliverySettings::default()
    }
}

fn fast(clock: &Clock) -> impl FnOnce(&mut Settings) + use<> {
    let delivery = fast_delivery(clock);
    move |s| s.delivery = delivery
}

async fn start(clock: &Clock) -> TestApp {
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), fast(clock)).await
}

async fn open(app: &TestApp) -> SignatureStore {
    SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .expect("store")
}

/// Adds a webhook for `slug`; returns its id and signing secret.
async fn add_webhook(app: &TestApp, slug: &str, url: &str, batch: u32) -> (i64, String) {
    let store = open(app).await;
    let secret = new_signing_secret().unwrap();
    let id = store
        .add_target(&NewTarget {
            campaign_slug: slug.into(),
            kind: TargetKind::Webhook,
            url: url.into(),
            secret: Some(secret.clone()),
            api_key_source: None,
            tags: vec![],
            events: vec![
                "signature.created".into(),
                "signature.confirmed".into(),
                "signature.withdrawn".into(),
            ],
            batch_size: batch,
        })
        .await
        .unwrap()
        .expect("campaign exists");
    store.close().await;
    (id, secret)
}

async fn sign(app: &TestApp, slug: &str, email: &str) {
    let r = app
        .post_to(
            slug,
            &format!("key-{}", email.replace(['@', '.'], "-")),
            &signature(email),
        )
        .await;
    assert_eq!(r.status(), 201, "{email}");
}

/// What a receiver does with `Pledge-Signature: t=…,v1=…`: HMAC-SHA256 over `t.body`
/// with the secret, compared in constant time, and a timestamp within five minutes.
fn verify(secret: &str, r: &Recorded) -> bool {
    let header = r.header("pledge-signature");
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x.parse::<u64>().ok(),
            Some(("v1", x)) => v1 = hex::decode(x).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&r.body);
    now.abs_diff(t) < 300 && mac.verify_slice(&v1).is_ok()
}

/// The events of the requests the receiver accepted, in the order it accepted them.
fn accepted_events(receiver: &Receiver) -> Vec<Value> {
    receiver
        .requests()
        .iter()
        .filter(|r| r.accepted())
        .flat_map(|r| {
            let body = r.json();
            match body.get("events") {
                Some(Value::Array(all)) => all.clone(),
                _ => vec![body],
            }
        })
        .collect()
}

fn emails(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["data"]["email"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn signatures_reach_a_webhook_signed_and_in_order() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, SLUG, &receiver.url("/hooks/pledge"), 1).await;
    let signed: Vec<String> = (0..5).map(|i| format!("s{i}@example.org")).collect();
    for email in &signed {
        sign(&app, SLUG, email).await;
    }
    wait_until("5 events arrived", || accepted_events(&receiver).len() == 5).await;
    let requests = receiver.requests();
    for r in &requests {
        assert_eq!(r.path, "/hooks/pledge");
        assert!(verify(&secret, r), "a valid Pledge-Signature");
        assert!(!verify("whsec_other", r), "and only with this secret");
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.header("pledge-event-id"), r.json()["id"]);
    }
    let events = accepted_events(&receiver);
    assert_eq!(emails(&events), signed);
    let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5, "each event has its own id");
    let first = &events[0];
    assert_eq!(first["type"], "signature.created");
    assert_eq!(first["campaign"], SLUG);
    assert_eq!(first["data"]["name"], "Ada Lovelace");
    assert_eq!(first["data"]["fields"]["role"], "artist");
    assert_eq!(first["data"]["public"], true);
    assert_eq!(first["data"]["consent"]["text"], "I agree.");
    assert!(first["id"].as_str().unwrap().len() == 32);
    // Another campaign's signatures do not go to this campaign's webhook.
    sign(&app, REVEAL_SLUG, "other@example.org").await;
    sign(&app, SLUG, "s5@example.org").await;
    wait_until("the 6th event", || accepted_events(&receiver).len() == 6).await;
    assert_eq!(emails(&accepted_events(&receiver))[5], "s5@example.org");
    app.stop().await;
}

#[tokio::test]
async fn failures_are_retried_and_a_campaigns_events_never_overtake_each_other() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    // The first event meets a 503, no answer in time, a 500 and an empty 502, then gets in.
    receiver.script([
        Reply::Status(503),
        Reply::Hang(Duration::from_secs(2)),
        Reply::Status(500),
        Reply::Status(502),
    ]);
    add_webhook(&app, SLUG, &receiver.url("/h"), 1).await;
    let signed: Vec<String> = (0..3).map(|i| format!("r{i}@example.org")).collect();
    for email in &signed {
        sign(&app, SLUG, email).await;
    }
    wait_until("3 events accepted", || {
        accepted_events(&receiver).len() == 3
    })
    .await;
    let requests = receiver.requests();
    let tried: Vec<String> = requests
        .iter()
        .map(|r| r.json()["data"]["email"].as_str().unwrap().to_owned())
        .collect();
    // Five tries of the first event, then each of the others once: nothing overtook it.
    assert_eq!(
        tried,
        [
            "r0@example.org",
            "r0@example.org",
            "r0@example.org",
            "r0@example.org",
            "r0@example.org",
            "r1@example.org",
            "r2@example.org"
        ]
    );
    let first_id = requests[0].json()["id"].clone();
    assert!(
        requests[..5].iter().all(|r| r.json()["id"] == first_id),
        "a retry is the same event (same id)"
    );
    assert_eq!(emails(&accepted_events(&receiver)), signed);
    let store = open(&app).await;
    wait_until_async(
        "all three recorded, the first after five attempts",
        || async {
            let delivered = store
                .deliveries(
                    &DeliveryFilter {
                        state: Some("delivered".into()),
                        ..Default::default()
                    },
                    100,
                )
                .await
                .unwrap();
            delivered.len() == 3 && delivered[0].attempts == 5
        },
    )
    .await;
    store.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_every_event_once_back_in_order() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let mut receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/a"), 1).await;
    add_webhook(&app, REVEAL_SLUG, &receiver.url("/b"), 1).await;
    receiver.down().await;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let (slug, list) = if i % 3 == 0 {
            (REVEAL_SLUG, &mut b)
        } else {
            (SLUG, &mut a)
        };
        let email = format!("d{i}@example.org");
        sign(&app, slug, &email).await;
        list.push(email);
    }
    // While it is down, deliveries fail and wait (connection refused), none is lost.
    let store = open(&app).await;
    wait_until_async("both heads failed at least twice", || async {
        let pending = store
            .deliveries(
                &DeliveryFilter {
                    state: Some("pending".into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        pending.len() == 20 && pending.iter().filter(|d| d.attempts >= 2).count() == 2
    })
    .await;
    let receiver = receiver.back().await;
    wait_until("all 20 events arrived", || {
        accepted_events(&receiver).len() >= 20
    })
    .await;
    // A little longer, to catch duplicates that would come after the last new one.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let requests = receiver.requests();
    let arrived = |path: &str| -> Vec<String> {
        requests
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.json()["data"]["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(arrived("/a"), a, "campaign a: every event, once, in order");
    assert_eq!(arrived("/b"), b, "campaign b: every event, once, in order");
    assert_eq!(requests.len(), 20);
    store.close().await;
    app.stop().await;
}

async fn wait_until_async<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + crate::helpers::TIMEOUT;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

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
async fn a_redirect_is_a_failure_and_never_followed() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    let elsewhere = Receiver::start().await;
    receiver.script([Reply::Redirect(elsewhere.url("/stolen"))]);
    add_webhook(&app, SLUG, &receiver.url("/r"), 1).await;
    sign(&app, SLUG, "redirect@example.org").await;
    wait_until("delivered on the second try", || {
        accepted_events(&receiver).len() == 1
    })
    .await;
    assert_eq!(receiver.requests().len(), 2);
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect was not followed"
    );
    app.stop().await;
}

#[tokio::test]
async fn batches_carry_up_to_n_events_in_order() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let mut receiver = Receiver::start().await;
    let (_, secret) = add_webhook(&app, SLUG, &receiver.url("/batch"), 3).await;
    receiver.down().await;
    let signed: Vec<String> = (0..7).map(|i| format!("b{i}@example.org")).collect();
    for email in &signed {
        sign(&app, SLUG, email).await;
    }
    let receiver = receiver.back().await;
    wait_until("7 events arrived", || accepted_events(&receiver).len() == 7).await;
    let requests = receiver.requests();
    assert!(requests.iter().all(|r| verify(&secret, r)));
    let sizes: Vec<usize> = requests
        .iter()
        .map(|r| r.json()["events"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(emails(&accepted_events(&receiver)), signed);
    app.stop().await;
}

#[tokio::test]
async fn held_signatures_are_sent_when_approved() {
    let clock = Clock::default();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| {
        fast(&clock)(s);
        s.abuse.hold_after = 1;
    })
    .await;
    let receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/h"), 1).await;
    sign(&app, SLUG, "counted@example.org").await;
    sign(&app, SLUG, "held@example.org").await;
    wait_until("the counted one", || accepted_events(&receiver).len() == 1).await;
    let store = open(&app).await;
    let campaign = store.campaign(SLUG).await.unwrap().unwrap();
    assert_eq!(store.approve(campaign.id, None).await.unwrap(), 1);
    wait_until("the approved one", || accepted_events(&receiver).len() == 2).await;
    let events = accepted_events(&receiver);
    assert_eq!(emails(&events), ["counted@example.org", "held@example.org"]);
    assert!(events.iter().all(|e| e["type"] == "signature.created"));
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
async fn action_network_gets_one_person_per_signature() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    // An empty 200 is a refusal; then no answer in time (it may have been recorded);
    // then a resource: recorded.
    receiver.script([Reply::Empty200, Reply::Hang(Duration::from_secs(2))]);
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("an-key");
    std::fs::write(&key_file, "an-test-key-0123\n").unwrap();
    let endpoint = osdi_endpoint(&receiver.url(""), "petition-1").unwrap();
    let store = open(&app).await;
    store
        .add_target(&NewTarget {
            campaign_slug: SLUG.into(),
            kind: TargetKind::Osdi,
            url: endpoint.as_str().into(),
            secret: None,
            api_key_source: Some(format!("file:{}", key_file.display())),
            tags: vec!["pledge-2026".into()],
            events: vec!["signature.created".into()],
            batch_size: 1,
        })
        .await
        .unwrap()
        .unwrap();
    let mut body = signature("ada@example.org");
    body["fields"]["country"] = json!("GB");
    let r = app.post_signature("key-action-network", &body).await;
    assert_eq!(r.status(), 201);
    wait_until("recorded", || {
        receiver.requests().iter().any(Recorded::accepted)
    })
    .await;
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(r.path, "/api/v2/petitions/petition-1/signatures/");
        assert_eq!(r.header("osdi-api-token"), "an-test-key-0123");
        assert_eq!(r.header("content-type"), "application/json");
    }
    let person = json!({
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email_addresses": [{"address": "ada@example.org"}],
        "postal_addresses": [{"country": "GB"}],
        "custom_fields": {"role": "artist", "organisation": "The Engines"},
        "languages_spoken": ["en"]
    });
    assert_eq!(
        requests[0].json(),
        json!({
            "person": person,
            "add_tags": ["pledge-2026"],
            "triggers": {"autoresponse": {"enabled": true}}
        }),
        "the first delivery asks for the autoresponse"
    );
    // After an empty 200 nothing was recorded, so the retry still asks for it; after a
    // timeout it may have been, so later tries do not (a signer never gets two).
    assert_eq!(
        requests[1].json()["triggers"]["autoresponse"]["enabled"],
        true
    );
    assert_eq!(
        requests[2].json(),
        json!({"person": person, "add_tags": ["pledge-2026"]})
    );
    // Recorded as delivered once the answer is in (the worker writes it just after).
    wait_until_async("recorded as delivered", || async {
        let all = store
            .deliveries(&DeliveryFilter::default(), 100)
            .await
            .unwrap();
        all.len() == 1 && all[0].state == "delivered" && all[0].attempts == 3
    })
    .await;
    store.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_missing_api_key_is_an_error_that_names_where_it_looked_not_a_key() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    let store = open(&app).await;
    store
        .add_target(&NewTarget {
            campaign_slug: SLUG.into(),
            kind: TargetKind::Osdi,
            url: osdi_endpoint(&receiver.url(""), "p")
                .unwrap()
                .as_str()
                .into(),
            secret: None,
            api_key_source: Some("env:PLEDGE_TEST_NO_SUCH_KEY".into()),
            tags: vec![],
            events: vec!["signature.created".into()],
            batch_size: 1,
        })
        .await
        .unwrap()
        .unwrap();
    sign(&app, SLUG, "k@example.org").await;
    wait_until_async("the failure is recorded", || async {
        store
            .deliveries(&DeliveryFilter::default(), 10)
            .await
            .unwrap()
            .first()
            .is_some_and(|d| d.attempts >= 1)
    })
    .await;
    let d = &store
        .deliveries(&DeliveryFilter::default(), 10)
        .await
        .unwrap()[0];
    assert!(
        d.last_error
            .as_deref()
            .is_some_and(|e| e.contains("PLEDGE_TEST_NO_SUCH_KEY")),
        "{:?}",
        d.last_error
    );
    assert!(receiver.requests().is_empty(), "nothing sent without a key");
    store.close().await;
    app.stop().await;
}

/// Two workers on one database (two instances on PostgreSQL, or a second worker on the
/// SQLite file): the leases let each event out once, and still in order.
#[tokio::test]
async fn two_workers_on_one_database_send_each_event_once_in_order() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/two"), 1).await;
    let second = open(&app).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let settings = fast_delivery(&clock);
    let worker = tokio::spawn(pledge_server::delivery::run(
        second.clone(),
        settings,
        stopped,
    ));
    let signed: Vec<String> = (0..30).map(|i| format!("w{i}@example.org")).collect();
    for email in &signed {
        sign(&app, SLUG, email).await;
    }
    wait_until("30 events", || receiver.requests().len() >= 30).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(emails(&accepted_events(&receiver)), signed);
    assert_eq!(receiver.requests().len(), 30, "none twice");
    let _ = stop.send(true);
    worker.await.unwrap();
    second.close().await;
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

async fn cli_fails(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

async fn cli(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
