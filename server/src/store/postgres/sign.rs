//! A signature on PostgreSQL: one transaction per signature at READ COMMITTED, where the
//! idempotency key, the spent challenge and the email's unique index decide races between
//! instances, and the new count is announced in the same transaction.

use sqlx::Row;

use super::PostgresStore;
use super::announce::notify_count;
use crate::domain::{IdempotencyKey, NewSignature};
use crate::store::{SignContext, SignOutcome, StoreResult, confirmation, to_json};

/// Advisory-lock class of the hold check (two-key form, so it cannot meet sqlx's
/// migration lock, which uses the one-key form).
const HOLD_LOCK_CLASS: i32 = 0x706c_6467; // "pldg"

impl PostgresStore {
    /// Stores one signature (or hears its key's earlier answer) in its own transaction.
    pub(super) async fn sign_in_one_transaction(
        &self,
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        sig: &NewSignature,
        ctx: SignContext<'_>,
    ) -> StoreResult<SignOutcome> {
        let mut tx = self.pool.begin().await?;
        // An expired key is forgotten here too, not only by the sweep: past 24 h a retry
        // is a new attempt (and the email rule still stops a second signature).
        sqlx::query(concat!(
            "DELETE FROM idempotency_keys WHERE campaign_id = $1 AND key = $2 AND ",
            key_expired!()
        ))
        .bind(campaign_id)
        .bind(key.as_ref())
        .execute(&mut *tx)
        .await?;
        // Claim the key. A post holding it in an open transaction makes this wait until
        // that one commits (then the key is seen) or rolls back (then it is ours).
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (campaign_id, key, request_hash, response_status, response_count)
             VALUES ($1, $2, $3, 0, 0) ON CONFLICT (campaign_id, key) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(key.as_ref())
        .bind(request_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            let row = sqlx::query("SELECT request_hash, response_status, response_count FROM idempotency_keys WHERE campaign_id = $1 AND key = $2")
                .bind(campaign_id)
                .bind(key.as_ref())
                .fetch_one(&mut *tx)
                .await?;
            let hash: String = row.try_get(0)?;
            if hash != request_hash {
                return Ok(SignOutcome::KeyReused);
            }
            let status: i32 = row.try_get(1)?;
            return Ok(SignOutcome::Replayed {
                signed: status == 201,
                count: row.try_get(2)?,
            });
        }
        if let Some(spent) = ctx.challenge {
            // Expired rows can go: an expired challenge is refused before it gets here.
            sqlx::query(
                "DELETE FROM used_challenges WHERE expires_at <= EXTRACT(EPOCH FROM now())::BIGINT",
            )
            .execute(&mut *tx)
            .await?;
            let fresh = sqlx::query(
                "INSERT INTO used_challenges (challenge, expires_at) VALUES ($1, $2) ON CONFLICT (challenge) DO NOTHING",
            )
            .bind(spent.challenge)
            .bind(i64::try_from(spent.expires_at).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !fresh {
                return Ok(SignOutcome::ProofReplayed);
            }
        }
        let held = match (ctx.network_hash, ctx.hold) {
            (Some(network), Some(hold)) => {
                // One post per network at a time past this point, so two cannot both slip
                // under the limit (SQLite gets this from its single writer).
                sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                    .bind(HOLD_LOCK_CLASS)
                    .bind(network)
                    .execute(&mut *tx)
                    .await?;
                let recent: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM signatures WHERE campaign_id = $1 AND network_hash = $2
                     AND signed_at > now() - make_interval(secs => $3)",
                )
                .bind(campaign_id)
                .bind(network)
                .bind(hold.window.as_secs_f64())
                .fetch_one(&mut *tx)
                .await?;
                hold.policy.holds(recent)
            }
            _ => false,
        };
        let awaiting = confirmation::awaiting(ctx.confirm_email, held);
        let held = held || ctx.confirm_email;
        let inserted = sqlx::query(
            "INSERT INTO signatures (campaign_id, name, email, email_normalised, fields_json, public, locale, source_url, consent_text, consent_lang, consent_version, status, network_hash, awaiting_confirmation, consent_at, signed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), now())
             ON CONFLICT (campaign_id, email_normalised) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(sig.name.as_ref())
        .bind(sig.email.as_typed())
        .bind(sig.email.normalised())
        .bind(to_json(sig.fields.as_map()))
        .bind(sig.public)
        .bind(sig.locale.as_ref().map(|l| l.as_ref().to_owned()))
        .bind(sig.source_url.as_ref().map(|u| u.as_ref().to_owned()))
        .bind(&sig.consent.text)
        .bind(&sig.consent.lang)
        .bind(&sig.consent.version)
        .bind(if held { "held" } else { "signed" })
        .bind(ctx.network_hash)
        .bind(awaiting)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted && ctx.confirm_email {
            sqlx::query(confirmation::QUEUE_REPEAT_POSTGRES)
                .bind(campaign_id)
                .bind(sig.email.normalised())
                .execute(&mut *tx)
                .await?;
        }
        let count: i64 = if inserted && !held {
            let count = sqlx::query_scalar("UPDATE campaigns SET signature_count = signature_count + 1 WHERE id = $1 RETURNING signature_count")
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?;
            notify_count(&mut tx, campaign_id, count).await?;
            count
        } else {
            sqlx::query_scalar("SELECT signature_count FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?
        };
        // A held signature's sender was told it counted; a retry must hear the same.
        // One awaiting confirmation is told the plain count, as a repeat is.
        let answered_count = if inserted && held && awaiting.is_none() {
            count + 1
        } else {
            count
        };
        sqlx::query("UPDATE idempotency_keys SET response_status = $3, response_count = $4 WHERE campaign_id = $1 AND key = $2")
            .bind(campaign_id)
            .bind(key.as_ref())
            .bind(if inserted { 201_i32 } else { 200 })
            .bind(answered_count)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(if inserted && held {
            SignOutcome::Held { count }
        } else if inserted {
            SignOutcome::Signed { count }
        } else {
            SignOutcome::AlreadySigned { count }
        })
    }
}
