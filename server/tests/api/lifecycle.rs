//! The campaign lifecycle (issue 15) and embedding anywhere (issue 18): `campaign
//! close|open|archive|edit|origin` run as another process, as an organiser would, and reach
//! a running server's campaign document, CORS answers and open streams within a second.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::Command;
use tokio::time::{sleep, timeout};

use crate::helpers::{
    PARTNER, POW_SLUG, SLUG, TIMEOUT, TestApp, assert_error, signature, spawn_app,
};

const BIN: &str = env!("CARGO_BIN_EXE_pledge-server");

/// `campaign create` flags for a campaign that takes `helpers::signature` as it is.
const LIKE_THE_TEST_SIGNATURE: &[&str] = &[
    "--pow",
    "0",
    "--consent-text",
    "I agree.",
    "--field",
    "role:select:I am:required:artist=An artist|fan=A fan",
    "--field",
    "organisation:text:Band",
];

/// Runs `pledge-server ARGS --database-url <the app's>`; returns (success, stdout, stderr).
async fn run(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = timeout(
        TIMEOUT,
        Command::new(BIN)
            .args(args)
            .args(["--database-url", &app.db_url])
            .env("RUST_LOG", "warn")
            .output(),
    )
    .await
    .expect("command finishes in time")
    .expect("command runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs a command that must succeed; returns its stdout.
async fn ok(app: &TestApp, args: &[&str]) -> String {
    let (success, out, err) = run(app, args).await;
    assert!(success, "{args:?}: {err}");
    out
}

/// Runs a command that must fail; returns its stderr.
async fn refused(app: &TestApp, args: &[&str]) -> String {
    let (success, out, err) = run(app, args).await;
    assert!(!success, "{args:?} should fail: {out}");
    err
}

async fn document(app: &TestApp, slug: &str) -> reqwest::Response {
    app.client
        .get(app.campaign_api(slug, ""))
        .send()
        .await
        .unwrap()
}

/// Waits (bounded) until the campaign document satisfies `done`: changes reach the
/// server asynchronously (within a second), so tests wait rather than sleep.
async fn wait_for_document(app: &TestApp, slug: &str, done: impl Fn(&Value) -> bool) -> Value {
    timeout(TIMEOUT, async {
        loop {
            let r = document(app, slug).await;
            if r.status() == 200 {
                let doc: Value = r.json().await.unwrap();
                if done(&doc) {
                    return doc;
                }
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the campaign document changes in time")
}

async fn open_stream(app: &TestApp, slug: &str) -> reqwest::Response {
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let r = client
        .get(app.campaign_api(slug, "/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r
}

/// Reads the stream until `needle` appears (bounded).
async fn read_until(stream: &mut reqwest::Response, seen: &mut String, needle: &str) {
    timeout(TIMEOUT, async {
        while !seen.contains(needle) {
            let chunk = stream.chunk().await.unwrap().expect("stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} in {seen:?}"));
}

async fn post_from(app: &TestApp, slug: &str, origin: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.campaign_api(slug, "/signatures"))
        .header("origin", origin)
        .header("idempotency-key", format!("key-{:016x}", fastrand::u64(..)))
        .json(&signature(email))
        .send()
        .await
        .unwrap()
}

async fn preflight(app: &TestApp, slug: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(
            reqwest::Method::OPTIONS,
            app.campaign_api(slug, "/signatures"),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, idempotency-key",
        )
        .send()
        .await
        .unwrap()
}

fn allowed_origin(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn closing_from_the_command_line_reaches_the_running_server_and_its_streams() {
    let app = spawn_app().await;
    assert_eq!(
        post_from(&app, SLUG, PARTNER, "ada@example.org")
            .await
            .status(),
        201
    );
    let mut stream = open_stream(&app, SLUG).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;
    seen.clear();

    let out = ok(&app, &["campaign", "close", SLUG]).await;
    assert_eq!(out.trim(), "campaign test-pledge: closed (was open)");
    // The open widget hears it: the new document, with the final count.
    read_until(&mut stream, &mut seen, "\"state\":\"closed\"").await;
    assert!(seen.contains("event: campaign\ndata: {"), "{seen}");
    assert!(seen.contains("\"count\":1"), "{seen}");
    let doc = wait_for_document(&app, SLUG, |d| d["state"] == "closed").await;
    assert_eq!(doc["count"], 1);

    // A signature now is refused, with CORS headers so the widget can read why.
    let r = post_from(&app, SLUG, PARTNER, "bob@example.org").await;
    assert_eq!(allowed_origin(&r).as_deref(), Some(PARTNER));
    assert_error(r, 410, "campaign_closed").await;
    let r = app
        .client
        .get(app.campaign_api(crate::helpers::POW_SLUG, "/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "other campaigns still sign");
    ok(&app, &["campaign", "close", crate::helpers::POW_SLUG]).await;
    timeout(TIMEOUT, async {
        loop {
            let r = app
                .client
                .get(app.campaign_api(crate::helpers::POW_SLUG, "/challenge"))
                .send()
                .await
                .unwrap();
            if r.status() == 410 {
                assert_error(r, 410, "campaign_closed").await;
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a closed campaign issues no challenges");
    assert_eq!(app.count().await, 1, "the count stays");
    let again = ok(&app, &["campaign", "close", SLUG]).await;
    assert_eq!(again.trim(), "campaign test-pledge is already closed");

    seen.clear();
    ok(&app, &["campaign", "open", SLUG]).await;
    read_until(&mut stream, &mut seen, "\"state\":\"open\"").await;
    wait_for_document(&app, SLUG, |d| d["state"] == "open").await;
    let r = post_from(&app, SLUG, PARTNER, "bob@example.org").await;
    assert_eq!(r.status(), 201);
    assert!(
        refused(&app, &["campaign", "close", "no-such-pledge"])
            .await
            .contains("no campaign \"no-such-pledge\"")
    );
}

#[tokio::test]
async fn an_archived_campaign_is_gone_from_the_api_and_the_list_until_opened() {
    let app = spawn_app().await;
    assert_eq!(document(&app, SLUG).await.status(), 200);
    ok(&app, &["campaign", "archive", SLUG]).await;
    timeout(TIMEOUT, async {
        loop {
            let r = app
                .client
                .get(app.api(""))
                .header("origin", PARTNER)
                .send()
                .await
                .unwrap();
            if r.status() == 410 {
                assert_eq!(allowed_origin(&r).as_deref(), Some(PARTNER));
                assert_error(r, 410, "campaign_archived").await;
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("archiving reaches the server");
    for path in ["/count", "/events", "/challenge", "/signers"] {
        let r = app.client.get(app.api(path)).send().await.unwrap();
        assert_error(r, 410, "campaign_archived").await;
    }
    let r = post_from(&app, SLUG, PARTNER, "ada@example.org").await;
    assert_error(r, 410, "campaign_archived").await;

    let list = ok(&app, &["campaign", "list"]).await;
    assert!(!list.contains("test-pledge\t"), "{list}");
    let all = ok(&app, &["campaign", "list", "--all"]).await;
    assert!(
        all.lines()
            .any(|l| l.starts_with("test-pledge\t0\t100\tTest pledge\tarchived")),
        "{all}"
    );

    ok(&app, &["campaign", "open", SLUG]).await;
    wait_for_document(&app, SLUG, |d| d["state"] == "open").await;
    let list = ok(&app, &["campaign", "list"]).await;
    assert!(
        list.contains("test-pledge\t0\t100\tTest pledge\topen"),
        "{list}"
    );
}

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

#[tokio::test]
async fn a_new_campaign_takes_signatures_from_any_origin() {
    let app = spawn_app().await;
    ok(
        &app,
        &["campaign", "create", "open-pledge", "--title", "Open"]
            .into_iter()
            .chain(LIKE_THE_TEST_SIGNATURE.iter().copied())
            .collect::<Vec<_>>(),
    )
    .await;
    let stranger = "https://never-seen.example";
    let r = preflight(&app, "open-pledge", stranger).await;
    assert_eq!(r.status(), 204);
    assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
    let r = post_from(&app, "open-pledge", stranger, "ada@example.org").await;
    assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
    let list = ok(&app, &["campaign", "origin", "list", "open-pledge"]).await;
    assert_eq!(list.trim(), "mode\tany");
    // Restricting needs a listed origin first.
    let err = refused(&app, &["campaign", "origin", "restrict", "open-pledge"]).await;
    assert!(err.contains("add an origin first"), "{err}");
}

#[tokio::test]
async fn a_restricted_campaign_refuses_other_origins_until_one_is_added() {
    let app = spawn_app().await;
    ok(
        &app,
        &[
            "campaign",
            "create",
            "shut-pledge",
            "--title",
            "Shut",
            "--allowed-origin",
            "HTTPS://Artist.Example/",
        ]
        .into_iter()
        .chain(LIKE_THE_TEST_SIGNATURE.iter().copied())
        .collect::<Vec<_>>(),
    )
    .await;
    let list = ok(&app, &["campaign", "origin", "list", "shut-pledge"]).await;
    assert_eq!(list.trim(), "mode\tlisted\nhttps://artist.example");
    let late = "https://late-artist.example";
    let r = preflight(&app, "shut-pledge", late).await;
    assert_eq!(allowed_origin(&r), None);
    let r = post_from(&app, "shut-pledge", late, "ada@example.org").await;
    assert_eq!(allowed_origin(&r), None, "the browser hides the answer");
    let r = preflight(&app, "shut-pledge", "https://artist.example").await;
    assert_eq!(
        allowed_origin(&r).as_deref(),
        Some("https://artist.example")
    );

    let out = ok(
        &app,
        &[
            "campaign",
            "origin",
            "add",
            "shut-pledge",
            "https://Late-Artist.example/",
        ],
    )
    .await;
    assert!(out.contains("listed https://late-artist.example"), "{out}");
    timeout(TIMEOUT, async {
        while allowed_origin(&preflight(&app, "shut-pledge", late).await).as_deref() != Some(late) {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the added origin reaches the server");
    let r = post_from(&app, "shut-pledge", late, "bob@example.org").await;
    assert_eq!(r.status(), 201);

    ok(
        &app,
        &[
            "campaign",
            "origin",
            "remove",
            "shut-pledge",
            "https://artist.example",
        ],
    )
    .await;
    let err = refused(&app, &["campaign", "origin", "remove", "shut-pledge", late]).await;
    assert!(err.contains("refuse every signature"), "{err}");
    let err = refused(
        &app,
        &["campaign", "origin", "add", "shut-pledge", "artist.example"],
    )
    .await;
    assert!(
        err.contains("ORIGIN: \"artist.example\" is not an origin"),
        "{err}"
    );
    let err = refused(
        &app,
        &[
            "campaign",
            "origin",
            "remove",
            "shut-pledge",
            "https://x.example",
        ],
    )
    .await;
    assert!(err.contains("https://x.example is not among"), "{err}");

    timeout(TIMEOUT, async {
        while allowed_origin(&preflight(&app, "shut-pledge", "https://artist.example").await)
            .is_some()
        {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the removed origin is refused");
    ok(&app, &["campaign", "origin", "any", "shut-pledge"]).await;
    timeout(TIMEOUT, async {
        while allowed_origin(&preflight(&app, "shut-pledge", "https://artist.example").await)
            .as_deref()
            != Some("*")
        {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("any origin reaches the server");
}

/// Moves the campaign's `closed_at` back to 2000, as if it had been closed for decades.
async fn closed_long_ago(db_url: &str, slug: &str) {
    use sqlx::Connection;
    // Both stores read this literal as a time (SQLite text, PostgreSQL timestamptz).
    let sql = "UPDATE campaigns SET closed_at = '2000-01-01T00:00:00.000Z' WHERE slug = $1";
    if crate::helpers::on_postgres() {
        let mut db = sqlx::PgConnection::connect(db_url).await.unwrap();
        sqlx::query(sql).bind(slug).execute(&mut db).await.unwrap();
    } else {
        let mut db = sqlx::SqliteConnection::connect(db_url).await.unwrap();
        sqlx::query(sql).bind(slug).execute(&mut db).await.unwrap();
    }
}

#[tokio::test]
async fn serve_deletes_personal_data_once_a_closed_campaign_is_past_its_retention() {
    use crate::helpers::{REVEAL_SLUG, spawn_app_in};
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir.clone(), 0).await;
    for email in ["ada@example.org", "bob@example.org"] {
        assert_eq!(post_from(&app, SLUG, PARTNER, email).await.status(), 201);
    }
    assert_eq!(
        post_from(&app, REVEAL_SLUG, PARTNER, "ada@example.org")
            .await
            .status(),
        201
    );
    ok(&app, &["campaign", "edit", SLUG, "--retention-days", "30"]).await;
    ok(
        &app,
        &["campaign", "edit", POW_SLUG, "--retention-days", "30"],
    )
    .await;
    for slug in [SLUG, REVEAL_SLUG, POW_SLUG] {
        ok(&app, &["campaign", "close", slug]).await;
    }
    // SLUG: closed past its 30 days. REVEAL_SLUG: as long ago, but keeps data (no retention).
    closed_long_ago(&app.db_url, SLUG).await;
    closed_long_ago(&app.db_url, REVEAL_SLUG).await;
    let before = ok(&app, &["campaign", "export", SLUG]).await;
    assert!(before.contains("ada@example.org"), "{before}");
    app.stop().await;

    // The sweep runs when `serve` starts (and hourly).
    let app = spawn_app_in(dir, 0).await;
    let swept = timeout(TIMEOUT, async {
        loop {
            let csv = ok(&app, &["campaign", "export", SLUG]).await;
            if !csv.contains("@example.org") {
                return csv;
            }
            sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the sweep clears the expired campaign");
    assert_eq!(swept.lines().count(), 3, "both rows stay: {swept}");
    assert!(
        !swept.contains("Ada Lovelace") && !swept.contains("The Engines"),
        "{swept}"
    );
    assert!(
        swept.contains("I agree."),
        "the consent record stays: {swept}"
    );
    assert_eq!(app.count().await, 2, "the count stays");
    let check = ok(&app, &["check"]).await;
    assert!(
        check.contains("ok: every campaign's count matches"),
        "{check}"
    );
    let kept = ok(&app, &["campaign", "export", REVEAL_SLUG]).await;
    assert!(
        kept.contains("ada@example.org"),
        "no retention: kept: {kept}"
    );
    let export: Value = serde_json::from_str(
        &ok(&app, &["supporter", "export", "--email", "ada@example.org"]).await,
    )
    .unwrap();
    let campaigns: Vec<&str> = export["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["campaign"].as_str().unwrap())
        .collect();
    assert_eq!(campaigns, [REVEAL_SLUG]);
    let err = refused(&app, &["campaign", "edit", SLUG, "--retention-days", "0"]).await;
    assert!(err.contains("--retention-days"), "{err}");
}
