//! Rate limits keyed by the client address (and who may say what that is), per-campaign
//! ceilings, the custom-field count, and the SSE caps.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use pledge_server::abuse::client_addr::TrustedProxies;

use crate::helpers::{TestApp, assert_error, signature, spawn_app, spawn_app_with};

async fn post_from(
    app: &TestApp,
    forwarded_for: &str,
    key: &str,
    email: &str,
) -> reqwest::Response {
    app.client
        .post(app.api("/signatures"))
        .header("idempotency-key", key)
        .header("x-forwarded-for", forwarded_for)
        .json(&signature(email))
        .send()
        .await
        .unwrap()
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn rate_limit_answers_429_then_recovers() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| {
        s.rate_limit_per_minute = 2;
        s.abuse.rate_limit_window = Duration::from_secs(1);
    })
    .await;
    for i in 0..2 {
        let r = app
            .post_signature(
                &format!("key-recover-{i}"),
                &signature(&format!("r{i}@example.org")),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = app
        .post_signature("key-recover-x", &signature("rx@example.org"))
        .await;
    let wait = retry_after(&r);
    assert_eq!(wait, 1);
    assert_error(r, 429, "rate_limited").await;
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = app
        .post_signature("key-recover-x", &signature("rx@example.org"))
        .await;
    assert_eq!(r.status(), 201, "the window reopened");
}

#[tokio::test]
async fn forged_forwarded_for_from_a_direct_client_is_ignored() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| s.rate_limit_per_minute = 1).await;
    assert_eq!(
        post_from(&app, "198.51.100.1", "key-forge-1", "f1@example.org")
            .await
            .status(),
        201
    );
    // A new X-Forwarded-For does not make a new client: the peer is not a trusted proxy.
    let r = post_from(&app, "198.51.100.2", "key-forge-2", "f2@example.org").await;
    assert_error(r, 429, "rate_limited").await;
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_is_the_client() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| {
        s.rate_limit_per_minute = 1;
        s.abuse.trusted_proxies = TrustedProxies::parse_list("127.0.0.1/32,::1").unwrap();
    })
    .await;
    assert_eq!(
        post_from(&app, "198.51.100.1", "key-proxy-1", "p1@example.org")
            .await
            .status(),
        201
    );
    // The client's own (forged) entry is left of what the proxy appended.
    assert_eq!(
        post_from(
            &app,
            "6.6.6.6, 198.51.100.2",
            "key-proxy-2",
            "p2@example.org"
        )
        .await
        .status(),
        201
    );
    let r = post_from(
        &app,
        "6.6.6.7, 198.51.100.1",
        "key-proxy-3",
        "p3@example.org",
    )
    .await;
    assert_error(r, 429, "rate_limited").await;
    // One IPv6 /64 is one client.
    assert_eq!(
        post_from(&app, "2001:db8:1:2::1", "key-proxy-4", "p4@example.org")
            .await
            .status(),
        201
    );
    let r = post_from(
        &app,
        "2001:db8:1:2:ffff::9",
        "key-proxy-5",
        "p5@example.org",
    )
    .await;
    assert_error(r, 429, "rate_limited").await;
    assert_eq!(
        post_from(&app, "2001:db8:1:3::1", "key-proxy-6", "p6@example.org")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn campaign_ceiling_holds_across_clients() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| {
        s.abuse.campaign_rate_limit = 2;
        s.abuse.trusted_proxies = TrustedProxies::parse_list("127.0.0.1").unwrap();
    })
    .await;
    for i in 0..2 {
        let r = post_from(
            &app,
            &format!("198.51.100.{i}"),
            &format!("key-ceil-{i}"),
            &format!("c{i}@example.org"),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let r = post_from(&app, "198.51.100.9", "key-ceil-9", "c9@example.org").await;
    assert!(retry_after(&r) >= 1);
    assert_error(r, 429, "rate_limited").await;
}

#[tokio::test]
async fn more_fields_than_asked_is_one_reason() {
    let app = spawn_app().await;
    let mut body = signature("many@example.org");
    let extra: serde_json::Map<String, Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    body["fields"] = Value::Object(extra);
    let err = assert_error(
        app.post_signature("key-many-fields", &body).await,
        422,
        "validation",
    )
    .await;
    let fields = err["fields"].as_object().unwrap();
    assert!(
        fields["fields"].as_str().unwrap().contains("at most 3"),
        "{err}"
    );
    assert!(
        fields.len() <= 1 + 10 + 1,
        "one summary, ten unknown keys, role: {err}"
    );
}

#[tokio::test]
async fn too_many_streams_from_one_client_is_429() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| s.abuse.max_streams_per_client = 2).await;
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let mut open = Vec::new();
    for _ in 0..2 {
        let r = client.get(app.api("/events")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        open.push(r);
    }
    let r = client.get(app.api("/events")).send().await.unwrap();
    assert!(retry_after(&r) >= 1);
    assert_error(r, 429, "too_many_streams").await;
    // Polling still works.
    assert_eq!(app.count().await, 0);
    drop(open);
}
