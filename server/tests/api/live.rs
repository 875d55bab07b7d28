//! The count endpoint's caching headers and the SSE stream.

use std::time::Duration;

use tokio::time::timeout;

use crate::helpers::{TIMEOUT, signature, spawn_app};

#[tokio::test]
async fn count_has_etag_and_304_on_match() {
    let app = spawn_app().await;
    let r = app.client.get(app.api("/count")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=2");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"count": 0, "goal": 100}));

    let r = app
        .client
        .get(app.api("/count"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());

    app.post_signature("key-etag-001", &signature("e@example.org"))
        .await;
    let r = app
        .client
        .get(app.api("/count"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"], etag.as_str());
}

/// Reads the stream until `needle` appears, bounded by a timeout.
async fn read_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    timeout(TIMEOUT, async {
        while !seen.contains(needle) {
            let chunk = response
                .chunk()
                .await
                .expect("stream reads")
                .expect("stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} in {seen:?}"));
}

#[tokio::test]
async fn events_send_current_count_then_changes() {
    let app = spawn_app().await;
    app.post_signature("key-sse-0001", &signature("first@example.org"))
        .await;
    // A client without a total timeout: the stream is meant to stay open.
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let mut events = client.get(app.api("/events")).send().await.unwrap();
    assert_eq!(events.status(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "data: {\"count\":1}\n\n").await;
    let retry: u64 = seen
        .strip_prefix("retry: ")
        .and_then(|rest| rest.split('\n').next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("retry first: {seen:?}"));
    assert!((1500..=4500).contains(&retry), "jittered retry: {retry}");
    assert_eq!(events.headers()["x-accel-buffering"], "no");
    assert!(
        seen.contains("event: count\ndata: {\"count\":1}"),
        "{seen:?}"
    );

    app.post_signature("key-sse-0002", &signature("second@example.org"))
        .await;
    read_until(&mut events, &mut seen, "data: {\"count\":2}\n\n").await;
    drop(events);
    // Stopping must not hang on an open stream either.
    let client2 = crate::helpers::client_builder().no_proxy().build().unwrap();
    let _open = client2.get(app.api("/events")).send().await.unwrap();
    timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("graceful stop with open SSE");
}

/// An erasure (`supporter erase`, another process) lowers a running server's live count at
/// once: open streams get the lower count and `/count` answers it, on both stores. It used
/// to stay at the old number until new signatures passed it (the count only ever rose).
#[tokio::test]
async fn an_erasure_lowers_the_live_count_of_a_running_server() {
    let app = spawn_app().await;
    for (key, email) in [
        ("key-erase-0001", "stays@example.org"),
        ("key-erase-0002", "goes@example.org"),
    ] {
        assert_eq!(
            app.post_signature(key, &signature(email)).await.status(),
            201
        );
    }
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let mut events = client.get(app.api("/events")).send().await.unwrap();
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "data: {\"count\":2}\n\n").await;

    crate::binary::run_cli(&[
        "supporter",
        "erase",
        "--email",
        "goes@example.org",
        "--database-url",
        &app.db_url,
    ])
    .await;

    read_until(&mut events, &mut seen, "data: {\"count\":1}\n\n").await;
    assert_eq!(app.count().await, 1);
    // And it rises again from there.
    assert_eq!(
        app.post_signature("key-erase-0003", &signature("next@example.org"))
            .await
            .status(),
        201
    );
    read_until(&mut events, &mut seen, "data: {\"count\":2}\n\n").await;
}
