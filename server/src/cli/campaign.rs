//! `campaign create|list|export|review|approve`; the lifecycle commands (`edit`,
//! `open|close|archive`, `origin`) are in `super::lifecycle`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::lifecycle::{EditArgs, OriginCommand};
use super::{Database, origin_policy, say};
use crate::abuse::proof::DEFAULT_MAXNUMBER;
use crate::domain::{
    CampaignSlug, CampaignState, FieldDefinition, NewCampaign, OriginMode, SignerEmail,
};
use crate::export::write_csv;
use crate::store::{OpenMode, SignatureStore, Store};

pub(super) async fn run(command: CampaignCommand) -> anyhow::Result<()> {
    match command {
        CampaignCommand::Create(args) => create(*args).await,
        CampaignCommand::List { all, db } => list(all, db).await,
        CampaignCommand::Edit(args) => super::lifecycle::edit(*args).await,
        CampaignCommand::Open { slug, db } => {
            super::lifecycle::set_state(&slug, CampaignState::Open, db).await
        }
        CampaignCommand::Close { slug, db } => {
            super::lifecycle::set_state(&slug, CampaignState::Closed, db).await
        }
        CampaignCommand::Archive { slug, db } => {
            super::lifecycle::set_state(&slug, CampaignState::Archived, db).await
        }
        CampaignCommand::Origin(command) => super::lifecycle::origin(command).await,
        CampaignCommand::Export { slug, db } => export(&slug, db).await,
        CampaignCommand::Review { slug, db } => review(&slug, db).await,
        CampaignCommand::Approve {
            slug,
            email,
            all: _,
            db,
        } => approve(&slug, email.as_deref(), db).await,
    }
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign.
    Create(Box<CreateArgs>),
    /// List campaigns: slug, count, goal, title, state (tab-separated); archived ones only
    /// with --all.
    List {
        /// Archived campaigns too.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        db: Database,
    },
    /// Change a campaign's text, goal, fields, consent line, links, translations, proof of
    /// work or retention; running servers show it within a second.
    Edit(Box<EditArgs>),
    /// Take signatures again.
    Open {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// Stop taking signatures: the widget shows the final count; a post gets
    /// `410 campaign_closed`.
    Close {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// Close and put away: unlisted, and every public route answers `410
    /// campaign_archived`. `campaign open` brings it back.
    Archive {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// Which origins may sign: `list`, `add`, `remove`, `any`, `restrict`.
    #[command(subcommand)]
    Origin(OriginCommand),
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
    /// Restrict signing to this origin, e.g. https://artist.example. Repeatable. Without
    /// it, pages of any origin may sign (proof of work and rate limits are the abuse
    /// controls); `campaign origin` changes either later.
    #[arg(long = "allowed-origin")]
    pub allowed_origins: Vec<String>,
    /// A form field: `key:type:label[:required|optional[:extra]]`; type is text, email,
    /// select, country or checkbox; extra is `value=Label|value=Label` for select, a maximum
    /// length for text/email. Repeatable.
    #[arg(long = "field")]
    pub fields: Vec<String>,
    #[arg(long, default_value = crate::domain::DEFAULT_CONSENT_TEXT)]
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
    let origins = origin_policy(&args.allowed_origins, OriginMode::Any)?;
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
        allowed_origins: origins.listed,
        origin_mode: origins.mode,
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

async fn list(all: bool, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let campaigns = store.campaigns().await?;
    store.close().await;
    let mut out = String::new();
    for c in campaigns {
        if c.state == CampaignState::Archived && !all {
            continue;
        }
        let goal = c.goal.map_or_else(|| "-".to_owned(), |g| g.to_string());
        let title = c.title.replace(['\t', '\n', '\r'], " ");
        out.push_str(&format!(
            "{}\t{}\t{}\t{title}\t{}\n",
            c.slug,
            c.count,
            goal,
            c.state.as_str()
        ));
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
