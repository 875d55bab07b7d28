//! The console's security properties: CSRF, sessions after sign-out, roles, brute force,
//! cross-site requests, cookie and page headers, passwords kept out of answers.

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_SECURITY_POLICY, LOCATION, ORIGIN, RETRY_AFTER, SET_COOKIE,
};

use super::{PASSWORD, get, organiser, post_form, raw_client, sign_in};
use crate::helpers::spawn_app;

#[tokio::test]
async fn console_set_password_link_works_once_and_cookies_are_strict() {
    let app = spawn_app().await;
    let token = super::add_user(&app, "Ann@Example.org", "admin").await;
    let page = get(&app, &format!("/admin/set-password?token={token}"), None).await;
    assert_eq!(page.status(), 200);
    let form = [
        ("token", token.as_str()),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let short = [
        ("token", token.as_str()),
        ("password", "short"),
        ("confirm", "short"),
    ];
    let r = post_form(&app, "/admin/set-password", None, &short).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("too short"));
    assert_eq!(
        post_form(&app, "/admin/set-password", None, &form)
            .await
            .status(),
        303
    );
    // Used once: the same link again is refused.
    let again = post_form(&app, "/admin/set-password", None, &form).await;
    assert_eq!(again.status(), 400);
    // The account's email is matched whatever its case.
    let r = post_form(
        &app,
        "/admin/login",
        None,
        &[("email", "ann@example.ORG"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    // Plain HTTP here: a Secure cookie would never come back.
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn console_refuses_changes_without_the_sessions_csrf_token() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let missing = post_form(&app, "/admin/logout-everywhere", Some(&admin.cookie), &[]).await;
    assert_eq!(missing.status(), 403);
    let wrong = "0".repeat(64);
    let r = post_form(
        &app,
        "/admin/logout-everywhere",
        Some(&admin.cookie),
        &[("csrf", &wrong)],
    )
    .await;
    assert_eq!(r.status(), 403);
    // Another session's token is wrong for this one.
    let other = sign_in(&app, "admin@example.org").await;
    let r = post_form(
        &app,
        "/admin/logout-everywhere",
        Some(&admin.cookie),
        &[("csrf", &other.csrf)],
    )
    .await;
    assert_eq!(r.status(), 403);
    // Nothing was done: the session still works.
    assert_eq!(get(&app, "/admin", Some(&admin.cookie)).await.status(), 200);
}

/// Every route that changes something, with a form that would change it. The console's
/// router must not gain a change route missing from this list (see the count below).
const CHANGE_ROUTES: &[(&str, &[(&str, &str)])] = &[
    ("/admin/logout", &[]),
    ("/admin/logout-everywhere", &[]),
    (
        "/admin/new-campaign",
        &[("slug", "another"), ("title", "Another")],
    ),
    (
        "/admin/campaigns/test-pledge/fields",
        &[("field_key", "role")],
    ),
    (
        "/admin/campaigns/test-pledge/translations",
        &[("lang", "es"), ("title", "Hola")],
    ),
    ("/admin/campaigns/test-pledge/held", &[("approve-all", "1")]),
    (
        "/admin/campaigns/test-pledge/wall",
        &[("approve", "1"), ("id", "1")],
    ),
    (
        "/admin/campaigns/test-pledge/deliveries/resend",
        &[("all", "parked")],
    ),
    (
        "/admin/campaigns/test-pledge/deliveries/resend-email",
        &[("all", "parked")],
    ),
    ("/admin/campaigns/test-pledge/edit", &[("title", "Changed")]),
    (
        "/admin/campaigns/test-pledge/confirmation",
        &[("reminders", "1"), ("reminder_hours", "24")],
    ),
    ("/admin/campaigns/test-pledge/state", &[("state", "closed")]),
    ("/admin/campaigns/test-pledge/origins", &[("change", "any")]),
    ("/admin/supporters", &[("email", "someone@example.org")]),
    (
        "/admin/supporters/export",
        &[("email", "someone@example.org")],
    ),
    (
        "/admin/supporters/erase",
        &[("email", "someone@example.org"), ("confirm", "yes")],
    ),
];

/// The change routes a moderator may use: signing out and moderating.
const MODERATOR_ROUTES: &[&str] = &[
    "/admin/logout",
    "/admin/logout-everywhere",
    "/admin/campaigns/test-pledge/held",
    "/admin/campaigns/test-pledge/wall",
];

#[tokio::test]
async fn console_every_change_route_checks_csrf_and_role_before_acting() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    let router = include_str!("../../../src/console/routes.rs");
    assert_eq!(
        router.matches("post(").count() - 2, // sign-in and set-password need no session
        CHANGE_ROUTES.len(),
        "a change route is missing from CHANGE_ROUTES"
    );
    for (path, form) in CHANGE_ROUTES {
        let r = post_form(&app, path, Some(&admin.cookie), form).await;
        assert_eq!(r.status(), 403, "{path} without a CSRF token");
        if !MODERATOR_ROUTES.contains(path) {
            let mut with_token = vec![("csrf", moderator.csrf.as_str())];
            with_token.extend_from_slice(form);
            let r = post_form(&app, path, Some(&moderator.cookie), &with_token).await;
            assert_eq!(r.status(), 403, "{path} by a moderator");
        }
    }
    // Nothing above was done: the campaign is still open, both sessions still work.
    let doc: serde_json::Value = crate::helpers::client()
        .get(app.campaign_api("test-pledge", ""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(doc["state"], "closed", "{doc}");
    assert_eq!(get(&app, "/admin", Some(&admin.cookie)).await.status(), 200);
    assert_eq!(
        get(&app, "/admin", Some(&moderator.cookie)).await.status(),
        200
    );
}

#[tokio::test]
async fn console_session_cookie_is_refused_after_sign_out() {
    let app = spawn_app().await;
    let first = organiser(&app, "admin@example.org", "admin").await;
    let second = sign_in(&app, "admin@example.org").await;
    let third = sign_in(&app, "admin@example.org").await;
    let r = post_form(
        &app,
        "/admin/logout",
        Some(&first.cookie),
        &[("csrf", &first.csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The old cookie, replayed: sent to sign in, and a change with it is not done.
    let page = get(&app, "/admin", Some(&first.cookie)).await;
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()[LOCATION], "/admin/login");
    let r = post_form(
        &app,
        "/admin/logout-everywhere",
        Some(&first.cookie),
        &[("csrf", &first.csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        get(&app, "/admin", Some(&second.cookie)).await.status(),
        200
    );
    // "Sign out everywhere" from one session ends the others too.
    let r = post_form(
        &app,
        "/admin/logout-everywhere",
        Some(&second.cookie),
        &[("csrf", &second.csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(get(&app, "/admin", Some(&third.cookie)).await.status(), 303);
    assert_eq!(
        get(&app, "/admin", Some(&second.cookie)).await.status(),
        303
    );
}

#[tokio::test]
async fn console_moderator_cannot_do_what_admins_do() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    for path in [
        "/admin/supporters",
        "/admin/audit",
        "/admin/campaigns/test-pledge/export.csv",
    ] {
        assert_eq!(
            get(&app, path, Some(&moderator.cookie)).await.status(),
            403,
            "{path}"
        );
        assert_eq!(
            get(&app, path, Some(&admin.cookie)).await.status(),
            200,
            "{path}"
        );
    }
    let erase = [
        ("csrf", moderator.csrf.as_str()),
        ("email", "someone@example.org"),
        ("confirm", "yes"),
    ];
    let r = post_form(
        &app,
        "/admin/supporters/erase",
        Some(&moderator.cookie),
        &erase,
    )
    .await;
    assert_eq!(r.status(), 403);
    // The admin's CSRF token does not lend the moderator's session the admin's rights.
    let borrowed = [
        ("csrf", admin.csrf.as_str()),
        ("email", "someone@example.org"),
        ("confirm", "yes"),
    ];
    let r = post_form(
        &app,
        "/admin/supporters/erase",
        Some(&moderator.cookie),
        &borrowed,
    )
    .await;
    assert_eq!(r.status(), 403);
    // Moderating is theirs.
    let page = get(
        &app,
        "/admin/campaigns/test-pledge/moderation",
        Some(&moderator.cookie),
    )
    .await;
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn console_sign_in_attempts_are_limited_per_account_and_per_address() {
    let app = spawn_app().await;
    organiser(&app, "admin@example.org", "admin").await;
    let wrong = [
        ("email", "admin@example.org"),
        ("password", "not the password at all"),
    ];
    // The organiser's own sign-in took one of the account's 5.
    for _ in 0..4 {
        let r = post_form(&app, "/admin/login", None, &wrong).await;
        assert_eq!(r.status(), 401);
        let body = r.text().await.unwrap();
        assert!(!body.contains("not the password at all"));
    }
    // Now even the right password is refused until the window passes.
    let right = [("email", "admin@example.org"), ("password", PASSWORD)];
    let r = post_form(&app, "/admin/login", None, &right).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    assert!(r.headers().get(SET_COOKIE).is_none());
    // Per address: 20 attempts in all, whichever accounts they name.
    for n in 6..20 {
        let email = format!("nobody{n}@example.org");
        let r = post_form(
            &app,
            "/admin/login",
            None,
            &[("email", &email), ("password", "x")],
        )
        .await;
        assert_eq!(r.status(), 401, "attempt {n}");
    }
    let r = post_form(
        &app,
        "/admin/login",
        None,
        &[("email", "fresh@example.org"), ("password", "x")],
    )
    .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get(RETRY_AFTER).is_some());
}

#[tokio::test]
async fn console_refuses_cross_site_requests_and_never_answers_cors() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let evil = "https://evil.example";
    let client = raw_client();
    let r = client
        .post(format!("{}/admin/logout-everywhere", app.address))
        .header(ORIGIN, evil)
        .header("cookie", &admin.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(super::form_body(&[("csrf", admin.csrf.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let r = client
        .post(format!("{}/admin/login", app.address))
        .header(ORIGIN, evil)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(super::form_body(&[
            ("email", "admin@example.org"),
            ("password", PASSWORD),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get(SET_COOKIE).is_none());
    // A script on another site cannot read a page either; a link to it may open it.
    let fetched = client
        .get(format!("{}/admin", app.address))
        .header("cookie", &admin.cookie)
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "cors")
        .header(ORIGIN, evil)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 403);
    assert!(fetched.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/admin/login", app.address),
        )
        .header(ORIGIN, evil)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get(ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    assert_ne!(preflight.status(), 200);
    // The session survived all of it.
    assert_eq!(get(&app, "/admin", Some(&admin.cookie)).await.status(), 200);
}

#[tokio::test]
async fn console_pages_carry_a_strict_csp_and_never_the_password() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    for path in [
        "/admin/login",
        "/admin",
        "/admin/campaigns/test-pledge",
        "/admin/audit",
    ] {
        let r = get(&app, path, Some(&admin.cookie)).await;
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "script-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert!(!r.text().await.unwrap().contains(PASSWORD), "{path}");
    }
    // Nor is it in the database file, where only its argon2id hash is.
    if !crate::helpers::on_postgres() {
        let path = app.db_url.trim_start_matches("sqlite://");
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
            bytes.extend(wal);
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(PASSWORD));
        assert!(text.contains("$argon2id$"));
    }
}
