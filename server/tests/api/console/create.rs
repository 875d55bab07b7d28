//! Creating a campaign in the console, and editing its fields and translations: admins
//! only, CSRF-checked, audited, a refused form comes back whole with a reason per field,
//! and every change is in the public API at once.

use serde_json::{Value, json};

use super::{Session, get, organiser, post_form};
use crate::helpers::{SLUG, TestApp, signature, spawn_app};

async fn document(app: &TestApp, slug: &str) -> reqwest::Response {
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

#[tokio::test]
async fn console_fields_edit_replaces_fields_and_refuses_with_reasons() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let fields = format!("/admin/campaigns/{SLUG}/fields");
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/content"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    // The current fields are the rows, as they are.
    assert!(
        page.contains(r#"value="role""#) && page.contains("fan=A fan"),
        "{page}"
    );
    let csrf = admin.csrf.as_str();
    let good = [
        ("csrf", csrf),
        ("f0_key", "role"),
        ("f0_kind", "select"),
        ("f0_label", "I am"),
        ("f0_options", "artist=An artist\nfan=A fan\nvenue=A venue"),
        ("f0_required", "on"),
        ("f1_key", "country"),
        ("f1_kind", "country"),
        ("f1_label", "Country"),
        ("f2_key", "city"),
        ("f2_kind", "text"),
        ("f2_label", "City"),
        ("f2_max_length", "40"),
        ("f2_public", "on"),
    ];
    let r = post_form(&app, &fields, Some(&admin.cookie), &good).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    let keys: Vec<&str> = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["role", "country", "city"]);
    assert_eq!(doc["fields"][0]["options"][2]["value"], "venue");
    assert_eq!(doc["fields"][2]["max_length"], 40);
    assert_eq!(doc["fields"][2]["public"], true);
    let mut body = signature("new-field@example.org");
    body["fields"] = json!({"role": "venue", "city": "Leeds"});
    assert_eq!(
        app.post_signature("key-new-field", &body).await.status(),
        201
    );

    let bad = [
        ("csrf", csrf),
        ("f0_key", "role"),
        ("f0_kind", "select"),
        ("f0_label", "I am"),
        ("f0_options", "artist=An artist"),
        ("f1_key", "role"),
        ("f1_kind", "text"),
        ("f1_label", "Again"),
        ("f2_key", "email"),
        ("f2_kind", "email"),
        ("f2_label", "Work email"),
        ("f3_key", "news"),
        ("f3_kind", "checkbox"),
        ("f3_label", "Send news"),
        ("f3_public", "on"),
    ];
    let r = post_form(&app, &fields, Some(&admin.cookie), &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"id="f1_key-error""#) && html.contains("used twice"),
        "{html}"
    );
    assert!(
        html.contains(r#"id="f2_key-error""#) && html.contains("always asks for name and email")
    );
    assert!(html.contains(r#"id="f3_public-error""#));
    assert!(html.contains(r#"value="Work email""#));
    let after: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(after["fields"], doc["fields"]);
    let log = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(log.matches("campaign.fields").count(), 1, "{log}");
}

#[tokio::test]
async fn console_translations_reach_the_api_and_a_new_consent_is_a_new_version() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let csrf = admin.csrf.as_str();
    let translations = format!("/admin/campaigns/{SLUG}/translations");
    let save = |lang: &'static str, title: &'static str, consent: &'static str| {
        let form = vec![
            ("csrf", csrf),
            ("lang", lang),
            ("t_title", title),
            ("t_text", ""),
            ("t_consent_text", consent),
        ];
        let (app, translations, cookie) = (&app, &translations, &admin.cookie);
        async move { post_form(app, translations, Some(cookie), &form).await }
    };
    let r = save("ES", "Compromiso", "Acepto.").await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("lang=es")
    );
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(
        doc["translations"]["es"],
        json!({"title": "Compromiso", "consent_text": "Acepto."})
    );
    assert!(doc["languages"].as_array().unwrap().contains(&json!("es")));

    let sign_es = |email: &'static str, consent: &'static str| {
        let mut body = signature(email);
        body["locale"] = json!("es");
        body["consent"]["text"] = json!(consent);
        let key = format!("key-{}", email.replace(['@', '.'], "-"));
        let app = &app;
        async move { app.post_signature(&key, &body).await.status() }
    };
    assert_eq!(sign_es("uno@example.org", "Acepto.").await, 201);
    let r = save("es", "Compromiso", "Acepto, versión dos.").await;
    assert_eq!(r.status(), 303);
    // The old line is no longer what the form shows: refused; the new one signs.
    assert_eq!(sign_es("dos@example.org", "Acepto.").await, 422);
    assert_eq!(
        sign_es("tres@example.org", "Acepto, versión dos.").await,
        201
    );
    let csv = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/export.csv"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    let line = |email: &str| csv.lines().find(|l| l.contains(email)).unwrap().to_owned();
    assert!(line("uno@example.org").contains("\"Acepto.\""), "{csv}");
    assert!(
        line("tres@example.org").contains("Acepto, versión dos."),
        "{csv}"
    );

    // Refused: a bad tag, the campaign's own language, a two-line consent; kept as typed.
    let r = save("not a tag", "Titel", "Ja.").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"id="lang-error""#) && html.contains(r#"value="not a tag""#),
        "{html}"
    );
    let r = save("en", "Pledge", "Yes.").await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("the campaign's own language")
    );
    let r = post_form(
        &app,
        &translations,
        Some(&admin.cookie),
        &[
            ("csrf", csrf),
            ("lang", "fr"),
            ("t_consent_text", "oui\nnon"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="t_consent_text-error""#), "{html}");
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(doc["translations"].get("fr"), None);
    let log = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(log.matches("campaign.translation").count(), 2, "{log}");
}

#[tokio::test]
async fn console_translates_field_labels_and_options_keyed_by_field_and_value() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/content"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    // The test campaign's fields: role (artist, industry, fan), organisation, country.
    assert!(
        page.contains(r#"name="tf0_o2_value" value="fan""#),
        "{page}"
    );
    let translations = format!("/admin/campaigns/{SLUG}/translations");
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("lang", "es"),
        ("tf0_key", "role"),
        ("tf0_label", "Soy"),
        ("tf0_o0_value", "artist"),
        ("tf0_o0", "Artista"),
        ("tf0_o1_value", "no-such-option"),
        ("tf0_o1", "Ignorada"),
        ("tf1_key", "organisation"),
        ("tf1_label", ""),
        ("tf2_key", "country"),
        ("tf2_label", "País"),
    ];
    let r = post_form(&app, &translations, Some(&admin.cookie), &form).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(
        doc["translations"]["es"],
        json!({"fields": {
            "role": {"label": "Soy", "options": {"artist": "Artista"}},
            "country": {"label": "País"}
        }})
    );
    // Shown again for editing; a two-line label is refused on its input, as typed.
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/content?lang=es"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains(r#"value="Artista""#), "{page}");
    let bad = [
        ("csrf", admin.csrf.as_str()),
        ("lang", "es"),
        ("tf0_key", "role"),
        ("tf0_label", "Soy\nyo"),
    ];
    let r = post_form(&app, &translations, Some(&admin.cookie), &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(r#"id="tf0_label-error""#));
    let after: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(after["translations"], doc["translations"]);
}
