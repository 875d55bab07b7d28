//! The accept loop: HTTP/2 over TLS, certificate reload, and the connection limits.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pledge_server::transport::Limits;
use pledge_server::transport::tls::TlsFiles;
use pledge_server::{Application, Settings};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::timeout;

use crate::helpers::{SLUG, TIMEOUT, create_test_campaign, signature};

struct Server {
    origin: String,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(dir: tempfile::TempDir, limits: Limits, tls: Option<TlsFiles>) -> Self {
        let settings = Settings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database_url: crate::helpers::database_url(dir.path(), "t").await,
            public_origin: None,
            rate_limit_per_minute: 0,
            abuse: pledge_server::abuse::AbuseSettings {
                secret_key: crate::helpers::on_postgres().then(crate::helpers::test_secret_key),
                ..Default::default()
            },
            limits,
            tls,
            delivery: Default::default(),
            email: Default::default(),
        };
        let app = Application::build(settings).await.expect("app builds");
        create_test_campaign(app.store(), SLUG, 0, 0).await;
        let origin = app.origin();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Self {
            origin,
            stop,
            done,
            _dir: dir,
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v1/campaigns/{SLUG}{path}", self.origin)
    }

    fn addr(&self) -> String {
        self.origin.split("://").nth(1).unwrap().to_owned()
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        timeout(TIMEOUT, self.done)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server ran");
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM, cert DER).
fn self_signed() -> (String, String, CertificateDer<'static>) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("certificate");
    (
        generated.cert.pem(),
        generated.signing_key.serialize_pem(),
        generated.cert.der().clone(),
    )
}

fn write_pair(dir: &Path, cert: &str, key: &str) -> (PathBuf, PathBuf) {
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    // Key first: the poll compares both files, and a key without its cert fails to load
    // (kept old) until the cert lands too.
    std::fs::write(&key_path, key).unwrap();
    std::fs::write(&cert_path, cert).unwrap();
    (cert_path, key_path)
}

fn client_config(roots: &[&CertificateDer<'static>]) -> rustls::ClientConfig {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add((*root).clone()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// Which certificate a fresh TLS connection is shown.
async fn served_cert(
    server: &Server,
    roots: &[&CertificateDer<'static>],
) -> CertificateDer<'static> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(roots)));
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = connector.connect(name, tcp).await.expect("handshake");
    tls.get_ref().1.peer_certificates().unwrap()[0].clone()
}

async fn read_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    timeout(TIMEOUT, async {
        while !seen.contains(needle) {
            let chunk = response.chunk().await.expect("stream reads").expect("open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} in {seen:?}"));
}

#[tokio::test]
async fn tls_listener_speaks_http2_signs_and_streams() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed();
    let (cert_path, key_path) = write_pair(dir.path(), &cert, &key);
    let server = Server::start(
        dir,
        Limits::default(),
        Some(TlsFiles::new(cert_path, key_path)),
    )
    .await;
    assert!(
        server.origin.starts_with("https://127.0.0.1:"),
        "{}",
        server.origin
    );
    let client = crate::helpers::client_builder()
        .no_proxy()
        .tls_backend_preconfigured(client_config(&[&der]))
        .build()
        .unwrap();

    let mut events = client.get(server.api("/events")).send().await.unwrap();
    assert_eq!(events.version(), reqwest::Version::HTTP_2);
    assert_eq!(events.status(), 200);
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "data: {\"count\":0}\n\n").await;
    assert!(seen.starts_with("retry: "), "{seen:?}");

    // Same connection (HTTP/2 multiplexes): the POST and the open stream share it.
    let signed = client
        .post(server.api("/signatures"))
        .header("idempotency-key", "key-h2-00001")
        .json(&signature("h2@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.version(), reqwest::Version::HTTP_2);
    assert_eq!(signed.status(), 201);
    read_until(&mut events, &mut seen, "data: {\"count\":1}\n\n").await;

    // HTTP/1.1 clients still get in via ALPN.
    let mut http1 = client_config(&[&der]);
    http1.alpn_protocols = vec![b"http/1.1".to_vec()];
    let client1 = crate::helpers::client_builder()
        .no_proxy()
        .http1_only()
        .tls_backend_preconfigured(http1)
        .build()
        .unwrap();
    let count = client1.get(server.api("/count")).send().await.unwrap();
    assert_eq!(count.version(), reqwest::Version::HTTP_11);
    assert_eq!(count.status(), 200);

    drop(events);
    server.stop().await;
}

#[tokio::test]
async fn certificate_reloads_on_change_without_dropping_streams() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_a, key_a, der_a) = self_signed();
    let (cert_b, key_b, der_b) = self_signed();
    let (cert_path, key_path) = write_pair(dir.path(), &cert_a, &key_a);
    let files = TlsFiles {
        reload_interval: Duration::from_millis(100),
        ..TlsFiles::new(cert_path.clone(), key_path.clone())
    };
    let tls_dir = dir.path().to_owned();
    let server = Server::start(dir, Limits::default(), Some(files)).await;
    let roots = [&der_a, &der_b];
    assert_eq!(served_cert(&server, &roots).await, der_a);

    // A stream opened before the reload keeps working after it.
    let client = crate::helpers::client_builder()
        .no_proxy()
        .tls_backend_preconfigured(client_config(&roots))
        .build()
        .unwrap();
    let mut events = client.get(server.api("/events")).send().await.unwrap();
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "data: {\"count\":0}\n\n").await;

    write_pair(&tls_dir, &cert_b, &key_b);
    let deadline = Instant::now() + TIMEOUT;
    while served_cert(&server, &roots).await != der_b {
        assert!(Instant::now() < deadline, "new certificate never served");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A broken file is refused; the last good certificate stays.
    std::fs::write(&cert_path, "not a certificate").unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(served_cert(&server, &roots).await, der_b);

    let fresh = crate::helpers::client_builder()
        .no_proxy()
        .tls_backend_preconfigured(client_config(&roots))
        .build()
        .unwrap();
    let signed = fresh
        .post(server.api("/signatures"))
        .header("idempotency-key", "key-reload-01")
        .json(&signature("reload@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 201);
    read_until(&mut events, &mut seen, "data: {\"count\":1}\n\n").await;
    drop(events);
    server.stop().await;
}

fn short_limits() -> Limits {
    Limits {
        header_read_timeout: Duration::from_secs(1),
        ..Limits::default()
    }
}

/// Reads until the server closes; panics if it has not within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut received = Vec::new();
    timeout(within, stream.read_to_end(&mut received))
        .await
        .expect("server closes the connection")
        .ok();
    received
}

#[tokio::test]
async fn slow_request_heads_are_cut_off() {
    let server = Server::start(tempfile::tempdir().unwrap(), short_limits(), None).await;

    // Half a request head, then nothing (slowloris).
    let started = Instant::now();
    let mut partial = TcpStream::connect(server.addr()).await.unwrap();
    partial
        .write_all(b"GET /api/v1/campaigns/test-pledge/count HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    closed_within(&mut partial, Duration::from_secs(5)).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "closed too early: {waited:?}"
    );

    // A connection that never sends a byte is closed too.
    let mut silent = TcpStream::connect(server.addr()).await.unwrap();
    closed_within(&mut silent, Duration::from_secs(5)).await;

    // A complete request on a fresh connection is still served.
    let r = crate::helpers::client_builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(server.api("/count"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn oversized_request_head_is_431() {
    let server = Server::start(tempfile::tempdir().unwrap(), Limits::default(), None).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let big = "a".repeat(20 * 1024);
    let head =
        format!("GET /api/v1/campaigns/{SLUG}/count HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
    // The server may answer before it has read everything; a failed write is fine then.
    let _ = stream.write_all(head.as_bytes()).await;
    let received = closed_within(&mut stream, TIMEOUT).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 431"), "{text:?}");

    // Under the limit is fine.
    let r = crate::helpers::client_builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(server.api("/count"))
        .header("x-big", "a".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let server = Server::start(tempfile::tempdir().unwrap(), limits, None).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(
            format!("GET /api/v1/campaigns/{SLUG}/count HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let received = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() >= Duration::from_millis(400));
    server.stop().await;
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let limits = Limits {
        max_connections: 1,
        ..Limits::default()
    };
    let server = Server::start(tempfile::tempdir().unwrap(), limits, None).await;
    let holder = TcpStream::connect(server.addr()).await.unwrap();
    // Let the loop accept the holder, so it owns the only slot.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let waiting = tokio::spawn(client.get(server.api("/count")).send());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "served past the connection cap");
    drop(holder);
    let r = timeout(TIMEOUT, waiting)
        .await
        .expect("served once a slot frees")
        .unwrap()
        .unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;
}
