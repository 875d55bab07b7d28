//! Held for review: too many signatures from one network are stored but not counted until
//! an organiser approves them.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::binary::run_cli as cli;
use crate::helpers::{signature, spawn_app_with};

/// Issue 11, item 7: a held signature was answered `201` with an unchanged count, so its
/// sender could tell it was held. Now the answer is the one a counted signature would have
/// got at that moment, and a retry replays it; the public count does not move.
#[tokio::test]
async fn a_held_signature_is_answered_like_a_counted_one() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| s.abuse.hold_after = 1).await;
    let counted: Value = app
        .post_signature("key-hold-a", &signature("a@example.org"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counted, json!({"status": "signed", "count": 1}));
    let r = app
        .post_signature("key-hold-b", &signature("b@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    let held: Value = r.json().await.unwrap();
    // Exactly what a counted second signature answers.
    assert_eq!(held, json!({"status": "signed", "count": 2}));
    let replay = app
        .post_signature("key-hold-b", &signature("b@example.org"))
        .await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap(), held);
    assert_eq!(app.count().await, 1);
}

#[tokio::test]
async fn past_hold_after_signatures_are_held_then_approved() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(Arc::clone(&dir), |s| s.abuse.hold_after = 2).await;
    for i in 0..2 {
        let r = app
            .post_signature(
                &format!("key-held-{i}"),
                &signature(&format!("h{i}@example.org")),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    // The third from this network looks signed to the sender, but is not counted.
    let r = app
        .post_signature("key-held-2", &signature("h2@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"status": "signed", "count": 3}));
    let r = app
        .post_signature("key-held-3", &signature("h3@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.count().await, 2);
    // Held emails are taken: signing again is answered like a new signature, uncounted.
    let r = app
        .post_signature("key-held-2b", &signature("H2@example.org"))
        .await;
    assert_eq!(r.status(), 201);

    let db = app.db_url.clone();
    let export = cli(&["campaign", "export", "test-pledge", "--database-url", &db]).await;
    let rows: Vec<&str> = export.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{export}");
    assert!(
        rows[1].contains("\"signed\"") && rows[2].contains("\"held\""),
        "{export}"
    );
    let review = cli(&["campaign", "review", "test-pledge", "--database-url", &db]).await;
    let held: Vec<&str> = review.lines().collect();
    assert_eq!(held.len(), 2, "{review}");
    assert!(
        held[0].contains("\th2@example.org\tAda Lovelace"),
        "{review}"
    );

    let out = cli(&[
        "campaign",
        "approve",
        "test-pledge",
        "--email",
        " H2@Example.org",
        "--database-url",
        &db,
    ])
    .await;
    assert!(out.contains("approved 1"), "{out}");
    let list = cli(&["campaign", "list", "--database-url", &db]).await;
    assert!(
        list.lines().any(|l| l.starts_with("test-pledge\t3\t")),
        "{list}"
    );
    let out = cli(&[
        "campaign",
        "approve",
        "test-pledge",
        "--all",
        "--database-url",
        &db,
    ])
    .await;
    assert!(out.contains("approved 1"), "{out}");
    let review = cli(&["campaign", "review", "test-pledge", "--database-url", &db]).await;
    assert_eq!(review.trim(), "");
    app.stop().await;

    // A restarted server serves the approved count.
    let app = spawn_app_with(dir, |_| {}).await;
    assert_eq!(app.count().await, 4);
    let export = cli(&[
        "campaign",
        "export",
        "test-pledge",
        "--database-url",
        &app.db_url,
    ])
    .await;
    assert!(!export.contains("\"held\""), "{export}");
}
