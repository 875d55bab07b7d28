//! A group of signatures on SQLite in two statements: one reads what the database holds for
//! every member, one writes every member's rows (challenges, signatures, counts, keys,
//! repeat emails), each taking the whole group as one JSON array (`json_each`). Every query
//! is a hand-off to sqlx's SQLite thread and back, which cost more CPU than SQLite's own
//! work; four per signature became four per group (`BEGIN`, read, write, `COMMIT`).
//!
//! If either statement fails (a row the database refuses, such as a trigger's `RAISE` or a
//! campaign removed meanwhile), the group's savepoint is rolled back and each member runs
//! its own statements in its own savepoint, as before group statements existed: a bad row
//! fails only its own signer.

use serde_json::{Value, json};
use sqlx::{Row, SqliteConnection};

use super::sign_batch::{Facts, PendingSignature, Plan, SeenKey, plan};
use super::{SignOutcome, StoreError, StoreResult, to_json};

/// What the database holds for each member (`?1`: `[{c, k, e, n, w, ch}]`), in order. The
/// savepoint opens in the same round trip.
const READ_GROUP: &str = "SAVEPOINT sign_group;
SELECT k.request_hash, k.response_status, k.response_count,
  EXISTS (SELECT 1 FROM signatures s WHERE s.campaign_id = m.value ->> 'c' AND s.email_normalised = m.value ->> 'e'),
  CASE WHEN m.value ->> 'w' IS NULL THEN 0 ELSE (
    SELECT COUNT(*) FROM signatures s WHERE s.campaign_id = m.value ->> 'c' AND s.network_hash = m.value ->> 'n'
      AND s.signed_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (m.value ->> 'w') || ' seconds')) END,
  m.value ->> 'ch' IS NOT NULL AND EXISTS (SELECT 1 FROM used_challenges u WHERE u.challenge = m.value ->> 'ch'
      AND u.expires_at > CAST(strftime('%s', 'now') AS INTEGER)),
  (SELECT signature_count FROM campaigns WHERE id = m.value ->> 'c')
FROM json_each(?1) m
LEFT JOIN idempotency_keys k ON k.campaign_id = m.value ->> 'c' AND k.key = m.value ->> 'k'
  AND k.created_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')
ORDER BY m.key";

/// The group's writes, in the order one signature's statements make them, from one JSON
/// object `?1`: `spent` challenges `[{ch, x}]`, new `rows`, count rises `raised` `[{c, n}]`,
/// `keys` with their answers, `repeats` (repeated emails to tell, `[{c, e}]`). An expired
/// key or challenge row is overwritten. One parameter, not one per part: sqlx binds a
/// statement's unnamed slots below its highest `?N` from a running offset, and gives up
/// (leaving `?N` NULL) once that offset passes the arguments.
/// (`WHERE true` before `ON CONFLICT`: SQLite's parser needs it after a `SELECT … FROM`.)
const WRITE_GROUP: &str = "DELETE FROM used_challenges
  WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER) AND json_array_length(?1, '$.spent') > 0;
INSERT INTO used_challenges (challenge, expires_at)
  SELECT j.value ->> 'ch', j.value ->> 'x' FROM json_each(?1, '$.spent') j ORDER BY j.key;
INSERT INTO signatures (campaign_id, name, email, email_normalised, fields_json, public, locale, source_url, consent_text, consent_lang, consent_version, status, network_hash, awaiting_confirmation, consent_at, signed_at)
  SELECT r.value ->> 'c', r.value ->> 'name', r.value ->> 'email', r.value ->> 'e', r.value ->> 'fields',
    r.value ->> 'public', r.value ->> 'locale', r.value ->> 'source_url', r.value ->> 'consent',
    r.value ->> 'consent_lang', r.value ->> 'consent_version', r.value ->> 'status', r.value ->> 'n',
    r.value ->> 'awaiting', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  FROM json_each(?1, '$.rows') r ORDER BY r.key;
UPDATE campaigns SET signature_count = signature_count
    + (SELECT j.value ->> 'n' FROM json_each(?1, '$.raised') j WHERE j.value ->> 'c' = campaigns.id)
  WHERE id IN (SELECT j.value ->> 'c' FROM json_each(?1, '$.raised') j);
INSERT INTO idempotency_keys (campaign_id, key, request_hash, response_status, response_count)
  SELECT j.value ->> 'c', j.value ->> 'k', j.value ->> 'h', j.value ->> 's', j.value ->> 'count'
  FROM json_each(?1, '$.keys') j WHERE true
  ON CONFLICT (campaign_id, key) DO UPDATE SET request_hash = excluded.request_hash,
    response_status = excluded.response_status, response_count = excluded.response_count,
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
INSERT INTO email_outbox (signature_id, kind)
  SELECT s.id, 'repeat' FROM json_each(?1, '$.repeats') j
  JOIN signatures s ON s.campaign_id = j.value ->> 'c' AND s.email_normalised = j.value ->> 'e'
  WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.signature_id = s.id AND o.state = 'pending')
    AND (SELECT COUNT(*) FROM email_outbox o WHERE o.signature_id = s.id AND o.kind = 'repeat') < 5;
RELEASE sign_group";

/// Stores the group inside the open transaction `conn`; one answer per member, in order.
/// An `Err` member's statements were rolled back; the others stand.
pub(super) async fn sign_group(
    conn: &mut SqliteConnection,
    members: &[PendingSignature],
) -> Vec<StoreResult<SignOutcome>> {
    match group_statements(conn, members).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e) => {
            tracing::debug!(error = %e, signers = members.len(), "group statements failed; signing one by one");
            if let Err(e) = sqlx::raw_sql("ROLLBACK TO sign_group; RELEASE sign_group")
                .execute(&mut *conn)
                .await
            {
                let e = StoreError::from(e);
                return members.iter().map(|_| Err(e.clone())).collect();
            }
            let mut outcomes = Vec::with_capacity(members.len());
            for m in members {
                outcomes.push(sign_alone(conn, m).await);
            }
            outcomes
        }
    }
}

/// One member's own statements in its own savepoint (the path a failed group falls back to).
async fn sign_alone(conn: &mut SqliteConnection, m: &PendingSignature) -> StoreResult<SignOutcome> {
    let outcome = super::sqlite::sign_statements(
        conn,
        m.campaign_id,
        &m.key,
        &m.request_hash,
        &m.signature,
        m.context(),
    )
    .await;
    let end = if outcome.is_ok() {
        "RELEASE signature"
    } else {
        "ROLLBACK TO signature; RELEASE signature"
    };
    sqlx::raw_sql(end).execute(&mut *conn).await?;
    outcome
}

async fn group_statements(
    conn: &mut SqliteConnection,
    members: &[PendingSignature],
) -> StoreResult<Vec<SignOutcome>> {
    let facts = read_group(conn, members).await?;
    let plan = plan(members, &facts);
    write_group(conn, members, &plan).await?;
    Ok(plan.outcomes)
}

async fn read_group(
    conn: &mut SqliteConnection,
    members: &[PendingSignature],
) -> StoreResult<Vec<Facts>> {
    let group: Vec<Value> = members
        .iter()
        .map(|m| {
            json!({
                "c": m.campaign_id,
                "k": m.key.as_ref(),
                "e": m.signature.email.normalised(),
                "n": m.network_hash,
                "w": m.hold_window_seconds(),
                "ch": m.challenge.as_ref().map(|(c, _)| c),
            })
        })
        .collect();
    let rows = sqlx::query(READ_GROUP)
        .bind(to_json(&group))
        .fetch_all(&mut *conn)
        .await?;
    if rows.len() != members.len() {
        return Err(StoreError::Database(format!(
            "read {} rows for a group of {}",
            rows.len(),
            members.len()
        )));
    }
    rows.iter()
        .map(|r| {
            let hash: Option<String> = r.try_get(0)?;
            let count: Option<i64> = r.try_get(6)?;
            Ok(Facts {
                key: match hash {
                    Some(request_hash) => Some(SeenKey {
                        request_hash,
                        status: r.try_get(1)?,
                        count: r.try_get(2)?,
                    }),
                    None => None,
                },
                email_signed: r.try_get(3)?,
                recent_from_network: r.try_get(4)?,
                challenge_spent: r.try_get(5)?,
                // A campaign that is gone: its signer's own statements say how that fails.
                count: count.ok_or_else(|| StoreError::Database("no such campaign".into()))?,
            })
        })
        .collect()
}

async fn write_group(
    conn: &mut SqliteConnection,
    members: &[PendingSignature],
    plan: &Plan,
) -> StoreResult<()> {
    let spent: Vec<Value> = plan
        .spent
        .iter()
        .filter_map(|&i| members[i].challenge.as_ref())
        .map(|(ch, expires)| json!({"ch": ch, "x": i64::try_from(*expires).unwrap_or(i64::MAX)}))
        .collect();
    let rows: Vec<Value> = plan
        .rows
        .iter()
        .map(|row| {
            let m = &members[row.member];
            let sig = &m.signature;
            json!({
                "c": m.campaign_id,
                "name": sig.name.as_ref(),
                "email": sig.email.as_typed(),
                "e": sig.email.normalised(),
                "fields": to_json(sig.fields.as_map()),
                "public": i64::from(sig.public),
                "locale": sig.locale.as_ref().map(AsRef::<str>::as_ref),
                "source_url": sig.source_url.as_ref().map(AsRef::<str>::as_ref),
                "consent": sig.consent.text,
                "consent_lang": sig.consent.lang,
                "consent_version": sig.consent.version,
                "status": row.status,
                "n": m.network_hash,
                "awaiting": row.awaiting,
            })
        })
        .collect();
    let raised: Vec<Value> = plan
        .raised
        .iter()
        .map(|(c, n)| json!({"c": c, "n": n}))
        .collect();
    let keys: Vec<Value> = plan
        .keys
        .iter()
        .map(|k| {
            let m = &members[k.member];
            json!({"c": m.campaign_id, "k": m.key.as_ref(), "h": m.request_hash, "s": k.status, "count": k.count})
        })
        .collect();
    let repeats: Vec<Value> = plan
        .repeats
        .iter()
        .map(
            |&i| json!({"c": members[i].campaign_id, "e": members[i].signature.email.normalised()}),
        )
        .collect();
    let group = json!({
        "spent": spent,
        "rows": rows,
        "raised": raised,
        "keys": keys,
        "repeats": repeats,
    });
    sqlx::query(WRITE_GROUP)
        .bind(to_json(&group))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
