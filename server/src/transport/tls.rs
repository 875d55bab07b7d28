//! TLS termination with certificates that reload without dropping connections.
//!
//! `CertStore` is the rustls certificate resolver: each handshake takes the current
//! `CertifiedKey`, and a reload swaps it, so open connections keep the key they started
//! with and new ones get the new one. Reloads happen on `SIGHUP` and when the files'
//! modification time or size changes (polled); a new pair that fails to load or does not
//! match is logged and the old one stays.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// Where the PEM certificate chain and private key are, and how often to look for changes.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// How often the files' modification times are checked. Default 30 s.
    pub reload_interval: Duration,
}

impl TlsFiles {
    pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(30);

    pub fn new(cert: PathBuf, key: PathBuf) -> Self {
        Self {
            cert,
            key,
            reload_interval: Self::DEFAULT_RELOAD_INTERVAL,
        }
    }
}

/// (modified, length) of both files: what "changed" means for the poll.
type Stamp = Option<[(SystemTime, u64); 2]>;

pub struct CertStore {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    stamp: Mutex<Stamp>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("CertStore")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CertStore {
    /// Loads the pair or fails: a server must not start without a usable certificate.
    pub fn load(files: TlsFiles) -> anyhow::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let stamp = stamp_of(&files);
        let key = load_pair(&files, &provider)?;
        Ok(Self {
            files,
            provider,
            current: RwLock::new(Arc::new(key)),
            stamp: Mutex::new(stamp),
        })
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// The end-entity certificate now served.
    pub fn current_cert(&self) -> CertificateDer<'static> {
        self.current()
            .cert
            .first()
            .cloned()
            .unwrap_or_else(|| CertificateDer::from(Vec::new()))
    }

    fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the files again and swaps the key in if they load; otherwise keeps the old one.
    pub fn reload(&self) -> anyhow::Result<()> {
        let stamp = stamp_of(&self.files);
        *self.stamp.lock().unwrap_or_else(|p| p.into_inner()) = stamp;
        let key = load_pair(&self.files, &self.provider)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(key);
        Ok(())
    }

    /// Reloads when either file's modification time or size changed since the last load.
    /// `Ok(true)` when a new pair was taken.
    pub fn reload_if_changed(&self) -> anyhow::Result<bool> {
        let stamp = stamp_of(&self.files);
        let unchanged = *self.stamp.lock().unwrap_or_else(|p| p.into_inner()) == stamp;
        if unchanged || stamp.is_none() {
            return Ok(false);
        }
        self.reload().map(|()| true)
    }

    /// The rustls acceptor: TLS 1.2 and 1.3 with ring, ALPN `h2` then `http/1.1`.
    pub fn acceptor(self: &Arc<Self>) -> anyhow::Result<TlsAcceptor> {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }

    /// Reloads on `SIGHUP` and on a changed file (checked every `reload_interval`) until
    /// `stop` turns true.
    pub async fn watch(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut hangup = hangup_signal();
        let mut poll = tokio::time::interval(self.files.reload_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.tick().await;
        loop {
            let result = tokio::select! {
                () = super::stopped(&mut stop) => return,
                () = next_hangup(&mut hangup) => self.reload().map(|()| true),
                _ = poll.tick() => self.reload_if_changed(),
            };
            match result {
                Ok(true) => {
                    tracing::info!(cert = %self.files.cert.display(), "TLS certificate reloaded")
                }
                Ok(false) => {}
                Err(e) => tracing::error!(
                    cert = %self.files.cert.display(),
                    error = format!("{e:#}"),
                    "TLS certificate reload failed; still serving the previous one"
                ),
            }
        }
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

fn load_pair(files: &TlsFiles, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading certificates from {}", files.cert.display()))?;
    if chain.is_empty() {
        bail!("no certificate in {}", files.cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("reading the private key from {}", files.key.display()))?;
    CertifiedKey::from_der(chain, key, provider).with_context(|| {
        format!(
            "{} and {} are not a usable certificate and key",
            files.cert.display(),
            files.key.display()
        )
    })
}

fn stamp_of(files: &TlsFiles) -> Stamp {
    let one = |path: &Path| {
        let meta = std::fs::metadata(path).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    };
    Some([one(&files.cert)?, one(&files.key)?])
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangup_signal() -> Hangup {}

#[cfg(unix)]
async fn next_hangup(hangup: &mut Hangup) {
    match hangup {
        Some(signal) => {
            if signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_hangup: &mut Hangup) {
    std::future::pending::<()>().await
}
