//! `serve` and `demo`, and the flags they share: abuse controls, connection limits, TLS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use super::{Database, origin_policy, say};
use crate::abuse::client_addr::{TrustedProxies, parse_network};
use crate::abuse::secret::SecretKey;
use crate::abuse::{
    AbuseSettings, DEFAULT_CLIENT_RATE_LIMIT, DEFAULT_HOLD_AFTER, DEFAULT_POW_RAISE_AFTER,
};
use crate::demo;
use crate::startup::{Application, Settings, origin_of, shutdown_signal};
use crate::store::OpenMode;
use crate::transport::Limits;
use crate::transport::tls::TlsFiles;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "PLEDGE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: Database,
    /// Create the database file if it is missing (otherwise a missing file is an error, so
    /// a mistyped path does not start an empty campaign database).
    #[arg(long)]
    pub create: bool,
    /// Serve `/metrics`, `/healthz` and `/readyz` on this address instead of the public one
    /// (then `/metrics` answers 404 there).
    #[arg(long, env = "PLEDGE_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Origin that pages use to reach this server (default: http://<addr>).
    #[arg(long, env = "PLEDGE_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Signature posts per minute per client address (IPv6: per /64) (0 = unlimited). High
    /// enough for a crowd on one network (venue Wi-Fi, a carrier's NAT).
    #[arg(long, env = "PLEDGE_RATE_LIMIT", default_value_t = DEFAULT_CLIENT_RATE_LIMIT)]
    pub rate_limit: u32,
    /// Hold a signature for review when its client network already sent this many to the
    /// campaign in the last hour (0 = never hold). High enough for a rally of 2,000 on one
    /// network.
    #[arg(long, env = "PLEDGE_HOLD_AFTER", default_value_t = DEFAULT_HOLD_AFTER)]
    pub hold_after: u32,
    #[command(flatten)]
    pub abuse: AbuseArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub delivery: crate::delivery::cli::DeliveryArgs,
    #[command(flatten)]
    pub email: crate::email::cli::EmailArgs,
}

/// Abuse controls shared by `serve` and `demo`.
#[derive(Debug, Args)]
pub struct AbuseArgs {
    /// Signature posts per minute per campaign, from all clients together (0 = unlimited).
    #[arg(long, env = "PLEDGE_CAMPAIGN_RATE_LIMIT", default_value_t = 600)]
    pub campaign_rate_limit: u32,
    /// A proxy (address or CIDR) whose X-Forwarded-For is believed. Repeatable; the
    /// environment variable takes a comma-separated list.
    #[arg(
        long = "trusted-proxy",
        env = "PLEDGE_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_network
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// File with the HMAC key for challenges and network hashes (hex, or raw bytes; at
    /// least 16 bytes that look random: `openssl rand -hex 32`). Or set PLEDGE_SECRET_KEY.
    /// Without either, a random key per start.
    #[arg(long)]
    pub secret_key_file: Option<PathBuf>,
    /// How long a proof-of-work challenge stays usable, in seconds.
    #[arg(long, default_value_t = 600)]
    pub challenge_ttl_seconds: u64,
    /// Challenges per minute per client address (IPv6: per /64) at the campaign's own
    /// difficulty; past it, the difficulty doubles each time the address's rate doubles, up
    /// to 16× (0 = never raised).
    #[arg(long, env = "PLEDGE_POW_RAISE_AFTER", default_value_t = DEFAULT_POW_RAISE_AFTER)]
    pub pow_raise_after: u32,
    /// Open live-count streams (SSE) per client address (0 = no cap).
    #[arg(long, default_value_t = 8)]
    pub max_streams_per_client: usize,
    /// Open live-count streams overall (0 = no cap).
    #[arg(long, default_value_t = 10_000)]
    pub max_streams: usize,
}

impl AbuseArgs {
    fn settings(&self, hold_after: u32) -> anyhow::Result<AbuseSettings> {
        let from_env = std::env::var_os("PLEDGE_SECRET_KEY").filter(|v| !v.is_empty());
        let secret_key = match (&self.secret_key_file, from_env) {
            (Some(_), Some(_)) => {
                bail!("give the secret key by --secret-key-file or PLEDGE_SECRET_KEY, not both")
            }
            (Some(path), None) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("reading the secret key file {}", path.display()))?;
                Some(SecretKey::parse(&bytes).map_err(anyhow::Error::msg)?)
            }
            (None, Some(value)) => Some(
                SecretKey::parse(value.as_encoded_bytes())
                    .map_err(|e| anyhow::anyhow!("PLEDGE_SECRET_KEY: {e}"))?,
            ),
            (None, None) => None,
        };
        Ok(AbuseSettings {
            campaign_rate_limit: self.campaign_rate_limit,
            trusted_proxies: TrustedProxies::new(self.trusted_proxies.clone()),
            secret_key,
            challenge_ttl: Duration::from_secs(self.challenge_ttl_seconds),
            hold_after,
            max_streams_per_client: self.max_streams_per_client,
            max_streams: self.max_streams,
            pow_raise_after: self.pow_raise_after,
            ..AbuseSettings::default()
        })
    }
}

/// TLS: with both files the listener speaks HTTPS (HTTP/2 and HTTP/1.1 by ALPN).
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// PEM certificate chain (leaf first). Reloaded on SIGHUP and when the file changes.
    #[arg(long, env = "PLEDGE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) matching --tls-cert.
    #[arg(long, env = "PLEDGE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Seconds between checks of the certificate files' modification times.
    #[arg(long, env = "PLEDGE_TLS_RELOAD_INTERVAL", default_value_t = 30)]
    pub tls_reload_interval: u64,
}

impl TlsArgs {
    fn files(&self) -> Option<TlsFiles> {
        let (cert, key) = (self.tls_cert.clone()?, self.tls_key.clone()?);
        Some(TlsFiles {
            reload_interval: Duration::from_secs(self.tls_reload_interval.max(1)),
            ..TlsFiles::new(cert, key)
        })
    }
}

/// Connection-level limits (docs/api.md, "Limits").
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Seconds a client has for the TLS handshake and for each request head.
    #[arg(long, env = "PLEDGE_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Largest request head in bytes (at least 8192); larger gets 431.
    #[arg(long, env = "PLEDGE_MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,
    /// Seconds a client has to send a request's whole body (after its head); later is 408.
    #[arg(long, env = "PLEDGE_BODY_TIMEOUT", default_value_t = 20)]
    pub body_timeout: u64,
    /// Open connections at most; more wait in the accept queue.
    #[arg(long, env = "PLEDGE_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: usize,
    /// Open connections per client address (IPv6: per /64); more are closed at once.
    /// Trusted proxies are exempt. 0 = no cap.
    #[arg(long, env = "PLEDGE_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256)]
    pub max_connections_per_client: usize,
    /// Seconds without a byte in either direction before a connection is closed.
    #[arg(long, env = "PLEDGE_IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,
    /// HTTP/2 streams per connection at most.
    #[arg(long, env = "PLEDGE_H2_MAX_STREAMS", default_value_t = 100)]
    pub h2_max_streams: u32,
    /// Seconds between HTTP/2 keep-alive pings (an unanswered ping closes the connection).
    #[arg(long, env = "PLEDGE_H2_PING_INTERVAL", default_value_t = 20)]
    pub h2_ping_interval: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(self.header_timeout.max(1)),
            max_header_bytes: self.max_header_bytes,
            body_timeout: Duration::from_secs(self.body_timeout.max(1)),
            max_connections: self.max_connections,
            max_connections_per_client: self.max_connections_per_client,
            idle_timeout: Duration::from_secs(self.idle_timeout.max(1)),
            h2_max_concurrent_streams: self.h2_max_streams,
            h2_keep_alive_interval: Duration::from_secs(self.h2_ping_interval.max(1)),
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub partner_addr: SocketAddr,
    #[arg(long, default_value = "sqlite://pledge-demo.db")]
    pub database_url: String,
    /// Extra origins allowed besides the two listeners. Repeatable.
    #[arg(long = "allowed-origin")]
    pub allowed_origins: Vec<String>,
    /// Signature posts per minute per client IP (0 = unlimited).
    /// Unlimited by default: the demo is for trying things out, often many times from one address.
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
    /// Do not sign the demo campaign with its made-up public signers (artists, crew, fans,
    /// some featured) that give the wall something to show; tests that count from 0 use it.
    #[arg(long)]
    pub no_sample_signers: bool,
    /// Proof-of-work difficulty of the demo campaign (0 = off, until the widget solves challenges).
    #[arg(long = "pow", default_value_t = 0)]
    pub pow_maxnumber: u32,
    /// Hold signatures past this many per address per hour (0 = never; the default, since
    /// the demo is signed many times from one address).
    #[arg(long, default_value_t = 0)]
    pub hold_after: u32,
    #[command(flatten)]
    pub abuse: AbuseArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
}

pub(super) async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.db.database_url,
        public_origin: args.public_origin,
        rate_limit_per_minute: args.rate_limit,
        abuse: args.abuse.settings(args.hold_after)?,
        limits: args.limits.limits(),
        tls: args.tls.files(),
        delivery: args.delivery.settings(),
        email: args.email.settings()?,
    };
    let mode = if args.create {
        OpenMode::Create
    } else {
        OpenMode::Migrate
    };
    let mut app = Application::build_with(settings, mode)
        .await
        .context("starting the server")?;
    // Signal handlers before the lines that tell the world we are up.
    let stopped = shutdown_signal();
    if let Some(addr) = args.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics address {addr}"))?;
        say(&format!("metrics on {}", origin_of(listener.local_addr()?)))?;
        app = app.with_metrics_listener(listener);
    }
    say(&format!("pledge-server listening on {}", app.origin()))?;
    app.run_until_stopped(stopped).await?;
    Ok(())
}

pub(super) async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.database_url,
        public_origin: None,
        rate_limit_per_minute: args.rate_limit,
        abuse: args.abuse.settings(args.hold_after)?,
        limits: args.limits.limits(),
        tls: args.tls.files(),
        delivery: Default::default(),
        email: Default::default(),
    };
    let app = Application::build_with(settings, OpenMode::Create)
        .await
        .context("starting the server")?
        .with_demo_pages();
    let partner = tokio::net::TcpListener::bind(args.partner_addr)
        .await
        .with_context(|| format!("binding the partner site on {}", args.partner_addr))?;
    let partner_port = partner.local_addr()?.port();
    let mut origins = Vec::new();
    let app_scheme = if app.cert_store().is_some() {
        "https"
    } else {
        "http"
    };
    for (scheme, port) in [(app_scheme, app.port()), ("http", partner_port)] {
        origins.push(format!("{scheme}://127.0.0.1:{port}"));
        origins.push(format!("{scheme}://localhost:{port}"));
    }
    let mut policy = origin_policy(&args.allowed_origins, crate::domain::OriginMode::Listed)?;
    origins.append(&mut policy.listed);
    policy.listed = origins;
    demo::seed(app.store(), &policy, args.pow_maxnumber).await?;
    if !args.no_sample_signers {
        demo::seed_sample_signers(app.store()).await?;
    }
    let partner_origin = origin_of(partner.local_addr()?);
    let stopped = shutdown_signal();
    say(&format!("pledge-server listening on {}", app.origin()))?;
    say(&format!("partner site on {partner_origin}"))?;
    let partner_router = crate::routes::partner_site(app.state().clone());
    app.run_with(vec![(partner, partner_router)], stopped)
        .await?;
    Ok(())
}
