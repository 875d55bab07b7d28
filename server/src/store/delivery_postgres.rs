//! [`DeliveryStore`] on PostgreSQL, where several instances run workers side by side: a
//! target is leased with `FOR UPDATE SKIP LOCKED` (two workers never wait on, or both take,
//! one target), and the lease's expiry hands a crashed worker's targets to another.

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::delivery::{
    DeliveryFilter, DeliveryRow, DeliveryStore, Failure, LeasedTarget, NewTarget, PendingEvent,
    TargetKind, TargetSummary, events_list, events_text,
};
use super::{PostgresStore, StoreError, StoreResult, from_json, to_json};

impl DeliveryStore for PostgresStore {
    async fn add_target(&self, t: &NewTarget) -> StoreResult<Option<i64>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO delivery_targets (campaign_id, kind, url, secret, api_key_source, tags_json, events, batch_size)
             SELECT id, $1, $2, $3, $4, $5, $6, $7 FROM campaigns WHERE slug = $8 RETURNING id",
        )
        .bind(t.kind.as_str())
        .bind(&t.url)
        .bind(&t.secret)
        .bind(&t.api_key_source)
        .bind(to_json(&t.tags))
        .bind(events_text(&t.events))
        .bind(i32::try_from(t.batch_size).unwrap_or(i32::MAX))
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
             WHERE $1::text IS NULL OR c.slug = $1 ORDER BY t.id",
        )
        .bind(campaign_slug)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TargetSummary {
                    id: r.try_get(0)?,
                    campaign_slug: r.try_get(1)?,
                    kind: TargetKind::parse(&r.try_get::<String, _>(2)?)?,
                    url: r.try_get(3)?,
                    events: events_list(&r.try_get::<String, _>(4)?),
                    batch_size: unsigned(r.try_get(5)?)?,
                    tags: from_json(&r.try_get::<String, _>(6)?)?,
                    pending: r.try_get(7)?,
                    parked: r.try_get(8)?,
                    delivered: r.try_get(9)?,
                })
            })
            .collect()
    }

    async fn remove_target(&self, id: i64, kind: TargetKind) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM delivery_targets WHERE id = $1 AND kind = $2")
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
        let rows = sqlx::query(
            "WITH leased AS (
                 UPDATE delivery_targets SET lease_owner = $1, lease_until = $3
                 WHERE id IN (
                     SELECT t.id FROM delivery_targets t
                     WHERE (t.lease_until IS NULL OR t.lease_until < $2)
                       AND (SELECT d.next_attempt_at FROM deliveries d
                            WHERE d.target_id = t.id AND d.state = 'pending'
                            ORDER BY d.event_id LIMIT 1) <= $2
                     ORDER BY t.id LIMIT $4
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, campaign_id, kind, url, secret, api_key_source, tags_json, batch_size)
             SELECT l.id, c.slug, l.kind, l.url, l.secret, l.api_key_source, l.tags_json, l.batch_size
             FROM leased l JOIN campaigns c ON c.id = l.campaign_id ORDER BY l.id",
        )
        .bind(owner)
        .bind(now_ms)
        .bind(now_ms.saturating_add(lease_ms))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(leased_from_row).collect()
    }

    async fn pending_events(&self, target_id: i64, limit: u32) -> StoreResult<Vec<PendingEvent>> {
        let rows = sqlx::query(
            "SELECT d.id, d.attempts, d.maybe_sent, e.public_id, e.type, e.created_at, e.data_json
             FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
             WHERE d.target_id = $1 AND d.state = 'pending' ORDER BY d.event_id LIMIT $2",
        )
        .bind(target_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingEvent {
                    delivery_id: r.try_get(0)?,
                    attempts: unsigned(r.try_get(1)?)?,
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
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, done_at = $1, last_error = NULL
             WHERE target_id = $2 AND state = 'pending' AND id = ANY($3)",
        )
        .bind(now_ms)
        .bind(target_id)
        .bind(delivery_ids)
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
        let mut tx = self.pool.begin().await?;
        let states: Vec<String> = sqlx::query_scalar(
            "UPDATE deliveries SET
                 attempts = attempts + 1,
                 last_error = $1,
                 maybe_sent = (maybe_sent OR $2),
                 first_failed_at = COALESCE(first_failed_at, $3),
                 next_attempt_at = $4,
                 state = CASE WHEN COALESCE(first_failed_at, $3) <= $5 THEN 'parked' ELSE 'pending' END,
                 done_at = CASE WHEN COALESCE(first_failed_at, $3) <= $5 THEN $3 ELSE NULL END
             WHERE target_id = $6 AND state = 'pending' AND id = ANY($7)
             RETURNING state",
        )
        .bind(f.error)
        .bind(f.maybe_sent)
        .bind(f.now_ms)
        .bind(f.next_attempt_at)
        .bind(f.now_ms.saturating_sub(f.retry_window_ms))
        .bind(target_id)
        .bind(delivery_ids)
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
             WHERE ($1::text IS NULL OR c.slug = $1) AND ($2::bigint IS NULL OR d.target_id = $2)
               AND ($3::text IS NULL OR d.state = $3)
               AND (cardinality($4::bigint[]) = 0 OR d.id = ANY($4))
             ORDER BY d.target_id, d.event_id LIMIT $5",
        )
        .bind(&filter.campaign_slug)
        .bind(filter.target_id)
        .bind(&filter.state)
        .bind(&filter.ids)
        .bind(i64::from(limit))
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
                    attempts: unsigned(r.try_get(7)?)?,
                    next_attempt_at: r.try_get(8)?,
                    last_error: r.try_get(9)?,
                })
            })
            .collect()
    }

    async fn resend(&self, filter: &DeliveryFilter) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0,
                 first_failed_at = NULL, done_at = NULL
             WHERE state = 'parked'
               AND ($1::text IS NULL OR target_id IN (SELECT t.id FROM delivery_targets t JOIN campaigns c ON c.id = t.campaign_id WHERE c.slug = $1))
               AND ($2::bigint IS NULL OR target_id = $2)
               AND (cardinality($3::bigint[]) = 0 OR id = ANY($3))",
        )
        .bind(&filter.campaign_slug)
        .bind(filter.target_id)
        .bind(&filter.ids)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn prune_delivered(&self, before_ms: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let removed =
            sqlx::query("DELETE FROM deliveries WHERE state = 'delivered' AND done_at < $1")
                .bind(before_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query(
            "DELETE FROM outbox_events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}

/// Gives the lease back; `false` if `owner` no longer held it.
async fn release(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    target_id: i64,
    owner: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE delivery_targets SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
    )
    .bind(target_id)
    .bind(owner)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps the lease until `until`; `false` if `owner` no longer held it.
async fn extend(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    target_id: i64,
    owner: &str,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE delivery_targets SET lease_until = $1 WHERE id = $2 AND lease_owner = $3",
    )
    .bind(until)
    .bind(target_id)
    .bind(owner)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn unsigned(n: i32) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
}

fn leased_from_row(r: &PgRow) -> StoreResult<LeasedTarget> {
    Ok(LeasedTarget {
        id: r.try_get(0)?,
        campaign_slug: r.try_get(1)?,
        kind: TargetKind::parse(&r.try_get::<String, _>(2)?)?,
        url: r.try_get(3)?,
        secret: r.try_get(4)?,
        api_key_source: r.try_get(5)?,
        tags: from_json(&r.try_get::<String, _>(6)?)?,
        batch_size: unsigned(r.try_get(7)?)?,
    })
}
