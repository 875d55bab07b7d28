//! Action Network (OSDI): one person per signature, the autoresponse at most once, an
//! empty 200 retried, a missing API key named.

use super::*;

#[tokio::test]
async fn action_network_gets_one_person_per_signature() {
    let clock = Clock::default();
    let app = start_with_short_timeouts(&clock).await;
    let receiver = Receiver::start().await;
    // An empty 200 is a refusal; then no answer in time (it may have been recorded);
    // then a resource: recorded.
    receiver.script([Reply::Empty200, Reply::Hang(HANG)]);
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
