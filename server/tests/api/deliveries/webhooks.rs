//! Webhooks: signed, in order per campaign, retried with back-off, batched, never
//! redirected, one delivery per event with two workers on one database.

use super::*;

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
    let app = start_with_short_timeouts(&clock).await;
    let receiver = Receiver::start().await;
    // The first event meets a 503, no answer in time, a 500 and an empty 502, then gets in.
    receiver.script([
        Reply::Status(503),
        Reply::Hang(HANG),
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

/// Many signatures at once on a campaign with a webhook: on PostgreSQL the trigger locks
/// the campaign row (FOR NO KEY UPDATE, which the signature's foreign-key check does not
/// block) so the events commit in order; none of the posts may fail on a deadlock.
#[tokio::test]
async fn concurrent_signatures_all_get_through_and_each_event_arrives_once() {
    let clock = Clock::default();
    let app = start(&clock).await;
    let receiver = Receiver::start().await;
    add_webhook(&app, SLUG, &receiver.url("/many"), 1).await;
    let posts = (0..24).map(|i| {
        let app = &app;
        async move {
            let email = format!("c{i}@example.org");
            let key = format!("key-concurrent-{i:03}");
            app.post_signature(&key, &signature(&email))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(posts).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    wait_until("24 events", || accepted_events(&receiver).len() >= 24).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let events = accepted_events(&receiver);
    let mut arrived = emails(&events);
    arrived.sort();
    let mut expected: Vec<String> = (0..24).map(|i| format!("c{i}@example.org")).collect();
    expected.sort();
    assert_eq!(arrived, expected, "each once");
    app.stop().await;
}

/// A receiver that never answers holds up only its own target: another campaign's events
/// go out while its request is still waiting for the timeout.
#[tokio::test]
async fn a_hanging_receiver_does_not_hold_up_other_targets() {
    let clock = Clock::default();
    let mut delivery = fast_delivery(&clock);
    delivery.request_timeout = Duration::from_secs(3);
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), move |s| {
        s.delivery = delivery;
    })
    .await;
    let stuck = Receiver::start().await;
    stuck.otherwise(Reply::Hang(Duration::from_secs(5)));
    let fine = Receiver::start().await;
    add_webhook(&app, SLUG, &stuck.url("/stuck"), 1).await;
    add_webhook(&app, REVEAL_SLUG, &fine.url("/fine"), 1).await;
    sign(&app, SLUG, "stuck@example.org").await;
    wait_until("the stuck receiver got its first request", || {
        stuck.requests().len() == 1
    })
    .await;
    for i in 0..3 {
        sign(&app, REVEAL_SLUG, &format!("fine{i}@example.org")).await;
    }
    wait_until("the other campaign's events arrived", || {
        accepted_events(&fine).len() == 3
    })
    .await;
    assert_eq!(
        stuck.requests().len(),
        1,
        "all while the stuck request was still waiting for its timeout"
    );
    app.stop().await;
}

/// The worker keeps a target's lease between batches (`record_success` with `keep_until`)
/// while its loop goes on leasing what is due. A lease kept in the same millisecond as the
/// loop's next lease must not hand that target out again: a second task would send its
/// events twice (seen as duplicates in the test above, on SQLite under load).
#[tokio::test]
async fn a_lease_kept_in_the_same_millisecond_is_not_handed_out_twice() {
    let app = spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), |s| {
        s.delivery.enabled = false; // this test plays the worker
    })
    .await;
    let (a, _) = add_webhook(&app, SLUG, "https://a.example/hook", 1).await;
    let (b, _) = add_webhook(&app, REVEAL_SLUG, "https://b.example/hook", 1).await;
    sign(&app, SLUG, "x1@example.org").await;
    sign(&app, SLUG, "x2@example.org").await;
    sign(&app, REVEAL_SLUG, "y1@example.org").await;
    let store = open(&app).await;
    let now = i64::try_from(Clock::default().unix_now_ms()).unwrap() + 1_000;
    let lease = 50_000;
    let first = store
        .lease_due_targets("worker", now, lease, 1)
        .await
        .unwrap();
    assert_eq!(first.iter().map(|t| t.id).collect::<Vec<_>>(), [a]);
    // A's first batch went through; its lease is kept for the next batch from `later` on.
    let later = now + 5;
    let batch = store.pending_events(a, 1).await.unwrap();
    let held = store
        .record_success(
            a,
            "worker",
            &[batch[0].delivery_id],
            later,
            Some(later + lease),
        )
        .await
        .unwrap();
    assert!(held, "the lease is still the worker's");
    // In that same millisecond the loop leases what is due: B, never A a second time.
    let second = store
        .lease_due_targets("worker", later, lease, 10)
        .await
        .unwrap();
    assert_eq!(second.iter().map(|t| t.id).collect::<Vec<_>>(), [b]);
    store.close().await;
    app.stop().await;
}
