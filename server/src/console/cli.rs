//! `pledge-server user add|list|remove|reset`: the console's accounts, made from the
//! command line. `add` and `reset` print a one-time link to set the password (its token
//! is stored hashed and expires); nothing else ever prints or stores a password.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Subcommand;

use super::auth::{random_token, token_hash};
use crate::cli::Database;
use crate::domain::SignerEmail;
use crate::store::console::{ConsoleStore, Role};
use crate::store::{OpenMode, SignatureStore, Store};

/// How long a set-password link works.
pub const SETUP_LINK_HOURS: i64 = 24;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Make a console account and print its one-time set-password link (valid 24 hours).
    Add {
        email: String,
        /// `admin` (everything) or `moderator` (moderation only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        origin: Origin,
        #[command(flatten)]
        db: Database,
    },
    /// Every account: email, role, whether its password is set.
    List {
        #[command(flatten)]
        db: Database,
    },
    /// Delete an account; its sessions end at once.
    Remove {
        email: String,
        #[command(flatten)]
        db: Database,
    },
    /// Print a new set-password link for an account (a forgotten password); the old
    /// password works until the link is used.
    Reset {
        email: String,
        #[command(flatten)]
        origin: Origin,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, clap::Args)]
pub struct Origin {
    /// The origin organisers reach the server at, for the link (as `serve
    /// --public-origin`).
    #[arg(
        long = "public-origin",
        env = "PLEDGE_PUBLIC_ORIGIN",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_origin: String,
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).ok_or_else(|| format!("role must be admin or moderator, not {raw:?}"))
}

/// Accounts are keyed by the address in lower case (`Ann@X.org` and `ann@x.org` are one).
fn account_email(raw: &str) -> anyhow::Result<String> {
    SignerEmail::parse(raw).map_err(|why| anyhow::anyhow!("email: {why}"))?;
    Ok(raw.trim().to_lowercase())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn link(origin: &Origin, token: &str) -> String {
    format!(
        "{}/admin/set-password?token={token}",
        origin.public_origin.trim_end_matches('/')
    )
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            role,
            origin,
            db,
        } => {
            let email = account_email(&email)?;
            let token = random_token().map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let now = now_ms();
            let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
            let added = store
                .add_user(
                    &email,
                    role,
                    &token_hash(&token),
                    now + SETUP_LINK_HOURS * 3_600_000,
                    now,
                )
                .await;
            store.close().await;
            if !added? {
                bail!("there is already an account {email:?}: `user reset` prints a new link");
            }
            say(&format!(
                "added {role} {email}; the link to set the password (valid {SETUP_LINK_HOURS} hours, once):\n{}",
                link(&origin, &token)
            ))
        }
        UserCommand::List { db } => {
            let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
            let users = store.users().await;
            store.close().await;
            let mut out = String::new();
            for u in users? {
                let state = if u.has_password {
                    "active"
                } else {
                    "waiting for its password"
                };
                out.push_str(&format!("{}\t{}\t{state}\n", u.email, u.role));
            }
            say(out.trim_end())
        }
        UserCommand::Remove { email, db } => {
            let email = account_email(&email)?;
            let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
            let removed = store.remove_user(&email).await;
            store.close().await;
            if !removed? {
                bail!("no account {email:?}");
            }
            say(&format!("removed {email}; its sessions have ended"))
        }
        UserCommand::Reset { email, origin, db } => {
            let email = account_email(&email)?;
            let token = random_token().map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
            let done = store
                .reissue_setup(
                    &email,
                    &token_hash(&token),
                    now_ms() + SETUP_LINK_HOURS * 3_600_000,
                )
                .await;
            store.close().await;
            if !done.context("storing the new link")? {
                bail!("no account {email:?}");
            }
            say(&format!(
                "the link to set {email}'s password (valid {SETUP_LINK_HOURS} hours, once):\n{}",
                link(&origin, &token)
            ))
        }
    }
}

fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}
