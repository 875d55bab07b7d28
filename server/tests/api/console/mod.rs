//! The organiser console (issue 15) over real HTTP: accounts made with the real `user add`
//! command, sign-in with the link it prints, then the security properties (`security`) and
//! the organiser's work (`work`), on SQLite and on PostgreSQL.

mod content;
mod create;
mod deliveries;
mod instances;
mod parked_emails;
mod security;
mod settings;
mod work;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;

use crate::binary::run_cli as cli;
use crate::helpers::{TIMEOUT, TestApp, client_builder};

/// A client that shows redirects instead of following them, and keeps no cookies: tests
/// pass the session cookie by hand, so which session a request carries is explicit.
fn raw_client() -> reqwest::Client {
    client_builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// `user add EMAIL --role ROLE`: the token of the link it printed.
async fn add_user(app: &TestApp, email: &str, role: &str) -> String {
    let out = cli(&[
        "user",
        "add",
        email,
        "--role",
        role,
        "--database-url",
        &app.db_url,
        "--public-origin",
        &app.address,
    ])
    .await;
    let link = out
        .lines()
        .find(|l| l.starts_with(&format!("{}/admin/set-password?token=", app.address)))
        .unwrap_or_else(|| panic!("a link in {out:?}"));
    link.rsplit_once("token=").expect("token").1.to_owned()
}

/// A same-origin form POST (what the console's own pages send).
async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut r = raw_client()
        .post(format!("{}{path}", app.address))
        .header(ORIGIN, &app.address)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(form));
    if let Some(c) = cookie {
        r = r.header(COOKIE, c);
    }
    r.send().await.expect("post")
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
fn form_body(form: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut r = raw_client().get(format!("{}{path}", app.address));
    if let Some(c) = cookie {
        r = r.header(COOKIE, c);
    }
    r.send().await.expect("get")
}

/// The `name=value` part of the session cookie a response set.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pledge_console=") && !v.starts_with("pledge_console=;"))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in organiser: the cookie to send and the CSRF token its pages carry.
struct Session {
    cookie: String,
    csrf: String,
}

/// Makes an account with `user add`, sets its password through the link, signs in.
async fn organiser(app: &TestApp, email: &str, role: &str) -> Session {
    let token = add_user(app, email, role).await;
    let set = post_form(
        app,
        "/admin/set-password",
        None,
        &[
            ("token", &token),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(set.status(), 303, "{:?}", set.text().await);
    sign_in(app, email).await
}

async fn sign_in(app: &TestApp, email: &str) -> Session {
    let r = post_form(
        app,
        "/admin/login",
        None,
        &[("email", email), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[LOCATION], "/admin");
    let cookie = session_cookie(r.headers()).expect("a session cookie");
    let page = get(app, "/admin", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    Session {
        csrf: csrf_of(&html),
        cookie,
    }
}

/// The CSRF token in a page's forms.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_owned()
}
