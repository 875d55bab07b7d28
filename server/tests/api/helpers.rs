//! `spawn_app()` and friends: start the real server on a random loopback port.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pledge_server::domain::{CampaignSlug, FieldDefinition, NewCampaign};
use pledge_server::store::SignatureStore;
use pledge_server::{Application, Settings};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const SLUG: &str = "test-pledge";
pub const PARTNER: &str = "https://partner.example";
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Keeps the database's folder alive as long as the app.
    _dir: Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_in(Arc::new(tempfile::tempdir().expect("temp dir")), 0).await
}

/// Starts a server on the database in `dir` (reused across restarts), with a campaign
/// `test-pledge` created if missing.
pub async fn spawn_app_in(dir: Arc<tempfile::TempDir>, rate_limit_per_minute: u32) -> TestApp {
    let db_path: PathBuf = dir.path().join("pledges.db");
    let db_url = format!("sqlite://{}", db_path.display());
    let settings = Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        database_url: db_url.clone(),
        public_origin: None,
        rate_limit_per_minute,
        limits: Default::default(),
        tls: None,
    };
    let app = Application::build(settings).await.expect("app builds");
    create_test_campaign(app.store()).await;
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
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

pub async fn create_test_campaign(store: &SignatureStore) {
    let fields = [
        "role:select:I am:required:artist=An artist|industry=An industry worker|fan=A fan",
        "organisation:text:Band or organisation:optional:50",
        "country:country:Country",
    ]
    .iter()
    .map(|s| FieldDefinition::from_spec(s).expect("spec"))
    .collect();
    let campaign = NewCampaign {
        slug: CampaignSlug::parse(SLUG).expect("slug"),
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
    };
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

impl TestApp {
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/campaigns/{SLUG}{path}", self.address)
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
        let body: Value = self
            .client
            .get(self.api("/count"))
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
