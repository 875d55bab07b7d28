//! Files embedded at build time: the widget bundle (`pkg/`, served at `/widget/`) and the
//! demo pages (`www/`, served at `/`).

use std::borrow::Cow;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::{EmbeddedFile, RustEmbed};

use super::campaigns::if_none_match;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "../pkg/"]
#[exclude = ".gitkeep"]
struct WidgetFiles;

#[derive(RustEmbed)]
#[folder = "../www/"]
#[exclude = ".gitkeep"]
struct PageFiles;

/// Where pages say `%PLEDGE_ORIGIN%`, the app's own origin is put, so a page served by
/// the partner listener still loads the widget and API from the app.
const ORIGIN_PLACEHOLDER: &str = "%PLEDGE_ORIGIN%";

/// Names of the files served at `/widget/`: this binary's embedded copy of `pkg/`.
pub fn widget_file_names() -> impl Iterator<Item = Cow<'static, str>> {
    WidgetFiles::iter()
}

/// `GET /widget/{*path}`: any origin may load the widget.
pub async fn widget(path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Response {
    let path = path.map(|Path(p)| p).unwrap_or_default();
    let mut response = match safe_path(&path).and_then(WidgetFiles::get) {
        Some(file) => {
            let cache = if has_content_hash(&path) {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=300"
            };
            file_response(&path, &file, file.data.clone(), cache, &headers)
        }
        None => ApiError::NotFound.into_response(),
    };
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// Router fallback: a `www/` page if one matches, otherwise the JSON 404.
pub async fn page_or_not_found(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::NotFound.into_response();
    }
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let Some(file) = safe_path(&path).and_then(PageFiles::get) else {
        return ApiError::NotFound.into_response();
    };
    let body = if path.ends_with(".html") {
        let text = String::from_utf8_lossy(&file.data);
        Cow::Owned(
            text.replace(ORIGIN_PLACEHOLDER, &state.public_origin)
                .into_bytes(),
        )
    } else {
        file.data.clone()
    };
    // Pages are small and change with each deploy (and carry the origin), so revalidate.
    let mut response = file_response(&path, &file, body, "no-cache", &headers);
    if path.ends_with(".html") {
        page_security_headers(response.headers_mut(), &path, &state.public_origin);
    }
    response
}

/// Headers for the server's own HTML pages. The policy lets a page load the widget and
/// call the API on the app's origin (which differs from the page's on the demo's partner
/// site): scripts, wasm (`'wasm-unsafe-eval'`), fetch/SSE, styles. Pages under `embed/`
/// exist to be framed by partner sites, so only other pages refuse framing.
fn page_security_headers(headers: &mut HeaderMap, path: &str, app_origin: &str) {
    let frameable = path.starts_with("embed/");
    let csp = content_security_policy(app_origin, (!frameable).then_some("'none'"));
    if !frameable {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The policy of the server's HTML pages (see `page_security_headers`), with
/// `frame-ancestors <ancestors>` when given.
pub(super) fn content_security_policy(app_origin: &str, ancestors: Option<&str>) -> String {
    let mut csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {app_origin}; \
         connect-src 'self' {app_origin}; style-src 'self' 'unsafe-inline' {app_origin}; \
         img-src 'self' data: {app_origin}; font-src 'self' {app_origin}; object-src 'none'; \
         base-uri 'none'; form-action 'self'"
    );
    if let Some(ancestors) = ancestors {
        csp.push_str("; frame-ancestors ");
        csp.push_str(ancestors);
    }
    csp
}

fn file_response(
    path: &str,
    file: &EmbeddedFile,
    body: Cow<'static, [u8]>,
    cache: &'static str,
    headers: &HeaderMap,
) -> Response {
    let hash: String = file.metadata.sha256_hash()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{hash}\"");
    let mut response = if if_none_match(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type_for(path))], body).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}

/// Refuses traversal: in debug builds rust-embed reads from disk.
fn safe_path(path: &str) -> Option<&str> {
    let ok = !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..");
    ok.then_some(path)
}

/// Content type by extension; the widget's files are a closed set of kinds.
pub fn content_type_for(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// `name-1a2b3c4d.wasm` or `name.1a2b3c4d.js`: a `-` or `.` then 8+ hex digits right
/// before the extension means the name changes with the content, so it can be cached forever.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    let Some(pos) = stem.rfind(['-', '.']) else {
        return false;
    };
    let tail = &stem[pos + 1..];
    tail.len() >= 8 && tail.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(
            content_type_for("pledge_widget-1a2b3c4d.wasm"),
            "application/wasm"
        );
        assert_eq!(
            content_type_for("embed.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type_for("a/b/style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type_for("noext"), "application/octet-stream");
    }

    #[test]
    fn hashed_names() {
        assert!(has_content_hash("pledge_widget-1a2b3c4d.wasm"));
        assert!(has_content_hash("x/pledge_widget.0123456789abcdef.js"));
        assert!(!has_content_hash("embed.js"));
        assert!(!has_content_hash("pledge_widget_bg.wasm"));
        assert!(!has_content_hash("pledge-widget.wasm"));
        assert!(!has_content_hash("a-1234567.js"));
    }

    #[test]
    fn embed_pages_stay_frameable() {
        let mut h = HeaderMap::new();
        page_security_headers(&mut h, "index.html", "http://127.0.0.1:8080");
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' http://127.0.0.1:8080"));
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        let mut h = HeaderMap::new();
        page_security_headers(&mut h, "embed/no-music-for-ice.html", "http://a.example");
        assert!(
            !h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors")
        );
        assert!(h.get(header::X_FRAME_OPTIONS).is_none());
    }

    #[test]
    fn traversal_refused() {
        assert!(safe_path("../Cargo.toml").is_none());
        assert!(safe_path("a/../../b").is_none());
        assert!(safe_path("a//b").is_none());
        assert!(safe_path("embed.js").is_some());
    }
}
