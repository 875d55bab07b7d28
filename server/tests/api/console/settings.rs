//! A campaign's settings in the console: the lifecycle's edit, state and origins, for
//! admins only, reaching the public API at once.

use serde_json::Value;

use super::{get, organiser, post_form};
use crate::helpers::{SLUG, signature, spawn_app};

#[tokio::test]
async fn console_moderator_cannot_edit_close_or_change_origins() {
    let app = spawn_app().await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    let csrf = moderator.csrf.as_str();
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/settings"),
        Some(&moderator.cookie),
    )
    .await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Only an admin may change")
    );
    for (path, form) in [
        ("edit", vec![("csrf", csrf), ("title", "Taken over")]),
        ("state", vec![("csrf", csrf), ("state", "closed")]),
        (
            "origins",
            vec![
                ("csrf", csrf),
                ("change", "add"),
                ("origin", "https://evil.example"),
            ],
        ),
    ] {
        let r = post_form(
            &app,
            &format!("/admin/campaigns/{SLUG}/{path}"),
            Some(&moderator.cookie),
            &form,
        )
        .await;
        assert_eq!(r.status(), 403, "{path}");
    }
    let info: Value = app
        .client
        .get(app.api(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(info["title"], "Taken over");
    assert_eq!(
        app.post_signature("console-key-open", &signature("a@example.org"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn console_admin_edits_closes_and_allows_a_partner_in_one_click() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let csrf = admin.csrf.as_str();
    let edit = format!("/admin/campaigns/{SLUG}/edit");
    let r = post_form(
        &app,
        &edit,
        Some(&admin.cookie),
        &[("csrf", csrf), ("title", "A new title"), ("goal", "500")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let info: Value = app
        .client
        .get(app.api(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["title"], "A new title");
    assert_eq!(info["goal"], 500);
    let r = post_form(
        &app,
        &edit,
        Some(&admin.cookie),
        &[("csrf", csrf), ("retention_days", "30")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let settings = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/settings"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        settings.contains(r#"id="retention_days" name="retention_days" type="text" value="30""#),
        "{settings}"
    );
    // A refused edit comes back with what was typed and a reason on each field.
    let bad = post_form(
        &app,
        &edit,
        Some(&admin.cookie),
        &[
            ("csrf", csrf),
            ("title", "Typed title"),
            ("goal", "many"),
            ("share_url", "not a link"),
            ("min_fill_seconds", "99999"),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    for (input, reason) in [
        ("goal", "is not a whole number"),
        ("share_url", "is not an http(s) link"),
        ("min_fill_seconds", "is more than 3600"),
    ] {
        let at = html
            .find(&format!(r#"<p class="error" id="{input}-error">"#))
            .unwrap_or_else(|| panic!("no reason for {input}: {html}"));
        assert!(
            html[at..].split("</p>").next().unwrap().contains(reason),
            "{input}"
        );
    }
    assert!(html.contains(r#"value="Typed title""#) && html.contains(r#"value="not a link""#));
    let info: Value = app
        .client
        .get(app.api(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info["title"], "A new title",
        "nothing of a refused edit is saved"
    );

    // A signature from a site that is not listed, then the one-click allow on Partners.
    let restrict = [
        ("csrf", csrf),
        ("change", "add"),
        ("origin", "https://artist.example"),
    ];
    let origins = format!("/admin/campaigns/{SLUG}/origins");
    assert_eq!(
        post_form(&app, &origins, Some(&admin.cookie), &restrict)
            .await
            .status(),
        303
    );
    let r = post_form(
        &app,
        &origins,
        Some(&admin.cookie),
        &[("csrf", csrf), ("change", "restrict")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let mut from_venue = signature("v@example.org");
    from_venue["source_url"] = "https://venue.example/shows".into();
    assert_eq!(
        app.post_signature("console-key-venue", &from_venue)
            .await
            .status(),
        201
    );
    let partners = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/partners"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(partners.contains("Allow this site"), "{partners}");
    let allow = [
        ("csrf", csrf),
        ("change", "add"),
        ("origin", "https://venue.example"),
        ("return", "partners"),
    ];
    let r = post_form(&app, &origins, Some(&admin.cookie), &allow).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/partners?done=")
    );
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.api("/signatures"))
        .header("origin", "https://venue.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://venue.example"
    );

    // Closed: a signature gets 410 at once, and the audit log has all of it.
    let state = format!("/admin/campaigns/{SLUG}/state");
    let r = post_form(
        &app,
        &state,
        Some(&admin.cookie),
        &[("csrf", csrf), ("state", "closed")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let closed = app
        .post_signature("console-key-late", &signature("late@example.org"))
        .await;
    assert_eq!(closed.status(), 410);
    let audit = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    for action in [
        "campaign.edit",
        "origin.add",
        "origin.restrict",
        "campaign.closed",
    ] {
        assert!(
            audit.contains(&format!("<code>{action}</code>")),
            "{action}"
        );
    }
}

#[tokio::test]
async fn console_partners_lists_refused_sites_to_allow_in_one_click() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let csrf = admin.csrf.as_str();
    let origins = format!("/admin/campaigns/{SLUG}/origins");
    for form in [
        vec![
            ("csrf", csrf),
            ("change", "add"),
            ("origin", "https://artist.example"),
        ],
        vec![("csrf", csrf), ("change", "restrict")],
    ] {
        assert_eq!(
            post_form(&app, &origins, Some(&admin.cookie), &form)
                .await
                .status(),
            303
        );
    }
    let preflight = || {
        app.client
            .request(reqwest::Method::OPTIONS, app.api("/signatures"))
            .header("origin", "https://new-artist.example")
            .header("access-control-request-method", "POST")
            .send()
    };
    let refused = preflight().await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let partners = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/partners"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    let listed = partners
        .split("Sites refused by the allow-list")
        .nth(1)
        .unwrap();
    assert!(listed.contains("https://new-artist.example"), "{listed}");
    assert!(listed.contains("Allow this site"));
    let allow = [
        ("csrf", csrf),
        ("change", "add"),
        ("origin", "https://new-artist.example"),
        ("return", "partners"),
    ];
    assert_eq!(
        post_form(&app, &origins, Some(&admin.cookie), &allow)
            .await
            .status(),
        303
    );
    let allowed = preflight().await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://new-artist.example"
    );
}

#[tokio::test]
async fn console_admin_turns_on_confirmation_email_and_a_moderator_cannot() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    let path = format!("/admin/campaigns/{SLUG}/confirmation");
    fn form(csrf: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("csrf", csrf),
            ("confirm_email", "on"),
            ("reminders", "2"),
            ("reminder_hours", "24"),
        ]
    }
    let r = post_form(&app, &path, Some(&moderator.cookie), &form(&moderator.csrf)).await;
    assert_eq!(r.status(), 403);
    let bad = [
        ("csrf", admin.csrf.as_str()),
        ("reminders", "9"),
        ("reminder_hours", "24"),
    ];
    let r = post_form(&app, &path, Some(&admin.cookie), &bad).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("reminders"));

    let r = post_form(&app, &path, Some(&admin.cookie), &form(&admin.csrf)).await;
    assert_eq!(r.status(), 303);
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/settings"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        page.contains(r#"name="confirm_email" type="checkbox" value="on" checked"#),
        "{page}"
    );
    // At once: the next signature waits for its confirmation.
    let r = app
        .post_signature("console-confirm-1", &signature("a@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["confirmation"], "pending");
    assert_eq!(app.count().await, 0);
}
