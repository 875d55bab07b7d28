//! The organiser's work in the console: the dashboard's numbers, moderation of held
//! signatures and the wall, a supporter's look-up, export and erasure, the CSV export.

use std::sync::Arc;

use serde_json::Value;

use super::{cli, get, organiser, post_form};
use crate::helpers::{SLUG, signature, spawn_app, spawn_app_with};

#[tokio::test]
async fn console_dashboard_counts_charts_and_partner_sites() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let mut other = signature("b@example.org");
    other["source_url"] = "https://venue.example:8443/shows".into();
    other["locale"] = "de".into();
    assert_eq!(
        app.post_signature("console-key-a", &signature("a@example.org"))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post_signature("console-key-b", &other).await.status(),
        201
    );
    let html = get(
        &app,
        &format!("/admin/campaigns/{SLUG}"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        html.contains(r#"data-campaign="test-pledge" aria-live="polite">2</output>"#),
        "{html}"
    );
    // Both signatures fall in this hour's bar and today's.
    assert!(html.contains(r#"id="per-hour" role="img""#));
    assert_eq!(
        html.matches(r#"data-total="2""#).count(),
        2,
        "hour and day charts"
    );
    for shown in ["artist.example", "venue.example:8443", ">de<", ">en<"] {
        assert!(html.contains(shown), "{shown}");
    }
    let partners = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/partners"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(partners.contains("venue.example:8443") && partners.contains("artist.example"));
    // The builder's snippet names this server and the campaign, with the chosen options.
    let builder = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/embed?layout=compact&theme=dark&accent=%23c2185b"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    let expected = format!(
        "&lt;pledge-widget endpoint=&quot;{0}/api/v1&quot; campaign=&quot;{SLUG}&quot; layout=&quot;compact&quot; theme=&quot;dark&quot; accent=&quot;#c2185b&quot;&gt;",
        app.address
    );
    assert!(builder.contains(&expected), "{builder}");
    assert!(builder.contains(&format!(
        r#"src="/embed/{SLUG}?layout=compact&amp;theme=dark&amp;accent=%23c2185b""#
    )));
}

#[tokio::test]
async fn console_moderation_approves_and_rejects_held_signatures() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| s.abuse.hold_after = 1).await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    for (key, email) in [
        ("console-key-1", "a@example.org"),
        ("console-key-2", "b@example.org"),
        ("console-key-3", "c@example.org"),
        ("console-key-4", "d@example.org"),
    ] {
        assert_eq!(
            app.post_signature(key, &signature(email)).await.status(),
            201
        );
    }
    assert_eq!(app.count().await, 1, "three held");
    let path = format!("/admin/campaigns/{SLUG}/held");
    let csrf = moderator.csrf.as_str();
    let r = post_form(
        &app,
        &path,
        Some(&moderator.cookie),
        &[("csrf", csrf), ("approve", "b@example.org")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.count().await, 2);
    let r = post_form(
        &app,
        &path,
        Some(&moderator.cookie),
        &[
            ("csrf", csrf),
            ("bulk", "reject"),
            ("email", "c@example.org"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.count().await, 2, "a rejected signature never counts");
    let held = cli(&["campaign", "review", SLUG, "--database-url", &app.db_url]).await;
    assert!(
        held.contains("d@example.org") && !held.contains("c@example.org"),
        "{held}"
    );
    let r = post_form(
        &app,
        &path,
        Some(&moderator.cookie),
        &[("csrf", csrf), ("bulk", "approve-all")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.count().await, 3);
    // The wall: every signer above asked to show their name.
    let wall = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/moderation"),
        Some(&moderator.cookie),
    )
    .await;
    let html = wall.text().await.unwrap();
    let at = html.find(r#"name="id" value=""#).expect("a wall entry") + 17;
    let id: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let path = format!("/admin/campaigns/{SLUG}/wall");
    let r = post_form(
        &app,
        &path,
        Some(&moderator.cookie),
        &[("csrf", csrf), ("feature", &id)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let listed = cli(&["wall", "list", SLUG, "--database-url", &app.db_url]).await;
    let line = listed
        .lines()
        .find(|l| l.starts_with(&format!("{id}\t")))
        .unwrap();
    assert!(line.starts_with(&format!("{id}\tapproved\t1\t")), "{line}");
    let r = post_form(
        &app,
        &path,
        Some(&moderator.cookie),
        &[("csrf", csrf), ("feature", "999999")],
    )
    .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn console_supporter_lookup_export_erase_are_audited_without_the_email() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    assert_eq!(
        app.post_signature("console-key-a", &signature("Grace.Hopper@example.org"))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post_signature("console-key-b", &signature("other@example.org"))
            .await
            .status(),
        201
    );
    let csrf = admin.csrf.as_str();
    let email = "grace.hopper@EXAMPLE.org";
    let page = post_form(
        &app,
        "/admin/supporters",
        Some(&admin.cookie),
        &[("csrf", csrf), ("email", email)],
    )
    .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ada Lovelace") && html.contains("https://artist.example/tour"));
    let json: Value = post_form(
        &app,
        "/admin/supporters/export",
        Some(&admin.cookie),
        &[("csrf", csrf), ("email", email)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(json["signatures"].as_array().unwrap().len(), 1);
    assert_eq!(json["signatures"][0]["email"], "Grace.Hopper@example.org");
    assert_eq!(json["signatures"][0]["campaign"], SLUG);
    // The same document `supporter export` prints.
    let from_cli: Value = serde_json::from_str(
        &cli(&[
            "supporter",
            "export",
            "--email",
            email,
            "--database-url",
            &app.db_url,
        ])
        .await,
    )
    .unwrap();
    assert_eq!(json, from_cli);
    let unconfirmed = post_form(
        &app,
        "/admin/supporters/erase",
        Some(&admin.cookie),
        &[("csrf", csrf), ("email", email)],
    )
    .await;
    assert_eq!(unconfirmed.status(), 400);
    assert_eq!(app.count().await, 2);
    let r = post_form(
        &app,
        "/admin/supporters/erase",
        Some(&admin.cookie),
        &[("csrf", csrf), ("email", email), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Erased 1 signature(s)"));
    // The live count goes down at once.
    assert_eq!(app.count().await, 1);
    let audit = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    for action in [
        "sign_in",
        "supporter.lookup",
        "supporter.export",
        "supporter.erase",
    ] {
        assert!(
            audit.contains(&format!("<code>{action}</code>")),
            "{action}"
        );
    }
    assert!(
        !audit.to_lowercase().contains("grace"),
        "the audit log names nobody looked up"
    );
}

#[tokio::test]
async fn console_csv_export_is_the_campaign_export_format() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    assert_eq!(
        app.post_signature("console-key-a", &signature("a@example.org"))
            .await
            .status(),
        201
    );
    let r = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/export.csv"),
        Some(&admin.cookie),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("test-pledge.csv")
    );
    let from_console = r.text().await.unwrap();
    let from_cli = cli(&["campaign", "export", SLUG, "--database-url", &app.db_url]).await;
    assert_eq!(from_console, from_cli);
    assert!(from_console.contains("a@example.org"));
}
