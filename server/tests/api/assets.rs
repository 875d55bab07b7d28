//! Embedded widget files and demo pages, and which answers go out compressed.

use crate::helpers::{assert_error, spawn_app, spawn_demo_app};

#[tokio::test]
async fn demo_pages_are_served_with_origin_and_security_headers() {
    let app = spawn_demo_app().await;
    for path in [
        "/",
        "/index.html",
        "/partner.html",
        "/themes.html",
        "/wall.html",
    ] {
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
        "/wall.html",
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

/// GETs `/widget/{name}` with `accept` as `Accept-Encoding` (none when `None`).
async fn get_widget(
    app: &crate::helpers::TestApp,
    name: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.get(format!("{}/widget/{name}", app.address));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let r = request.send().await.unwrap();
    assert_eq!(r.status(), 200, "{name} with {accept:?}");
    r
}

/// The headers of a widget answer that say how its body is coded, checked for consistency,
/// and the body decoded.
async fn decoded(r: reqwest::Response, name: &str) -> (Option<String>, String, Vec<u8>) {
    let h = r.headers().clone();
    assert_eq!(h["vary"], "accept-encoding", "{name}");
    let coding = h
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    let etag = h["etag"].to_str().unwrap().to_owned();
    let length: usize = h["content-length"].to_str().unwrap().parse().unwrap();
    let body = r.bytes().await.unwrap();
    assert_eq!(
        length,
        body.len(),
        "{name}: content-length is the coded size"
    );
    let plain = match coding.as_deref() {
        None => body.to_vec(),
        Some("br") => {
            let mut out = Vec::new();
            brotli_decompressor::BrotliDecompress(&mut &body[..], &mut out).unwrap();
            out
        }
        Some("gzip") => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out)
                .unwrap();
            out
        }
        Some(other) => panic!("{name}: unexpected content-encoding {other}"),
    };
    (coding, etag, plain)
}

#[tokio::test]
async fn every_widget_file_goes_out_in_the_best_coding_the_client_accepts() {
    let app = spawn_app().await;
    // package.json and the TypeScript declarations are read by npm and editors from the
    // package, never fetched by a supporter's browser: they ship uncompressed.
    let names: Vec<String> = pledge_server::routes::widget_file_names()
        .filter(|n| n != "package.json" && !n.ends_with(".d.ts"))
        .map(|n| n.into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".wasm")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("locales/")), "{names:?}");
    assert!(names.iter().any(|n| n == "iframe.js"), "{names:?}");
    for name in &names {
        let (coding, identity_tag, identity) =
            decoded(get_widget(&app, name, None).await, name).await;
        assert_eq!(coding, None, "{name}: no Accept-Encoding, no coding");
        let cases = [
            ("br", Some("br")),
            ("gzip", Some("gzip")),
            // What browsers send: brotli wins.
            ("gzip, deflate, br, zstd", Some("br")),
            ("br;q=0, gzip", Some("gzip")),
            ("br;q=0.5, gzip;q=1.0", Some("gzip")),
            ("*;q=0, br", Some("br")),
            ("br;q=0, gzip;q=0", None),
            ("identity", None),
            ("deflate", None),
        ];
        let mut tags = vec![identity_tag];
        for (accept, expected) in cases {
            let (coding, tag, plain) =
                decoded(get_widget(&app, name, Some(accept)).await, name).await;
            assert_eq!(coding.as_deref(), expected, "{name} with {accept:?}");
            assert!(
                plain == identity,
                "{name} with {accept:?}: decodes to the file's bytes"
            );
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        assert_eq!(tags.len(), 3, "{name}: one ETag per coding: {tags:?}");
    }
}

#[tokio::test]
async fn compressed_widget_files_are_smaller_and_revalidate_per_coding() {
    let app = spawn_app().await;
    // The main module: small shared chunks (a few hundred bytes) compress too little for the
    // ratio below, and which name sorts first changes with the split.
    let wasm = pledge_server::routes::widget_file_names()
        .find(|n| n.ends_with(".wasm") && !n.contains("-chunk-") && !n.contains("-split-"))
        .unwrap()
        .into_owned();
    let plain = get_widget(&app, &wasm, None).await.bytes().await.unwrap();
    let br = get_widget(&app, &wasm, Some("br")).await;
    let br_tag = br.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        br.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(br.headers()["content-type"], "application/wasm");
    let br = br.bytes().await.unwrap();
    let gz = get_widget(&app, &wasm, Some("gzip"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        br.len() < gz.len() && gz.len() < plain.len() / 2,
        "{} {} {}",
        br.len(),
        gz.len(),
        plain.len()
    );

    let conditional = |accept: &'static str, tag: String| {
        app.client
            .get(format!("{}/widget/embed.js", app.address))
            .header("accept-encoding", accept)
            .header("if-none-match", tag)
            .send()
    };
    let embed = get_widget(&app, "embed.js", Some("br")).await;
    let embed_tag = embed.headers()["etag"].to_str().unwrap().to_owned();
    let not_modified = conditional("br", embed_tag.clone()).await.unwrap();
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()["vary"], "accept-encoding");
    assert_eq!(not_modified.headers()["etag"], embed_tag.as_str());
    assert!(not_modified.headers().get("content-encoding").is_none());
    // The brotli copy's tag does not validate the gzip copy: the client gets the full body.
    let other = conditional("gzip", embed_tag).await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(other.headers()["content-encoding"], "gzip");
    assert_ne!(br_tag, other.headers()["etag"].to_str().unwrap());

    // The variants are how files travel, not files of their own.
    for name in ["embed.js.br", "embed.js.gz", &format!("{wasm}.br")] {
        let r = app
            .client
            .get(format!("{}/widget/{name}", app.address))
            .send()
            .await
            .unwrap();
        crate::helpers::assert_error(r, 404, "not_found").await;
    }
}

#[tokio::test]
async fn the_campaign_document_is_gzipped_the_count_and_the_event_stream_are_not() {
    let app = spawn_app().await;
    let get = |path: &'static str, accept: Option<&'static str>| {
        let mut r = app.client.get(app.api(path));
        if let Some(accept) = accept {
            r = r.header("accept-encoding", accept);
        }
        r.send()
    };
    let plain = get("", None).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    assert!(
        plain.len() > 512,
        "big enough to gain: {} bytes",
        plain.len()
    );
    let gz = get("", Some("gzip, deflate, br")).await.unwrap();
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let vary: Vec<_> = gz.headers().get_all("vary").iter().collect();
    assert!(
        vary.contains(&&"accept-encoding".parse().unwrap()),
        "{vary:?}"
    );
    let body = gz.bytes().await.unwrap();
    assert!(body.len() < plain.len(), "{} < {}", body.len(), plain.len());
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut decoded).unwrap();
    let as_json = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).unwrap();
    assert_eq!(as_json(&decoded), as_json(&plain));
    // Refused gzip: as is.
    let refused = get("", Some("gzip;q=0")).await.unwrap();
    assert!(refused.headers().get("content-encoding").is_none());

    // A few bytes: compressing would not pay.
    let count = get("/count", Some("gzip")).await.unwrap();
    assert_eq!(count.status(), 200);
    assert!(count.headers().get("content-encoding").is_none());

    // The live count: never compressed, so its first event arrives at once, not when a
    // compressor's buffer fills.
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let mut events = client
        .get(app.api("/events"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(events.headers().get("content-encoding").is_none());
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), events.chunk())
        .await
        .expect("an event within 5 s")
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&first).starts_with("retry: "),
        "{first:?}"
    );
}
