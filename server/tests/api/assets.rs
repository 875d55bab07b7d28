//! Embedded widget files and demo pages.

use crate::helpers::{assert_error, spawn_app, spawn_demo_app};

#[tokio::test]
async fn demo_pages_are_served_with_origin_and_security_headers() {
    let app = spawn_demo_app().await;
    for path in ["/", "/index.html", "/partner.html", "/themes.html"] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(
            r.headers()["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("%PLEDGE_ORIGIN%"),
            "placeholder replaced on {path}"
        );
    }
}

/// `serve` is for production, where the demo campaign does not exist: no demo pages, while
/// the API, the widget, `/embed/` and health stay.
#[tokio::test]
async fn serve_publishes_no_demo_pages() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/index.html",
        "/partner.html",
        "/themes.html",
        "/site.css",
    ] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_error(r, 404, "not_found").await;
    }
    for (path, status) in [
        ("/embed/test-pledge".to_owned(), 200),
        ("/healthz".to_owned(), 200),
        (app.api("/count").replace(&app.address, ""), 200),
    ] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path}");
    }
}

#[tokio::test]
async fn embed_js_is_public_short_cached_and_revalidates() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/widget/embed.js", app.address))
        .header("origin", "https://anyone.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    // Not content-hashed (partners paste its URL), so a short cache and an ETag.
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let body = r.text().await.unwrap();
    assert!(
        body.contains("pledge_widget-"),
        "embed.js names the hashed module"
    );
    let again = app
        .client
        .get(format!("{}/widget/embed.js", app.address))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let r = app
        .client
        .get(format!("{}/widget/no-such-file-1a2b3c4d.wasm", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    crate::helpers::assert_error(r, 404, "not_found").await;
}

#[test]
fn wasm_is_served_as_application_wasm() {
    assert_eq!(
        pledge_server::routes::content_type_for("pledge_widget-1a2b3c4d.wasm"),
        "application/wasm"
    );
    assert_eq!(
        pledge_server::routes::content_type_for("embed.js"),
        "text/javascript; charset=utf-8"
    );
}

#[tokio::test]
async fn hashed_widget_files_are_immutable_and_typed() {
    let app = spawn_app().await;
    // What the binary embedded, not what happens to be on disk now.
    let hashed: Vec<String> = pledge_server::routes::widget_file_names()
        .filter(|n| n.starts_with("pledge_widget-"))
        .map(|n| n.into_owned())
        .collect();
    assert!(
        hashed.iter().any(|n| n.ends_with(".wasm")) && hashed.iter().any(|n| n.ends_with(".js")),
        "the server embeds the hashed module and wasm: {hashed:?}"
    );
    for name in &hashed {
        let r = app
            .client
            .get(format!("{}/widget/{name}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let expected_type = if name.ends_with(".wasm") {
            "application/wasm"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(r.headers()["content-type"], expected_type, "{name}");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{name}"
        );
    }
}
