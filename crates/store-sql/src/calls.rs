//! Calls to the hotline's line and the queue of missed calls to call back.

use crate::SqlStore;
use crate::rows::{Columns, map_commit_err, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{ReportId, StaffId};
use hotline_store::{Audited, CallRecord, Calls, NewCall, StoreError, StoreResult};
use hotline_store_sql_bounds::any_sql_database;

const CALL_COLUMNS: &str = "c.id, c.account_id, c.call_id, c.direction, c.report_id, \
     r.case_number, c.started_at, c.answered_at, c.answered_by, c.ended_at, c.cause, \
     c.callback, c.callback_attempts, c.callback_outcome";

fn call(row: &impl Columns) -> StoreResult<CallRecord> {
    Ok(CallRecord {
        id: row.int("id")?,
        account_id: row.int("account_id")?,
        call_id: row.text("call_id")?,
        inbound: row.text("direction")? == "in",
        report: row.int_opt("report_id")?.map(ReportId),
        case_number: row
            .text_opt("case_number")?
            .map(crate::rows::case_number)
            .transpose()?,
        started_at: row.time("started_at")?,
        answered_at: row.time_opt("answered_at")?,
        answered_by: row.text_opt("answered_by")?,
        ended_at: row.time_opt("ended_at")?,
        cause: row.text_opt("cause")?,
        callback: row.text("callback")?,
        callback_attempts: u32::try_from(row.int("callback_attempts")?)
            .map_err(|_| StoreError::Other("a call with a bad attempt count".into()))?,
        callback_outcome: row.text_opt("callback_outcome")?,
    })
}

#[any_sql_database]
#[async_trait]
impl<DB> Calls for SqlStore<DB> {
    async fn start_call(&self, new: &NewCall) -> StoreResult<bool> {
        let row = sqlx::query(
            "INSERT INTO calls (account_id, call_id, direction, caller_index, report_id, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, call_id) DO NOTHING \
             RETURNING id",
        )
        .bind(new.account_id)
        .bind(&new.call_id)
        .bind(if new.inbound { "in" } else { "out" })
        .bind(new.caller_index.clone())
        .bind(new.report.map(|r| r.0))
        .bind(new.at)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(row.is_some())
    }

    async fn call(&self, account_id: i64, call_id: &str) -> StoreResult<Option<CallRecord>> {
        sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN reports r ON r.id = c.report_id \
             WHERE c.account_id = $1 AND c.call_id = $2"
        ))
        .bind(account_id)
        .bind(call_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .as_ref()
        .map(call)
        .transpose()
    }

    async fn call_by_id(&self, id: i64) -> StoreResult<CallRecord> {
        let row = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN reports r ON r.id = c.report_id \
             WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        call(&row)
    }

    async fn answer_call(
        &self,
        account_id: i64,
        call_id: &str,
        (at, by): (DateTime<Utc>, Option<&str>),
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE calls SET answered_at = $1, answered_by = $2 \
             WHERE account_id = $3 AND call_id = $4 AND answered_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(account_id)
        .bind(call_id)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn end_call(
        &self,
        account_id: i64,
        call_id: &str,
        (at, cause, missed): (DateTime<Utc>, Option<&str>, bool),
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE calls SET ended_at = $1, cause = $2, callback = $3 \
             WHERE account_id = $4 AND call_id = $5 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(cause)
        .bind(if missed { "waiting" } else { "none" })
        .bind(account_id)
        .bind(call_id)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn waiting_callbacks(&self, limit: u32) -> StoreResult<Vec<CallRecord>> {
        sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN reports r ON r.id = c.report_id \
             WHERE c.callback = 'waiting' ORDER BY c.ended_at, c.id LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(call)
        .collect()
    }

    async fn record_callback(
        &self,
        id: i64,
        (outcome, done): (&str, bool),
        staff: StaffId,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let at = audit.at();
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE calls SET callback = $1, callback_outcome = $2, callback_by = $3, \
             callback_at = $4, callback_attempts = callback_attempts + 1 \
             WHERE id = $5 AND callback = 'waiting' RETURNING id",
        )
        .bind(if done { "done" } else { "waiting" })
        .bind(outcome)
        .bind(staff.0)
        .bind(at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        changed.ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn live_calls(&self, since: DateTime<Utc>) -> StoreResult<Vec<CallRecord>> {
        self.calls_after(since, "AND c.ended_at IS NULL", 20).await
    }

    async fn calls_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<CallRecord>> {
        self.calls_after(since, "", 50).await
    }
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// The calls that began after `since` (and meet `and`), newest first.
    async fn calls_after(
        &self,
        since: DateTime<Utc>,
        and: &str,
        limit: i64,
    ) -> StoreResult<Vec<CallRecord>> {
        sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN reports r ON r.id = c.report_id \
             WHERE c.started_at >= $1 {and} ORDER BY c.started_at DESC LIMIT {limit}"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(call)
        .collect()
    }
}
