//! `spawn_app()` and friends: start the real server on a random loopback port.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pledge_server::abuse::AbuseSettings;
use pledge_server::abuse::proof::hash_hex;
use pledge_server::abuse::secret::SecretKey;
use pledge_server::domain::{CampaignSlug, FieldDefinition, NewCampaign};
use pledge_server::store::{SignatureStore, Store};
use pledge_server::{Application, Settings};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const SLUG: &str = "test-pledge";
/// Asks for proof of work (small `maxnumber`), no minimum fill time.
pub const POW_SLUG: &str = "pow-pledge";
/// Proof of work and a 2 s minimum fill time.
pub const SLOW_SLUG: &str = "slow-pledge";
/// Proof of work at a tiny difficulty (2,000 solves stay cheap) and the default 3 s fill time.
pub const RALLY_SLUG: &str = "rally-pledge";
/// No proof; a repeated email is answered `200 already_signed` (`--reveal-already-signed`).
pub const REVEAL_SLUG: &str = "reveal-pledge";
pub const PARTNER: &str = "https://partner.example";
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub address: String,
    pub db_url: String,
    pub client: reqwest::Client,
    /// Keeps the database's folder alive as long as the app.
    _dir: Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Whether this run is against PostgreSQL: `PLEDGE_TEST_STORE=postgres`, with
/// `DATABASE_URL` naming a server the tests may create databases on (`.ci/test-postgres`
/// starts a throwaway one). Otherwise every test gets a SQLite file.
pub fn on_postgres() -> bool {
    std::env::var("PLEDGE_TEST_STORE").is_ok_and(|s| s == "postgres")
}

/// A fresh, empty database for one test, named `name` within `dir`: a SQLite file there,
/// or on PostgreSQL a new database `t_<random>` (its URL kept in `dir`, so a server
/// restarted on `dir` finds the same database).
pub async fn database_url(dir: &Path, name: &str) -> String {
    if !on_postgres() {
        return format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    }
    let remembered = dir.join(format!("{name}.postgres-url"));
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return url;
    }
    let url = create_postgres_database().await;
    std::fs::write(&remembered, &url).expect("remember the database URL");
    url
}

async fn create_postgres_database() -> String {
    use sqlx::Connection;
    let server = std::env::var("DATABASE_URL")
        .expect("PLEDGE_TEST_STORE=postgres needs DATABASE_URL=postgres://… naming a server");
    let name = format!("t_{:016x}", fastrand::u64(..));
    let mut admin = tokio::time::timeout(TIMEOUT, sqlx::PgConnection::connect(&server))
        .await
        .expect("PostgreSQL answers in time")
        .expect("connect to DATABASE_URL");
    // A name of our own making: hex digits only, so it is safe to splice in.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("CREATE DATABASE");
    let _ = admin.close().await;
    with_database(&server, &name)
}

/// `server` (a `postgres://` URL) with its database replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{name}{query}", &base[..host_end])
}

/// The secret key of in-process test servers on PostgreSQL (each test has its own database,
/// so one key for all is enough).
pub fn test_secret_key() -> SecretKey {
    SecretKey::parse(b"59b1476c572d74c12a84e0d57fd6c954c2edc68ed61c73280f6f4c4003afd374")
        .expect("test key")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_in(Arc::new(tempfile::tempdir().expect("temp dir")), 0).await
}

/// Starts a server on the database in `dir` (reused across restarts), with a campaign
/// `test-pledge` created if missing.
pub async fn spawn_app_in(dir: Arc<tempfile::TempDir>, rate_limit_per_minute: u32) -> TestApp {
    spawn_app_with(dir, |s| s.rate_limit_per_minute = rate_limit_per_minute).await
}

/// Test defaults: no rate limits and no holds (tests sign many times from one address),
/// then `configure` changes what a test is about.
pub async fn spawn_app_with(
    dir: Arc<tempfile::TempDir>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    start(dir, configure, false).await
}

/// Like `spawn_app`, with the demo pages at `/` (what `demo` serves and `serve` does not).
pub async fn spawn_demo_app() -> TestApp {
    start(
        Arc::new(tempfile::tempdir().expect("temp dir")),
        |_| {},
        true,
    )
    .await
}

async fn start(
    dir: Arc<tempfile::TempDir>,
    configure: impl FnOnce(&mut Settings),
    demo_pages: bool,
) -> TestApp {
    let db_url = database_url(dir.path(), "pledges").await;
    let mut settings = Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        database_url: db_url.clone(),
        public_origin: None,
        rate_limit_per_minute: 0,
        abuse: AbuseSettings {
            campaign_rate_limit: 0,
            hold_after: 0,
            ..AbuseSettings::default()
        },
        limits: Default::default(),
        tls: None,
        delivery: Default::default(),
        email: Default::default(),
    };
    configure(&mut settings);
    if on_postgres() && settings.abuse.secret_key.is_none() {
        // PostgreSQL asks for a key every instance shares; restarts on one database reuse it.
        settings.abuse.secret_key = Some(test_secret_key());
    }
    let mut app = Application::build(settings).await.expect("app builds");
    if demo_pages {
        app = app.with_demo_pages();
    }
    create_test_campaign(app.store(), SLUG, 0, 0).await;
    create_test_campaign(app.store(), POW_SLUG, 2000, 0).await;
    create_test_campaign(app.store(), SLOW_SLUG, 200, 2).await;
    create_test_campaign(app.store(), RALLY_SLUG, 20, 3).await;
    create_campaign_with(app.store(), REVEAL_SLUG, |c| c.reveal_already_signed = true).await;
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_url,
        client: client(),
        _dir: dir,
        stop: Some(stop),
        server: Some(server),
    }
}

pub fn client() -> reqwest::Client {
    client_builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .build()
        .expect("client")
}

/// `reqwest::Client::builder()`, after making ring the process's rustls provider: reqwest is
/// built without one (the server uses ring, not aws-lc-rs) and panics when none is set.
pub fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub async fn create_test_campaign(store: &SignatureStore, slug: &str, pow: u32, min_fill: u32) {
    create_campaign_with(store, slug, |c| {
        c.pow_maxnumber = pow;
        c.min_fill_seconds = min_fill;
    })
    .await;
}

/// The test campaign's fields and texts, then `configure`; created if the slug is free.
pub async fn create_campaign_with(
    store: &SignatureStore,
    slug: &str,
    configure: impl FnOnce(&mut NewCampaign),
) {
    let fields = [
        "role:select:I am:required:artist=An artist|industry=An industry worker|fan=A fan",
        "organisation:text:Band or organisation:optional:50",
        "country:country:Country",
    ]
    .iter()
    .map(|s| FieldDefinition::from_spec(s).expect("spec"))
    .collect();
    let mut campaign = NewCampaign {
        slug: CampaignSlug::parse(slug).expect("slug"),
        title: "Test pledge".into(),
        text: "We pledge.\n\nA second paragraph.".into(),
        goal: Some(100),
        fields,
        consent_text: "I agree.".into(),
        privacy_url: Some("https://example.org/privacy".into()),
        share_url: None,
        allow_public_names: true,
        languages: vec!["en".into()],
        allowed_origins: vec![PARTNER.into()],
        origin_mode: pledge_server::domain::OriginMode::Listed,
        pow_maxnumber: 0,
        min_fill_seconds: 0,
        reveal_already_signed: false,
        public_names: Default::default(),
    };
    configure(&mut campaign);
    store.create_campaign(&campaign).await.expect("campaign");
}

pub fn signature(email: &str) -> Value {
    json!({
        "name": "Ada Lovelace",
        "email": email,
        "fields": {"role": "artist", "organisation": "The Engines"},
        "consent": {"given": true, "text": "I agree."},
        "public": true,
        "locale": "en",
        "source_url": "https://artist.example/tour"
    })
}

/// Solves a challenge from `GET .../challenge` the way the widget will: by trying numbers.
pub fn solve(challenge: &Value) -> Value {
    let salt = challenge["salt"].as_str().expect("salt");
    let target = challenge["challenge"].as_str().expect("challenge");
    let max = challenge["maxnumber"].as_u64().expect("maxnumber");
    let number = (0..=max)
        .find(|n| hash_hex(salt, *n) == target)
        .expect("a solution within maxnumber");
    json!({
        "algorithm": challenge["algorithm"],
        "challenge": target,
        "number": number,
        "salt": salt,
        "signature": challenge["signature"],
    })
}

impl TestApp {
    pub fn api(&self, path: &str) -> String {
        self.campaign_api(SLUG, path)
    }

    pub fn campaign_api(&self, slug: &str, path: &str) -> String {
        format!("{}/api/v1/campaigns/{slug}{path}", self.address)
    }

    /// A fresh challenge of `slug`, answered.
    pub async fn solved_proof(&self, slug: &str) -> Value {
        let r = self
            .client
            .get(self.campaign_api(slug, "/challenge"))
            .send()
            .await
            .expect("challenge");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        solve(&r.json().await.expect("challenge json"))
    }

    pub async fn post_to(&self, slug: &str, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.campaign_api(slug, "/signatures"))
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("post")
    }

    pub async fn post_signature(&self, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.api("/signatures"))
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("post")
    }

    pub async fn count(&self) -> i64 {
        self.campaign_count(SLUG).await
    }

    pub async fn campaign_count(&self, slug: &str) -> i64 {
        let body: Value = self
            .client
            .get(self.campaign_api(slug, "/count"))
            .send()
            .await
            .expect("count")
            .json()
            .await
            .expect("json");
        body["count"].as_i64().expect("count is a number")
    }

    /// Stops the server gracefully and waits for it (bounded).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(TIMEOUT, server)
                .await
                .expect("server stops in time")
                .expect("server task")
                .expect("server ran");
        }
    }
}

/// Asserts the app's error shape and code.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json")),
        "JSON error body for {code}"
    );
    let body: Value = response.json().await.expect("json error");
    assert_eq!(body["error"], code);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    body
}
