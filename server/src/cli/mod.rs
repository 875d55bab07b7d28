//! Command line: the clap types and the dispatch. `serve` and `demo` are in [`serve`],
//! campaign commands in [`campaign`], the operator's `check`, `backup`, `restore` and
//! `migrate` in [`maintenance`]; the delivery commands (`webhook`, `osdi`, `delivery`) in
//! `crate::delivery::cli`, the wall's in `crate::wall_cli`, `supporter` in `crate::supporter`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod campaign;
mod lifecycle;
mod maintenance;
mod serve;

pub use campaign::{CampaignCommand, CreateArgs};
pub use lifecycle::{EditArgs, OriginCommand};
pub use serve::{AbuseArgs, DemoArgs, LimitArgs, ServeArgs, TlsArgs};

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
    /// Confirmation emails: withdraw signatures whose address bounced.
    #[command(subcommand)]
    Email(crate::email::commands::EmailCommand),
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

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Campaign(command) => campaign::run(command).await,
        Command::Wall(command) => crate::wall_cli::run(command).await,
        Command::Demo(args) => serve::run_demo(args).await,
        Command::Check { db, repair } => maintenance::check(db, repair).await,
        Command::Backup { file, db } => maintenance::backup(&file, db).await,
        Command::Restore { file, db } => maintenance::restore(&file, db).await,
        Command::Migrate { db } => maintenance::migrate(db).await,
        Command::Webhook(c) => crate::delivery::cli::webhook(c).await,
        Command::Osdi(c) => crate::delivery::cli::osdi(c).await,
        Command::Delivery(c) => crate::delivery::cli::delivery(c).await,
        Command::Supporter(c) => crate::supporter::run(c).await,
        Command::Email(c) => crate::email::commands::run(c).await,
        Command::User(c) => crate::console::cli::run(c).await,
    }
}

/// `--allowed-origin` values as a policy: any `*` (the old spelling) allows any origin
/// and is not listed; otherwise each is an [`Origin`](crate::domain::Origin), compared byte
/// for byte with the browser's `Origin` header. With none given, `unlisted` is the mode.
pub(crate) fn origin_policy(
    raw: &[String],
    unlisted: crate::domain::OriginMode,
) -> anyhow::Result<crate::domain::OriginPolicy> {
    use crate::domain::{Origin, OriginMode, OriginPolicy};
    let mut policy = OriginPolicy {
        mode: if raw.is_empty() {
            unlisted
        } else {
            OriginMode::Listed
        },
        listed: Vec::new(),
    };
    for o in raw {
        if o.trim() == "*" {
            policy.mode = OriginMode::Any;
            continue;
        }
        let origin = Origin::parse(o).map_err(|e| anyhow::anyhow!("--allowed-origin: {e}"))?;
        if !policy.listed.iter().any(|l| l == origin.as_ref()) {
            policy.listed.push(origin.as_ref().to_owned());
        }
    }
    Ok(policy)
}

/// Prints a line on stdout and flushes: tests and scripts read these lines.
pub(crate) fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}
