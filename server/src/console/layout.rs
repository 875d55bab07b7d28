//! The console's page frame: `<head>`, the navigation and the signed-in account's sign-out
//! forms, and the headers every console answer carries (CSP, no framing, no caching).

use axum::http::{HeaderValue, header};
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};

use super::auth::Organiser;

/// The console's Content-Security-Policy: nothing but its own stylesheet, its one script
/// (the live count, over this origin's event stream), and frames of its own `/embed/`
/// page (the builder's preview); forms post only here; nobody may frame it.
pub(super) const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     script-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Adds the console's headers to an answer (handlers' and errors' alike).
pub(super) async fn console_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Set-password links carry their token in the query: no other origin gets a URL.
    // (`no-referrer` would also make browsers send `Origin: null` on the console's own
    // form posts, which the cross-site guard refuses.)
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Pledge console" }
            link rel="stylesheet" href="/admin/console.css";
        }
    }
}

/// A page for someone not signed in (sign-in, set-password, errors).
pub(super) fn bare(title: &str, text: &str) -> Markup {
    bare_with(title, html! { p { (text) } })
}

pub(super) fn bare_with(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                main.narrow {
                    h1 { (title) }
                    (body)
                    p { a href="/admin" { "Back to the console" } }
                }
            }
        }
    }
}

/// A signed-in page: navigation, sign-out forms, then `body`.
pub(super) fn page(who: &Organiser, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    nav aria-label="Console" {
                        ul {
                            li { a href="/admin" { "Campaigns" } }
                            @if who.is_admin() {
                                li { a href="/admin/supporters" { "Supporters" } }
                                li { a href="/admin/audit" { "Audit log" } }
                            }
                        }
                    }
                    div.account {
                        span { (who.user.email) " (" (who.user.role) ")" }
                        form method="post" action="/admin/logout" {
                            (csrf(who))
                            button type="submit" { "Sign out" }
                        }
                        form method="post" action="/admin/logout-everywhere" {
                            (csrf(who))
                            button type="submit" { "Sign out everywhere" }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden CSRF field every console form carries.
pub(super) fn csrf(who: &Organiser) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf); }
}

/// A one-line notice after an action (`?done=…`), announced to screen readers.
pub(super) fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice role="status" { (text) }
        }
    }
}
