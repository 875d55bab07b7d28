//! Restarts under load: `serve` on a listening socket it inherits (systemd socket activation,
//! `LISTEN_FDS`) is stopped with SIGTERM and a new one started on the same socket while
//! clients keep sending; no connection is refused and every request is answered. The same
//! restart with each server binding its own address refuses connections, which is why the
//! socket unit exists (docs/deploy.md, "Restarts and upgrades without refused connections").

use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

use crate::helpers::{TIMEOUT, client_builder};

use crate::binary::BIN;
const SLUG: &str = "restart";
const SECRET_KEY: &str = "59b1476c572d74c12a84e0d57fd6c954c2edc68ed61c73280f6f4c4003afd374";
/// Clients sending at once, like a proxy's upstream connections.
const CLIENTS: usize = 4;
/// Requests each client sends at most: the load is bounded even if a server never comes up.
const MAX_PER_CLIENT: usize = 1500;
/// Answered requests each client needs before the restart and again after it.
const ANSWERED_AROUND_RESTART: usize = 25;
/// How long no server runs between the old one's exit and the new one's start (a slow
/// start: migrations, a large database). Requests made then wait in the socket's queue.
const GAP: Duration = Duration::from_millis(300);

/// Where the servers get their listening socket from.
enum Listen {
    /// One loopback socket this test binds and holds, handed to each server as fd 3 with
    /// `LISTEN_FDS=1` and `LISTEN_PID`, as systemd's socket unit does.
    Inherited(std::net::TcpListener),
    /// Each server binds `--addr` itself (no socket unit).
    Bound(u16),
}

impl Listen {
    fn port(&self) -> u16 {
        match self {
            Listen::Inherited(socket) => socket.local_addr().expect("bound").port(),
            Listen::Bound(port) => *port,
        }
    }
}

/// TLS files and the certificate clients trust, when the servers terminate TLS.
struct Tls {
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    der: rustls::pki_types::CertificateDer<'static>,
}

struct Server {
    child: Child,
}

impl Server {
    /// Starts `serve` and waits for its startup line, which must name `listen`'s port.
    async fn start(listen: &Listen, db: &str, tls: Option<&Tls>) -> Self {
        let mut args: Vec<String> = [
            "serve",
            "--rate-limit",
            "0",
            "--hold-after",
            "0",
            "--campaign-rate-limit",
            "0",
            "--database-url",
            db,
        ]
        .map(String::from)
        .to_vec();
        if let Some(tls) = tls {
            args.extend(["--tls-cert".into(), tls.cert.display().to_string()]);
            args.extend(["--tls-key".into(), tls.key.display().to_string()]);
        }
        let mut command = match listen {
            Listen::Inherited(socket) => {
                // The socket goes in as stdin; the shell moves it to fd 3 and becomes the
                // server (exec keeps the pid, so LISTEN_PID=$$ names the server). `--addr`
                // says port 0: a server that bound it instead would print another port.
                let fd = OwnedFd::from(socket.try_clone().expect("dup the socket"));
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(r#"exec 3<&0 0</dev/null; export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" "$@""#)
                    .arg(BIN)
                    .args(&args)
                    .args(["--addr", "127.0.0.1:0"])
                    .stdin(Stdio::from(fd));
                c
            }
            Listen::Bound(port) => {
                let mut c = Command::new(BIN);
                c.args(&args)
                    .args(["--addr", &format!("127.0.0.1:{port}")])
                    .stdin(Stdio::null());
                c
            }
        };
        let mut child = command
            .env(
                "RUST_LOG",
                std::env::var("RESTART_LOG").unwrap_or("warn".into()),
            )
            // One key across the restart, as the unit's credential is (PostgreSQL needs it).
            .env("PLEDGE_SECRET_KEY", SECRET_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = timeout(TIMEOUT, lines.next_line())
            .await
            .expect("startup line in time")
            .expect("stdout readable")
            .unwrap_or_default();
        let scheme = if tls.is_some() { "https" } else { "http" };
        assert_eq!(
            line,
            format!(
                "pledge-server listening on {scheme}://127.0.0.1:{}",
                listen.port()
            ),
            "the server listens where it was told"
        );
        Self { child }
    }

    /// SIGTERM, as `systemctl restart` sends it, and wait for the exit.
    async fn stop(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(killed.success());
        let status = timeout(TIMEOUT, self.child.wait())
            .await
            .expect("server stops in time")
            .expect("wait");
        assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
    }
}

/// What became of each request of the load.
#[derive(Default)]
struct Outcomes {
    answered: AtomicUsize,
    signed: AtomicUsize,
    refused: AtomicUsize,
    reset: AtomicUsize,
    /// Any other failure, and answers other than 2xx.
    other: AtomicUsize,
    first_failures: std::sync::Mutex<Vec<String>>,
}

impl Outcomes {
    fn failed(&self, counter: &AtomicUsize, what: String) {
        counter.fetch_add(1, Ordering::SeqCst);
        let mut first = self.first_failures.lock().expect("not poisoned");
        if first.len() < 5 {
            first.push(what);
        }
    }

    fn failures(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
            + self.reset.load(Ordering::SeqCst)
            + self.other.load(Ordering::SeqCst)
    }

    fn summary(&self) -> String {
        format!(
            "answered {}, signed {}, refused {}, reset {}, other {}; first failures {:?}",
            self.answered.load(Ordering::SeqCst),
            self.signed.load(Ordering::SeqCst),
            self.refused.load(Ordering::SeqCst),
            self.reset.load(Ordering::SeqCst),
            self.other.load(Ordering::SeqCst),
            self.first_failures.lock().expect("not poisoned"),
        )
    }
}

/// The `std::io::ErrorKind` somewhere in an error's chain, if any.
fn io_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = e.source();
    }
    None
}

/// A client that opens a new connection for every request (no idle connections kept), so
/// each request tests whether the listening socket takes connections at that moment.
fn fresh_connections(tls: Option<&Tls>) -> reqwest::Client {
    let mut builder = client_builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .pool_max_idle_per_host(0)
        .http1_only();
    if let Some(tls) = tls {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(tls.der.clone()).expect("root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        builder = builder.tls_backend_preconfigured(config);
    }
    builder.build().expect("client")
}

/// One request of the load: even ones read the count, odd ones sign.
async fn send(client: &reqwest::Client, origin: &str, n: usize, outcomes: &Outcomes) -> bool {
    let api = format!("{origin}/api/v1/campaigns/{SLUG}");
    let request = if n.is_multiple_of(2) {
        client.get(format!("{api}/count"))
    } else {
        client
            .post(format!("{api}/signatures"))
            .header("idempotency-key", format!("restart-key-{n:08}"))
            .json(&json!({
                "name": format!("Signer {n}"),
                "email": format!("signer-{n}@example.org"),
                "consent": {"given": true, "text": "I agree."},
            }))
    };
    match request.send().await {
        Ok(r) if r.status().is_success() => {
            outcomes.answered.fetch_add(1, Ordering::SeqCst);
            if r.status() == 201 {
                outcomes.signed.fetch_add(1, Ordering::SeqCst);
            }
            true
        }
        Ok(r) => {
            outcomes.failed(&outcomes.other, format!("request {n}: {}", r.status()));
            false
        }
        Err(e) => {
            let counter = match io_kind(&e) {
                Some(std::io::ErrorKind::ConnectionRefused) => &outcomes.refused,
                Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe) => {
                    &outcomes.reset
                }
                _ if e.is_request() && format!("{e:?}").contains("IncompleteMessage") => {
                    &outcomes.reset
                }
                _ => &outcomes.other,
            };
            outcomes.failed(counter, format!("request {n}: {e:?}"));
            false
        }
    }
}

/// Runs the whole story: a server, load, SIGTERM, a gap with no server, a new server on the
/// same socket (or address), more load. Returns the load's outcomes, the answer to a request
/// sent while no server ran, and the count the new server shows.
async fn restart_under_load(
    listen: Listen,
    tls: Option<Tls>,
) -> (Arc<Outcomes>, Result<u16, String>, i64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = crate::helpers::database_url(dir.path(), "restart").await;
    crate::binary::run_cli(&[
        "campaign",
        "create",
        SLUG,
        "--title",
        "Restart",
        "--pow",
        "0",
        "--consent-text",
        "I agree.",
        "--database-url",
        &db,
    ])
    .await;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let origin = format!("{scheme}://127.0.0.1:{}", listen.port());
    let client = fresh_connections(tls.as_ref());

    let old = Server::start(&listen, &db, tls.as_ref()).await;
    let outcomes = Arc::new(Outcomes::default());
    let restarted = Arc::new(AtomicBool::new(false));
    let numbers = Arc::new(AtomicUsize::new(0));
    let mut load = tokio::task::JoinSet::new();
    let (before_tx, mut before_rx) = tokio::sync::mpsc::channel::<()>(CLIENTS);
    for _ in 0..CLIENTS {
        let (client, origin, outcomes) = (client.clone(), origin.clone(), outcomes.clone());
        let (restarted, numbers, before) = (restarted.clone(), numbers.clone(), before_tx.clone());
        load.spawn(async move {
            let (mut before_restart, mut after_restart) = (0, 0);
            for _ in 0..MAX_PER_CLIENT {
                let n = numbers.fetch_add(1, Ordering::SeqCst);
                let ok = send(&client, &origin, n, &outcomes).await;
                if !ok {
                    // A refused connect fails in microseconds: pace the retries so the
                    // bounded count covers the whole gap.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                } else if restarted.load(Ordering::SeqCst) {
                    after_restart += 1;
                    if after_restart >= ANSWERED_AROUND_RESTART {
                        return;
                    }
                } else {
                    before_restart += 1;
                    if before_restart == ANSWERED_AROUND_RESTART {
                        let _ = before.send(()).await;
                    }
                }
            }
        });
    }
    drop(before_tx);
    for _ in 0..CLIENTS {
        timeout(TIMEOUT, before_rx.recv())
            .await
            .expect("the load gets answers before the restart");
    }

    old.stop().await;
    // No server runs now. A request sent in this gap waits in the socket's queue for the
    // next server, or is refused when nothing holds the socket.
    let probe = {
        let (client, origin) = (client.clone(), origin.clone());
        tokio::spawn(async move {
            match client
                .get(format!("{origin}/api/v1/campaigns/{SLUG}/count"))
                .send()
                .await
            {
                Ok(r) => Ok(r.status().as_u16()),
                Err(e) => Err(format!("{:?}: {e:?}", io_kind(&e))),
            }
        })
    };
    tokio::time::sleep(GAP).await;
    let new = Server::start(&listen, &db, tls.as_ref()).await;
    restarted.store(true, Ordering::SeqCst);
    let probe = timeout(TIMEOUT, probe)
        .await
        .expect("the gap's request ends")
        .expect("probe task");
    timeout(Duration::from_secs(60), async {
        while let Some(joined) = load.join_next().await {
            joined.expect("load task");
        }
    })
    .await
    .expect("the load ends");

    let count: serde_json::Value = client
        .get(format!("{origin}/api/v1/campaigns/{SLUG}/count"))
        .send()
        .await
        .expect("count after the restart")
        .json()
        .await
        .expect("count JSON");
    new.stop().await;
    (outcomes, probe, count["count"].as_i64().expect("count"))
}

fn held_socket() -> Listen {
    Listen::Inherited(std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback"))
}

fn free_port() -> Listen {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    Listen::Bound(socket.local_addr().expect("bound").port())
}

fn tls_files(dir: &std::path::Path) -> Tls {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&key, generated.signing_key.serialize_pem()).expect("write key");
    std::fs::write(&cert, generated.cert.pem()).expect("write cert");
    Tls {
        cert,
        key,
        der: generated.cert.der().clone(),
    }
}

fn assert_seamless(outcomes: &Outcomes, probe: &Result<u16, String>, count: i64) {
    eprintln!("restart on an inherited socket: {}", outcomes.summary());
    assert_eq!(
        outcomes.failures(),
        0,
        "no request fails: {}",
        outcomes.summary()
    );
    assert_eq!(
        probe,
        &Ok(200),
        "a request sent while no server ran is answered by the next"
    );
    let signed = i64::try_from(outcomes.signed.load(Ordering::SeqCst)).expect("small");
    assert!(signed > 0, "{}", outcomes.summary());
    assert_eq!(
        count, signed,
        "every acknowledged signature is counted after the restart"
    );
}

#[tokio::test]
async fn restart_on_an_inherited_socket_refuses_nothing() {
    let (outcomes, probe, count) = restart_under_load(held_socket(), None).await;
    assert_seamless(&outcomes, &probe, count);
}

#[tokio::test]
async fn restart_on_an_inherited_socket_refuses_nothing_over_tls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (outcomes, probe, count) =
        restart_under_load(held_socket(), Some(tls_files(dir.path()))).await;
    assert_seamless(&outcomes, &probe, count);
}

/// The old way, each server binding the port itself: the same restart refuses connections,
/// so the test above can fail.
#[tokio::test]
async fn restart_that_binds_anew_refuses_connections() {
    let (outcomes, probe, _) = restart_under_load(free_port(), None).await;
    eprintln!("restart binding anew: {}", outcomes.summary());
    assert!(
        probe
            .as_ref()
            .is_err_and(|e| e.contains("ConnectionRefused")),
        "a request sent while no server ran is refused: {probe:?}"
    );
    assert!(
        outcomes.refused.load(Ordering::SeqCst) > 0,
        "the load sees refused connections: {}",
        outcomes.summary()
    );
}

/// A connection the server accepted but that has not sent its request yet when the server is
/// told to stop (a TLS handshake straddling SIGTERM, a request still on its way) gets its
/// answer, and then the connection closes (`read_to_string` ends), instead of being closed
/// unanswered.
#[tokio::test]
async fn connection_accepted_before_stop_still_gets_its_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::spawn_app().await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let path = format!("/api/v1/campaigns/{}/count", crate::helpers::SLUG);
    let mut tcp = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    // Accepted and handed to its connection task, which has read nothing yet.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes())
        .await
        .expect("request written");
    let mut answer = String::new();
    timeout(TIMEOUT, tcp.read_to_string(&mut answer))
        .await
        .expect("answered in time")
        .expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer:?}");
    timeout(TIMEOUT, stopping)
        .await
        .expect("the server stops once the connection is done")
        .expect("stop task");
}
