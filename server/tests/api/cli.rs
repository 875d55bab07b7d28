//! The built binary: campaign create/list/export, and the demo's two listeners.

use std::process::Stdio;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::time::timeout;

use crate::binary::{BIN, run_cli as run, run_cli_failing};
use crate::helpers::{TIMEOUT, client};

#[tokio::test]
async fn create_list_sign_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::database_url(dir.path(), "cli").await;
    let text_file = dir.path().join("text.txt");
    std::fs::write(&text_file, "We pledge.\n\nSecond paragraph.").unwrap();
    run(&[
        "campaign",
        "create",
        "cli-pledge",
        "--title",
        "CLI pledge",
        "--goal",
        "50",
        "--text-file",
        text_file.to_str().unwrap(),
        "--allowed-origin",
        "https://Partner.example/",
        "--field",
        "role:select:I am:required:artist=An artist|fan=A fan",
        "--field",
        "band:text:Band:optional:80",
        "--consent-text",
        "I agree.",
        "--public-names",
        // This test is about the CLI round trip; proof of work has its own tests.
        "--pow",
        "0",
        "--database-url",
        &db,
    ])
    .await;
    // Creating it again fails without touching it.
    let said = run_cli_failing(&[
        "campaign",
        "create",
        "cli-pledge",
        "--title",
        "Other",
        "--database-url",
        &db,
    ])
    .await;
    assert!(said.contains("cli-pledge"), "{said}");
    let list = run(&["campaign", "list", "--database-url", &db]).await;
    assert_eq!(list.trim(), "cli-pledge\t0\t50\tCLI pledge\topen");

    // Sign through a server on the same file, with a name that is a spreadsheet formula.
    let settings = pledge_server::Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: db.clone(),
        public_origin: None,
        rate_limit_per_minute: 0,
        abuse: pledge_server::abuse::AbuseSettings {
            secret_key: crate::helpers::on_postgres().then(crate::helpers::test_secret_key),
            ..Default::default()
        },
        limits: Default::default(),
        tls: None,
        delivery: Default::default(),
        email: Default::default(),
    };
    let app = pledge_server::Application::build(settings).await.unwrap();
    let base = format!("{}/api/v1/campaigns/cli-pledge", app.origin());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let info: serde_json::Value = client()
        .get(&base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["text"], "We pledge.\n\nSecond paragraph.");
    let r = client()
        .post(format!("{base}/signatures"))
        .header("idempotency-key", "key-cli-export")
        .header("origin", "https://partner.example")
        .json(&json!({
            "name": "=HYPERLINK(\"http://evil.example\")",
            "email": "Formula@Example.org",
            "fields": {"role": "fan", "band": "@band"},
            "consent": {"given": true, "text": "I agree."},
            "public": true,
            "locale": "es",
            "source_url": "https://artist.example/tour"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://partner.example"
    );
    let _ = stop.send(());
    timeout(TIMEOUT, server).await.unwrap().unwrap().unwrap();

    let csv = run(&["campaign", "export", "cli-pledge", "--database-url", &db]).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert_eq!(
        lines[0],
        "\"signed_at\",\"status\",\"name\",\"email\",\"public\",\"locale\",\"source_url\",\"consent_text\",\"consent_at\",\"consent_lang\",\"consent_version\",\"field:role\",\"field:band\""
    );
    let row = lines[1];
    assert!(
        row.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{row}"
    );
    assert!(row.contains("\"Formula@Example.org\""), "{row}");
    assert!(
        row.contains("\"true\",\"es\",\"https://artist.example/tour\",\"I agree.\""),
        "{row}"
    );
    assert!(row.ends_with("\"fan\",\"'@band\""), "{row}");
    let list = run(&["campaign", "list", "--database-url", &db]).await;
    assert!(list.starts_with("cli-pledge\t1\t50"));
}

#[tokio::test]
async fn demo_serves_app_and_partner_site_on_two_origins() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::database_url(dir.path(), "demo").await;
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--addr",
            "127.0.0.1:0",
            "--partner-addr",
            "127.0.0.1:0",
            "--database-url",
            &db,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || {
        timeout(TIMEOUT, lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    };
    let first = next().await;
    let second = next().await;
    let app = first
        .strip_prefix("pledge-server listening on ")
        .expect(&first)
        .to_owned();
    let partner = second
        .strip_prefix("partner site on ")
        .expect(&second)
        .to_owned();
    assert!(app.starts_with("http://127.0.0.1:") && partner.starts_with("http://127.0.0.1:"));
    assert_ne!(app, partner);

    let c = client();
    let info: serde_json::Value = c
        .get(format!("{app}/api/v1/campaigns/no-music-for-ice"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["title"], "No Music for ICE");
    assert_eq!(info["goal"], 1000);
    assert_eq!(info["allow_public_names"], true);
    assert_eq!(info["fields"][0]["key"], "role");
    // The wall has made-up signers to show, featured artists first (issue 14).
    assert_eq!(info["wall"]["public_names"], "after_review");
    let wall: serde_json::Value = c
        .get(format!(
            "{app}/api/v1/campaigns/no-music-for-ice/signers?limit=4"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(wall["total"], 24, "{wall}");
    assert_eq!(wall["signers"][0]["name"], "Ruby Calloway");
    assert_eq!(wall["signers"][0]["featured"], true);
    assert_eq!(wall["signers"][2]["fields"]["organisation"], "Los Faroles");
    assert_eq!(wall["signers"][3]["featured"], false);
    // The partner origin (both spellings) may call the API.
    let partner_port = partner.rsplit(':').next().unwrap();
    for origin in [partner.clone(), format!("http://localhost:{partner_port}")] {
        let r = c
            .request(
                reqwest::Method::OPTIONS,
                format!("{app}/api/v1/campaigns/no-music-for-ice/signatures"),
            )
            .header("origin", &origin)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["access-control-allow-origin"], origin.as_str());
    }
    // The partner site serves the pages, pointing at the app, and no API; the app serves
    // them too under `demo` (not under `serve`).
    let r = c.get(format!("{partner}/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for page in ["/", "/partner.html", "/themes.html"] {
        let r = c.get(format!("{app}{page}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "demo serves {page}");
    }
    let r = c
        .get(format!("{partner}/api/v1/campaigns/no-music-for-ice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // www/partner.html loads the widget and the API from %PLEDGE_ORIGIN%: served by the partner
    // listener, that placeholder must become the app's origin, not the partner's.
    let html = c
        .get(format!("{partner}/partner.html"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("%PLEDGE_ORIGIN%"), "placeholder left in");
    assert!(
        html.contains(&format!("{app}/widget/embed.js")),
        "partner.html loads the widget from the app origin {app}"
    );
    assert!(
        html.contains(&format!("{app}/api/v1")),
        "partner.html points the widget at the app's API {app}/api/v1"
    );
    child.kill().await.unwrap();
}

/// Reads the `pledge-server listening on ...` line of a child's stdout.
async fn listening_origin(child: &mut tokio::process::Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = timeout(TIMEOUT, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    line.strip_prefix("pledge-server listening on ")
        .expect(&line)
        .to_owned()
}

fn spawn_serve(db: &str) -> tokio::process::Child {
    Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn acknowledged_signature_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("durable.db").display());
    run(&[
        "campaign",
        "create",
        "durable",
        "--title",
        "Durable",
        "--pow",
        "0",
        "--consent-text",
        "Yes.",
        "--database-url",
        &db,
    ])
    .await;
    let mut child = spawn_serve(&db);
    let origin = listening_origin(&mut child).await;
    let r = client()
        .post(format!("{origin}/api/v1/campaigns/durable/signatures"))
        .header("idempotency-key", "key-durable-1")
        .json(&json!({"name": "Ada", "email": "ada@example.org", "consent": {"given": true, "text": "Yes."}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // SIGKILL: no graceful shutdown, no checkpoint. The WAL must already hold the commit.
    child.kill().await.unwrap();
    let mut child = spawn_serve(&db);
    let origin = listening_origin(&mut child).await;
    let count: serde_json::Value = client()
        .get(format!("{origin}/api/v1/campaigns/durable/count"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count, json!({"count": 1, "goal": null}));
    child.kill().await.unwrap();
}

/// `backup` and `restore` copy a SQLite file; on PostgreSQL they name the tools to use.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn backup_and_restore_on_postgres_point_at_pg_dump() {
    assert!(
        crate::helpers::on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::database_url(dir.path(), "pg").await;
    run(&["migrate", "--database-url", &db]).await;
    let target = dir.path().join("copy.db");
    for (args, tool) in [
        (["backup", target.to_str().unwrap()], "pg_dump"),
        (["restore", target.to_str().unwrap()], "pg_restore"),
    ] {
        let out = timeout(
            TIMEOUT,
            Command::new(BIN)
                .args(args)
                .args(["--database-url", &db])
                .output(),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(tool), "{args:?}: {stderr}");
    }
    assert!(!target.exists());
}
