//! [`DeliveryStore`] on SQLite. One writer at a time (the store's write gate and `BEGIN
//! IMMEDIATE`), so a lease is taken atomically; the lease still matters when a command
//! (`delivery resend`) or a second process touches the file.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::delivery::{
    DeliveryFilter, DeliveryRow, DeliveryStore, Failure, LeasedTarget, NewTarget, PendingEvent,
    TargetKind, TargetSummary, events_list, events_text,
};
use super::{SqliteStore, StoreResult, from_json, to_json};

/// Targets nobody holds whose oldest pending delivery is due at `?1`, at most `?2`.
macro_rules! due_targets {
    () => {
        "SELECT t.id FROM delivery_targets t
         WHERE (t.lease_until IS NULL OR t.lease_until < ?1)
           AND (SELECT d.next_attempt_at FROM deliveries d
                WHERE d.target_id = t.id AND d.state = 'pending'
                ORDER BY d.event_id LIMIT 1) <= ?1
         ORDER BY t.id LIMIT ?2"
    };
}

const DUE_TARGETS: &str = due_targets!();

impl DeliveryStore for SqliteStore {
    async fn add_target(&self, t: &NewTarget) -> StoreResult<Option<i64>> {
        let _writer = self.write_gate.lock().await;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO delivery_targets (campaign_id, kind, url, secret, api_key_source, tags_json, events, batch_size)
             SELECT id, ?, ?, ?, ?, ?, ?, ? FROM campaigns WHERE slug = ? RETURNING id",
        )
        .bind(t.kind.as_str())
        .bind(&t.url)
        .bind(&t.secret)
        .bind(&t.api_key_source)
        .bind(to_json(&t.tags))
        .bind(events_text(&t.events))
        .bind(t.batch_size)
        .bind(&t.campaign_slug)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id)
    }

    async fn targets(&self, campaign_slug: Option<&str>) -> StoreResult<Vec<TargetSummary>> {
        let rows = sqlx::query(
            "SELECT t.id, c.slug, t.kind, t.url, t.events, t.batch_size, t.tags_json,
                    (SELECT COUNT(*) FROM deliveries d WHERE d.target_id = t.id AND d.state = 'pending'),
                    (SELECT COUNT(*) FROM deliveries d WHERE d.target_id = t.id AND d.state = 'parked'),
                    (SELECT COUNT(*) FROM deliveries d WHERE d.target_id = t.id AND d.state = 'delivered')
             FROM delivery_targets t JOIN campaigns c ON c.id = t.campaign_id
             WHERE ? IS NULL OR c.slug = ? ORDER BY t.id",
        )
        .bind(campaign_slug)
        .bind(campaign_slug)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    async fn remove_target(&self, id: i64, kind: TargetKind) -> StoreResult<bool> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query("DELETE FROM delivery_targets WHERE id = ? AND kind = ?")
            .bind(id)
            .bind(kind.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn lease_due_targets(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<LeasedTarget>> {
        // A plain read first: an idle outbox (the usual case) then costs no write lock,
        // which signatures would otherwise queue behind at every poll.
        let due: Option<i64> = sqlx::query_scalar(DUE_TARGETS)
            .bind(now_ms)
            .bind(1_i64)
            .fetch_optional(&self.pool)
            .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let until = now_ms.saturating_add(lease_ms);
        // The leased rows are the ones this UPDATE returns. Finding them again by owner and
        // `lease_until` also found a target whose lease the same worker had just kept
        // (`extend`) to the same millisecond, and handed it to a second task: its events
        // went out twice.
        let leased: Vec<i64> = sqlx::query_scalar(concat!(
            "UPDATE delivery_targets SET lease_owner = ?3, lease_until = ?4 WHERE id IN (",
            due_targets!(),
            ") RETURNING id"
        ))
        .bind(now_ms)
        .bind(limit)
        .bind(owner)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT t.id, c.slug, t.kind, t.url, t.secret, t.api_key_source, t.tags_json, t.batch_size
             FROM delivery_targets t JOIN campaigns c ON c.id = t.campaign_id
             WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.id",
        )
        .bind(to_json(&leased))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(leased_from_row).collect()
    }

    async fn pending_events(&self, target_id: i64, limit: u32) -> StoreResult<Vec<PendingEvent>> {
        let rows = sqlx::query(
            "SELECT d.id, d.attempts, d.maybe_sent, e.public_id, e.type, e.created_at, e.data_json
             FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
             WHERE d.target_id = ? AND d.state = 'pending' ORDER BY d.event_id LIMIT ?",
        )
        .bind(target_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingEvent {
                    delivery_id: r.try_get(0)?,
                    attempts: r.try_get(1)?,
                    maybe_sent: r.try_get(2)?,
                    public_id: r.try_get(3)?,
                    event_type: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    data: from_json(&r.try_get::<String, _>(6)?)?,
                })
            })
            .collect()
    }

    async fn record_success(
        &self,
        target_id: i64,
        owner: &str,
        delivery_ids: &[i64],
        now_ms: i64,
        keep_until: Option<i64>,
    ) -> StoreResult<bool> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, done_at = ?, last_error = NULL
             WHERE target_id = ? AND state = 'pending' AND id IN (SELECT value FROM json_each(?))",
        )
        .bind(now_ms)
        .bind(target_id)
        .bind(to_json(delivery_ids))
        .execute(&mut *tx)
        .await?;
        let held = match keep_until {
            Some(until) => extend(&mut tx, target_id, owner, until).await?,
            None => release(&mut tx, target_id, owner).await?,
        };
        tx.commit().await?;
        Ok(held)
    }

    async fn record_failure(
        &self,
        target_id: i64,
        owner: &str,
        delivery_ids: &[i64],
        f: &Failure<'_>,
    ) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let park_before = f.now_ms.saturating_sub(f.retry_window_ms);
        let states: Vec<String> = sqlx::query_scalar(
            "UPDATE deliveries SET
                 attempts = attempts + 1,
                 last_error = ?1,
                 maybe_sent = (maybe_sent OR ?2),
                 first_failed_at = COALESCE(first_failed_at, ?3),
                 next_attempt_at = ?4,
                 state = CASE WHEN COALESCE(first_failed_at, ?3) <= ?5 THEN 'parked' ELSE 'pending' END,
                 done_at = CASE WHEN COALESCE(first_failed_at, ?3) <= ?5 THEN ?3 ELSE NULL END
             WHERE target_id = ?6 AND state = 'pending' AND id IN (SELECT value FROM json_each(?7))
             RETURNING state",
        )
        .bind(f.error)
        .bind(f.maybe_sent)
        .bind(f.now_ms)
        .bind(f.next_attempt_at)
        .bind(park_before)
        .bind(target_id)
        .bind(to_json(delivery_ids))
        .fetch_all(&mut *tx)
        .await?;
        release(&mut tx, target_id, owner).await?;
        tx.commit().await?;
        Ok(states.iter().filter(|s| *s == "parked").count() as u64)
    }

    async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRow>> {
        let rows = sqlx::query(
            "SELECT d.id, d.target_id, c.slug, e.public_id, e.type, e.created_at, d.state, d.attempts, d.next_attempt_at, d.last_error
             FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
                 JOIN delivery_targets t ON t.id = d.target_id JOIN campaigns c ON c.id = t.campaign_id
             WHERE (?1 IS NULL OR c.slug = ?1) AND (?2 IS NULL OR d.target_id = ?2)
               AND (?3 IS NULL OR d.state = ?3)
               AND (?4 = '[]' OR d.id IN (SELECT value FROM json_each(?4)))
             ORDER BY d.target_id, d.event_id LIMIT ?5",
        )
        .bind(&filter.campaign_slug)
        .bind(filter.target_id)
        .bind(&filter.state)
        .bind(to_json(&filter.ids))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryRow {
                    id: r.try_get(0)?,
                    target_id: r.try_get(1)?,
                    campaign_slug: r.try_get(2)?,
                    event_public_id: r.try_get(3)?,
                    event_type: r.try_get(4)?,
                    event_created_at: r.try_get(5)?,
                    state: r.try_get(6)?,
                    attempts: r.try_get(7)?,
                    next_attempt_at: r.try_get(8)?,
                    last_error: r.try_get(9)?,
                })
            })
            .collect()
    }

    async fn resend(&self, filter: &DeliveryFilter) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0,
                 first_failed_at = NULL, done_at = NULL
             WHERE state = 'parked'
               AND (?1 IS NULL OR target_id IN (SELECT t.id FROM delivery_targets t JOIN campaigns c ON c.id = t.campaign_id WHERE c.slug = ?1))
               AND (?2 IS NULL OR target_id = ?2)
               AND (?3 = '[]' OR id IN (SELECT value FROM json_each(?3)))",
        )
        .bind(&filter.campaign_slug)
        .bind(filter.target_id)
        .bind(to_json(&filter.ids))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn prune_delivered(&self, before_ms: i64) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let removed =
            sqlx::query("DELETE FROM deliveries WHERE state = 'delivered' AND done_at < ?")
                .bind(before_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query(
            "DELETE FROM outbox_events WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = outbox_events.id)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}

/// Gives the lease back; `false` if `owner` no longer held it.
async fn release(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    target_id: i64,
    owner: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE delivery_targets SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
    )
    .bind(target_id)
    .bind(owner)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps the lease until `until`; `false` if `owner` no longer held it.
async fn extend(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    target_id: i64,
    owner: &str,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE delivery_targets SET lease_until = ? WHERE id = ? AND lease_owner = ?")
            .bind(until)
            .bind(target_id)
            .bind(owner)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

fn summary_from_row(r: &SqliteRow) -> StoreResult<TargetSummary> {
    Ok(TargetSummary {
        id: r.try_get(0)?,
        campaign_slug: r.try_get(1)?,
        kind: TargetKind::parse(&r.try_get::<String, _>(2)?)?,
        url: r.try_get(3)?,
        events: events_list(&r.try_get::<String, _>(4)?),
        batch_size: r.try_get(5)?,
        tags: from_json(&r.try_get::<String, _>(6)?)?,
        pending: r.try_get(7)?,
        parked: r.try_get(8)?,
        delivered: r.try_get(9)?,
    })
}

fn leased_from_row(r: &SqliteRow) -> StoreResult<LeasedTarget> {
    Ok(LeasedTarget {
        id: r.try_get(0)?,
        campaign_slug: r.try_get(1)?,
        kind: TargetKind::parse(&r.try_get::<String, _>(2)?)?,
        url: r.try_get(3)?,
        secret: r.try_get(4)?,
        api_key_source: r.try_get(5)?,
        tags: from_json(&r.try_get::<String, _>(6)?)?,
        batch_size: r.try_get(7)?,
    })
}
