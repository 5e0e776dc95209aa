//! Messages to reporters waiting to leave on their channel, each after the ones written before
//! it to the same recipient.

use crate::SqlStore;
use crate::channels::{bad, count};
use crate::rows::{Columns, map_commit_err, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{Channel, MessageId, ReportId};
use hotline_store::{OutboundMessage, Outbox, SendOutcome, StoreResult};
use hotline_store_sql_bounds::any_sql_database;

#[any_sql_database]
#[async_trait]
impl<DB> Outbox for SqlStore<DB> {
    async fn outbound_due(
        &self,
        channels: &[Channel],
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<OutboundMessage>> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<String> = channels
            .iter()
            .map(|c| format!("'{}'", c.as_str()))
            .collect();
        sqlx::query(&format!(
            "SELECT m.id, m.report_id, r.case_number, m.channel, m.account, m.body_sealed, \
             m.send_attempts, m.send_next_at, m.created_at \
             FROM messages m JOIN reports r ON r.id = m.report_id \
             WHERE m.delivery = 'queued' AND m.direction = 'outbound' AND m.channel IN ({}) \
             AND r.reply_sealed IS NOT NULL \
             AND (m.send_next_at IS NULL OR m.send_next_at <= $1) \
             AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.report_id = m.report_id \
                 AND e.channel = m.channel AND e.direction = 'outbound' \
                 AND e.delivery = 'queued' AND e.id < m.id) \
             ORDER BY m.id LIMIT $2",
            names.join(", ")
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(OutboundMessage {
                id: MessageId(row.int("id")?),
                report: ReportId(row.int("report_id")?),
                case_number: crate::rows::case_number(row.text("case_number")?)?,
                channel: row.text("channel")?.parse().map_err(|_| bad("channel"))?,
                account: row.text("account")?,
                body_sealed: row.bytes_opt("body_sealed")?.unwrap_or_default(),
                attempts: count(row, "send_attempts")?,
                next_at: row.time_opt("send_next_at")?,
                created_at: row.time("created_at")?,
            })
        })
        .collect()
    }

    async fn claim_outbound(
        &self,
        id: MessageId,
        seen: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let claimed = match seen {
            Some(seen) => sqlx::query(
                "UPDATE messages SET send_next_at = $1 \
                 WHERE id = $2 AND delivery = 'queued' AND send_next_at = $3 RETURNING id",
            )
            .bind(until)
            .bind(id.0)
            .bind(seen),
            None => sqlx::query(
                "UPDATE messages SET send_next_at = $1 \
                 WHERE id = $2 AND delivery = 'queued' AND send_next_at IS NULL RETURNING id",
            )
            .bind(until)
            .bind(id.0),
        }
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(claimed.is_some())
    }

    async fn finish_outbound(&self, id: MessageId, outcome: &SendOutcome) -> StoreResult<()> {
        let query = match outcome {
            SendOutcome::Sent { account, sent_id } => sqlx::query(
                "UPDATE messages SET delivery = 'sent', account = $1, sent_id = $2, \
                 send_error = NULL, send_attempts = send_attempts + 1 WHERE id = $3",
            )
            .bind(account.clone())
            .bind(sent_id.clone())
            .bind(id.0),
            SendOutcome::Retry { next_at, error } => sqlx::query(
                "UPDATE messages SET send_next_at = $1, send_error = $2, \
                 send_attempts = send_attempts + 1 WHERE id = $3",
            )
            .bind(*next_at)
            .bind(error.clone())
            .bind(id.0),
            SendOutcome::Failed { account, error } => sqlx::query(
                "UPDATE messages SET delivery = 'failed', send_error = $1, \
                 account = COALESCE($2, account), send_attempts = send_attempts + 1 WHERE id = $3",
            )
            .bind(error.clone())
            .bind(account.clone())
            .bind(id.0),
            SendOutcome::Expired { account, error } => sqlx::query(
                "UPDATE messages SET delivery = 'failed', send_error = $1, account = $2, \
                 send_attempts = send_attempts + CASE WHEN id = $3 THEN 1 ELSE 0 END \
                 WHERE direction = 'outbound' AND delivery = 'queued' AND id >= $3 \
                 AND report_id = (SELECT report_id FROM messages WHERE id = $3) \
                 AND channel = (SELECT channel FROM messages WHERE id = $3)",
            )
            .bind(error.clone())
            .bind(account.clone())
            .bind(id.0),
        };
        query.execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn release_answers(&self, report: ReportId, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::release_answers_in(&mut tx, report, now).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn last_inbound_at(&self, report: ReportId) -> StoreResult<Option<DateTime<Utc>>> {
        sqlx::query(
            "SELECT MAX(COALESCE(sent_at, created_at)) AS last FROM messages \
             WHERE report_id = $1 AND direction = 'inbound'",
        )
        .bind(report.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?
        .time_opt("last")
    }
}
