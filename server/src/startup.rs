//! `Application`: locks and opens the store, binds the listener or takes systemd's (so it knows its port
//! before it serves) and runs until a shutdown future resolves.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::abuse::{AbuseControls, AbuseSettings};
use crate::live::LiveCampaigns;
use crate::routes::{self, Surface};
use crate::state::AppState;
use crate::store::{DatabaseLock, DatabaseUrl, OpenMode, SignatureStore, Store};
use crate::transport::tls::{CertStore, TlsFiles};
use crate::transport::{self, Limits};

/// Everything `serve` needs. Built from the CLI, or directly by tests.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: String,
    /// Origin pages should use to reach this server; defaults to `http://<bound addr>`.
    pub public_origin: Option<String>,
    /// Signature posts per minute per client network; 0 disables the limit.
    pub rate_limit_per_minute: u32,
    /// Proof of work, other limits, trusted proxies, holds.
    pub abuse: AbuseSettings,
    /// Connection-level limits of the accept loop.
    pub limits: Limits,
    /// Terminate TLS (HTTP/2 and HTTP/1.1 by ALPN) with these PEM files; plain HTTP/1.1
    /// without.
    pub tls: Option<TlsFiles>,
    /// The outbox worker that sends signature events to webhooks and OSDI petitions.
    pub delivery: crate::delivery::DeliverySettings,
    /// The outbox worker that sends confirmation emails (off without an SMTP server).
    pub email: crate::email::EmailSettings,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
    limits: Limits,
    tls: Option<Arc<CertStore>>,
    surface: Surface,
    metrics_listener: Option<TcpListener>,
    delivery: crate::delivery::DeliverySettings,
    email: crate::email::EmailSettings,
    /// Held until the server stops: one server per database file.
    _lock: DatabaseLock,
}

impl Application {
    /// Builds with a database created if missing (tests and the demo); `serve` uses
    /// [`build_with`](Self::build_with) and creates only when asked.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, OpenMode::Create).await
    }

    /// Locks the database file (a second server on it fails here, before touching it),
    /// opens it as `mode` allows (migrating it), binds the listener.
    pub async fn build_with(settings: Settings, mode: OpenMode) -> anyhow::Result<Self> {
        // systemd's socket, if it passed one, is taken before anything else reads the
        // environment (taking it removes LISTEN_FDS); it replaces `settings.addr`.
        let inherited = transport::activation::inherited_listener()?;
        // The certificate first: a bad one should fail before anything is opened.
        let tls = settings
            .tls
            .clone()
            .map(CertStore::load)
            .transpose()?
            .map(Arc::new);
        let db = DatabaseUrl::parse(&settings.database_url)?;
        // The lock first: a missing file is reported before a lock file is made beside it.
        db.require(mode)?;
        if db.is_postgres() && settings.abuse.secret_key.is_none() {
            bail!(
                "on PostgreSQL every instance needs the same secret key (a challenge one issues is checked by another): set PLEDGE_SECRET_KEY or --secret-key-file, the same on each instance (docs/deploy.md, \"Several instances\")"
            );
        }
        let lock = db.lock("pledge-server serve")?;
        let store = SignatureStore::open_at(&db, mode).await?;
        if let (Some(pg), Some(key)) = (store.as_postgres(), &settings.abuse.secret_key) {
            let fingerprint = hex::encode(key.derive(b"pledge-instances").mac(&[b"fingerprint"]));
            if !pg.agree_on_key(&fingerprint).await? {
                store.close().await;
                bail!(
                    "another instance on this database uses a different secret key: give every instance the same PLEDGE_SECRET_KEY (to change the key, stop them all and delete the row secret_key_fingerprint from instance_settings; docs/deploy.md)"
                );
            }
        }
        // Expired idempotency keys go before the server answers anything (so what expired
        // while it was down is gone when `build` returns), then every hour while it runs.
        sweep_idempotency_keys(&store).await;
        let listener = match inherited {
            Some(socket) => {
                let listener = TcpListener::from_std(socket)?;
                tracing::info!(
                    addr = %listener.local_addr()?,
                    "listening on the socket systemd passed (LISTEN_FDS), not on --addr"
                );
                listener
            }
            None => TcpListener::bind(settings.addr).await?,
        };
        let local = listener.local_addr()?;
        let public_origin = settings
            .public_origin
            .clone()
            .unwrap_or_else(|| origin_with(scheme(tls.is_some()), local));
        let (stop, shutdown) = watch::channel(false);
        let state = AppState {
            walls: Arc::new(crate::wall::LiveWalls::new(store.clone())),
            campaigns: Arc::new(LiveCampaigns::new(store)),
            abuse: Arc::new(AbuseControls::new(
                settings.rate_limit_per_minute,
                &settings.abuse,
            )?),
            public_origin: public_origin.into(),
            metrics: Arc::default(),
            console: Arc::default(),
            shutdown,
        };
        Ok(Self {
            listener,
            state,
            stop,
            limits: settings.limits,
            tls,
            surface: Surface {
                demo_pages: false,
                metrics: true,
            },
            metrics_listener: None,
            delivery: settings.delivery,
            email: settings.email,
            _lock: lock,
        })
    }

    /// Also serves the demo pages (`www/`) at `/`: the `demo` command.
    #[must_use]
    pub fn with_demo_pages(mut self) -> Self {
        self.surface.demo_pages = true;
        self
    }

    /// Serves `/metrics` (with `/healthz` and `/readyz`) on `listener`, and no longer on
    /// the public one.
    #[must_use]
    pub fn with_metrics_listener(mut self, listener: TcpListener) -> Self {
        self.surface.metrics = false;
        self.metrics_listener = Some(listener);
        self
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        // A bound TcpListener always has a local address.
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// `http://127.0.0.1:PORT`, or `https://` with TLS (an unspecified bind address is
    /// shown as loopback).
    pub fn origin(&self) -> String {
        origin_with(scheme(self.tls.is_some()), self.local_addr())
    }

    /// The TLS certificates being served, if any (tests reload them by hand).
    pub fn cert_store(&self) -> Option<&Arc<CertStore>> {
        self.tls.as_ref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn store(&self) -> &SignatureStore {
        self.state.campaigns.store()
    }

    /// Serves the app until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.run_with(Vec::new(), shutdown).await
    }

    /// Like `run_until_stopped`, also serving `extra` routers (the demo's partner site)
    /// on their own listeners, all stopping together.
    pub async fn run_with(
        self,
        extra: Vec<(TcpListener, Router)>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            state,
            stop,
            limits,
            tls,
            surface,
            metrics_listener,
            delivery,
            email,
            _lock,
        } = self;
        let store = state.campaigns.store().clone();
        let mut servers = tokio::task::JoinSet::new();
        let acceptor = tls
            .as_ref()
            .map(CertStore::acceptor)
            .transpose()
            .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        if let Some(certs) = &tls {
            tokio::spawn(certs.clone().watch(state.shutdown.clone()));
        }
        // Only the app's listener speaks TLS; the demo's partner site stays plain.
        let mut all = vec![(listener, routes::app_with(state.clone(), surface), acceptor)];
        all.extend(extra.into_iter().map(|(l, r)| (l, r, None)));
        if let Some(l) = metrics_listener {
            all.push((l, routes::ops_site(state.clone()), None));
        }
        // Swept at build, then hourly: the table holds about a day of posts however long
        // the server runs.
        tokio::spawn(sweep_idempotency_keys_hourly(
            store.clone(),
            state.shutdown.clone(),
        ));
        // Personal data of campaigns closed longer than their retention: at start, then hourly.
        tokio::spawn(crate::lifecycle::retention::sweep_hourly(
            store.clone(),
            state.shutdown.clone(),
        ));
        // Other instances' signatures reach this one's viewers (PostgreSQL only).
        tokio::spawn(crate::live::follow_other_instances(
            Arc::clone(&state.campaigns),
            state.shutdown.clone(),
        ));
        // Signature events to webhooks and OSDI petitions (the outbox worker).
        tokio::spawn(crate::delivery::run(
            store.clone(),
            delivery,
            state.shutdown.clone(),
        ));
        // Confirmation emails (double opt-in) over SMTP.
        tokio::spawn(crate::email::run(
            store.clone(),
            email,
            state.public_origin.to_string(),
            state.shutdown.clone(),
        ));
        // Campaign edits, state and origin changes from any process (SQLite; PostgreSQL's
        // are heard above).
        tokio::spawn(crate::lifecycle::follow::follow_campaign_changes(
            Arc::clone(&state.campaigns),
            state.shutdown.clone(),
        ));
        // Wall changes from any process reach this one's walls and streams.
        tokio::spawn(crate::wall::follow::follow_wall_changes(
            Arc::clone(&state.walls),
            Arc::clone(&state.campaigns),
            state.shutdown.clone(),
        ));
        for (listener, router, acceptor) in all {
            let stopped = state.shutdown.clone();
            servers.spawn(transport::serve(
                listener,
                router,
                acceptor,
                limits.clone(),
                state.abuse.trusted_proxies.clone(),
                stopped,
            ));
        }
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        let mut result = Ok(());
        while let Some(joined) = servers.join_next().await {
            match joined {
                Ok(Ok(())) => {}
                Ok(Err(e)) => result = Err(e),
                Err(e) => result = Err(std::io::Error::other(e)),
            }
        }
        store.close().await;
        drop(_lock);
        result
    }
}

async fn sweep_idempotency_keys(store: &SignatureStore) {
    match store.expire_idempotency_keys().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "expired idempotency keys removed"),
        // A failed sweep only means more rows until the next one.
        Err(e) => tracing::warn!(error = %e, "sweeping expired idempotency keys failed"),
    }
}

async fn sweep_idempotency_keys_hourly(store: SignatureStore, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await; // the first tick is immediate; the startup sweep already ran
    loop {
        tokio::select! {
            _ = every.tick() => sweep_idempotency_keys(&store).await,
            () = transport::stopped(&mut stop) => return,
        }
    }
}

pub fn origin_of(addr: SocketAddr) -> String {
    origin_with("http", addr)
}

fn scheme(tls: bool) -> &'static str {
    if tls { "https" } else { "http" }
}

fn origin_with(scheme: &str, addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: `serve` announces itself before it serves, and a SIGTERM sent
/// right after that line (systemd, a test) must stop it gracefully, not kill it.
///
/// SIGHUP is handled too, and never stops the server: with TLS it reloads the certificate
/// (`transport::tls`); without, it is only logged. Its default action would end the process,
/// and `systemctl reload` or a renewal hook sends it to servers behind a proxy as well.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (term, int, hup) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::hangup()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = async |s: Option<tokio::signal::unix::Signal>| match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            };
            let hangups = async move {
                if let Some(mut hup) = hup {
                    while hup.recv().await.is_some() {
                        tracing::info!("SIGHUP: reloads the TLS certificate, if any; not stopping");
                    }
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(int) => {},
                () = hangups => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
    }
}
