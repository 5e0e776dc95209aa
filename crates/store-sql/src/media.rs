//! Media a platform delivered by reference, fetched after the delivery was acknowledged.

use crate::SqlStore;
use crate::channels::{bad, count};
use crate::rows::{Columns, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, Channel, MessageId, ReportEvent, ReportId};
use hotline_store::{
    Media, MediaOutcome, NewAttachment, NewMediaFetch, PendingMediaFetch, StoreResult, UnkeyedIds,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;

#[any_sql_database]
#[async_trait]
impl<DB> Media for SqlStore<DB> {
    async fn queue_media_fetch(&self, fetch: &NewMediaFetch) -> StoreResult<bool> {
        let queued = sqlx::query(
            "INSERT INTO media_fetches \
             (account_id, platform_message_id, position, ref_sealed, state, next_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5) \
             ON CONFLICT (account_id, platform_message_id, position) DO NOTHING RETURNING id",
        )
        .bind(fetch.account_id)
        .bind(&fetch.platform_message_id)
        .bind(i64::from(fetch.position))
        .bind(fetch.ref_sealed.clone())
        .bind(fetch.at)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(queued.is_some())
    }

    async fn due_media_fetches(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingMediaFetch>> {
        sqlx::query(
            "SELECT id, account_id, platform_message_id, position, ref_sealed, attempts, next_at \
             FROM media_fetches WHERE state = 'queued' AND next_at <= $1 \
             ORDER BY next_at, id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(PendingMediaFetch {
                id: row.int("id")?,
                account_id: row.int("account_id")?,
                platform_message_id: row.text("platform_message_id")?,
                position: count(row, "position")?,
                ref_sealed: row.bytes("ref_sealed")?,
                attempts: count(row, "attempts")?,
                next_at: row.time("next_at")?,
            })
        })
        .collect()
    }

    async fn claim_media_fetch(
        &self,
        id: i64,
        seen: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let claimed = sqlx::query(
            "UPDATE media_fetches SET next_at = $1 \
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

    async fn finish_media_fetch(&self, id: i64, outcome: &MediaOutcome) -> StoreResult<()> {
        let query = match outcome {
            MediaOutcome::Kept => sqlx::query(
                "UPDATE media_fetches SET state = 'kept', attempts = attempts + 1, \
                 last_error = NULL WHERE id = $1",
            )
            .bind(id),
            MediaOutcome::Retry { next_at, error } => sqlx::query(
                "UPDATE media_fetches SET attempts = attempts + 1, next_at = $1, last_error = $2 \
                 WHERE id = $3",
            )
            .bind(*next_at)
            .bind(error.clone())
            .bind(id),
            MediaOutcome::Failed { error } => sqlx::query(
                "UPDATE media_fetches SET state = 'failed', attempts = attempts + 1, \
                 last_error = $1 WHERE id = $2",
            )
            .bind(error.clone())
            .bind(id),
        };
        query.execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn message_by_platform_id(
        &self,
        channel: Channel,
        account: &str,
        platform_message_id: &str,
    ) -> StoreResult<Option<(ReportId, CaseNumber, MessageId)>> {
        sqlx::query(
            "SELECT m.id, m.report_id, r.case_number FROM messages m \
             JOIN reports r ON r.id = m.report_id \
             WHERE m.channel = $1 AND m.account = $2 AND m.platform_message_id = $3",
        )
        .bind(channel.as_str())
        .bind(account)
        .bind(platform_message_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(|row| {
            Ok((
                ReportId(row.int("report_id")?),
                crate::rows::case_number(row.text("case_number")?)?,
                MessageId(row.int("id")?),
            ))
        })
        .transpose()
    }

    async fn unkeyed_platform_ids(&self, limit: u32) -> StoreResult<Vec<UnkeyedIds>> {
        sqlx::query(
            "SELECT m.id, m.channel, m.account, m.platform_message_id, m.sent_id \
             FROM unkeyed_platform_ids u JOIN messages m ON m.id = u.message_id \
             ORDER BY u.message_id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(UnkeyedIds {
                message: MessageId(row.int("id")?),
                channel: row.text("channel")?.parse().map_err(|_| bad("channel"))?,
                account: row.text("account")?,
                platform_message_id: row.text_opt("platform_message_id")?,
                sent_id: row.text_opt("sent_id")?,
            })
        })
        .collect()
    }

    async fn key_platform_ids(&self, keyed: &[UnkeyedIds]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for ids in keyed {
            let list = "DELETE FROM unkeyed_platform_ids WHERE message_id = $1 RETURNING 1";
            if Self::taken_off(&mut tx, list, ids.message.0).await? {
                sqlx::query(
                    "UPDATE messages SET platform_message_id = $1, sent_id = $2 WHERE id = $3",
                )
                .bind(&ids.platform_message_id)
                .bind(&ids.sent_id)
                .bind(ids.message.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(crate::rows::map_commit_err)
    }

    async fn unkeyed_media_fetches(&self, limit: u32) -> StoreResult<Vec<(i64, i64, String)>> {
        sqlx::query(
            "SELECT f.id, f.account_id, f.platform_message_id \
             FROM unkeyed_media_fetches u JOIN media_fetches f ON f.id = u.fetch_id \
             ORDER BY u.fetch_id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok((
                row.int("id")?,
                row.int("account_id")?,
                row.text("platform_message_id")?,
            ))
        })
        .collect()
    }

    async fn key_media_fetches(&self, keyed: &[(i64, String)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (fetch, digest) in keyed {
            let list = "DELETE FROM unkeyed_media_fetches WHERE fetch_id = $1 RETURNING 1";
            if Self::taken_off(&mut tx, list, *fetch).await? {
                sqlx::query("UPDATE media_fetches SET platform_message_id = $1 WHERE id = $2")
                    .bind(digest)
                    .bind(fetch)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(crate::rows::map_commit_err)
    }

    async fn add_attachments(
        &self,
        report: ReportId,
        message: MessageId,
        files: &[NewAttachment],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_attachments(&mut tx, report.0, message.0, files, at).await?;
        let event = ReportEvent::MediaFetched {
            files: u64::try_from(files.len()).unwrap_or(u64::MAX),
        };
        Self::record_event(&mut tx, report.0, None, &event, at).await?;
        tx.commit().await.map_err(crate::rows::map_commit_err)
    }
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Takes a row off a list of ids still to key (`list`, a `DELETE … RETURNING`): `false`
    /// when another node took it first, so that nothing is keyed twice.
    async fn taken_off(tx: &mut Transaction<'_, DB>, list: &str, id: i64) -> StoreResult<bool> {
        Ok(sqlx::query(list)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?
            .is_some())
    }
}
