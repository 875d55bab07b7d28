//! A campaign's fields and translations edited in the console: fields replaced whole,
//! translations (text, consent, field and option labels) per language, a new consent line
//! a new consent version; a refused form keeps what was typed; each change audited and in
//! the public API at once.

use serde_json::{Value, json};

use super::create::document;
use super::{get, organiser, post_form};
use crate::helpers::{SLUG, signature, spawn_app};

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

#[tokio::test]
async fn console_and_command_line_remove_a_translation() {
    let app = spawn_app().await;
    let admin = organiser(&app, "admin@example.org", "admin").await;
    let csrf = admin.csrf.as_str();
    let translations = format!("/admin/campaigns/{SLUG}/translations");
    for (lang, title) in [("es", "Compromiso"), ("de", "Versprechen")] {
        let form = [("csrf", csrf), ("lang", lang), ("t_title", title)];
        let r = post_form(&app, &translations, Some(&admin.cookie), &form).await;
        assert_eq!(r.status(), 303);
    }
    let page = get(
        &app,
        &format!("/admin/campaigns/{SLUG}/content?lang=es"),
        Some(&admin.cookie),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("Remove the es text"), "{page}");

    let remove = [("csrf", csrf), ("lang", "ES"), ("remove", "yes")];
    let r = post_form(&app, &translations, Some(&admin.cookie), &remove).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("Removed+the+es+text")
    );
    let doc: Value = document(&app, SLUG).await.json().await.unwrap();
    assert_eq!(doc["translations"].get("es"), None, "{doc}");
    assert_eq!(doc["translations"]["de"]["title"], "Versprechen");
    assert!(!doc["languages"].as_array().unwrap().contains(&json!("es")));
    // Removing what is not there changes nothing and says so.
    let r = post_form(&app, &translations, Some(&admin.cookie), &remove).await;
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("no+such+translation")
    );
    let log = get(&app, "/admin/audit", Some(&admin.cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        log.matches("campaign.translation.remove").count(),
        1,
        "{log}"
    );

    // The command line does the same: `campaign edit --remove-translation`.
    super::cli(&[
        "campaign",
        "edit",
        SLUG,
        "--remove-translation",
        "de",
        "--database-url",
        &app.db_url,
    ])
    .await;
    // Another process changed the database: the server hears of it within a second.
    tokio::time::timeout(crate::helpers::TIMEOUT, async {
        loop {
            let doc: Value = document(&app, SLUG).await.json().await.unwrap();
            if doc["translations"].get("de").is_none() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the removal reaches the running server");
}
