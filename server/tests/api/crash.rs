//! "An acknowledged signature survives a server crash": the real binary, SIGKILLed in the
//! middle of a burst of signatures, then restarted on the same database (a SQLite file, or
//! PostgreSQL under `.ci/test-postgres`). `check` and its repair of a hand-edited count are
//! shown on the SQLite file.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;
use tokio::time::timeout;

use crate::binary::run_cli;
use crate::helpers::TIMEOUT;

const BIN: &str = env!("CARGO_BIN_EXE_pledge-server");
const SLUG: &str = "crash-pledge";
const SENT: usize = 200;
/// Kill once this many posts have been answered 201, so the kill lands mid-burst.
const KILL_AFTER: usize = 30;

/// Starts `serve` on port 0 and returns the child and its origin (from the startup line).
async fn serve(db: &str) -> (Child, String) {
    let mut child = Command::new(BIN)
        // One loopback client sends the whole burst: no per-address limit, no holds.
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
            "--hold-after",
            "0",
        ])
        .args(["--database-url", db])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = timeout(TIMEOUT, BufReader::new(stdout).lines().next_line())
        .await
        .expect("startup line in time")
        .expect("stdout readable")
        .expect("a startup line");
    let origin = line
        .rsplit(' ')
        .next()
        .expect("origin on the startup line")
        .to_owned();
    (child, origin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_signatures_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::database_url(dir.path(), "crash").await;
    run_cli(&[
        "campaign",
        "create",
        SLUG,
        "--title",
        "Crash",
        "--pow",
        "0",
        "--consent-text",
        "I agree.",
        "--database-url",
        &db,
    ])
    .await;

    let (mut server, origin) = serve(&db).await;
    let url = format!("{origin}/api/v1/campaigns/{SLUG}/signatures");
    let client = crate::helpers::client_builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let acked = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..SENT {
        let (client, url, acked, enough) =
            (client.clone(), url.clone(), acked.clone(), enough.clone());
        posts.spawn(async move {
            let email = format!("crash-{i}@example.org");
            let body = json!({
                "name": format!("Signer {i}"),
                "email": email,
                "consent": {"given": true, "text": "I agree."},
            });
            let response = client
                .post(&url)
                .header("idempotency-key", format!("crash-key-{i:04}"))
                .json(&body)
                .send()
                .await;
            let ok = matches!(&response, Ok(r) if r.status() == 201);
            if ok && acked.fetch_add(1, Ordering::SeqCst) + 1 >= KILL_AFTER {
                enough.notify_one();
            }
            ok.then_some(email)
        });
    }
    timeout(TIMEOUT, enough.notified())
        .await
        .expect("enough acknowledgements before the kill");
    server.start_kill().expect("SIGKILL");
    let _ = server.wait().await;
    let mut acknowledged = BTreeSet::new();
    while let Some(done) = posts.join_next().await {
        if let Some(email) = done.expect("post task") {
            acknowledged.insert(email);
        }
    }

    // Restart on the same database: it opens (WAL recovery) and serves the same count.
    let (mut server, origin) = serve(&db).await;
    let count: serde_json::Value = client
        .get(format!("{origin}/api/v1/campaigns/{SLUG}/count"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let count = count["count"].as_i64().expect("count");

    let csv = run_cli(&["campaign", "export", SLUG, "--database-url", &db]).await;
    // Every cell is quoted, and no cell here holds a comma; find the column by its header.
    let email_column = csv
        .lines()
        .next()
        .and_then(|header| {
            header
                .split(',')
                .position(|c| c.trim_matches('"') == "email")
        })
        .expect("an email column in the export");
    let stored: BTreeSet<String> = csv
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(email_column))
        .map(|cell| cell.trim_matches('"').to_owned())
        .collect();
    eprintln!(
        "crash test: sent {SENT}, acknowledged {}, stored {}, count after restart {count}",
        acknowledged.len(),
        stored.len()
    );
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(
        acknowledged.len() < SENT,
        "the kill landed after the whole burst"
    );
    assert_eq!(count, i64::try_from(stored.len()).unwrap(), "count = rows");

    // `check` exits non-zero on drift between the count and the rows.
    run_cli(&["check", "--database-url", &db]).await;
    server.start_kill().unwrap();
    let _ = server.wait().await;
}

#[tokio::test]
async fn check_reports_and_repairs_drift() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drift.db");
    let db = format!("sqlite://{}", path.display());
    run_cli(&[
        "campaign",
        "create",
        SLUG,
        "--title",
        "Drift",
        "--database-url",
        &db,
    ])
    .await;
    run_cli(&["check", "--database-url", &db]).await;

    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE campaigns SET signature_count = 7")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let drift = crate::binary::output(&["check", "--database-url", &db]).await;
    assert_eq!(drift.status.code(), Some(1));
    let out = String::from_utf8_lossy(&drift.stdout);
    assert!(
        out.contains(&format!("drift\t{SLUG}\tstored 7\tsignatures 0")),
        "{out}"
    );

    run_cli(&["check", "--repair", "--database-url", &db]).await;
    run_cli(&["check", "--database-url", &db]).await;
}
