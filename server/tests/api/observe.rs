//! Health, readiness, Prometheus metrics and what the logs may hold.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::time::timeout;

use crate::helpers::{SLUG, TIMEOUT, assert_error, client, signature, spawn_app};

use crate::binary::BIN;

async fn scrape(url: &str) -> String {
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    r.text().await.unwrap()
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    for (path, body) in [
        ("/healthz", serde_json::json!({"status": "ok"})),
        ("/readyz", serde_json::json!({"status": "ready"})),
    ] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.json::<serde_json::Value>().await.unwrap(), body);
    }
}

#[tokio::test]
async fn a_scrape_after_a_signature_shows_it_counted() {
    let app = spawn_app().await;
    let r = app
        .post_signature("key-metrics-1", &signature("m@example.org"))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post_signature("key-metrics-2", &serde_json::json!({"name": ""}))
        .await;
    assert_error(r, 422, "validation").await;
    let text = scrape(&format!("{}/metrics", app.address)).await;
    for line in [
        "pledge_http_requests_total{route=\"/api/v1/campaigns/{slug}/signatures\",method=\"POST\",status=\"201\"} 1",
        "pledge_http_requests_total{route=\"/api/v1/campaigns/{slug}/signatures\",method=\"POST\",status=\"422\"} 1",
        "pledge_signature_posts_total{result=\"accepted\",reason=\"\"} 1",
        "pledge_signature_posts_total{result=\"refused\",reason=\"validation\"} 1",
        "pledge_http_request_duration_seconds_count{route=\"/api/v1/campaigns/{slug}/signatures\"} 2",
        "pledge_signatures{status=\"signed\"} 1",
        "pledge_signatures{status=\"held\"} 0",
        "pledge_sse_streams_open 0",
        "pledge_database_up 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(text.contains("# TYPE pledge_http_request_duration_seconds histogram"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("pledge_connections_open "))
    );
    eprintln!(
        "metrics after one signature:\n{}",
        text.lines()
            .filter(|l| l.contains("signature") && !l.contains("_bucket") && !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn metrics_on_their_own_address_leave_the_public_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::database_url(dir.path(), "m").await;
    let mut child = Command::new(BIN)
        .args(["serve", "--create", "--addr", "127.0.0.1:0"])
        .args(["--metrics-addr", "127.0.0.1:0", "--database-url", &db])
        .env("RUST_LOG", "warn")
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
    let metrics = first.strip_prefix("metrics on ").expect(&first).to_owned();
    let second = next().await;
    let public = second
        .strip_prefix("pledge-server listening on ")
        .expect(&second)
        .to_owned();
    let c = client();
    let r = c.get(format!("{public}/metrics")).send().await.unwrap();
    assert_error(r, 404, "not_found").await;
    assert_eq!(
        c.get(format!("{public}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let text = scrape(&format!("{metrics}/metrics")).await;
    assert!(
        text.contains(
            "pledge_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert_eq!(
        c.get(format!("{metrics}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    child.kill().await.unwrap();
}

/// `?email=` and `?name=` in a URL are personal data: the logs keep the path, never the
/// query; every line of a request carries its id, which the response header repeats.
#[tokio::test]
async fn logs_carry_a_request_id_and_never_a_query_string() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::database_url(dir.path(), "log").await;
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--create",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &db,
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let line = timeout(
        TIMEOUT,
        BufReader::new(child.stdout.take().unwrap())
            .lines()
            .next_line(),
    )
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    let origin = line
        .strip_prefix("pledge-server listening on ")
        .expect(&line)
        .to_owned();
    let c = client();
    let r = c
        .get(format!(
            "{origin}/api/v1/campaigns/{SLUG}/count?email=leakcheck.signer@example.org&name=Leakcheck%20Signer"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let r = c
        .get(format!(
            "{origin}/embed/{SLUG}?title=Leakcheck%20Title&email=leakcheck2@example.org"
        ))
        .header("x-request-id", "proxy-given-id-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "proxy-given-id-1");

    // SIGTERM: the server finishes, so every line is written before stderr closes.
    let pid = child.id().unwrap().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    let mut stderr = String::new();
    timeout(
        TIMEOUT,
        child.stderr.take().unwrap().read_to_string(&mut stderr),
    )
    .await
    .unwrap()
    .unwrap();
    timeout(TIMEOUT, child.wait()).await.unwrap().unwrap();
    for secret in ["leakcheck", "Leakcheck", "email=", "title=", "name="] {
        assert!(!stderr.contains(secret), "{secret:?} logged:\n{stderr}");
    }
    assert!(
        stderr.contains(&format!("id={id}")) && stderr.contains("path=/api/v1/campaigns/"),
        "{stderr}"
    );
    assert!(stderr.contains("id=proxy-given-id-1"), "{stderr}");
}

/// `--log-format json` (issue 17, item 6): every line on stderr is one JSON object, each
/// line of a request carries its id in its span, and no query string or email appears.
#[tokio::test]
async fn json_logs_are_one_object_a_line_with_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("json.db").display());
    let created = Command::new(BIN)
        .args([
            "campaign",
            "create",
            "json-logs",
            "--title",
            "T",
            "--pow",
            "0",
        ])
        .args(["--database-url", &db, "--log-format", "json"])
        .output()
        .await
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &db])
        .env("RUST_LOG", "info")
        .env("PLEDGE_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = timeout(TIMEOUT, stdout.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let origin = line
        .strip_prefix("pledge-server listening on ")
        .expect(&line)
        .to_owned();
    let api = format!("{origin}/api/v1/campaigns/json-logs");
    let mut body = signature("leakcheck.json@example.org");
    body["fields"] = serde_json::json!({});
    body["consent"]["text"] = serde_json::json!(
        "I agree that the organisers may store my name and email to count my pledge and contact me about it."
    );
    let r = client()
        .post(format!(
            "{api}/signatures?email=leakcheck.query@example.org"
        ))
        .header("idempotency-key", "json-logs-key-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let r = client()
        .get(format!("{api}/count?name=Leakcheck%20Signer"))
        .header("x-request-id", "proxy-given-id-2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // SIGTERM: the server finishes, so every line is written before stderr closes.
    let pid = child.id().unwrap().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    let mut stderr = String::new();
    timeout(
        TIMEOUT,
        child.stderr.take().unwrap().read_to_string(&mut stderr),
    )
    .await
    .unwrap()
    .unwrap();
    timeout(TIMEOUT, child.wait()).await.unwrap().unwrap();
    let mut rest = Vec::new();
    while let Some(line) = timeout(TIMEOUT, stdout.next_line()).await.unwrap().unwrap() {
        rest.push(line);
    }
    // stdout is the command's own output (the line read above), not a log.
    assert!(rest.is_empty(), "{rest:?}");
    for secret in ["leakcheck", "Leakcheck", "email=", "name=", "?"] {
        assert!(!stderr.contains(secret), "{secret:?} logged:\n{stderr}");
    }
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let of_request = |id: &str| {
        lines
            .iter()
            .filter(|l| l["span"]["id"] == id)
            .map(|l| l["span"]["path"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of_request(&id),
        ["/api/v1/campaigns/json-logs/signatures"],
        "{stderr}"
    );
    assert_eq!(
        of_request("proxy-given-id-2"),
        ["/api/v1/campaigns/json-logs/count"],
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["fields"].is_object())
    );
}
