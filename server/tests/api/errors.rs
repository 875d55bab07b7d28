//! Every error status of docs/api.md comes back as the app's JSON shape.

use serde_json::{Value, json};

use crate::helpers::{SLUG, assert_error, signature, spawn_app, spawn_app_in};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.api("/signatures"))
        .header("idempotency-key", "key-malformed")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "malformed_json").await;
    // Right syntax, wrong shape.
    let r = app
        .post_signature("key-shape-01", &json!({"name": 5}))
        .await;
    assert_error(r, 400, "malformed_json").await;
    let r = app.post_signature("key-shape-02", &json!([1, 2])).await;
    assert_error(r, 400, "malformed_json").await;
}

#[tokio::test]
async fn idempotency_key_missing_or_invalid_is_400() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.api("/signatures"))
        .json(&signature("a@example.org"))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "missing_idempotency_key").await;
    for bad in ["short", "has space in it", "ümlaut-key", &"k".repeat(129)] {
        let r = app.post_signature(bad, &signature("a@example.org")).await;
        assert_error(r, 400, "invalid_idempotency_key").await;
    }
    assert_eq!(app.count().await, 0);
}

#[tokio::test]
async fn unknown_campaign_and_route_are_404() {
    let app = spawn_app().await;
    for path in ["nope", "NOT-A-SLUG!", "nope/count", "nope/events"] {
        let r = app
            .client
            .get(format!("{}/api/v1/campaigns/{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_error(r, 404, "campaign_not_found").await;
    }
    let r = app
        .client
        .post(format!("{}/api/v1/campaigns/nope/signatures", app.address))
        .header("idempotency-key", "key-unknown")
        .json(&signature("a@example.org"))
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "campaign_not_found").await;
    for path in [
        "/api/v2/x",
        "/api/v1/campaigns",
        "/nothing.html",
        "/widget/../Cargo.toml",
    ] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_error(r, 404, "not_found").await;
    }
}

#[tokio::test]
async fn wrong_method_is_405() {
    let app = spawn_app().await;
    let r = app.client.delete(app.api("/count")).send().await.unwrap();
    assert_error(r, 405, "method_not_allowed").await;
    let r = app.client.get(app.api("/signatures")).send().await.unwrap();
    assert_error(r, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn body_over_16_kib_is_413() {
    let app = spawn_app().await;
    let mut body = signature("big@example.org");
    body["name"] = Value::String("x".repeat(17 * 1024));
    let r = app.post_signature("key-too-large", &body).await;
    assert_error(r, 413, "payload_too_large").await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = app
            .client
            .post(app.api("/signatures"))
            .header("idempotency-key", "key-content-type")
            .body(signature("a@example.org").to_string());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        assert_error(req.send().await.unwrap(), 415, "unsupported_media_type").await;
    }
}

#[tokio::test]
async fn bad_values_are_422_with_field_reasons() {
    let app = spawn_app().await;
    let body = json!({
        "name": "  ",
        "email": "not-an-email",
        "fields": {"role": "manager", "country": "Spain", "shoe_size": "44"},
        "consent": {"given": false, "text": "I agree."},
        "locale": "english please",
        "source_url": "ftp://example.org"
    });
    let r = app.post_signature("key-invalid-1", &body).await;
    let err = assert_error(r, 422, "validation").await;
    let fields = err["fields"].as_object().expect("fields");
    for key in [
        "name",
        "email",
        "consent",
        "locale",
        "source_url",
        "fields.role",
        "fields.country",
        "fields.shoe_size",
    ] {
        assert!(
            fields.get(key).and_then(Value::as_str).is_some(),
            "reason for {key} in {err}"
        );
    }
    // A missing required campaign field.
    let mut body = signature("a@example.org");
    body["fields"] = json!({});
    let err = assert_error(
        app.post_signature("key-invalid-2", &body).await,
        422,
        "validation",
    )
    .await;
    assert!(err["fields"]["fields.role"].is_string());
    assert_eq!(app.count().await, 0);
}

#[tokio::test]
async fn too_many_posts_is_429_with_retry_after() {
    let app = spawn_app_in(std::sync::Arc::new(tempfile::tempdir().unwrap()), 2).await;
    for i in 0..2 {
        let r = app
            .post_signature(
                &format!("key-rate-{i:03}"),
                &signature(&format!("r{i}@example.org")),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = app
        .post_signature("key-rate-999", &signature("r9@example.org"))
        .await;
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_error(r, 429, "rate_limited").await;
    assert_eq!(app.count().await, 2);
    let _ = SLUG;
}
