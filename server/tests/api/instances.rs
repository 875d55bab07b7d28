//! Several `pledge-server serve` processes on one PostgreSQL database (PostgreSQL only: on
//! SQLite one server owns the file, which `operators` tests). Under SQLite these return at
//! once.

use std::process::Stdio;
use std::time::{Duration, Instant};

use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

use crate::helpers::{
    POW_SLUG, TIMEOUT, assert_error, client, create_test_campaign, database_url, on_postgres,
    signature, solve,
};

use crate::binary::BIN;

/// A random-looking key, as `openssl rand -hex 32` gives.
fn key_file(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let key: String = (0..32)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect();
    std::fs::write(&path, key).unwrap();
    path
}

/// `serve` on `db` with `key` (no limits that one address posting would trip).
fn serve(db: &str, key: Option<&std::path::Path>) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--database-url", db])
        .args([
            "--rate-limit",
            "0",
            "--campaign-rate-limit",
            "0",
            "--hold-after",
            "0",
        ])
        .env("RUST_LOG", "warn")
        .env_remove("PLEDGE_SECRET_KEY")
        .kill_on_drop(true);
    if let Some(key) = key {
        cmd.arg("--secret-key-file").arg(key);
    }
    cmd
}

async fn start(db: &str, key: &std::path::Path) -> (Child, String) {
    let mut child = serve(db, Some(key))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = timeout(TIMEOUT, lines.next_line())
        .await
        .expect("serve starts in time")
        .unwrap()
        .expect("serve prints its origin");
    let origin = line
        .strip_prefix("pledge-server listening on ")
        .expect(&line)
        .to_owned();
    (child, origin)
}

/// A database with the test campaigns, before any server starts.
async fn shared_database(dir: &std::path::Path) -> String {
    let db = database_url(dir, "shared").await;
    let store = SignatureStore::open(&db, OpenMode::Create).await.unwrap();
    create_test_campaign(&store, POW_SLUG, 2000, 0).await;
    store.close().await;
    db
}

async fn read_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    while !seen.contains(needle) {
        let chunk = timeout(TIMEOUT, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("{needle} within {TIMEOUT:?}; saw {seen}"))
            .unwrap()
            .expect("stream still open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Instance B's SSE viewers see a signature instance A took (LISTEN/NOTIFY), and A's
/// challenge, once spent on A, is refused on B (one `used_challenges` table).
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn a_signature_on_one_instance_reaches_viewers_of_another() {
    assert!(
        on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = shared_database(dir.path()).await;
    let key = key_file(dir.path(), "key");
    let (_a, a) = start(&db, &key).await;
    let (_b, b) = start(&db, &key).await;
    let c = client();
    let api = |origin: &str, path: &str| format!("{origin}/api/v1/campaigns/{POW_SLUG}{path}");

    let mut events = c
        .get(api(&b, "/events"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "\"count\":0").await;

    let challenge: Value = c
        .get(api(&a, "/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let proof = solve(&challenge);
    let mut body = signature("a@example.org");
    body["proof"] = proof.clone();
    let signed_at = Instant::now();
    let r = c
        .post(api(&a, "/signatures"))
        .header("idempotency-key", "key-on-a")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    read_until(&mut events, &mut seen, "\"count\":1").await;
    // Reported, not asserted: a timed assertion would fail on a loaded machine.
    eprintln!(
        "instance B's viewer saw A's signature {} ms after the post",
        signed_at.elapsed().as_millis()
    );
    let count: Value = c
        .get(api(&b, "/count"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 1);

    // B checks A's challenge (the key is shared) and finds it spent.
    let mut again = signature("b@example.org");
    again["proof"] = proof;
    let r = c
        .post(api(&b, "/signatures"))
        .header("idempotency-key", "key-on-b")
        .json(&again)
        .send()
        .await
        .unwrap();
    assert_error(r, 422, "proof_replayed").await;
}

/// NOTIFY has no replay: a listener that lost its connection listens again and re-reads the
/// counts. Here every listener's connection is cut, then A takes two signatures: the first
/// most likely while B is reconnecting (only the re-read can bring it), the second after.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn a_listener_that_reconnects_catches_up() {
    use sqlx::Connection;
    assert!(
        on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = shared_database(dir.path()).await;
    let key = key_file(dir.path(), "key");
    let (_a, a) = start(&db, &key).await;
    let (_b, b) = start(&db, &key).await;
    let c = client();
    let slug = crate::helpers::SLUG;
    let store = SignatureStore::open(&db, OpenMode::Migrate).await.unwrap();
    create_test_campaign(&store, slug, 0, 0).await;
    store.close().await;
    let api = |origin: &str, path: &str| format!("{origin}/api/v1/campaigns/{slug}{path}");
    let mut events = c
        .get(api(&b, "/events"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "\"count\":0").await;

    let mut admin = sqlx::PgConnection::connect(&db).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(cut.len() >= 2, "both instances listen: {cut:?}");
    let _ = admin.close().await;
    for (i, email) in ["r1@example.org", "r2@example.org"].iter().enumerate() {
        let r = c
            .post(api(&a, "/signatures"))
            .header("idempotency-key", format!("key-reconnect-{i}"))
            .json(&signature(email))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        read_until(&mut events, &mut seen, &format!("\"count\":{}", i + 1)).await;
    }
}

/// A campaign changed while instances run (here its allowed origins) is re-read by each of
/// them: the change is announced on `pledge_campaigns` when it commits.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn campaign_changes_reach_every_instance() {
    assert!(
        on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = shared_database(dir.path()).await;
    let key = key_file(dir.path(), "key");
    let (_b, b) = start(&db, &key).await;
    let c = client();
    let late = "https://late.example";
    let allowed = || async {
        let r = c
            // A signing route: the read routes answer every origin (issue 18).
            .get(format!("{b}/api/v1/campaigns/{POW_SLUG}/challenge"))
            .header("origin", late)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    // B has the campaign cached, without the new origin.
    assert_eq!(allowed().await, None);
    let store = SignatureStore::open(&db, OpenMode::Migrate).await.unwrap();
    store
        .set_allowed_origins(POW_SLUG, &[crate::helpers::PARTNER.into(), late.into()])
        .await
        .unwrap();
    store.close().await;
    // Bounded wait for the announcement (not a speed assertion).
    let deadline = Instant::now() + TIMEOUT;
    while allowed().await.is_none() {
        assert!(Instant::now() < deadline, "B never re-read the campaign");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(allowed().await.as_deref(), Some(late));
}

/// A random key per process would make one instance refuse another's challenges.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn serve_on_postgres_needs_a_secret_key() {
    assert!(
        on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = shared_database(dir.path()).await;
    let out = timeout(TIMEOUT, serve(&db, None).output())
        .await
        .expect("serve refuses in time")
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PLEDGE_SECRET_KEY"), "{stderr}");
}

/// The first instance records the key's fingerprint; one with another key is refused.
#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/test-postgres runs it"]
async fn instances_with_different_keys_refuse_to_share_a_database() {
    assert!(
        on_postgres(),
        "a PostgreSQL-only test: run it with .ci/test-postgres"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = shared_database(dir.path()).await;
    let (_a, _) = start(&db, &key_file(dir.path(), "key-a")).await;
    let other = key_file(dir.path(), "key-b");
    let out = timeout(TIMEOUT, serve(&db, Some(&other)).output())
        .await
        .expect("serve refuses in time")
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("different secret key"), "{stderr}");
}

/// The count a restarted listener re-reads: a store-level check that `counts` sees what
/// another connection committed.
#[tokio::test]
async fn counts_are_read_back_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = shared_database(dir.path()).await;
    let store = SignatureStore::open(&db, OpenMode::Migrate).await.unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.iter().map(|(_, c)| *c).collect::<Vec<_>>(), [0]);
    store.close().await;
}
