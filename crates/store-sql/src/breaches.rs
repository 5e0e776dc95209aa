//! The breach register: breaches and who was told of them (R26).

use crate::SqlStore;
use crate::rows::{Columns, map_commit_err, map_err};
use async_trait::async_trait;
use hotline_store::{
    Audited, Breach, BreachClosing, BreachNotice, Breaches, NewBreach, NewBreachNotice, StoreError,
    StoreResult,
};
use hotline_store_sql_bounds::any_sql_database;
use std::collections::BTreeMap;

const BREACH_COLUMNS: &str = "b.id, b.unit_code, b.description, b.data_kinds, b.affected, \
     b.occurred_at, b.detected_at, b.recorded_at, b.remedies, b.closed_at, \
     CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS recorded_by";

const BREACH_FROM: &str = "FROM breaches b JOIN units u ON u.code = b.unit_code \
     JOIN staff s ON s.id = b.recorded_by";

fn bad(what: &str) -> StoreError {
    StoreError::Other(format!("a breach row with a bad {what}"))
}

fn breach_of(row: &impl Columns) -> StoreResult<Breach> {
    Ok(Breach {
        id: row.int("id")?,
        unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
        description: row.text("description")?,
        data_kinds: row.text("data_kinds")?,
        affected: row.int_opt("affected")?,
        occurred_at: row.time_opt("occurred_at")?,
        detected_at: row.time("detected_at")?,
        recorded_by: row.text("recorded_by")?,
        recorded_at: row.time("recorded_at")?,
        notices: Vec::new(),
        remedies: row.text_opt("remedies")?,
        closed_at: row.time_opt("closed_at")?,
    })
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// `breaches` (of units under `path`) with their notices, in one more query.
    async fn with_notices(
        &self,
        path: &str,
        mut breaches: Vec<Breach>,
    ) -> StoreResult<Vec<Breach>> {
        let Some(first) = breaches.iter().map(|b| b.id).min() else {
            return Ok(breaches);
        };
        let last = breaches.iter().map(|b| b.id).max().unwrap_or(first);
        let rows = sqlx::query(
            "SELECT n.breach_id, n.recipient, n.told_at, n.reference, n.late_reason, \
             n.recorded_at, CASE WHEN s.display_name = '' THEN s.username \
             ELSE s.display_name END AS recorded_by \
             FROM breach_notices n JOIN staff s ON s.id = n.recorded_by \
             JOIN breaches b ON b.id = n.breach_id JOIN units u ON u.code = b.unit_code \
             WHERE n.breach_id BETWEEN $1 AND $2 AND u.path LIKE $3 || '%' \
             ORDER BY n.told_at, n.id",
        )
        .bind(first)
        .bind(last)
        .bind(path)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut by_breach: BTreeMap<i64, Vec<BreachNotice>> = BTreeMap::new();
        for row in &rows {
            by_breach
                .entry(row.int("breach_id")?)
                .or_default()
                .push(BreachNotice {
                    recipient: row
                        .text("recipient")?
                        .parse()
                        .map_err(|_| bad("recipient"))?,
                    told_at: row.time("told_at")?,
                    reference: row.text("reference")?,
                    late_reason: row.text_opt("late_reason")?,
                    recorded_by: row.text("recorded_by")?,
                    recorded_at: row.time("recorded_at")?,
                });
        }
        for breach in &mut breaches {
            breach.notices = by_breach.remove(&breach.id).unwrap_or_default();
        }
        Ok(breaches)
    }

    /// Locks open breach `id` under `path` for a change: `NotFound` or `Conflict("closed")`.
    async fn open_breach_in(
        tx: &mut sqlx::Transaction<'static, DB>,
        path: &str,
        id: i64,
    ) -> StoreResult<()> {
        let lock = if DB::NAME == "PostgreSQL" {
            " FOR UPDATE OF b"
        } else {
            ""
        };
        let row = sqlx::query(&format!(
            "SELECT b.closed_at FROM breaches b JOIN units u ON u.code = b.unit_code \
             WHERE b.id = $1 AND u.path LIKE $2 || '%'{lock}"
        ))
        .bind(id)
        .bind(path)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        match row.time_opt("closed_at")? {
            Some(_) => Err(StoreError::Conflict("closed".into())),
            None => Ok(()),
        }
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Breaches for SqlStore<DB> {
    async fn record_breach(&self, breach: &NewBreach, audit: Audited<'_>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO breaches (unit_code, description, data_kinds, affected, occurred_at, \
             detected_at, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING id",
        )
        .bind(breach.unit.as_str())
        .bind(&breach.description)
        .bind(&breach.data_kinds)
        .bind(breach.affected)
        .bind(breach.occurred_at)
        .bind(breach.detected_at)
        .bind(breach.by.0)
        .bind(breach.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?
        .int("id")?;
        Self::append_audit_created(&mut tx, audit, id).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn breaches_under(&self, path: &str, limit: u32) -> StoreResult<Vec<Breach>> {
        let rows = sqlx::query(&format!(
            "SELECT {BREACH_COLUMNS} {BREACH_FROM} WHERE u.path LIKE $1 || '%' \
             ORDER BY (CASE WHEN b.closed_at IS NULL THEN 0 ELSE 1 END), b.detected_at DESC, \
             b.id DESC LIMIT $2"
        ))
        .bind(path)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let breaches = rows
            .iter()
            .map(breach_of)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_notices(path, breaches).await
    }

    async fn breach(&self, path: &str, id: i64) -> StoreResult<Breach> {
        let row = sqlx::query(&format!(
            "SELECT {BREACH_COLUMNS} {BREACH_FROM} WHERE b.id = $1 AND u.path LIKE $2 || '%'"
        ))
        .bind(id)
        .bind(path)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        let mut found = self.with_notices(path, vec![breach_of(&row)?]).await?;
        found.pop().ok_or(StoreError::NotFound)
    }

    async fn record_breach_notice(
        &self,
        path: &str,
        id: i64,
        notice: &NewBreachNotice,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::open_breach_in(&mut tx, path, id).await?;
        sqlx::query(
            "INSERT INTO breach_notices (breach_id, recipient, told_at, reference, late_reason, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(notice.recipient.as_str())
        .bind(notice.told_at)
        .bind(&notice.reference)
        .bind(notice.late_reason.as_deref())
        .bind(notice.by.0)
        .bind(notice.at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn close_breach(
        &self,
        path: &str,
        id: i64,
        closing: &BreachClosing,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::open_breach_in(&mut tx, path, id).await?;
        sqlx::query(
            "UPDATE breaches SET remedies = $1, closed_by = $2, closed_at = $3 \
             WHERE id = $4 AND closed_at IS NULL",
        )
        .bind(&closing.remedies)
        .bind(closing.by.0)
        .bind(closing.at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }
}
