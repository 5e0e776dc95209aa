//! Requests to reveal a reporter's identity, their approvals and their use.

use crate::rows::{Columns, reveal_request};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{ReportId, StaffId};
use hotline_store::{Audited, RevealRequest, Reveals, StoreResult, UnsealedReason};
use hotline_store_sql_bounds::any_sql_database;

use crate::SqlStore;
use crate::rows::{map_commit_err, map_err};

pub(crate) const REVEAL_REQUEST_COLUMNS: &str = "q.id, q.requested_by, \
     COALESCE(NULLIF(s.display_name, ''), s.username) AS requester, q.target, q.reason, \
     q.requested_at, q.approved_by, q.approved_at";

#[any_sql_database]
#[async_trait]
impl<DB> Reveals for SqlStore<DB> {
    async fn request_reveal(
        &self,
        report: ReportId,
        by: StaffId,
        target: &str,
        reason: &str,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let waiting = sqlx::query(
            "SELECT id FROM reveal_requests WHERE report_id = $1 AND requested_by = $2 \
             AND target = $3 AND approved_by IS NULL AND used_at IS NULL ORDER BY id LIMIT 1",
        )
        .bind(report.0)
        .bind(by.0)
        .bind(target)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let id = match waiting {
            Some(row) => row.int("id")?,
            None => sqlx::query(
                "INSERT INTO reveal_requests (report_id, requested_by, target, reason, \
                 requested_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(report.0)
            .bind(by.0)
            .bind(target)
            .bind(reason)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int("id")?,
        };
        Self::append_audit_created(&mut tx, audit, id).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn open_reveal_requests(&self, report: ReportId) -> StoreResult<Vec<RevealRequest>> {
        sqlx::query(&format!(
            "SELECT {REVEAL_REQUEST_COLUMNS} FROM reveal_requests q \
             JOIN staff s ON s.id = q.requested_by \
             WHERE q.report_id = $1 AND q.used_at IS NULL ORDER BY q.id"
        ))
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(reveal_request)
        .collect()
    }

    async fn approve_reveal(
        &self,
        request: i64,
        report: ReportId,
        approver: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let approved = sqlx::query(
            "UPDATE reveal_requests SET approved_by = $1, approved_at = $2 \
             WHERE id = $3 AND report_id = $4 AND requested_by <> $1 \
             AND approved_by IS NULL AND used_at IS NULL RETURNING id",
        )
        .bind(approver.0)
        .bind(at)
        .bind(request)
        .bind(report.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if approved.is_none() {
            return Ok(false);
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(true)
    }

    async fn take_approved_reveal(
        &self,
        report: ReportId,
        requester: StaffId,
        target: &str,
        approved_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<RevealRequest>> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "UPDATE reveal_requests SET used_at = $1 WHERE id = \
             (SELECT id FROM reveal_requests WHERE report_id = $2 AND requested_by = $3 \
              AND target = $4 AND approved_at >= $5 AND used_at IS NULL ORDER BY id LIMIT 1) \
             RETURNING id",
        )
        .bind(at)
        .bind(report.0)
        .bind(requester.0)
        .bind(target)
        .bind(approved_since)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let request = match taken {
            Some(row) => Some(
                sqlx::query(&format!(
                    "SELECT {REVEAL_REQUEST_COLUMNS} FROM reveal_requests q \
                     JOIN staff s ON s.id = q.requested_by WHERE q.id = $1"
                ))
                .bind(row.int("id")?)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)
                .and_then(|row| reveal_request(&row))?,
            ),
            None => None,
        };
        tx.commit().await.map_err(map_commit_err)?;
        Ok(request)
    }

    async fn unsealed_reveal_reasons(
        &self,
        sealed_prefix: &str,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<UnsealedReason>> {
        // Compared exactly: SQLite's LIKE ignores case.
        sqlx::query(
            "SELECT q.id, r.case_number, q.reason FROM reveal_requests q \
             JOIN reports r ON r.id = q.report_id \
             WHERE q.id > $2 AND substr(q.reason, 1, length($1)) <> $1 ORDER BY q.id LIMIT $3",
        )
        .bind(sealed_prefix)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(UnsealedReason {
                id: row.int("id")?,
                case: row.text("case_number")?,
                reason: row.text("reason")?,
            })
        })
        .collect()
    }

    async fn seal_reveal_reason(&self, id: i64, clear: &str, sealed: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE reveal_requests SET reason = $1 WHERE id = $2 AND reason = $3 RETURNING id",
        )
        .bind(sealed)
        .bind(id)
        .bind(clear)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(changed.is_some())
    }
}
