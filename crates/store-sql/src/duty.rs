//! The duty roster's patterns, cancellations and one-off shifts.

use crate::SqlStore;
use crate::rows::{Columns, map_commit_err, map_err};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hotline_domain::roster::{Pattern, Roster, Shift, Weekdays};
use hotline_domain::{StaffId, UnitCode};
use hotline_store::{Audited, Duty, NewDutyPattern, NewDutyShift, StoreError, StoreResult};
use hotline_store_sql_bounds::any_sql_database;
use std::collections::BTreeMap;

const DAY: &str = "%Y-%m-%d";
const TIME: &str = "%H:%M";

fn bad(what: &str) -> StoreError {
    StoreError::Other(format!("a duty roster row with a bad {what}"))
}

fn day_of(text: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, DAY).map_err(|_| bad("day"))
}

fn unit_of(text: String) -> StoreResult<UnitCode> {
    text.parse().map_err(|_| bad("unit"))
}

#[any_sql_database]
#[async_trait]
impl<DB> Duty for SqlStore<DB> {
    async fn rosters_under(
        &self,
        path: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(UnitCode, Roster)>> {
        let mut rosters: BTreeMap<UnitCode, Roster> = BTreeMap::new();
        let patterns = sqlx::query(
            "SELECT p.* FROM duty_patterns p JOIN units u ON u.code = p.unit_code \
             WHERE u.path LIKE $1 || '%' ORDER BY p.id",
        )
        .bind(path)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let cancelled = sqlx::query(
            "SELECT c.pattern_id, c.on_day FROM duty_cancellations c \
             JOIN duty_patterns p ON p.id = c.pattern_id JOIN units u ON u.code = p.unit_code \
             WHERE u.path LIKE $1 || '%'",
        )
        .bind(path)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut cancelled_days: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
        for row in &cancelled {
            cancelled_days
                .entry(row.int("pattern_id")?)
                .or_default()
                .push(day_of(&row.text("on_day")?)?);
        }
        for row in &patterns {
            let id = row.int("id")?;
            let pattern = Pattern {
                id,
                staff: StaffId(row.int("staff_id")?),
                weekdays: Weekdays::from_bits(
                    u8::try_from(row.int("weekdays")?).map_err(|_| bad("weekdays"))?,
                ),
                starts: NaiveTime::parse_from_str(&row.text("starts")?, TIME)
                    .map_err(|_| bad("start"))?,
                minutes: u32::try_from(row.int("minutes")?).map_err(|_| bad("length"))?,
                from: day_of(&row.text("valid_from")?)?,
                until: row
                    .text_opt("valid_until")?
                    .as_deref()
                    .map(day_of)
                    .transpose()?,
                cancelled: cancelled_days.remove(&id).unwrap_or_default(),
            };
            rosters
                .entry(unit_of(row.text("unit_code")?)?)
                .or_default()
                .patterns
                .push(pattern);
        }
        let shifts = sqlx::query(
            "SELECT s.* FROM duty_shifts s JOIN units u ON u.code = s.unit_code \
             WHERE u.path LIKE $1 || '%' AND s.ends_at > $2 ORDER BY s.starts_at",
        )
        .bind(path)
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        for row in &shifts {
            rosters
                .entry(unit_of(row.text("unit_code")?)?)
                .or_default()
                .shifts
                .push(Shift {
                    staff: StaffId(row.int("staff_id")?),
                    starts_at: row.time("starts_at")?,
                    ends_at: row.time("ends_at")?,
                    pattern: None,
                    id: Some(row.int("id")?),
                });
        }
        Ok(rosters.into_iter().collect())
    }

    async fn add_duty_pattern(&self, p: &NewDutyPattern, audit: Audited<'_>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO duty_patterns (unit_code, staff_id, weekdays, starts, minutes, \
             valid_from, valid_until, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(p.unit.as_str())
        .bind(p.staff.0)
        .bind(i64::from(p.weekdays.bits()))
        .bind(p.starts.format(TIME).to_string())
        .bind(i64::from(p.minutes))
        .bind(p.from.format(DAY).to_string())
        .bind(p.until.map(|d| d.format(DAY).to_string()))
        .bind(p.by.0)
        .bind(p.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?
        .int("id")?;
        Self::append_audit_created(&mut tx, audit, id).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn end_duty_pattern(
        &self,
        unit: &UnitCode,
        id: i64,
        last_day: NaiveDate,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE duty_patterns SET valid_until = $1 WHERE id = $2 AND unit_code = $3 \
             RETURNING id",
        )
        .bind(last_day.format(DAY).to_string())
        .bind(id)
        .bind(unit.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn cancel_duty_occurrence(
        &self,
        unit: &UnitCode,
        id: i64,
        day: NaiveDate,
        by: StaffId,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let at = audit.at();
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT id FROM duty_patterns WHERE id = $1 AND unit_code = $2")
            .bind(id)
            .bind(unit.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        if known.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO duty_cancellations (pattern_id, on_day, created_by, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (pattern_id, on_day) DO NOTHING",
        )
        .bind(id)
        .bind(day.format(DAY).to_string())
        .bind(by.0)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn add_duty_shift(&self, s: &NewDutyShift, audit: Audited<'_>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO duty_shifts (unit_code, staff_id, starts_at, ends_at, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(s.unit.as_str())
        .bind(s.staff.0)
        .bind(s.starts_at)
        .bind(s.ends_at)
        .bind(s.by.0)
        .bind(s.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?
        .int("id")?;
        Self::append_audit_created(&mut tx, audit, id).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn delete_duty_shift(
        &self,
        unit: &UnitCode,
        id: i64,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM duty_shifts WHERE id = $1 AND unit_code = $2 RETURNING id")
            .bind(id)
            .bind(unit.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }
}
