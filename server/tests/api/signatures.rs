//! Signing: 201, dedupe by email, idempotent retries, concurrency, durability.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::{REVEAL_SLUG, assert_error, signature, spawn_app, spawn_app_in};

#[tokio::test]
async fn valid_signature_is_201_and_counted() {
    let app = spawn_app().await;
    let r = app
        .post_signature("key-valid-01", &signature("ada@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"status": "signed", "count": 1}));
    assert_eq!(app.count().await, 1);
}

/// Issue 11, item 5: `200 already_signed` told anyone whether an address had signed. By
/// default a repeated email now gets exactly the answer a new one would have: `201 signed`
/// with the count as if this signature had counted (the public count plus one).
#[tokio::test]
async fn repeated_email_gets_the_same_answer_as_a_new_one() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_signature("key-dedupe-1", &signature("ada@example.org"))
            .await
            .status(),
        201
    );
    for (i, email) in ["ADA@Example.ORG", "  ada@example.org  ", "Ada@example.org"]
        .iter()
        .enumerate()
    {
        let key = format!("key-dedupe-x{i}");
        let r = app.post_signature(&key, &signature(email)).await;
        assert_eq!(r.status(), 201);
        let repeated: Value = r.json().await.unwrap();
        // What a new address gets at this moment, on a twin campaign with the same count.
        assert_eq!(repeated, json!({"status": "signed", "count": 2}));
        // A retry of the same post replays that answer.
        let again: Value = app
            .post_signature(&key, &signature(email))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again, repeated);
    }
    // Still one signature: dedupe by email is unchanged.
    assert_eq!(app.count().await, 1);
    let new: Value = app
        .post_signature("key-dedupe-new", &signature("new@example.org"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(new, json!({"status": "signed", "count": 2}));
}

/// An organiser who wants repeats told apart turns it on per campaign.
#[tokio::test]
async fn a_campaign_may_reveal_already_signed() {
    let app = spawn_app().await;
    let first = app
        .post_to(REVEAL_SLUG, "key-reveal-1", &signature("ada@example.org"))
        .await;
    assert_eq!(first.status(), 201);
    let r = app
        .post_to(REVEAL_SLUG, "key-reveal-2", &signature(" ADA@example.org"))
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"status": "already_signed", "count": 1}));
    assert_eq!(app.campaign_count(REVEAL_SLUG).await, 1);
}

#[tokio::test]
async fn retry_with_same_key_returns_first_answer_once() {
    let app = spawn_app().await;
    let body = signature("retry@example.org");
    let first: Value = app
        .post_signature("key-retry-1", &body)
        .await
        .json()
        .await
        .unwrap();
    // Someone else signs in between; the retry must still answer as the first time did.
    assert_eq!(
        app.post_signature("key-retry-other", &signature("other@example.org"))
            .await
            .status(),
        201
    );
    let r = app.post_signature("key-retry-1", &body).await;
    assert_eq!(r.status(), 201);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(app.count().await, 2);
}

#[tokio::test]
async fn same_key_with_different_body_is_422_reused() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_signature("key-reuse-01", &signature("one@example.org"))
            .await
            .status(),
        201
    );
    let r = app
        .post_signature("key-reuse-01", &signature("two@example.org"))
        .await;
    assert_error(r, 422, "idempotency_key_reused").await;
    assert_eq!(app.count().await, 1);
}

#[tokio::test]
async fn twenty_concurrent_posts_of_one_email_count_once() {
    let app = Arc::new(spawn_app().await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let app = Arc::clone(&app);
        tasks.spawn(async move {
            let email = if i % 2 == 0 {
                "Crowd@Example.org"
            } else {
                " crowd@example.org"
            };
            app.post_signature(&format!("key-crowd-{i:02}"), &signature(email))
                .await
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    // Every post is answered alike (repeats look new), and one is counted.
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(app.count().await, 1);
}

#[tokio::test]
async fn count_survives_a_restart_on_the_same_database() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(Arc::clone(&dir), 0).await;
    assert_eq!(
        app.post_signature("key-restart-1", &signature("a@example.org"))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post_signature("key-restart-2", &signature("b@example.org"))
            .await
            .status(),
        201
    );
    app.stop().await;
    let app = spawn_app_in(dir, 0).await;
    assert_eq!(app.count().await, 2);
    // Dedupe and idempotency records survived too (a repeat is answered like a new one).
    assert_eq!(
        app.post_signature("key-restart-3", &signature("A@example.org"))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post_signature("key-restart-1", &signature("a@example.org"))
            .await
            .status(),
        201
    );
    assert_eq!(app.count().await, 2);
}

#[tokio::test]
async fn campaign_info_matches_the_contract() {
    let app = spawn_app().await;
    app.post_signature("key-info-001", &signature("a@example.org"))
        .await;
    let info: Value = app
        .client
        .get(app.api(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["slug"], "test-pledge");
    assert_eq!(info["count"], 1);
    assert_eq!(info["goal"], 100);
    assert_eq!(info["allow_public_names"], true);
    assert_eq!(info["languages"], json!(["en"]));
    assert_eq!(info["share_url"], Value::Null);
    assert_eq!(info["fields"][0]["type"], "select");
    assert_eq!(
        info["fields"][0]["options"][2],
        json!({"value": "fan", "label": "A fan"})
    );
    assert_eq!(info["fields"][1]["max_length"], 50);
    assert!(info.get("allowed_origins").is_none() && info.get("id").is_none());
}
