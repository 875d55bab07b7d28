//! How instances on one PostgreSQL database tell each other what they committed: `NOTIFY` on
//! two channels inside the writing transaction (so it is heard only once it commits), and the
//! listener's side that parses what it hears.

use sqlx::postgres::PgListener;

use crate::store::StoreResult;

/// The channel count changes are announced on: payload `<campaign id> <count>`.
pub const COUNTS_CHANNEL: &str = "pledge_counts";

/// The channel campaign changes (origins, proof of work, translations) are announced on:
/// payload the campaign's slug.
pub const CAMPAIGNS_CHANNEL: &str = "pledge_campaigns";

/// What another instance (or a command) committed, as heard by a listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announcement {
    Count {
        campaign_id: i64,
        count: i64,
    },
    /// Re-read this campaign.
    Campaign {
        slug: String,
    },
}

/// The next announcement; `None` when the connection was lost (notifications sent
/// meanwhile are gone: re-read). Payloads that do not parse are skipped.
pub async fn next_announcement(listener: &mut PgListener) -> StoreResult<Option<Announcement>> {
    loop {
        let Some(n) = listener.try_recv().await? else {
            return Ok(None);
        };
        let parsed = match n.channel() {
            COUNTS_CHANNEL => n.payload().split_once(' ').and_then(|(id, count)| {
                Some(Announcement::Count {
                    campaign_id: id.parse().ok()?,
                    count: count.parse().ok()?,
                })
            }),
            CAMPAIGNS_CHANNEL => Some(Announcement::Campaign {
                slug: n.payload().to_owned(),
            }),
            _ => None,
        };
        if parsed.is_some() {
            return Ok(parsed);
        }
    }
}

/// Tells every instance to re-read campaign `slug`, when the transaction (or statement)
/// commits.
pub(super) async fn notify_campaign<'e, E>(executor: E, slug: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CAMPAIGNS_CHANNEL)
        .bind(slug)
        .execute(executor)
        .await?;
    Ok(())
}

/// Announces a campaign's new count to every instance, when the transaction commits.
pub(super) async fn notify_count(
    tx: &mut sqlx::PgConnection,
    campaign_id: i64,
    count: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(COUNTS_CHANNEL)
        .bind(format!("{campaign_id} {count}"))
        .execute(tx)
        .await?;
    Ok(())
}
