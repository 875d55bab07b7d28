//! `campaign edit`: changes reach the server; bad input names its flag; consent versions.

use serde_json::{Value, json};

use super::*;
use crate::helpers::{PARTNER, SLUG, signature, spawn_app};

#[tokio::test]
async fn edits_reach_the_running_server_and_its_streams() {
    let app = spawn_app().await;
    let mut stream = open_stream(&app, SLUG).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;
    seen.clear();
    let dir = tempfile::tempdir().unwrap();
    let es = dir.path().join("es.json");
    std::fs::write(&es, r#"{"title": "Compromiso", "consent_text": "Acepto."}"#).unwrap();

    ok(
        &app,
        &[
            "campaign",
            "edit",
            SLUG,
            "--title",
            "A new title",
            "--text",
            "New text.",
            "--goal",
            "500",
            "--field",
            "city:text:City:required:40",
            "--privacy-url",
            "https://example.org/new-privacy",
            "--share-url",
            "https://example.org/share",
            "--pow",
            "1000",
            "--min-fill-seconds",
            "2",
            "--translation",
            &format!("es:{}", es.display()),
        ],
    )
    .await;
    read_until(&mut stream, &mut seen, "\"title\":\"A new title\"").await;
    assert!(seen.contains("event: campaign\n"), "{seen}");
    let doc = wait_for_document(&app, SLUG, |d| d["title"] == "A new title").await;
    assert_eq!(doc["text"], "New text.");
    assert_eq!(doc["goal"], 500);
    assert_eq!(doc["fields"][0]["key"], "city");
    assert_eq!(doc["fields"][0]["max_length"], 40);
    assert_eq!(doc["fields"].as_array().unwrap().len(), 1);
    assert_eq!(doc["privacy_url"], "https://example.org/new-privacy");
    assert_eq!(doc["share_url"], "https://example.org/share");
    assert_eq!(doc["proof_of_work"]["maxnumber"], 1000);
    assert_eq!(doc["translations"]["es"]["title"], "Compromiso");
    // Unchanged flags keep their values.
    assert_eq!(doc["consent_text"], "I agree.");

    ok(
        &app,
        &[
            "campaign",
            "edit",
            SLUG,
            "--no-goal",
            "--no-share-url",
            "--pow",
            "0",
        ],
    )
    .await;
    let doc = wait_for_document(&app, SLUG, |d| d["goal"].is_null()).await;
    assert!(doc["share_url"].is_null() && doc["proof_of_work"].is_null());
    assert_eq!(doc["privacy_url"], "https://example.org/new-privacy");
}

#[tokio::test]
async fn a_bad_edit_names_its_flag_and_changes_nothing() {
    let app = spawn_app().await;
    for n in 0..3 {
        let r = post_from(&app, SLUG, PARTNER, &format!("s{n}@example.org")).await;
        assert_eq!(r.status(), 201);
    }
    let before = document(&app, SLUG).await.json::<Value>().await.unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--title", "New", "--goal", "2"],
            "--goal: 2 is below the 3 signatures already counted",
        ),
        (&["--goal", "0"], "--goal: 0 is not a positive number"),
        (&["--title", "  "], "--title: must not be empty"),
        (
            &["--field", "city:number:City"],
            "--field: field type \"number\"",
        ),
        (
            &["--field", "a:text:A", "--field", "a:text:B"],
            "--field: field \"a\" given twice",
        ),
        (
            &["--consent-text", "line one\nline two"],
            "--consent-text: must be one line",
        ),
        (
            &["--privacy-url", "javascript:alert(1)"],
            "--privacy-url: \"javascript:alert(1)\" is not an http(s) link",
        ),
        (&["--share-url", "https://"], "--share-url:"),
        (
            &["--pow", "99999999"],
            "--pow: 99999999 is more than the widget solves",
        ),
        (
            &["--min-fill-seconds", "7200"],
            "--min-fill-seconds: 7200 is more than 3600",
        ),
        (
            &["--retention-days", "0"],
            "--retention-days: 0 is not 1-3650",
        ),
        (&["--goal", "ten"], "--goal"),
        (&[], "give at least one flag"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["campaign", "edit", SLUG];
        args.extend_from_slice(flags);
        let err = refused(&app, &args).await;
        assert!(err.contains(expected), "{flags:?}: {err}");
    }
    // Raising a goal that was reached works (and lowering to exactly the count).
    ok(&app, &["campaign", "edit", SLUG, "--goal", "3"]).await;
    ok(&app, &["campaign", "edit", SLUG, "--goal", "10"]).await;
    let after = wait_for_document(&app, SLUG, |d| d["goal"] == 10).await;
    let mut expected = before.clone();
    expected["goal"] = json!(10);
    assert_eq!(after, expected, "nothing but the goal changed");
    let err = refused(
        &app,
        &["campaign", "edit", "no-such-pledge", "--title", "x"],
    )
    .await;
    assert!(err.contains("no campaign \"no-such-pledge\""), "{err}");
}

#[tokio::test]
async fn a_new_consent_text_is_a_new_version_and_signatures_keep_theirs() {
    let app = spawn_app().await;
    assert_eq!(
        post_from(&app, SLUG, PARTNER, "early@example.org")
            .await
            .status(),
        201
    );
    ok(
        &app,
        &[
            "campaign",
            "edit",
            SLUG,
            "--consent-text",
            "I agree, version two.",
        ],
    )
    .await;
    wait_for_document(&app, SLUG, |d| d["consent_text"] == "I agree, version two.").await;
    // A form still showing the old line is refused (the signer must see what they agree to).
    let r = post_from(&app, SLUG, PARTNER, "late@example.org").await;
    assert_eq!(r.status(), 422);
    let mut body = signature("late@example.org");
    body["consent"]["text"] = json!("I agree, version two.");
    let r = app.post_signature("key-late-0001", &body).await;
    assert_eq!(r.status(), 201);

    let csv = ok(&app, &["campaign", "export", SLUG]).await;
    let early = csv
        .lines()
        .find(|l| l.contains("early@example.org"))
        .unwrap();
    let late = csv
        .lines()
        .find(|l| l.contains("late@example.org"))
        .unwrap();
    assert!(early.contains("\"I agree.\""), "{early}");
    assert!(late.contains("\"I agree, version two.\""), "{late}");
    let version = |line: &str| {
        line.split(',')
            .map(|c| c.trim_matches('"').to_owned())
            .find(|c| c.len() == 16 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .unwrap()
    };
    assert_ne!(version(early), version(late));
}
