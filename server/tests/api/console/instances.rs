//! Console changes on one instance reach another instance on the same PostgreSQL database
//! (the campaign-change notifications); on SQLite one server owns the file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{organiser, post_form};
use crate::helpers::{SLUG, TIMEOUT, TestApp, on_postgres, spawn_app_in};

async fn document(app: &TestApp, slug: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.campaign_api(slug, ""))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

/// Polls B's document until `done` holds (a bounded wait, not a speed assertion).
async fn wait_on(app: &TestApp, slug: &str, what: &str, done: impl Fn(u16, &Value) -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (status, doc) = document(app, slug).await;
        if done(status, &doc) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: B still answers {status} {doc}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn console_changes_on_one_instance_reach_another() {
    assert!(
        on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let a = spawn_app_in(dir.clone(), 0).await;
    let b = spawn_app_in(dir, 0).await;
    // B has the campaign cached as it was.
    let (_, before) = document(&b, SLUG).await;
    assert_eq!(before["translations"].get("es"), None);
    assert_eq!(before["fields"].as_array().unwrap().len(), 3);

    let admin = organiser(&a, "admin@example.org", "admin").await;
    let csrf = admin.csrf.as_str();
    let r = post_form(
        &a,
        &format!("/admin/campaigns/{SLUG}/translations"),
        Some(&admin.cookie),
        &[("csrf", csrf), ("lang", "es"), ("t_title", "Compromiso")],
    )
    .await;
    assert_eq!(r.status(), 303);
    wait_on(&b, SLUG, "the translation", |_, d| {
        d["translations"]["es"]["title"] == "Compromiso"
    })
    .await;

    let r = post_form(
        &a,
        &format!("/admin/campaigns/{SLUG}/fields"),
        Some(&admin.cookie),
        &[
            ("csrf", csrf),
            ("f0_key", "city"),
            ("f0_kind", "text"),
            ("f0_label", "City"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    wait_on(&b, SLUG, "the fields", |_, d| {
        d["fields"]
            .as_array()
            .is_some_and(|f| f.len() == 1 && f[0]["key"] == "city")
    })
    .await;

    let r = post_form(
        &a,
        "/admin/new-campaign",
        Some(&admin.cookie),
        &[
            ("csrf", csrf),
            ("slug", "made-on-a"),
            ("title", "Made on A"),
            ("language", "en"),
            ("consent_text", "I agree."),
            ("origin_mode", "any"),
            ("pow_maxnumber", "0"),
            ("public_names", "no"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    wait_on(&b, "made-on-a", "the new campaign", |s, d| {
        s == 200 && d["title"] == "Made on A"
    })
    .await;
}
