//! `Application`: opens the store, binds the listener (so it knows its port before it
//! serves) and runs until a shutdown future resolves.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::abuse::{AbuseControls, AbuseSettings};
use crate::live::LiveCampaigns;
use crate::routes;
use crate::store::SignatureStore;

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
}

/// Shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub campaigns: Arc<LiveCampaigns>,
    pub abuse: Arc<AbuseControls>,
    pub public_origin: Arc<str>,
    /// Flips to `true` on shutdown so long-lived SSE streams end.
    pub shutdown: watch::Receiver<bool>,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = SignatureStore::open(&settings.database_url).await?;
        let listener = TcpListener::bind(settings.addr).await?;
        let local = listener.local_addr()?;
        let public_origin = settings
            .public_origin
            .clone()
            .unwrap_or_else(|| origin_of(local));
        let (stop, shutdown) = watch::channel(false);
        let state = AppState {
            campaigns: Arc::new(LiveCampaigns::new(store)),
            abuse: Arc::new(AbuseControls::new(
                settings.rate_limit_per_minute,
                &settings.abuse,
            )?),
            public_origin: public_origin.into(),
            shutdown,
        };
        Ok(Self {
            listener,
            state,
            stop,
        })
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

    /// `http://127.0.0.1:PORT` (an unspecified bind address is shown as loopback).
    pub fn origin(&self) -> String {
        origin_of(self.local_addr())
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
        } = self;
        let store = state.campaigns.store().clone();
        let mut servers = tokio::task::JoinSet::new();
        let mut all = vec![(listener, routes::app(state.clone()))];
        all.extend(extra);
        for (listener, router) in all {
            let mut stopped = state.shutdown.clone();
            servers.spawn(async move {
                let service = router.into_make_service_with_connect_info::<SocketAddr>();
                axum::serve(listener, service)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await
            });
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
        result
    }
}

pub fn origin_of(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
