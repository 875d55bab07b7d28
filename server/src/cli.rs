//! Command line: `serve`, `campaign create|list|export`, `demo`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::demo;
use crate::domain::{CampaignSlug, FieldDefinition, NewCampaign};
use crate::export::write_csv;
use crate::startup::{Application, Settings, origin_of, shutdown_signal};
use crate::store::SignatureStore;

#[derive(Debug, Parser)]
#[command(
    name = "pledge-server",
    version,
    about = "Reference endpoint for the pledge widget"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the widget files and the demo pages.
    Serve(ServeArgs),
    /// Create, list and export campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Serve the app plus a second "partner site" origin, with the demo campaign seeded.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct Database {
    /// SQLite database URL; the file is created if missing.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://pledges.db")]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, env = "PLEDGE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: Database,
    /// Origin that pages use to reach this server (default: http://<addr>).
    #[arg(long, env = "PLEDGE_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Signature posts per minute per client IP (0 = unlimited).
    #[arg(long, env = "PLEDGE_RATE_LIMIT", default_value_t = 30)]
    pub rate_limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign.
    Create(Box<CreateArgs>),
    /// List campaigns: slug, count, goal, title (tab-separated).
    List(#[command(flatten)] Database),
    /// Write a campaign's signatures as CSV to stdout.
    Export {
        slug: String,
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
    /// Let signers choose to show their name publicly.
    #[arg(long)]
    pub public_names: bool,
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
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Campaign(CampaignCommand::Create(args)) => create(*args).await,
        Command::Campaign(CampaignCommand::List(db)) => list(db).await,
        Command::Campaign(CampaignCommand::Export { slug, db }) => export(&slug, db).await,
        Command::Demo(args) => run_demo(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.db.database_url,
        public_origin: args.public_origin,
        rate_limit_per_minute: args.rate_limit,
    };
    let app = Application::build(settings)
        .await
        .context("starting the server")?;
    say(&format!("pledge-server listening on {}", app.origin()))?;
    app.run_until_stopped(shutdown_signal()).await?;
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
    let fields = args
        .fields
        .iter()
        .map(|spec| FieldDefinition::from_spec(spec))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    if let Some(dup) = fields
        .iter()
        .enumerate()
        .find(|(i, f)| fields[..*i].iter().any(|g| g.key == f.key))
    {
        bail!("field {:?} given twice", dup.1.key);
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
        allow_public_names: args.public_names,
        languages: args.languages,
        allowed_origins: args
            .allowed_origins
            .iter()
            .map(|o| normalise_origin(o))
            .collect::<anyhow::Result<_>>()?,
    };
    let store = SignatureStore::open(&args.db.database_url).await?;
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
    let store = SignatureStore::open(&db.database_url).await?;
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
    let store = SignatureStore::open(&db.database_url).await?;
    let campaign = store
        .campaign(slug)
        .await?
        .with_context(|| format!("no campaign {slug:?}"))?;
    let rows = store.signatures(campaign.id).await?;
    store.close().await;
    let mut stdout = std::io::stdout().lock();
    write_csv(&mut stdout, &campaign, &rows)?;
    stdout.flush()?;
    Ok(())
}

async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.database_url,
        public_origin: None,
        rate_limit_per_minute: args.rate_limit,
    };
    let app = Application::build(settings)
        .await
        .context("starting the server")?;
    let partner = tokio::net::TcpListener::bind(args.partner_addr)
        .await
        .with_context(|| format!("binding the partner site on {}", args.partner_addr))?;
    let partner_port = partner.local_addr()?.port();
    let mut origins = Vec::new();
    for port in [app.port(), partner_port] {
        origins.push(format!("http://127.0.0.1:{port}"));
        origins.push(format!("http://localhost:{port}"));
    }
    for o in &args.allowed_origins {
        origins.push(normalise_origin(o)?);
    }
    demo::seed(app.store(), &origins).await?;
    let partner_origin = origin_of(partner.local_addr()?);
    say(&format!("pledge-server listening on {}", app.origin()))?;
    say(&format!("partner site on {partner_origin}"))?;
    let partner_router = crate::routes::partner_site(app.state().clone());
    app.run_with(vec![(partner, partner_router)], shutdown_signal())
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
