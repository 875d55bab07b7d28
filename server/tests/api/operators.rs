//! What an operator relies on, with the real binary: backups under load and restores, no
//! database made by a typo, one server per SQLite file, repairs a server cannot miss, and
//! commands that read never migrate.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use sqlx::migrate::Migrator;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;
use tokio::time::timeout;

use crate::binary::{output as cli, run_cli as cli_ok};
use crate::helpers::{TIMEOUT, client};

use crate::binary::BIN;
const SLUG: &str = "ops-pledge";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Fails, and says why on stdout or stderr: both are returned.
async fn cli_fails(args: &[&str]) -> String {
    let out = cli(args).await;
    assert!(
        !out.status.success(),
        "{args:?} should fail: {}",
        text(&out)
    );
    text(&out)
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

async fn create_campaign(db: &str) {
    cli_ok(&[
        "campaign",
        "create",
        SLUG,
        "--title",
        "Ops",
        "--pow",
        "0",
        // The text `sign` sends: the server stores only a consent text the campaign shows.
        "--consent-text",
        "I agree.",
        "--database-url",
        db,
    ])
    .await;
}

/// A `serve` process on 127.0.0.1:0.
struct Server {
    child: Child,
    origin: String,
}

impl Server {
    /// Starts `serve` and waits for its startup line (no limits: one client sends all).
    async fn start(db: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--rate-limit", "0"])
            .args(["--hold-after", "0", "--campaign-rate-limit", "0"])
            .args(["--database-url", db])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = timeout(TIMEOUT, lines.next_line())
            .await
            .expect("startup line in time")
            .expect("stdout readable")
            .unwrap_or_default();
        let Some(origin) = line.strip_prefix("pledge-server listening on ") else {
            let out = timeout(TIMEOUT, child.wait_with_output())
                .await
                .expect("exits")
                .expect("output");
            panic!("serve did not start: {line}{}", text(&out));
        };
        Self {
            origin: origin.to_owned(),
            child,
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v1/campaigns/{SLUG}{path}", self.origin)
    }

    async fn count(&self) -> i64 {
        let body: serde_json::Value = client()
            .get(self.api("/count"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["count"].as_i64().expect("count")
    }

    /// SIGTERM, as systemd stops it, and wait for the exit.
    async fn stop(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        let status = timeout(TIMEOUT, self.child.wait())
            .await
            .expect("server stops in time")
            .unwrap();
        assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
    }
}

async fn sign(c: &reqwest::Client, url: &str, i: usize) -> reqwest::StatusCode {
    let r = c
        .post(url)
        .header("idempotency-key", format!("ops-key-{i:06}"))
        .json(&json!({
            "name": format!("Signer {i}"),
            "email": format!("ops-{i}@example.org"),
            "consent": {"given": true, "text": "I agree."},
        }))
        .send()
        .await
        .expect("post");
    r.status()
}

/// The export's email column, as a set.
async fn exported_emails(db: &str) -> BTreeSet<String> {
    let csv = cli_ok(&["campaign", "export", SLUG, "--database-url", db]).await;
    let mut lines = csv.lines();
    let column = lines
        .next()
        .and_then(|h| h.split(',').position(|c| c.trim_matches('"') == "email"))
        .expect("an email column");
    lines
        .filter_map(|l| l.split(',').nth(column))
        .map(|c| c.trim_matches('"').to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_load_then_restore_keeps_every_acknowledged_signature() {
    let dir = tempfile::tempdir().unwrap();
    let live = url(&dir.path().join("live.db"));
    let backup = dir.path().join("backup.db");
    create_campaign(&live).await;
    let server = Server::start(&live, &[]).await;

    // Four writers sign without pause until told to stop; each 201 is recorded.
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let warm = Arc::new(Notify::new());
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..4 {
        let (acked, stop, warm, url) = (
            acked.clone(),
            stop.clone(),
            warm.clone(),
            server.api("/signatures"),
        );
        writers.spawn(async move {
            let c = client();
            let mut i = w;
            while !stop.load(Ordering::SeqCst) {
                if sign(&c, &url, i).await == 201 {
                    let mut set = acked.lock().unwrap();
                    set.insert(format!("ops-{i}@example.org"));
                    if set.len() == 40 {
                        warm.notify_one();
                    }
                }
                i += 4;
            }
        });
    }
    timeout(TIMEOUT, warm.notified())
        .await
        .expect("40 signatures acknowledged");
    let before: BTreeSet<String> = acked.lock().unwrap().clone();
    let out = cli_ok(&["backup", backup.to_str().unwrap(), "--database-url", &live]).await;
    let during = acked.lock().unwrap().len();
    // A backup never overwrites.
    let again = cli_fails(&["backup", backup.to_str().unwrap(), "--database-url", &live]).await;
    assert!(again.contains("already exists"), "{again}");
    stop.store(true, Ordering::SeqCst);
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    let all_acked = acked.lock().unwrap().clone();

    // The server still holds the file: restore refuses.
    let refused = cli_fails(&["restore", backup.to_str().unwrap(), "--database-url", &live]).await;
    assert!(
        refused.contains("in use by pledge-server serve"),
        "{refused}"
    );
    server.stop().await;

    let restored_out =
        cli_ok(&["restore", backup.to_str().unwrap(), "--database-url", &live]).await;
    assert!(
        restored_out.contains("kept the replaced database as"),
        "{restored_out}"
    );
    let restored = exported_emails(&live).await;
    eprintln!(
        "backup under load: {} acknowledged before the backup, {during} by its end, {} in all; {} in the backup ({out})",
        before.len(),
        all_acked.len(),
        restored.len()
    );
    let lost: Vec<_> = before.difference(&restored).collect();
    assert!(
        lost.is_empty(),
        "acknowledged before the backup, lost: {lost:?}"
    );
    // Whatever the snapshot caught was committed, so its post was answered 201 too.
    assert!(
        restored.is_subset(&all_acked),
        "the backup holds only acknowledged signatures"
    );
    assert!(
        out.contains(&format!("1 campaigns, {} signatures", restored.len())),
        "{out}"
    );

    // The restored file serves, with the count equal to its rows, and passes check.
    let server = Server::start(&live, &[]).await;
    assert_eq!(server.count().await, i64::try_from(restored.len()).unwrap());
    server.stop().await;
    let check = cli_ok(&["check", "--database-url", &live]).await;
    assert!(check.contains("integrity: ok"), "{check}");
}

#[tokio::test]
async fn check_fails_on_a_torn_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("whole.db");
    let db = url(&path);
    create_campaign(&db).await;
    // Enough rows for several pages of table and index, written straight to the file.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    for i in 0..2000 {
        sqlx::query(
            "INSERT INTO signatures (campaign_id, name, email, email_normalised, consent_text, consent_at, signed_at)
             VALUES (1, ?, ?, ?, 'I agree.', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
        )
        .bind(format!("Signer number {i} with a longer name"))
        .bind(format!("torn-{i}@example.org"))
        .bind(format!("torn-{i}@example.org"))
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE campaigns SET signature_count = 2000")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let whole = cli_ok(&["check", "--database-url", &db]).await;
    assert!(
        whole.contains("integrity: ok (1 campaigns, 2000 signatures"),
        "{whole}"
    );

    // A copy torn in the middle: a page range overwritten, as a copy racing a checkpoint
    // would leave it (half old pages, half new).
    let bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page, "{} bytes", bytes.len());
    let mut torn = bytes.clone();
    let mid = (bytes.len() / page / 2) * page;
    torn[mid..mid + 2 * page].fill(0x5a);
    let torn_path = dir.path().join("torn.db");
    std::fs::write(&torn_path, &torn).unwrap();
    let out = cli_fails(&["check", "--database-url", &url(&torn_path)]).await;
    assert!(
        out.contains("damaged") || out.contains("malformed"),
        "check names the damage: {out}"
    );
    // A restore refuses it too, and leaves the database as it was.
    let refused = cli_fails(&[
        "restore",
        torn_path.to_str().unwrap(),
        "--database-url",
        &db,
    ])
    .await;
    assert!(refused.contains("torn.db"), "{refused}");
    cli_ok(&["check", "--database-url", &db]).await;
}

#[tokio::test]
async fn a_missing_database_is_an_error_not_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.db");
    let db = url(&typo);
    let out_file = dir.path().join("out.db");
    for args in [
        vec!["check"],
        vec!["check", "--repair"],
        vec!["campaign", "list"],
        vec!["campaign", "export", SLUG],
        vec!["campaign", "review", SLUG],
        vec!["campaign", "approve", SLUG, "--all"],
        vec!["backup", out_file.to_str().unwrap()],
        vec!["migrate"],
        vec!["serve", "--addr", "127.0.0.1:0"],
    ] {
        let mut full = args.clone();
        full.extend(["--database-url", &db]);
        let out = cli_fails(&full).await;
        assert!(
            out.contains(&format!("no database at {}", typo.display())),
            "{args:?} names the path: {out}"
        );
        assert!(!typo.exists(), "{args:?} created the file");
        assert!(!out_file.exists());
    }
    // Relative URLs are named as the absolute path they resolve to.
    let out = Command::new(BIN)
        .args(["check", "--database-url", "sqlite://relative-typo.db"])
        .current_dir(dir.path())
        .output()
        .await
        .unwrap();
    let said = text(&out);
    assert!(!out.status.success());
    assert!(
        said.contains(&format!(
            "no database at {}",
            dir.path().join("relative-typo.db").display()
        )),
        "{said}"
    );

    // `serve --create` is the explicit way to start on an empty file.
    let server = Server::start(&db, &["--create"]).await;
    assert!(typo.exists());
    server.stop().await;
    cli_ok(&["check", "--database-url", &db]).await;
}

#[tokio::test]
async fn a_second_server_on_the_same_file_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir.path().join("one.db"));
    create_campaign(&db).await;
    let first = Server::start(&db, &[]).await;
    let c = client();
    assert_eq!(sign(&c, &first.api("/signatures"), 1).await, 201);

    let second = timeout(
        TIMEOUT,
        Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &db])
            .env("RUST_LOG", "warn")
            .output(),
    )
    .await
    .expect("the second server exits at once")
    .unwrap();
    let said = text(&second);
    assert!(!second.status.success(), "{said}");
    assert!(
        said.contains("in use by pledge-server serve (pid "),
        "{said}"
    );
    assert!(said.contains("use PostgreSQL"), "{said}");
    assert!(
        !said.contains("listening on"),
        "it never started listening: {said}"
    );
    // The first is untouched and still counts.
    assert_eq!(sign(&c, &first.api("/signatures"), 2).await, 201);
    assert_eq!(first.count().await, 2);
    first.stop().await;
    // Once the first has stopped, the lock is free again.
    let next = Server::start(&db, &[]).await;
    assert_eq!(next.count().await, 2);
    next.stop().await;
}

/// SIGHUP reloads a TLS server's certificate; a server without TLS (behind a proxy) must not
/// die of it: `systemctl reload`, or a renewal hook's `kill -HUP` sent to it, used to end it with
/// exit 129, which systemd counts as a clean stop and does not restart.
#[tokio::test]
async fn sighup_does_not_stop_a_server_without_tls() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir.path().join("hup.db"));
    create_campaign(&db).await;
    let server = Server::start(&db, &[]).await;
    let pid = server.child.id().expect("running").to_string();
    for _ in 0..2 {
        let sent = Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .await
            .unwrap();
        assert!(sent.success());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let c = client();
    assert_eq!(sign(&c, &server.api("/signatures"), 1).await, 201);
    assert_eq!(server.count().await, 1);
    // And SIGTERM still stops it cleanly.
    server.stop().await;
}

#[tokio::test]
async fn repair_refuses_while_a_server_holds_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir.path().join("repair.db"));
    create_campaign(&db).await;
    let server = Server::start(&db, &[]).await;
    let c = client();
    for i in 0..3 {
        assert_eq!(sign(&c, &server.api("/signatures"), i).await, 201);
    }
    // Drift, as a hand edit would make it (writing beside the server is what SQLite allows).
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE campaigns SET signature_count = 501")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let checked = cli(&["check", "--database-url", &db]).await;
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    assert!(text(&checked).contains(&format!("drift\t{SLUG}\tstored 501\tsignatures 3")));

    let refused = cli_fails(&["check", "--repair", "--database-url", &db]).await;
    assert!(
        refused.contains("in use by pledge-server serve") && refused.contains("stop it first"),
        "{refused}"
    );
    server.stop().await;
    let repaired = cli_ok(&["check", "--repair", "--database-url", &db]).await;
    assert!(
        repaired.contains(&format!("repaired\t{SLUG}\tstored 501\tsignatures 3")),
        "{repaired}"
    );
    let server = Server::start(&db, &[]).await;
    assert_eq!(
        server.count().await,
        3,
        "the restarted server shows the repair"
    );
    server.stop().await;
}

#[tokio::test]
async fn commands_that_read_never_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let db = url(&path);
    // A database as an older pledge-server left it: all but the last migration.
    let all = &pledge_server::store::MIGRATOR;
    let known = all.migrations.len();
    let older = Migrator {
        migrations: Cow::Owned(all.migrations[..known - 1].to_vec()),
        ..Migrator::DEFAULT
    };
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    older.run(&pool).await.unwrap();
    pool.close().await;
    let applied = || async {
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    };
    assert_eq!(applied().await, i64::try_from(known - 1).unwrap());

    for args in [
        vec!["check"],
        vec!["campaign", "list"],
        vec!["campaign", "export", SLUG],
        vec!["campaign", "review", SLUG],
    ] {
        let mut full = args.clone();
        full.extend(["--database-url", &db]);
        let out = cli_fails(&full).await;
        assert!(
            out.contains("migration(s) this command will not apply")
                && out.contains("pledge-server migrate"),
            "{args:?}: {out}"
        );
        assert_eq!(
            applied().await,
            i64::try_from(known - 1).unwrap(),
            "{args:?} migrated"
        );
    }
    // A backup is taken before an upgrade, so it reads any schema.
    let before = dir.path().join("before-upgrade.db");
    cli_ok(&["backup", before.to_str().unwrap(), "--database-url", &db]).await;

    let migrated = cli_ok(&["migrate", "--database-url", &db]).await;
    assert!(migrated.contains("applied 1 migration(s)"), "{migrated}");
    assert_eq!(applied().await, i64::try_from(known).unwrap());
    cli_ok(&["check", "--database-url", &db]).await;
    let again = cli_ok(&["migrate", "--database-url", &db]).await;
    assert!(again.contains("nothing to do"), "{again}");
}

/// A backup holds every name and email, like the database: it is created owner-only (0600)
/// whatever the umask of the shell that runs `backup` (the database files are, see
/// `attacks::database_files_are_private`).
#[tokio::test]
async fn backup_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir.path().join("private.db"));
    create_campaign(&db).await;
    let target = dir.path().join("backup.db");
    cli_ok(&["backup", target.to_str().unwrap(), "--database-url", &db]).await;
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "backup: {mode:o}");
}
