//! The notification outbox, its attempts, and where members want to be told.

use crate::SqlStore;
use crate::rows::{Columns, case_number, map_commit_err, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::notify::{NotificationKind, NotifyAddress, NotifyChannel};
use hotline_domain::{ReportId, StaffId};
use hotline_store::{
    Audited, NewNotification, NotificationAttempt, NotificationOutcome, NotificationRecord,
    Notifications, PendingNotification, StoreError, StoreResult,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;

fn bad(what: &str) -> StoreError {
    StoreError::Other(format!("a notification with a bad {what}"))
}

fn kind_of(row: &impl Columns) -> StoreResult<NotificationKind> {
    NotificationKind::parse(&row.text("kind")?).ok_or_else(|| bad("kind"))
}

fn channel_of(text: &str) -> StoreResult<NotifyChannel> {
    NotifyChannel::parse(text).ok_or_else(|| bad("channel"))
}

fn level_of(row: &impl Columns) -> StoreResult<Option<u32>> {
    row.int_opt("level")?
        .map(|l| u32::try_from(l).map_err(|_| bad("level")))
        .transpose()
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Queues a notification about a report for `staff`, in the caller's transaction.
    pub(crate) async fn queue_report_notification(
        tx: &mut Transaction<'static, DB>,
        staff: StaffId,
        kind: NotificationKind,
        report: ReportId,
        level: Option<u32>,
        due_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO notifications \
             (staff_id, kind, report_id, level, due_at, created_at, state, next_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', $6)",
        )
        .bind(staff.0)
        .bind(kind.as_str())
        .bind(report.0)
        .bind(level.map(i64::from))
        .bind(due_at)
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Notifications for SqlStore<DB> {
    async fn notify_addresses(&self, staff: StaffId) -> StoreResult<Vec<NotifyAddress>> {
        sqlx::query(
            "SELECT channel, address FROM notify_addresses WHERE staff_id = $1 ORDER BY position",
        )
        .bind(staff.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(NotifyAddress::from_stored(
                channel_of(&row.text("channel")?)?,
                row.text("address")?,
            ))
        })
        .collect()
    }

    async fn set_notify_addresses(
        &self,
        staff: StaffId,
        addresses: &[NotifyAddress],
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM notify_addresses WHERE staff_id = $1")
            .bind(staff.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for (position, address) in (0_i64..).zip(addresses) {
            sqlx::query(
                "INSERT INTO notify_addresses (staff_id, position, channel, address) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(staff.0)
            .bind(position)
            .bind(address.channel.as_str())
            .bind(address.address())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn queue_notification(&self, notification: &NewNotification) -> StoreResult<bool> {
        let queued = sqlx::query(
            "INSERT INTO notifications \
             (staff_id, kind, dedupe_key, detail, created_at, state, next_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', $5) ON CONFLICT (dedupe_key) DO NOTHING \
             RETURNING id",
        )
        .bind(notification.staff.0)
        .bind(notification.kind.as_str())
        .bind(notification.key.as_deref())
        .bind(notification.detail.as_deref())
        .bind(notification.at)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(queued.is_some())
    }

    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingNotification>> {
        sqlx::query(
            "SELECT n.id, n.staff_id, n.kind, n.level, n.due_at, n.created_at, n.rounds, \
             n.next_at, n.detail, r.case_number, r.urgency \
             FROM notifications n LEFT JOIN reports r ON r.id = n.report_id \
             WHERE n.state = 'queued' AND n.next_at <= $1 ORDER BY n.next_at, n.id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(PendingNotification {
                id: row.int("id")?,
                staff: StaffId(row.int("staff_id")?),
                kind: kind_of(row)?,
                case_number: row.text_opt("case_number")?.map(case_number).transpose()?,
                urgency: row
                    .text_opt("urgency")?
                    .map(|u| u.parse().map_err(|_| bad("urgency")))
                    .transpose()?,
                level: level_of(row)?,
                due_at: row.time_opt("due_at")?,
                created_at: row.time("created_at")?,
                rounds: u32::try_from(row.int("rounds")?).map_err(|_| bad("round count"))?,
                next_at: row.time("next_at")?,
                detail: row.text_opt("detail")?,
            })
        })
        .collect()
    }

    async fn claim_notification(
        &self,
        id: i64,
        seen: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let claimed = sqlx::query(
            "UPDATE notifications SET next_at = $1 \
             WHERE id = $2 AND state = 'queued' AND next_at = $3 RETURNING id",
        )
        .bind(until)
        .bind(id)
        .bind(seen)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(claimed.is_some())
    }

    async fn finish_notification(
        &self,
        id: i64,
        attempts: &[NotificationAttempt],
        outcome: NotificationOutcome,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for attempt in attempts {
            sqlx::query(
                "INSERT INTO notification_attempts (notification_id, channel, at, error) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(attempt.channel.as_str())
            .bind(attempt.at)
            .bind(attempt.error.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        let (via, sent_at, next_at) = match outcome {
            NotificationOutcome::Sent { via, at } => (Some(via.as_str()), Some(at), None),
            NotificationOutcome::Retry { next_at } => (None, None, Some(next_at)),
            NotificationOutcome::ConsoleOnly | NotificationOutcome::Failed => (None, None, None),
        };
        let round = i64::from(!attempts.is_empty());
        sqlx::query(
            "UPDATE notifications SET state = $1, rounds = rounds + $2, \
             sent_via = $3, sent_at = $4, next_at = COALESCE($5, next_at) WHERE id = $6",
        )
        .bind(outcome.state())
        .bind(round)
        .bind(via)
        .bind(sent_at)
        .bind(next_at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn notifications_for(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRecord>> {
        let rows = sqlx::query(
            "SELECT n.id, n.kind, n.level, n.created_at, n.state, n.sent_via, n.sent_at, \
             r.case_number, a.channel AS attempt_channel, a.at AS attempt_at, \
             a.error AS attempt_error \
             FROM (SELECT * FROM notifications WHERE staff_id = $1 ORDER BY id DESC LIMIT $2) n \
             LEFT JOIN reports r ON r.id = n.report_id \
             LEFT JOIN notification_attempts a ON a.notification_id = n.id \
             ORDER BY n.id DESC, a.id",
        )
        .bind(staff.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut records: Vec<NotificationRecord> = Vec::new();
        for row in &rows {
            let id = row.int("id")?;
            if records.last().is_none_or(|r| r.id != id) {
                records.push(NotificationRecord {
                    id,
                    kind: kind_of(row)?,
                    case_number: row.text_opt("case_number")?.map(case_number).transpose()?,
                    level: level_of(row)?,
                    created_at: row.time("created_at")?,
                    state: row.text("state")?,
                    sent_via: row
                        .text_opt("sent_via")?
                        .as_deref()
                        .map(channel_of)
                        .transpose()?,
                    sent_at: row.time_opt("sent_at")?,
                    attempts: Vec::new(),
                });
            }
            if let (Some(channel), Some(record)) =
                (row.text_opt("attempt_channel")?, records.last_mut())
            {
                record.attempts.push(NotificationAttempt {
                    channel: channel_of(&channel)?,
                    at: row.time("attempt_at")?,
                    error: row.text_opt("attempt_error")?,
                });
            }
        }
        Ok(records)
    }
}
