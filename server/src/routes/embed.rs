//! Iframe mode: `GET /embed/{campaign}` is a page holding just the widget, for partner pages
//! that cannot run third-party scripts. The widget options come as query parameters (the same
//! names as everywhere else), except `endpoint`: the page is on this server's origin, so it
//! talks to this server's own `/api/v1` only (a page here posting names and emails elsewhere
//! would lend the attacker our origin). Unknown campaigns are `404`. The page reports its
//! height to the parent with `postMessage` (`pkg/iframe.js`); it may be framed by the
//! campaign's allowed origins only (`frame-ancestors`), with no `X-Frame-Options`.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::assets::content_security_policy;
use crate::domain::CampaignSlug;
use crate::error::ApiError;
use crate::state::AppState;

/// Options passed through to the widget (`campaign` is the path; `endpoint` is ignored).
const PASSED: [&str; 6] = [
    "lang",
    "theme",
    "accent",
    "layout",
    "title",
    "heading-level",
];

/// `GET /embed/{campaign}?lang=…&theme=…&accent=…&layout=…&title=…&heading-level=…`
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Some(slug) = CampaignSlug::parse(&slug) else {
        return ApiError::CampaignNotFound.into_response();
    };
    let campaign = match state.campaigns.get(slug.as_ref()).await {
        Ok(Some(live)) => live,
        Ok(None) => return ApiError::CampaignNotFound.into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    // A malformed query string is treated as no options rather than refused.
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let endpoint = format!("{}/api/v1", state.public_origin);
    let mut attrs = format!(
        " endpoint=\"{}\" campaign=\"{}\"",
        escape(&endpoint),
        slug.as_ref()
    );
    for name in PASSED {
        if let Some(v) = query.get(name) {
            // data-* rather than the bare names: a bare `title` would also be a tooltip.
            let _ = write!(attrs, " data-{name}=\"{}\"", escape(v));
        }
    }
    let lang = query.get("lang").map_or("en".into(), |l| escape(l));
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\" data-pledge-frame>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Pledge</title>\n</head>\n<body>\n\
         <pledge-widget{attrs}></pledge-widget>\n\
         <script src=\"/widget/embed.js\" async></script>\n\
         <script src=\"/widget/iframe.js\" async></script>\n</body>\n</html>\n"
    );
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // A campaign open to any origin may be framed by any page.
    let any = ["*".to_owned()];
    let ancestors = frame_ancestors(if campaign.allows_any_origin() {
        &any
    } else {
        &campaign.campaign.allowed_origins
    });
    let csp = content_security_policy(&state.public_origin, Some(&ancestors));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// `frame-ancestors` sources: this origin and the campaign's allowed origins (`*` stays `*`).
/// Origins were normalised by `campaign create`; anything that could break out of the
/// directive is left out anyway.
fn frame_ancestors(allowed: &[String]) -> String {
    let mut sources = vec!["'self'"];
    sources.extend(
        allowed
            .iter()
            .map(String::as_str)
            .filter(|o| !o.is_empty() && !o.contains([';', ',', ' ', '\'', '"']) && o.is_ascii()),
    );
    sources.join(" ")
}

/// Escapes text for an HTML attribute value in double quotes (and for text content).
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, frame_ancestors};

    #[test]
    fn frame_ancestors_from_allowed_origins() {
        assert_eq!(frame_ancestors(&[]), "'self'");
        let allowed = ["https://a.example".to_owned(), "x; script-src *".to_owned()];
        assert_eq!(frame_ancestors(&allowed), "'self' https://a.example");
        assert_eq!(frame_ancestors(&["*".to_owned()]), "'self' *");
    }

    #[test]
    fn escapes_attribute_breakouts() {
        assert_eq!(
            escape("\"><script>alert('x')</script>&"),
            "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(escape("#ffeb3b"), "#ffeb3b");
    }
}
