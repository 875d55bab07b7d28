//! Per-campaign CORS: allowed origins get headers and preflights, others get none.

use crate::helpers::{PARTNER, signature, spawn_app};

#[tokio::test]
async fn allowed_origin_gets_cors_headers_and_preflight() {
    let app = spawn_app().await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.api("/signatures"))
        .header("origin", PARTNER)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], PARTNER);
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("content-type") && allowed.contains("idempotency-key"));
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        h["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("origin")
    );

    let r = app
        .client
        .post(app.api("/signatures"))
        .header("origin", PARTNER)
        .header("idempotency-key", "key-cors-allowed")
        .json(&signature("cors@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["access-control-allow-origin"], PARTNER);

    let r = app
        .client
        .get(app.api("/count"))
        .header("origin", PARTNER)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], PARTNER);
    assert!(
        r.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("etag")
    );
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    let app = spawn_app().await;
    for origin in [
        "https://evil.example",
        "https://partner.example.evil.example",
        "http://partner.example",
        "null",
    ] {
        let r = app
            .client
            .request(reqwest::Method::OPTIONS, app.api("/signatures"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert!(
            r.headers().get("access-control-allow-headers").is_none(),
            "{origin}"
        );
        let r = app
            .client
            .get(app.api("/count"))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert!(r.headers()["vary"].to_str().unwrap().contains("origin"));
    }
}
