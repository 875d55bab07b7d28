//! Command line: `serve`, `campaign create|list|export|review|approve`, `demo`, the
//! operator's `check`, `backup`, `restore` and `migrate`, and the delivery commands
//! (`webhook`, `osdi`, `delivery`: `crate::delivery::cli`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::abuse::client_addr::{TrustedProxies, parse_network};
use crate::abuse::proof::DEFAULT_MAXNUMBER;
use crate::abuse::secret::SecretKey;
use crate::abuse::{
    AbuseSettings, DEFAULT_CLIENT_RATE_LIMIT, DEFAULT_HOLD_AFTER, DEFAULT_POW_RAISE_AFTER,
};
use crate::demo;
use crate::domain::{CampaignSlug, FieldDefinition, NewCampaign, SignerEmail};
use crate::export::write_csv;
use crate::startup::{Application, Settings, origin_of, shutdown_signal};
use crate::store::{DatabaseUrl, OpenMode, SignatureStore, Store};
use crate::transport::Limits;
use crate::transport::tls::TlsFiles;

#[derive(Debug, Parser)]
#[command(
    name = "pledge-server",
    version,
    about = "Reference endpoint for the pledge widget"
)]
pub struct Cli {
    /// Log lines on stderr as `text` (for people) or `json` (one object a line, for log
    /// collectors). `RUST_LOG` sets the level. stdout keeps the command's own output.
    #[arg(
        long,
        global = true,
        env = "PLEDGE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `INFO request{id=… method=GET path=…}: message key=value`
    Text,
    /// `{"timestamp":…,"level":"INFO","fields":{…},"target":…,"span":{"id":…},"spans":[…]}`
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the widget files, `/embed/`, health and metrics (no demo pages).
    Serve(ServeArgs),
    /// Create, list and export campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// The public signer wall: its settings, and the organiser's review (list, approve,
    /// hide, feature, withdraw).
    #[command(subcommand)]
    Wall(crate::wall_cli::WallCommand),
    /// Serve the app plus a second "partner site" origin, with the demo campaign seeded.
    Demo(DemoArgs),
    /// Check the file's integrity (SQLite's integrity and foreign-key checks), recount each
    /// campaign's signatures and report stored counts that drifted. Exit code 1 on damage,
    /// or on drift unless repaired. Only reads, unless --repair.
    Check {
        #[command(flatten)]
        db: Database,
        /// Set drifted counts to the recount, in one transaction. Refused while a server
        /// holds the database (it caches counts): stop it, repair, start it.
        #[arg(long)]
        repair: bool,
    },
    /// Write a consistent copy of the database to FILE while the server keeps running
    /// (`VACUUM INTO`), then check the copy. Never overwrites FILE. SQLite only (PostgreSQL:
    /// pg_dump).
    Backup {
        file: PathBuf,
        #[command(flatten)]
        db: Database,
    },
    /// Replace the database with the backup FILE, after checking it. Refused while a server
    /// holds the database. The replaced database is kept as `<db>.before-restore-<time>`.
    /// SQLite only (PostgreSQL: pg_restore).
    Restore {
        file: PathBuf,
        #[command(flatten)]
        db: Database,
    },
    /// Apply this version's pending schema migrations (`serve` does too when it starts).
    Migrate {
        #[command(flatten)]
        db: Database,
    },
    /// Webhooks: each campaign's signature events as signed JSON POSTs.
    #[command(subcommand)]
    Webhook(crate::delivery::cli::WebhookCommand),
    /// Action Network and other OSDI servers: each signature recorded on a petition.
    #[command(subcommand)]
    Osdi(crate::delivery::cli::OsdiCommand),
    /// The delivery outbox: list pending, parked and delivered events; resend parked ones.
    #[command(subcommand)]
    Delivery(crate::delivery::cli::DeliveryCommand),
    /// A supporter's data: `supporter erase --email …`.
    #[command(subcommand)]
    Supporter(crate::supporter::SupporterCommand),
    /// The organiser console's accounts (`/admin`): add, list, remove, reset.
    #[command(subcommand)]
    User(crate::console::cli::UserCommand),
}

#[derive(Debug, Args)]
pub struct Database {
    /// `sqlite://FILE` (the default store) or `postgres://…` (several instances may share
    /// it). A SQLite file must exist, except for commands that create one (`campaign
    /// create`, `demo`, `restore`, `serve --create`); a PostgreSQL database must exist.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://pledges.db")]
    pub database_url: String,
}

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

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign.
    Create(Box<CreateArgs>),
    /// List campaigns: slug, count, goal, title (tab-separated).
    List(#[command(flatten)] Database),
    /// Write a campaign's signatures as CSV to stdout (with a `status` column).
    Export {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// List signatures held for review: signed_at, email, name (tab-separated).
    Review {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// Move held signatures to signed and count them.
    Approve {
        slug: String,
        /// The held signature with this email.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        email: Option<String>,
        /// Every held signature of the campaign.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// `[a-z0-9-]{1,64}`
    pub slug: String,
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub goal: Option<i64>,
    /// Pledge text (plain text; blank lines separate paragraphs).
    #[arg(long, conflicts_with = "text_file")]
    pub text: Option<String>,
    /// Read the pledge text from a file.
    #[arg(long)]
    pub text_file: Option<PathBuf>,
    /// An origin allowed to call the API from a browser, e.g. https://artist.example; `*` for any. Repeatable.
    #[arg(long = "allowed-origin")]
    pub allowed_origins: Vec<String>,
    /// A form field: `key:type:label[:required|optional[:extra]]`; type is text, email,
    /// select, country or checkbox; extra is `value=Label|value=Label` for select, a maximum
    /// length for text/email. Repeatable.
    #[arg(long = "field")]
    pub fields: Vec<String>,
    #[arg(
        long,
        default_value = "I agree that the organisers may store my name and email to count my pledge and contact me about it."
    )]
    pub consent_text: String,
    #[arg(long)]
    pub privacy_url: Option<String>,
    #[arg(long)]
    pub share_url: Option<String>,
    /// Let signers choose to show their name publicly, and say when the public wall shows
    /// them: `--public-names` (= `after_review`: once an organiser approves) or
    /// `--public-names=immediate` or `--public-names=off` (collect the choice, show nobody
    /// yet). Without it, the form offers no choice. Changeable later: `wall settings`.
    #[arg(
        long,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "after_review",
        value_parser = crate::wall_cli::parse_public_names
    )]
    pub public_names: Option<crate::domain::PublicNames>,
    /// A field shown with the signer's name on the public wall (not email fields).
    /// Repeatable.
    #[arg(long = "public-field")]
    pub public_fields: Vec<String>,
    /// Proof-of-work difficulty: the largest number a browser may have to try (0 = no
    /// proof asked).
    #[arg(long = "pow", default_value_t = DEFAULT_MAXNUMBER)]
    pub pow_maxnumber: u32,
    /// Seconds a signer must take between fetching the challenge and posting (only with
    /// proof of work; earlier posts get 429 too_fast).
    #[arg(long, default_value_t = 3)]
    pub min_fill_seconds: u32,
    /// Answer a repeated email `200 already_signed` instead of exactly like a new signature.
    /// Off by default: with it on, anyone can learn whether an address signed (docs/api.md).
    #[arg(long)]
    pub reveal_already_signed: bool,
    /// Campaign text in another language: `LANG:FILE`, FILE a JSON object with optional
    /// `title`, `text` and `consent_text`. Repeatable.
    #[arg(long = "translation", value_parser = crate::store::parse_translation_arg)]
    pub translations: Vec<(String, crate::store::Translation)>,
    /// Languages the campaign text is offered in. Repeatable.
    #[arg(long = "language", default_value = "en")]
    pub languages: Vec<String>,
    #[command(flatten)]
    pub db: Database,
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

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Campaign(CampaignCommand::Create(args)) => create(*args).await,
        Command::Campaign(CampaignCommand::List(db)) => list(db).await,
        Command::Campaign(CampaignCommand::Export { slug, db }) => export(&slug, db).await,
        Command::Campaign(CampaignCommand::Review { slug, db }) => review(&slug, db).await,
        Command::Campaign(CampaignCommand::Approve {
            slug,
            email,
            all: _,
            db,
        }) => approve(&slug, email.as_deref(), db).await,
        Command::Wall(command) => crate::wall_cli::run(command).await,
        Command::Demo(args) => run_demo(args).await,
        Command::Check { db, repair } => check(db, repair).await,
        Command::Backup { file, db } => backup(&file, db).await,
        Command::Restore { file, db } => restore(&file, db).await,
        Command::Migrate { db } => migrate(db).await,
        Command::Webhook(c) => crate::delivery::cli::webhook(c).await,
        Command::Osdi(c) => crate::delivery::cli::osdi(c).await,
        Command::Delivery(c) => crate::delivery::cli::delivery(c).await,
        Command::Supporter(c) => crate::supporter::run(c).await,
        Command::User(c) => crate::console::cli::run(c).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.db.database_url,
        public_origin: args.public_origin,
        rate_limit_per_minute: args.rate_limit,
        abuse: args.abuse.settings(args.hold_after)?,
        limits: args.limits.limits(),
        tls: args.tls.files(),
        delivery: args.delivery.settings(),
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

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let slug = CampaignSlug::parse(&args.slug).context("slug must be 1-64 of [a-z0-9-]")?;
    let text = match (&args.text, &args.text_file) {
        (Some(t), _) => t.clone(),
        (None, Some(path)) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        (None, None) => String::new(),
    };
    let mut fields = args
        .fields
        .iter()
        .map(|spec| FieldDefinition::from_spec(spec))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    crate::wall_cli::mark_public(&mut fields, &args.public_fields, &[])?;
    if let Some(dup) = fields
        .iter()
        .enumerate()
        .find(|(i, f)| fields[..*i].iter().any(|g| g.key == f.key))
    {
        bail!("field {:?} given twice", dup.1.key);
    }
    // Signatures store the campaign's consent text (and export prints it): keep terminal
    // escapes and other control characters out of it.
    let consent_texts = std::iter::once(&args.consent_text).chain(
        args.translations
            .iter()
            .filter_map(|(_, t)| t.consent_text.as_ref()),
    );
    for text in consent_texts {
        if text.trim().is_empty() || text.chars().any(char::is_control) {
            bail!("a consent text must be one line without control characters: {text:?}");
        }
    }
    let campaign = NewCampaign {
        slug,
        title: args.title.trim().to_owned(),
        text: text.trim().to_owned(),
        goal: args.goal,
        fields,
        consent_text: args.consent_text,
        privacy_url: args.privacy_url,
        share_url: args.share_url,
        allow_public_names: args.public_names.is_some(),
        public_names: args.public_names.unwrap_or(crate::domain::PublicNames::Off),
        languages: args.languages,
        allowed_origins: args
            .allowed_origins
            .iter()
            .map(|o| normalise_origin(o))
            .collect::<anyhow::Result<_>>()?,
        pow_maxnumber: args.pow_maxnumber,
        min_fill_seconds: args.min_fill_seconds,
        reveal_already_signed: args.reveal_already_signed,
    };
    let store = SignatureStore::open(&args.db.database_url, OpenMode::Create).await?;
    let created = store.create_campaign(&campaign).await?;
    if created {
        for (lang, t) in &args.translations {
            store.set_translation(&args.slug, lang, t).await?;
        }
    }
    store.close().await;
    if !created {
        bail!("campaign {:?} already exists", args.slug);
    }
    say(&format!("created campaign {}", args.slug))
}

async fn list(db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let campaigns = store.campaigns().await?;
    store.close().await;
    let mut out = String::new();
    for c in campaigns {
        let goal = c.goal.map_or_else(|| "-".to_owned(), |g| g.to_string());
        out.push_str(&format!("{}\t{}\t{}\t{}\n", c.slug, c.count, goal, c.title));
    }
    say(out.trim_end())
}

async fn export(slug: &str, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let campaign = store
        .campaign(slug)
        .await?
        .with_context(|| format!("no campaign {slug:?}"))?;
    let rows = store.all_signatures(campaign.id).await?;
    store.close().await;
    let mut stdout = std::io::stdout().lock();
    write_csv(&mut stdout, &campaign, &rows)?;
    stdout.flush()?;
    Ok(())
}

async fn review(slug: &str, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let campaign = store
        .campaign(slug)
        .await?
        .with_context(|| format!("no campaign {slug:?}"))?;
    let held = store.held(campaign.id).await?;
    store.close().await;
    let mut out = String::new();
    for r in held {
        // Tab-separated for scripts; a tab or newline in a name would break the columns.
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            r.signed_at,
            clean(&r.email),
            clean(&r.name)
        ));
    }
    say(out.trim_end())
}

async fn approve(slug: &str, email: Option<&str>, db: Database) -> anyhow::Result<()> {
    let email = email
        .map(|e| SignerEmail::parse(e).map_err(anyhow::Error::msg))
        .transpose()?;
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let campaign = store
        .campaign(slug)
        .await?
        .with_context(|| format!("no campaign {slug:?}"))?;
    let moved = store
        .approve(campaign.id, email.as_ref().map(SignerEmail::normalised))
        .await?;
    store.close().await;
    if email.is_some() && moved == 0 {
        bail!("no held signature with that email in {slug:?}");
    }
    say(&format!("approved {moved} signature(s) in {slug}"))
}

async fn check(db: Database, repair: bool) -> anyhow::Result<()> {
    let file = DatabaseUrl::parse(&db.database_url)?;
    // A running server caches counts: repairing under it would leave it showing the old
    // ones (and its next signature would write one on top of them). On PostgreSQL there is
    // no lock: the repair is one transaction, announced to running servers like a signature.
    let _lock = repair
        .then(|| file.lock("pledge-server check --repair"))
        .transpose()
        .context("check --repair changes counts a running server keeps in memory")?;
    let mode = if repair {
        OpenMode::Migrate
    } else {
        OpenMode::ReadOnly
    };
    let store = SignatureStore::open_at(&file, mode).await?;
    let result = check_store(&store, repair).await;
    store.close().await;
    let (damaged, drifted) = result?;
    if damaged || (drifted && !repair) {
        // The exit code is what scripts and the crash test look at.
        std::process::exit(1);
    }
    Ok(())
}

/// Prints what `check` found; returns (damaged, drifted).
async fn check_store(store: &SignatureStore, repair: bool) -> anyhow::Result<(bool, bool)> {
    let integrity = store.integrity().await.context("reading the database")?;
    for problem in &integrity.problems {
        say(&format!("damaged\t{problem}"))?;
    }
    if !integrity.problems.is_empty() {
        say("damaged: restore the last backup (pledge-server restore FILE)")?;
        return Ok((true, false));
    }
    let totals = store.totals().await?;
    say(&format!(
        "integrity: ok ({} campaigns, {} signatures, {} held)",
        totals.campaigns, totals.signed, totals.held
    ))?;
    let drifted = if repair {
        store.repair_counts().await?
    } else {
        store.count_drift().await?
    };
    for d in &drifted {
        let verb = if repair { "repaired" } else { "drift" };
        say(&format!(
            "{verb}\t{}\tstored {}\tsignatures {}",
            d.slug, d.stored, d.actual
        ))?;
    }
    if drifted.is_empty() {
        say("ok: every campaign's count matches its signatures")?;
    }
    Ok((false, !drifted.is_empty()))
}

async fn backup(target: &std::path::Path, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::Snapshot).await?;
    let result = store.backup_to(target).await;
    store.close().await;
    let summary = result?;
    say(&format!(
        "backup: {} ({} campaigns, {} signatures, integrity ok)",
        target.display(),
        summary.campaigns,
        summary.signatures
    ))
}

async fn restore(source: &std::path::Path, db: Database) -> anyhow::Result<()> {
    let file = match DatabaseUrl::parse(&db.database_url)? {
        DatabaseUrl::Sqlite(file) => file,
        DatabaseUrl::Postgres(pg) => bail!(
            "`restore` replaces a SQLite file; for PostgreSQL use pg_restore on the dump pg_dump wrote: pg_restore --clean --if-exists --dbname '{}' pledges.dump, with the servers stopped (docs/deploy.md, \"PostgreSQL\")",
            pg.display()
        ),
    };
    let _lock = crate::store::DatabaseLock::acquire(&file, "pledge-server restore")
        .context("restore replaces the file a running server has open")?;
    let (summary, kept) = crate::store::restore_file(source, &file).await?;
    // Bring the restored file to this version's schema now, so a failure shows here.
    crate::store::SqliteStore::open_file(&file, OpenMode::Migrate)
        .await?
        .close()
        .await;
    if let Some(old) = kept {
        say(&format!("kept the replaced database as {}", old.display()))?;
    }
    say(&format!(
        "restored {} into {} ({} campaigns, {} signatures); start the server",
        source.display(),
        file.display(),
        summary.campaigns,
        summary.signatures
    ))
}

async fn migrate(db: Database) -> anyhow::Result<()> {
    let file = DatabaseUrl::parse(&db.database_url)?;
    // A server started before the upgrade runs the old code against the new schema.
    let _lock = file
        .lock("pledge-server migrate")
        .context("stop the server before migrating (the new version migrates when it starts)")?;
    let store = SignatureStore::open_at(&file, OpenMode::Snapshot).await?;
    let before = store.migration_state().await;
    store.close().await;
    let pending = before?.pending;
    SignatureStore::open_at(&file, OpenMode::Migrate)
        .await?
        .close()
        .await;
    if pending.is_empty() {
        say("migrate: nothing to do, the schema is current")
    } else {
        for (version, description) in &pending {
            say(&format!("applied\t{version}\t{description}"))?;
        }
        say(&format!("migrate: applied {} migration(s)", pending.len()))
    }
}

async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.database_url,
        public_origin: None,
        rate_limit_per_minute: args.rate_limit,
        abuse: args.abuse.settings(args.hold_after)?,
        limits: args.limits.limits(),
        tls: args.tls.files(),
        delivery: Default::default(),
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
    for o in &args.allowed_origins {
        origins.push(normalise_origin(o)?);
    }
    demo::seed(app.store(), &origins, args.pow_maxnumber).await?;
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

/// Origins are compared byte for byte with the browser's `Origin` header, which has no
/// trailing slash and a lowercase scheme and host.
fn normalise_origin(raw: &str) -> anyhow::Result<String> {
    let o = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    if o == "*" {
        return Ok(o);
    }
    let host = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
        .unwrap_or("");
    if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
        bail!("{raw:?} is not an origin like https://artist.example or *");
    }
    Ok(o)
}

/// Prints a line on stdout and flushes: tests and scripts read these lines.
fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}
