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

/// Names of the files served at `/widget/`: this binary's embedded copy of `pkg/`, without
/// the precompressed variants (`.br`, `.gz`) that stand in for them on the wire.
pub fn widget_file_names() -> impl Iterator<Item = Cow<'static, str>> {
    WidgetFiles::iter().filter(|name| Encoding::of_variant(name).is_none())
}

/// A content coding the widget files are also stored in: `.ci/build-widget` writes `FILE.br`
/// (brotli -q 11) and `FILE.gz` (gzip -9) beside each file, so no request spends CPU on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// Best first: when the client wants both equally, brotli is smaller.
    const ALL: [Self; 2] = [Self::Brotli, Self::Gzip];

    fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Self::Brotli => ".br",
            Self::Gzip => ".gz",
        }
    }

    /// The coding whose variant `name` is, if it is one.
    fn of_variant(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| name.ends_with(e.suffix()))
    }

    /// The codings `Accept-Encoding` allows, most wanted first: by q-value, then brotli before
    /// gzip. A coding given `q=0` (or not named while `*;q=0` is) is never sent; one not
    /// named, without `*`, is not either. Identity is the fallback whatever the header says.
    fn wanted(headers: &HeaderMap) -> Vec<Self> {
        let mut named: [Option<u16>; 2] = [None, None];
        let mut star = None;
        let items = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for item in items {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("q").then(|| qvalue(v.trim()))
                })
                .unwrap_or(1000);
            let slot = match coding.to_ascii_lowercase().as_str() {
                "br" => &mut named[0],
                "gzip" | "x-gzip" => &mut named[1],
                "*" => &mut star,
                _ => continue,
            };
            *slot = Some(q);
        }
        let mut wanted: Vec<(Self, u16)> = Self::ALL
            .into_iter()
            .zip(named)
            .filter_map(|(e, q)| Some((e, q.or(star)?)))
            .filter(|&(_, q)| q > 0)
            .collect();
        // Stable: equal q-values keep the order of ALL.
        wanted.sort_by_key(|&(_, q)| std::cmp::Reverse(q));
        wanted.into_iter().map(|(e, _)| e).collect()
    }
}

/// An HTTP q-value (`0`, `0.5`, `1.000`) in thousandths; an unreadable one counts as 0, so a
/// coding the client may not want is not sent.
fn qvalue(v: &str) -> u16 {
    v.parse::<f32>()
        .ok()
        .filter(|q| (0.0..=1.0).contains(q))
        .map_or(0, |q| (q * 1000.0).round() as u16)
}

/// `GET /widget/{*path}`: any origin may load the widget. Each file goes out in the best
/// coding the client accepts (brotli, gzip, else as is), with `Vary: Accept-Encoding` and an
/// ETag per coding, so a cache never hands one coding to a client that asked for another.
pub async fn widget(path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Response {
    let path = path.map(|Path(p)| p).unwrap_or_default();
    let found = safe_path(&path)
        .filter(|p| Encoding::of_variant(p).is_none())
        .and_then(WidgetFiles::get);
    let mut response = match found {
        Some(file) => {
            let cache = if has_content_hash(&path) {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=300"
            };
            let variant = Encoding::wanted(&headers)
                .into_iter()
                .find_map(|e| WidgetFiles::get(&format!("{path}{}", e.suffix())).map(|v| (e, v)));
            let mut response = match &variant {
                // The variant's own hash is its ETag: one per coding.
                Some((_, v)) => file_response(&path, v, v.data.clone(), cache, &headers),
                None => file_response(&path, &file, file.data.clone(), cache, &headers),
            };
            let h = response.headers_mut();
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            // A 304 carries no representation metadata (RFC 9110, 15.4.5).
            if let (Some((e, _)), StatusCode::OK) = (variant, response.status()) {
                response.headers_mut().insert(
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static(e.token()),
                );
            }
            response
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

    fn wanted(accept: &str) -> Vec<Encoding> {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        Encoding::wanted(&h)
    }

    #[test]
    fn accept_encoding_picks_by_q_then_brotli_first() {
        use Encoding::{Brotli, Gzip};
        assert_eq!(Encoding::wanted(&HeaderMap::new()), []);
        assert_eq!(wanted("gzip, deflate, br, zstd"), [Brotli, Gzip]);
        assert_eq!(wanted("gzip"), [Gzip]);
        assert_eq!(wanted("BR;Q=1"), [Brotli]);
        assert_eq!(wanted("br;q=0, gzip"), [Gzip]);
        assert_eq!(wanted("br;q=0.5, gzip;q=0.8"), [Gzip, Brotli]);
        assert_eq!(wanted("*"), [Brotli, Gzip]);
        assert_eq!(wanted("*;q=0, gzip"), [Gzip]);
        assert_eq!(wanted("br;q=0.000, gzip;q=0"), []);
        assert_eq!(wanted("identity"), []);
        assert_eq!(wanted("br;q=nonsense, x-gzip"), [Gzip]);
    }

    #[test]
    fn variants_are_not_files_of_their_own() {
        assert_eq!(Encoding::of_variant("embed.js.br"), Some(Encoding::Brotli));
        assert_eq!(
            Encoding::of_variant("locales/de-64a6917d.txt.gz"),
            Some(Encoding::Gzip)
        );
        assert_eq!(Encoding::of_variant("embed.js"), None);
        assert!(widget_file_names().all(|n| Encoding::of_variant(&n).is_none()));
    }

    #[test]
    fn traversal_refused() {
        assert!(safe_path("../Cargo.toml").is_none());
        assert!(safe_path("a/../../b").is_none());
        assert!(safe_path("a//b").is_none());
        assert!(safe_path("embed.js").is_some());
    }
}
