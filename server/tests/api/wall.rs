//! The public signer wall (issue 14): who shows, the organiser's `wall` commands reaching
//! open streams from another process, `GET …/signers` (order, cursors, search, caching,
//! errors), and that no public answer carries a signer's email or network hash.

use std::time::Duration;

use pledge_server::domain::PublicNames;
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::{Value, json};
use tokio::time::{sleep, timeout};

use crate::binary::{run_cli, run_cli_failing};
use crate::helpers::{PARTNER, TIMEOUT, TestApp, create_campaign_with, spawn_app};

const WALL: &str = "wall-pledge";

/// A server plus a campaign `wall-pledge` in `mode`, with role, organisation and country
/// public (as the demo campaign has them).
async fn wall_app(mode: PublicNames) -> TestApp {
    let app = spawn_app().await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    create_campaign_with(&store, WALL, |c| {
        c.public_names = mode;
        for f in &mut c.fields {
            f.public = true;
        }
    })
    .await;
    store.close().await;
    app
}

fn signer(name: &str, email: &str, organisation: &str, public: bool) -> Value {
    json!({
        "name": name,
        "email": email,
        "fields": {"role": "artist", "organisation": organisation, "country": "gb"},
        "consent": {"given": true, "text": "I agree."},
        "public": public,
        "locale": "en",
        "source_url": "https://artist.example/tour"
    })
}

async fn sign(app: &TestApp, name: &str, email: &str, organisation: &str, public: bool) {
    let key = format!("key-{:016x}", fastrand::u64(..));
    let r = app
        .post_to(WALL, &key, &signer(name, email, organisation, public))
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
}

/// Runs the `wall` command (another process, as an organiser would) and returns stdout.
async fn wall(app: &TestApp, args: &[&str]) -> String {
    let args = [&["wall"], args, &["--database-url", &app.db_url]].concat();
    run_cli(&args).await
}

async fn signers(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{query}", app.campaign_api(WALL, "/signers")))
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, query: &str) -> Value {
    let r = signers(app, query).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn names(page: &Value) -> Vec<&str> {
    page["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect()
}

/// Waits (bounded) until the first page satisfies `done`: changes reach the wall
/// asynchronously (within a second), so tests wait for them rather than sleep.
async fn wait_for_page(app: &TestApp, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    timeout(TIMEOUT, async {
        loop {
            let p = page(app, query).await;
            if done(&p) {
                return p;
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the wall changes in time")
}

/// Ids by name, from `wall list`.
fn ids(list: &str) -> std::collections::HashMap<String, String> {
    list.lines()
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[6].to_owned(), cols[0].to_owned())
        })
        .collect()
}

async fn open_stream(app: &TestApp) -> reqwest::Response {
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let r = client
        .get(app.campaign_api(WALL, "/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r
}

/// Reads the stream until `needle` appears (bounded); returns everything after the point
/// where reading started.
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

#[tokio::test]
async fn after_review_names_show_once_approved_with_only_their_public_fields() {
    let app = wall_app(PublicNames::AfterReview).await;
    sign(&app, "Ada Lovelace", "ada@example.org", "The Engines", true).await;
    sign(&app, "Bob Dylan", "bob@example.org", "The Band", true).await;
    sign(&app, "Carol Private", "carol@example.org", "Secret", false).await;

    let info: Value = app
        .client
        .get(app.campaign_api(WALL, ""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info["wall"],
        json!({"public_names": "after_review", "public_fields": ["role", "organisation", "country"]})
    );
    assert_eq!(info["fields"][0]["public"], true);
    let first = page(&app, "").await;
    assert_eq!(
        first,
        json!({"signers": [], "next_cursor": null, "total": 0})
    );

    let pending = wall(&app, &["list", WALL, "--state", "pending"]).await;
    assert_eq!(
        pending.lines().count(),
        2,
        "only those who opted in: {pending}"
    );
    assert!(!pending.contains("Carol"));
    let by_name = ids(&pending);
    wall(&app, &["approve", WALL, &by_name["Ada Lovelace"]]).await;
    let p = wait_for_page(&app, "", |p| p["total"] == 1).await;
    let ada = &p["signers"][0];
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(
        ada["fields"],
        json!({"role": "artist", "organisation": "The Engines", "country": "GB"})
    );
    assert_eq!(ada["featured"], false);
    let keys: Vec<&String> = ada.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["featured", "fields", "id", "name", "signed_at"]);

    wall(&app, &["approve", WALL, "--all-pending"]).await;
    let p = wait_for_page(&app, "", |p| p["total"] == 2).await;
    assert_eq!(names(&p), ["Bob Dylan", "Ada Lovelace"], "newest first");

    // A field the organiser makes private leaves every entry.
    wall(&app, &["settings", WALL, "--private-field", "organisation"]).await;
    let p = wait_for_page(&app, "", |p| {
        p["signers"][0]["fields"].get("organisation").is_none()
    })
    .await;
    assert_eq!(
        p["signers"][1]["fields"],
        json!({"role": "artist", "country": "GB"})
    );
    // An id that is not an opted-in signer is refused, and nothing changes.
    let said =
        run_cli_failing(&["wall", "hide", WALL, "99999", "--database-url", &app.db_url]).await;
    assert!(said.contains("99999"), "{said}");
}

#[tokio::test]
async fn organiser_changes_reach_an_open_stream_from_another_process() {
    let app = wall_app(PublicNames::Immediate).await;
    sign(&app, "Ada Lovelace", "ada@example.org", "The Engines", true).await;
    let mut stream = open_stream(&app).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;

    sign(&app, "Bob Dylan", "bob@example.org", "The Band", true).await;
    read_until(&mut stream, &mut seen, "event: signer\ndata: {").await;
    assert!(seen.contains("\"name\":\"Bob Dylan\""), "{seen}");
    sign(&app, "Carol Private", "carol@example.org", "Secret", false).await;

    let by_name = ids(&wall(&app, &["list", WALL]).await);
    let (ada, bob) = (&by_name["Ada Lovelace"], &by_name["Bob Dylan"]);
    seen.clear();
    wall(&app, &["feature", WALL, ada]).await;
    read_until(&mut stream, &mut seen, "\"featured\":true").await;
    assert!(seen.contains(&format!("\"id\":\"{ada}\"")), "{seen}");
    let p = page(&app, "").await;
    assert_eq!(names(&p), ["Ada Lovelace", "Bob Dylan"], "featured first");

    seen.clear();
    wall(&app, &["hide", WALL, bob]).await;
    read_until(
        &mut stream,
        &mut seen,
        &format!("event: signer_removed\ndata: {{\"id\":\"{bob}\"}}"),
    )
    .await;

    seen.clear();
    let out = wall(&app, &["withdraw", WALL, "--email", "ADA@example.org"]).await;
    read_until(
        &mut stream,
        &mut seen,
        &format!("event: signer_removed\ndata: {{\"id\":\"{ada}\"}}"),
    )
    .await;
    // The same words for an email that never signed.
    let unknown = wall(&app, &["withdraw", WALL, "--email", "nobody@example.org"]).await;
    assert_eq!(out, unknown);
    assert_eq!(page(&app, "").await["total"], 0);
    assert!(!seen.contains("Carol"), "{seen}");

    seen.clear();
    wall(&app, &["settings", WALL, "--public-names", "off"]).await;
    read_until(&mut stream, &mut seen, "event: signers_reset\ndata: {}").await;
    let r = signers(&app, "").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "wall_off");
    // The cached campaign is read again too: its JSON says the wall is off.
    timeout(TIMEOUT, async {
        loop {
            let info: Value = app
                .client
                .get(app.campaign_api(WALL, ""))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if info["wall"].is_null() {
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("campaign JSON follows the settings");
}

#[tokio::test]
async fn pages_keep_their_place_while_names_arrive_and_featured_come_first() {
    let app = wall_app(PublicNames::Immediate).await;
    for n in 1..=5 {
        sign(
            &app,
            &format!("Signer {n}"),
            &format!("s{n}@example.org"),
            "Band",
            true,
        )
        .await;
    }
    let by_name = ids(&wall(&app, &["list", WALL]).await);
    wall(
        &app,
        &["feature", WALL, &by_name["Signer 3"], &by_name["Signer 1"]],
    )
    .await;
    let first = wait_for_page(&app, "?limit=3", |p| p["signers"][0]["name"] == "Signer 3").await;
    assert_eq!(names(&first), ["Signer 3", "Signer 1", "Signer 5"]);
    assert_eq!(first["total"], 5);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    // A name arriving meanwhile goes above the cursor (streams announce it); the next
    // page neither repeats nor skips anyone.
    sign(&app, "Signer 6", "s6@example.org", "Band", true).await;
    wait_for_page(&app, "", |p| p["total"] == 6).await;
    let second = page(&app, &format!("?limit=1&cursor={cursor}")).await;
    assert_eq!(names(&second), ["Signer 4"]);
    let cursor = second["next_cursor"].as_str().unwrap();
    let last = page(&app, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(names(&last), ["Signer 2"]);
    assert_eq!(last["next_cursor"], Value::Null);
    let top = page(&app, "").await;
    assert_eq!(
        names(&top),
        [
            "Signer 3", "Signer 1", "Signer 6", "Signer 5", "Signer 4", "Signer 2"
        ]
    );
    // Appending keeps the organiser's order.
    wall(&app, &["feature", WALL, "--append", &by_name["Signer 2"]]).await;
    let top = wait_for_page(&app, "?limit=3", |p| p["signers"][2]["name"] == "Signer 2").await;
    assert_eq!(names(&top), ["Signer 3", "Signer 1", "Signer 2"]);
}

#[tokio::test]
async fn search_matches_names_and_public_fields_and_answers_are_cacheable() {
    let app = wall_app(PublicNames::Immediate).await;
    sign(&app, "Ada Lovelace", "ada@example.org", "The Engines", true).await;
    sign(&app, "Bob Dylan", "bob@example.org", "The Band", true).await;
    wait_for_page(&app, "", |p| p["total"] == 2).await;
    assert_eq!(names(&page(&app, "?q=ENGINES").await), ["Ada Lovelace"]);
    assert_eq!(names(&page(&app, "?q=dyl").await), ["Bob Dylan"]);
    // `total` counts every match; the cursor goes on within the search.
    let first = page(&app, "?q=the&limit=1").await;
    assert_eq!(
        (names(&first), &first["total"]),
        (vec!["Bob Dylan"], &json!(2))
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = page(&app, &format!("?q=the&limit=1&cursor={cursor}")).await;
    assert_eq!(
        (names(&second), &second["total"]),
        (vec!["Ada Lovelace"], &json!(2))
    );
    assert_eq!(second["next_cursor"], Value::Null);
    let p = page(&app, "?q=bob%40example.org").await;
    assert_eq!(p["total"], 0, "emails are not searchable");
    // Invisible characters in `q` are dropped like on the wall.
    assert_eq!(
        names(&page(&app, "?q=Love%E2%80%8Blace").await),
        ["Ada Lovelace"]
    );

    let r = app
        .client
        .get(app.campaign_api(WALL, "/signers"))
        .header("origin", PARTNER)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A public read: any origin may read the wall (docs/api.md, CORS).
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["cache-control"], "public, max-age=5");
    assert_eq!(r.headers()["content-type"], "application/json");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.campaign_api(WALL, "/signers"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    sign(&app, "Cleo Laine", "cleo@example.org", "Jazz", true).await;
    wait_for_page(&app, "", |p| p["total"] == 3).await;
    let changed = app
        .client
        .get(app.campaign_api(WALL, "/signers"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "a new name changes the tag");
    // A search after a change sees it (the search index is rebuilt after each change).
    sign(&app, "Dora Lovelace", "dora@example.org", "Solo", true).await;
    let both = wait_for_page(&app, "?q=lovelace", |p| p["total"] == 2).await;
    assert_eq!(names(&both), ["Dora Lovelace", "Ada Lovelace"]);
}

#[tokio::test]
async fn bad_queries_are_named_and_a_wall_that_is_off_says_so() {
    let app = wall_app(PublicNames::Immediate).await;
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=zz", "cursor"),
        ("?cursor=312e352e33", "cursor"),
    ] {
        let r = signers(&app, query).await;
        assert_eq!(r.status(), 422, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "validation", "{query}");
        assert!(body["fields"][field].is_string(), "{query}: {body}");
    }
    let long = "x".repeat(101);
    let r = signers(&app, &format!("?q={long}")).await;
    assert_eq!(r.status(), 422);
    assert!(r.json::<Value>().await.unwrap()["fields"]["q"].is_string());
    assert_eq!(signers(&app, "?limit=100&unknown=1").await.status(), 200);

    // The test campaign was created without public fields and the default mode; with
    // `allow_public_names: false` the wall is off.
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    create_campaign_with(&store, "quiet-pledge", |c| c.allow_public_names = false).await;
    store.close().await;
    let r = app
        .client
        .get(app.campaign_api("quiet-pledge", "/signers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "wall_off");
    let info: Value = app
        .client
        .get(app.campaign_api("quiet-pledge", ""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["wall"], Value::Null);
    let r = app
        .client
        .get(app.campaign_api("no-such", "/signers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "campaign_not_found"
    );
}

#[tokio::test]
async fn public_names_drop_hidden_characters_and_keep_joiners_where_scripts_join() {
    let app = wall_app(PublicNames::Immediate).await;
    // Accepted at signing (ZWNJ is allowed in names), but between Latin letters it joins
    // nothing: the wall drops it. The field value carries a right-to-left override.
    sign(
        &app,
        "Ad\u{200C}a Lovelace",
        "ada@example.org",
        "The\u{202E}Engines\u{200B}",
        true,
    )
    .await;
    let persian = "نیلوفر می\u{200C}رود";
    sign(&app, persian, "niloufar@example.org", "<b>Band</b>", true).await;
    let p = wait_for_page(&app, "", |p| p["total"] == 2).await;
    assert_eq!(
        p["signers"][0]["name"], persian,
        "ZWNJ kept between Persian letters"
    );
    assert_eq!(
        p["signers"][0]["fields"]["organisation"], "<b>Band</b>",
        "text, as text"
    );
    assert_eq!(p["signers"][1]["name"], "Ada Lovelace");
    assert_eq!(p["signers"][1]["fields"]["organisation"], "TheEngines");
}

/// Every network hash stored, read straight from the database.
async fn network_hashes(db_url: &str) -> Vec<String> {
    let query = "SELECT network_hash FROM signatures WHERE network_hash IS NOT NULL";
    if db_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        let hashes = sqlx::query_scalar(query).fetch_all(&pool).await.unwrap();
        pool.close().await;
        hashes
    } else {
        let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
        let hashes = sqlx::query_scalar(query).fetch_all(&pool).await.unwrap();
        pool.close().await;
        hashes
    }
}

#[tokio::test]
async fn no_public_answer_carries_a_signers_email_or_network_hash() {
    let app = wall_app(PublicNames::Immediate).await;
    let email = "Ada.Lovelace@Lovelace-Mail.example";
    let mut stream = open_stream(&app).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;
    let key = "key-scan-000001";
    let body = signer("Ada Lovelace", email, "The Engines", true);
    let posted = app.post_to(WALL, key, &body).await.text().await.unwrap();
    read_until(&mut stream, &mut seen, "event: signer\n").await;
    let by_name = ids(&wall(&app, &["list", WALL]).await);
    wall(&app, &["feature", WALL, &by_name["Ada Lovelace"]]).await;
    read_until(&mut stream, &mut seen, "\"featured\":true").await;
    let hashes = network_hashes(&app.db_url).await;
    assert_eq!(
        hashes.len(),
        1,
        "the signature has a network hash to look for"
    );

    let mut answers = vec![("post", posted), ("stream", seen)];
    for (what, url) in [
        ("signers", app.campaign_api(WALL, "/signers")),
        ("search", app.campaign_api(WALL, "/signers?q=ada")),
        ("campaign", app.campaign_api(WALL, "")),
        ("count", app.campaign_api(WALL, "/count")),
        ("embed", format!("{}/embed/{WALL}", app.address)),
    ] {
        let r = app.client.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{what}");
        answers.push((what, r.text().await.unwrap()));
    }
    assert!(
        answers[2].1.contains("Ada Lovelace"),
        "the wall shows the name"
    );
    for (what, text) in &answers {
        let lower = text.to_lowercase();
        assert!(!lower.contains("ada.lovelace@"), "{what}: {text}");
        assert!(!lower.contains("lovelace-mail"), "{what}: {text}");
        for hash in &hashes {
            assert!(!text.contains(hash.as_str()), "{what} has the network hash");
        }
    }
}

/// Two instances on one PostgreSQL database: a name signed on A, and hidden by the
/// organiser, reaches a stream open on B (NOTIFY pledge_signers), and B's pages agree.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn a_name_signed_on_one_instance_reaches_a_wall_on_another() {
    assert!(
        crate::helpers::on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let a = crate::helpers::spawn_app_in(dir.clone(), 0).await;
    let b = crate::helpers::spawn_app_in(dir, 0).await;
    assert_eq!(a.db_url, b.db_url, "one database");
    let store = SignatureStore::open(&a.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    create_campaign_with(&store, WALL, |c| {
        c.public_names = PublicNames::Immediate;
        c.fields[1].public = true;
    })
    .await;
    store.close().await;
    let mut stream = open_stream(&b).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;

    sign(&a, "Ada Lovelace", "ada@example.org", "The Engines", true).await;
    read_until(&mut stream, &mut seen, "event: signer\n").await;
    assert!(
        seen.contains("\"fields\":{\"organisation\":\"The Engines\"}"),
        "{seen}"
    );
    assert_eq!(names(&page(&b, "").await), ["Ada Lovelace"]);
    let id = ids(&wall(&a, &["list", WALL]).await)["Ada Lovelace"].clone();
    wall(&a, &["hide", WALL, &id]).await;
    read_until(&mut stream, &mut seen, "event: signer_removed").await;
    assert_eq!(page(&b, "").await["total"], 0);
}

/// Issue 16's `supporter erase` deletes the signature: the wall must hear it like any other
/// change (an erased person's name staying public until a restart would be the worst leak).
#[tokio::test]
async fn an_erased_supporter_leaves_open_walls_at_once() {
    let app = wall_app(PublicNames::Immediate).await;
    sign(&app, "Erin Erased", "erin@example.org", "The Gone", true).await;
    wait_for_page(&app, "", |p| p["total"] == 1).await;
    let erin = ids(&wall(&app, &["list", WALL]).await)["Erin Erased"].clone();
    let mut stream = open_stream(&app).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count").await;
    // Kim's entry on the stream means every change before it (Erin's) was applied already:
    // whatever removes Erin from now on can only be the erasure itself.
    sign(&app, "Kim Kept", "kim@example.org", "The Stay", true).await;
    read_until(&mut stream, &mut seen, "\"name\":\"Kim Kept\"").await;

    run_cli(&[
        "supporter",
        "erase",
        "--email",
        "erin@example.org",
        "--database-url",
        &app.db_url,
    ])
    .await;

    read_until(
        &mut stream,
        &mut seen,
        &format!("event: signer_removed\ndata: {{\"id\":\"{erin}\"}}"),
    )
    .await;
    let p = wait_for_page(&app, "", |p| p["total"] == 1).await;
    assert_eq!(names(&p), ["Kim Kept"]);
}
