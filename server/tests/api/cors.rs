//! CORS: the public read routes (campaign document, count, events, signers) answer any origin,
//! errors included; the signing routes (challenge, signatures) keep the campaign's allow-list;
//! the campaign document says whether the asking origin may sign (`can_sign_here`).

use pledge_server::store::{OpenMode, SignatureStore, Store, Translation};
use serde_json::{Value, json};

use crate::helpers::{PARTNER, POW_SLUG, TestApp, create_campaign_with, signature, spawn_app};

const STRANGERS: [&str; 4] = [
    "https://evil.example",
    "https://partner.example.evil.example",
    "http://partner.example",
    "null",
];

fn vary_has_origin(r: &reqwest::Response) -> bool {
    varies_on_origin(r.headers())
}

fn varies_on_origin(h: &reqwest::header::HeaderMap) -> bool {
    h.get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("origin"))
}

async fn get_from(app: &TestApp, url: &str, origin: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(url);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

async fn document(
    app: &TestApp,
    slug: &str,
    origin: Option<&str>,
) -> (reqwest::header::HeaderMap, Value) {
    let r = get_from(app, &app.campaign_api(slug, ""), origin).await;
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    (headers, r.json().await.unwrap())
}

#[tokio::test]
async fn allowed_origin_gets_cors_headers_and_preflight_for_signing() {
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
    assert!(vary_has_origin(&r));

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
}

#[tokio::test]
async fn signing_routes_give_other_origins_no_cors_headers() {
    let app = spawn_app().await;
    for origin in STRANGERS {
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
            .post(app.api("/signatures"))
            .header("origin", origin)
            .header("idempotency-key", "key-cors-stranger")
            .json(&signature("stranger@example.org"))
            .send()
            .await
            .unwrap();
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert!(vary_has_origin(&r), "{origin}");
        let r = get_from(
            &app,
            &app.campaign_api(POW_SLUG, "/challenge"),
            Some(origin),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
}

#[tokio::test]
async fn read_routes_answer_any_origin_without_credentials() {
    let app = spawn_app().await;
    for origin in [Some(PARTNER), None].into_iter().chain(STRANGERS.map(Some)) {
        for path in ["", "/count", "/signers", "/events"] {
            let r = get_from(&app, &app.api(path), origin).await;
            let h = r.headers();
            assert_eq!(h["access-control-allow-origin"], "*", "{origin:?} {path}");
            assert!(
                h.get("access-control-allow-credentials").is_none(),
                "{origin:?} {path}"
            );
            if path == "/count" {
                assert_eq!(r.status(), 200);
                let exposed = h["access-control-expose-headers"].to_str().unwrap();
                assert!(exposed.contains("etag"), "{exposed}");
            }
        }
        // A preflight (the count's `If-None-Match` is not a simple header) is answered too.
        let mut preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.api("/count"))
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "if-none-match");
        if let Some(origin) = origin {
            preflight = preflight.header("origin", origin);
        }
        let r = preflight.send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let allowed = r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap();
        assert!(allowed.contains("if-none-match"), "{allowed}");
    }
}

#[tokio::test]
async fn an_unknown_campaign_is_a_404_any_origin_can_read() {
    let app = spawn_app().await;
    for path in ["", "/count", "/events", "/signers", "/signatures"] {
        let url = app.campaign_api("no-such-pledge", path);
        let r = if path == "/signatures" {
            app.client
                .post(&url)
                .header("origin", "https://evil.example")
                .header("idempotency-key", "key-unknown")
                .json(&signature("x@example.org"))
                .send()
                .await
                .unwrap()
        } else {
            get_from(&app, &url, Some("https://evil.example")).await
        };
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "campaign_not_found", "{path}");
    }
    // An endpoint without the version (`…/api` for `…/api/v1`): a readable 404 too.
    let r = get_from(
        &app,
        &format!("{}/api/campaigns/test-pledge", app.address),
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn the_campaign_document_says_whether_this_origin_may_sign() {
    let app = spawn_app().await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    create_campaign_with(&store, "any-origin", |c| {
        c.origin_mode = pledge_server::domain::OriginMode::Any;
    })
    .await;
    let slug = crate::helpers::SLUG;
    for (slug, origin, may) in [
        (slug, Some(PARTNER), true),
        // Same-origin pages (the /embed/ page) and non-browser clients send no Origin.
        (slug, None, true),
        (slug, Some("https://evil.example"), false),
        (slug, Some("http://partner.example"), false),
        (slug, Some("null"), false),
        ("any-origin", Some("https://evil.example"), true),
    ] {
        let (h, doc) = document(&app, slug, origin).await;
        assert_eq!(doc["can_sign_here"], json!(may), "{slug} {origin:?}");
        // The answer differs by Origin: caches must key on it, and no validator lets a cache
        // answer one origin with another's document.
        assert!(varies_on_origin(&h), "{slug} {origin:?}");
        assert!(h.get("etag").is_none());
        assert_eq!(h["access-control-allow-origin"], "*");
    }
}

#[tokio::test]
async fn the_document_lists_every_language_it_has_text_in() {
    let app = spawn_app().await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    let spanish = Translation {
        title: Some("Compromiso".into()),
        ..Translation::default()
    };
    let slug = crate::helpers::SLUG;
    assert!(store.set_translation(slug, "es", &spanish).await.unwrap());
    // A translation into the campaign's own language adds no second entry.
    assert!(store.set_translation(slug, "en", &spanish).await.unwrap());
    let (_, doc) = document(&app, slug, None).await;
    assert_eq!(doc["languages"], json!(["en", "es"]));
}
