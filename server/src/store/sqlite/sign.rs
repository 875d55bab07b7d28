//! One signature's statements on SQLite, inside its group's transaction: the path a group
//! takes when its group statements fail (`sign_batch_sqlite`), so each member is decided
//! alone exactly as the group statements would have.

use sqlx::{Row, SqliteConnection};

use crate::domain::{IdempotencyKey, NewSignature};
use crate::store::{SignContext, SignOutcome, StoreError, StoreResult, confirmation, to_json};

/// One signature's statements inside its group's transaction: the idempotency key, the
/// proof, the hold, the row, the count, the key's answer. The path a group takes when its
/// group statements fail (`sign_batch_sqlite`); the caller ends the savepoint it opens.
pub(in crate::store) async fn sign_statements(
    conn: &mut SqliteConnection,
    campaign_id: i64,
    key: &IdempotencyKey,
    request_hash: &str,
    sig: &NewSignature,
    ctx: SignContext<'_>,
) -> StoreResult<SignOutcome> {
    // An expired key is forgotten here too, not only by the sweep: past 24 h a retry is a
    // new attempt (and the email rule still stops a second signature). It is not read here
    // and is overwritten by this post's key below: one statement fewer per signature than
    // deleting it first, and every statement is a round trip to SQLite's thread under the
    // group's write lock.
    // The member's savepoint opens in the same round trip as its first read.
    let seen = sqlx::query(concat!(
        "SAVEPOINT signature; SELECT request_hash, response_status, response_count FROM idempotency_keys WHERE campaign_id = ?1 AND key = ?2 AND NOT (",
        key_expired!(),
        ")"
    ))
    .bind(campaign_id)
    .bind(key.as_ref())
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .next();
    if let Some(row) = seen {
        let hash: String = row.try_get(0)?;
        if hash != request_hash {
            return Ok(SignOutcome::KeyReused);
        }
        let status: i64 = row.try_get(1)?;
        return Ok(SignOutcome::Replayed {
            signed: status == 201,
            count: row.try_get(2)?,
        });
    }
    if let Some(spent) = ctx.challenge {
        // Expired rows can go: an expired challenge is refused before it gets here.
        sqlx::query("DELETE FROM used_challenges WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER)")
            .execute(&mut *conn)
            .await?;
        let fresh = sqlx::query(
            "INSERT INTO used_challenges (challenge, expires_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING",
        )
        .bind(spent.challenge)
        .bind(i64::try_from(spent.expires_at).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if !fresh {
            return Ok(SignOutcome::ProofReplayed);
        }
    }
    let held = match (ctx.network_hash, ctx.hold) {
        (Some(network), Some(hold)) => {
            let recent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM signatures WHERE campaign_id = ? AND network_hash = ?
                 AND signed_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
            )
            .bind(campaign_id)
            .bind(network)
            .bind(format!("-{} seconds", hold.window.as_secs()))
            .fetch_one(&mut *conn)
            .await?;
            hold.policy.holds(recent)
        }
        _ => false,
    };
    let awaiting = confirmation::awaiting(ctx.confirm_email, held);
    let held = held || ctx.confirm_email;
    let inserted = sqlx::query(
        "INSERT INTO signatures (campaign_id, name, email, email_normalised, fields_json, public, locale, source_url, consent_text, consent_lang, consent_version, status, network_hash, awaiting_confirmation, consent_at, signed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
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
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !inserted && ctx.confirm_email {
        sqlx::query(confirmation::QUEUE_REPEAT_SQLITE)
            .bind(campaign_id)
            .bind(sig.email.normalised())
            .execute(&mut *conn)
            .await?;
    }
    // A held signature's sender was told it counted; a retry must hear the same.
    // One awaiting confirmation is told the plain count, as a repeat is.
    let told_one_more = i64::from(inserted && held && awaiting.is_none());
    // The count (raised by a counted signature) and the key's answer in one round trip:
    // `fetch_all` runs both statements and returns the count's row.
    let count_and_key = if inserted && !held {
        concat!(
            "UPDATE campaigns SET signature_count = signature_count + 1 WHERE id = ?1 RETURNING signature_count; ",
            store_key!()
        )
    } else {
        concat!(
            "SELECT signature_count FROM campaigns WHERE id = ?1; ",
            store_key!()
        )
    };
    let count: i64 = sqlx::query(count_and_key)
        .bind(campaign_id)
        .bind(key.as_ref())
        .bind(request_hash)
        .bind(if inserted { 201_i64 } else { 200 })
        .bind(told_one_more)
        .fetch_all(&mut *conn)
        .await?
        .first()
        .ok_or_else(|| StoreError::Corrupt("the campaign's row is missing".into()))?
        .try_get(0)?;
    Ok(if inserted && held {
        SignOutcome::Held { count }
    } else if inserted {
        SignOutcome::Signed { count }
    } else {
        SignOutcome::AlreadySigned { count }
    })
}
