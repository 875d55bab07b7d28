//! Creating a campaign in the console: admins only (as for its fields and translations,
//! `content`), CSRF-checked, audited, a refused form comes back whole with a reason per
//! field, and the campaign is in the public API at once.

use serde_json::{Value, json};

use super::{Session, get, organiser, post_form};
use crate::helpers::{SLUG, TestApp, signature, spawn_app};

pub(super) async fn document(app: &TestApp, slug: &str) -> reqwest::Response {
    app.client
        .get(app.campaign_api(slug, ""))
        .send()
        .await
        .unwrap()
}

/// A valid new-campaign form, with one select field marked public; `change` edits it.
fn new_form<'a>(csrf: &'a str, change: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("slug", "bands-for-all"),
        ("title", "Bands for all"),
        (
            "text",
            "We pledge to play for everyone.\n\nSecond paragraph.",
        ),
        ("goal", "250"),
        ("language", "en"),
        ("consent_text", "I agree to be counted."),
        ("privacy_url", "https://example.org/privacy"),
        ("share_url", ""),
        ("f0_key", "role"),
        ("f0_kind", "select"),
        ("f0_label", "I am"),
        ("f0_options", "artist=An artist\r\nfan=A fan"),
        ("f0_max_length", ""),
        ("f0_required", "on"),
        ("f0_public", "on"),
        ("f1_key", ""),
        ("f1_kind", "text"),
        ("f1_label", ""),
        ("f1_options", ""),
        ("f1_max_length", ""),
        ("origin_mode", "listed"),
        (
            "origins",
            "https://Artist.example/\r\nhttps://venue.example",
        ),
        ("pow_maxnumber", "0"),
        ("min_fill_seconds", "0"),
        ("public_names", "after_review"),
    ];
    for (name, value) in change {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

async fn audit_log(app: &TestApp, admin: &Session) -> String {
    get(app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn console_admin_creates_a_campaign_that_serves_and_signs_at_once() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    // A campaign may be called "new": the form's address is not under /admin/campaigns/.
    let new = new_form(&admin.csrf, &[("slug", "new")]);
    let r = post_form(&app, "/admin/new-campaign", Some(&admin.cookie), &new).await;
    assert_eq!(r.status(), 303);
    let dashboard = get(&app, "/admin/campaigns/new", Some(&admin.cookie)).await;
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard.text().await.unwrap().contains("Bands for all"));
    let page = get(&app, "/admin/new-campaign", Some(&admin.cookie)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="f0_key""#), "{html}");
    assert!(document(&app, "bands-for-all").await.status() == 404);

    let r = post_form(
        &app,
        "/admin/new-campaign",
        Some(&admin.cookie),
        &new_form(&admin.csrf, &[]),
    )
    .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/admin/campaigns/bands-for-all/embed?done="),
        "{to}"
    );
    let builder = get(&app, &to, Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(builder.contains("Created"), "{builder}");

    let doc: Value = document(&app, "bands-for-all").await.json().await.unwrap();
    assert_eq!(doc["title"], "Bands for all");
    assert_eq!(doc["goal"], 250);
    assert_eq!(doc["consent_text"], "I agree to be counted.");
    assert_eq!(doc["privacy_url"], "https://example.org/privacy");
    assert_eq!(doc["share_url"], Value::Null);
    assert_eq!(doc["proof_of_work"], Value::Null);
    assert_eq!(doc["fields"][0]["key"], "role");
    assert_eq!(doc["fields"][0]["required"], true);
    assert_eq!(doc["fields"][0]["public"], true);
    assert_eq!(doc["fields"][0]["options"][1]["label"], "A fan");
    assert_eq!(doc["fields"].as_array().unwrap().len(), 1);
    assert_eq!(doc["wall"]["public_fields"], json!(["role"]));

    // Listed origins (normalised) may sign; others may not.
    for (origin, may) in [
        ("https://artist.example", true),
        ("https://other.example", false),
    ] {
        let doc: Value = app
            .client
            .get(app.campaign_api("bands-for-all", ""))
            .header("origin", origin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["can_sign_here"], may, "{origin}");
    }
    let sign_from = |origin: &'static str, email: &'static str| {
        let app = &app;
        async move {
            let mut body = signature(email);
            body["fields"] = json!({"role": "fan"});
            body["consent"]["text"] = json!("I agree to be counted.");
            app.client
                .post(app.campaign_api("bands-for-all", "/signatures"))
                .header("origin", origin)
                .header(
                    "idempotency-key",
                    format!("key-{}", email.replace(['@', '.'], "-")),
                )
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        sign_from("https://artist.example", "a@example.org").await,
        201
    );

    assert!(audit_log(&app, &admin).await.contains("campaign.create"));
    let list = get(&app, "/admin", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("/admin/campaigns/bands-for-all"), "{list}");
}

#[tokio::test]
async fn console_create_refuses_bad_input_field_by_field_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let bad = new_form(
        &admin.csrf,
        &[
            ("slug", "Bands For All!"),
            ("goal", "lots"),
            ("f0_options", ""),
            ("f1_key", "Bad Key"),
            ("f1_label", "Postal code <b>"),
            ("privacy_url", "example.org/privacy"),
            ("origins", ""),
            ("pow_maxnumber", "99999999999"),
            ("consent_text", " "),
        ],
    );
    let r = post_form(&app, "/admin/new-campaign", Some(&admin.cookie), &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for (input, reason) in [
        ("slug", "cannot be in it"),
        ("goal", "is not a whole number"),
        ("f0_options", "needs options"),
        ("f1_key", "use 1-64 of [a-z0-9_]"),
        ("privacy_url", "is not an http(s) link"),
        ("origins", "List at least one origin"),
        ("pow_maxnumber", "is not a whole number"),
        ("consent_text", "Must not be empty"),
    ] {
        let at = html
            .find(&format!(r#"<p class="error" id="{input}-error">"#))
            .unwrap_or_else(|| panic!("no reason for {input} in {html}"));
        assert!(
            html[at..].split("</p>").next().unwrap().contains(reason),
            "{input}: {html}"
        );
        assert!(
            html.contains(&format!(r#"id="{input}" name="{input}""#)),
            "{input}"
        );
    }
    // What was typed is back in the form, as text.
    assert!(html.contains(r#"value="Bands For All!""#), "{html}");
    assert!(html.contains(r#"value="Postal code &lt;b&gt;""#), "{html}");
    assert!(html.contains("We pledge to play for everyone."));
    assert!(html.contains(r#"value="lots""#));
    assert!(html.contains(r#"aria-invalid="true""#));
    assert_eq!(document(&app, "bands-for-all").await.status(), 404);

    // "Add another field" keeps everything typed and saves nothing.
    let mut more = new_form(&admin.csrf, &[("title", "Typed, not saved")]);
    more.push(("more", "1"));
    let r = post_form(&app, "/admin/new-campaign", Some(&admin.cookie), &more).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"value="Typed, not saved""#));
    assert!(html.contains(r#"name="f2_key""#), "a third row");
    assert_eq!(document(&app, "bands-for-all").await.status(), 404);

    // A taken slug is said on the slug.
    let taken = new_form(&admin.csrf, &[("slug", SLUG)]);
    let r = post_form(&app, "/admin/new-campaign", Some(&admin.cookie), &taken).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"id="slug-error""#) && html.contains("already"),
        "{html}"
    );
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(doc["title"], "Test pledge");
    assert!(!audit_log(&app, &admin).await.contains("campaign.create"));
}

#[tokio::test]
async fn console_create_fields_and_translations_need_an_admin_and_the_csrf_token() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let moderator = organiser(&app, "mod@example.org", "moderator").await;
    let page = get(&app, "/admin/new-campaign", Some(&moderator.cookie)).await;
    assert_eq!(page.status(), 403);
    let fields = format!("/admin/campaigns/{SLUG}/fields");
    let translations = format!("/admin/campaigns/{SLUG}/translations");
    let field_form = |csrf| {
        vec![
            ("csrf", csrf),
            ("f0_key", "city"),
            ("f0_kind", "text"),
            ("f0_label", "City"),
        ]
    };
    let translation_form = |csrf| vec![("csrf", csrf), ("lang", "de"), ("t_title", "Versprechen")];
    for (who, csrf, expect) in [
        (&moderator, moderator.csrf.as_str(), "moderator"),
        (&admin, "0".repeat(64).leak() as &str, "wrong csrf"),
        (&admin, "", "no csrf"),
    ] {
        let create = new_form(csrf, &[]);
        for (path, form) in [
            ("/admin/new-campaign", create),
            (fields.as_str(), field_form(csrf)),
            (translations.as_str(), translation_form(csrf)),
        ] {
            let r = post_form(&app, path, Some(&who.cookie), &form).await;
            assert_eq!(r.status(), 403, "{expect} {path}");
        }
    }
    // Signed out: sent to sign in, nothing done.
    let r = post_form(&app, &fields, None, &field_form(&admin.csrf)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(document(&app, "bands-for-all").await.status(), 404);
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    assert!(
        doc["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["key"] != "city")
    );
    assert_eq!(doc["translations"].get("de"), None);
    // The moderator may read the page, not change it.
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/content"),
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
}
