//! Platform accounts, the journal of their deliveries, what leaves by them and the files their
//! messages carry.

use crate::rows::{Columns, map_commit_err, map_err};
use crate::{SqlStore, values_rows};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use hotline_domain::platform::AccountName;
use hotline_domain::{Channel, MessageId, ReportId};
use hotline_store::{
    Audited, ChannelAccount, Channels, DeliveryCounts, DeliveryOutcome, DeliveryRecord,
    NewChannelAccount, NewDelivery, NewMessage, PendingDelivery, StoreError, StoreResult,
    TakeApartWrite,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;
use std::collections::{BTreeMap, HashMap};

/// Messages taken apart written in one statement.
const MESSAGES_TOGETHER: usize = 256;
/// The columns of a message taken apart; `Some` is SQL written in every row.
const TAKEN_APART_MESSAGE_VALUES: [Option<&str>; 11] = [
    None,
    None,
    None,
    None,
    None,
    Some("''"),
    None,
    None,
    None,
    None,
    None,
];

const ACCOUNT_COLUMNS: &str = "id, platform, name, unit_code, secrets_sealed, api_base, \
     created_at, disabled_at, cursor, checked_at";

pub(crate) fn bad(what: &str) -> StoreError {
    StoreError::Other(format!("a channel account with a bad {what}"))
}

pub(crate) fn count(row: &impl Columns, column: &str) -> StoreResult<u32> {
    u32::try_from(row.int(column)?).map_err(|_| bad(column))
}

pub(crate) fn account(row: &impl Columns) -> StoreResult<ChannelAccount> {
    Ok(ChannelAccount {
        id: row.int("id")?,
        platform: row.text("platform")?.parse().map_err(|_| bad("platform"))?,
        name: AccountName::parse(&row.text("name")?).map_err(|_| bad("name"))?,
        unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
        secrets_sealed: row.bytes("secrets_sealed")?,
        api_base: row.text("api_base")?,
        created_at: row.time("created_at")?,
        disabled: row.time_opt("disabled_at")?.is_some(),
        cursor: row.text_opt("cursor")?,
        checked_at: row.time_opt("checked_at")?,
    })
}

fn delivery_record(row: &impl Columns) -> StoreResult<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: row.int("id")?,
        account_id: row.int("account_id")?,
        received_at: row.time("received_at")?,
        state: row.text("state")?,
        attempts: count(row, "attempts")?,
        last_error: row.text_opt("last_error")?,
        messages: count(row, "messages")?,
        ignored: count(row, "ignored")?,
    })
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// One delivery into the journal, queued at once.
    async fn journal_one(
        tx: &mut Transaction<'static, DB>,
        delivery: &NewDelivery,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO deliveries (account_id, received_at, body_sealed, state, next_at) \
             VALUES ($1, $2, $3, 'queued', $2) RETURNING id",
        )
        .bind(delivery.account_id)
        .bind(delivery.at)
        .bind(delivery.body_sealed.clone())
        .fetch_one(&mut **tx)
        .await
        .map_err(map_err)?;
        row.int("id")
    }

    /// Records how processing delivery `id` went.
    async fn finish_one(
        tx: &mut Transaction<'static, DB>,
        id: i64,
        outcome: &DeliveryOutcome,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let query = match outcome {
            DeliveryOutcome::Done { messages, ignored } => sqlx::query(
                // Events of no use here stay (sealed) for a look later; a body fully taken in
                // has nothing left that is not in its reports.
                "UPDATE deliveries SET state = 'done', \
                 body_sealed = CASE WHEN $2 > 0 THEN body_sealed END, messages = $1, \
                 ignored = $2, processed_at = $3, attempts = attempts + 1, last_error = NULL \
                 WHERE id = $4 AND state = 'queued'",
            )
            .bind(i64::from(*messages))
            .bind(i64::from(*ignored))
            .bind(at)
            .bind(id),
            DeliveryOutcome::Retry { next_at, error } => sqlx::query(
                "UPDATE deliveries SET attempts = attempts + 1, next_at = $1, last_error = $2 \
                 WHERE id = $3 AND state = 'queued'",
            )
            .bind(*next_at)
            .bind(error.clone())
            .bind(id),
            DeliveryOutcome::Dead { error } => sqlx::query(
                "UPDATE deliveries SET state = 'dead', attempts = attempts + 1, last_error = $1 \
                 WHERE id = $2 AND state = 'queued'",
            )
            .bind(error.clone())
            .bind(id),
        };
        query.execute(&mut **tx).await.map_err(map_err)?;
        Ok(())
    }

    /// The report's answers waiting for the citizen to write may leave from `now`.
    pub(crate) async fn release_answers_in(
        tx: &mut Transaction<'static, DB>,
        report: ReportId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE messages SET send_next_at = $1 WHERE report_id = $2 \
             AND direction = 'outbound' AND delivery = 'queued' AND send_next_at > $1",
        )
        .bind(now)
        .bind(report.0)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    /// Inserts messages that each carry a platform id and no file, with their words and
    /// events, in a few multi-row statements; each `(position, message)` taken in gets its id
    /// back with its position. A message taken in before (the same platform id, in the store
    /// or earlier in `messages`) writes nothing and is left out.
    async fn insert_messages_together(
        tx: &mut Transaction<'static, DB>,
        messages: &[(usize, &NewMessage)],
    ) -> StoreResult<Vec<(usize, MessageId)>> {
        let mut inserted: HashMap<(String, String, String), i64> = HashMap::new();
        for chunk in messages.chunks(MESSAGES_TOGETHER) {
            let sql = format!(
                "INSERT INTO messages (report_id, direction, channel, account, \
                 platform_message_id, body, body_sealed, author_id, delivery, created_at, \
                 sent_at) VALUES {} ON CONFLICT (channel, account, platform_message_id) DO NOTHING \
                 RETURNING id, channel, account, platform_message_id",
                values_rows::<DB>(chunk.len(), &TAKEN_APART_MESSAGE_VALUES)
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for (_, message) in chunk {
                insert = insert
                    .bind(message.report.0)
                    .bind(message.direction.as_str())
                    .bind(message.channel.as_str())
                    .bind(&message.account)
                    .bind(&message.platform_message_id)
                    .bind(&message.body_sealed)
                    .bind(message.author.map(|a| a.0))
                    .bind(message.delivery.map(|d| d.as_str()))
                    .bind(message.at)
                    .bind(message.sent_at);
            }
            for row in insert.fetch_all(&mut **tx).await.map_err(map_err)? {
                let key = (
                    row.text("channel")?,
                    row.text("account")?,
                    row.text("platform_message_id")?,
                );
                inserted.insert(key, row.int("id")?);
            }
        }
        // Each id goes to the first message of its key: a repeat in the batch was taken in
        // before it.
        let taken: Vec<(usize, &NewMessage, i64)> = messages
            .iter()
            .filter_map(|(i, message)| {
                let key = (
                    message.channel.as_str().to_owned(),
                    message.account.clone(),
                    message.platform_message_id.clone()?,
                );
                inserted.remove(&key).map(|id| (*i, *message, id))
            })
            .collect();
        let words: Vec<(i64, &Vec<u8>)> = taken
            .iter()
            .flat_map(|(_, message, _)| message.word_index.iter().map(|w| (message.report.0, w)))
            .collect();
        Self::insert_word_rows(tx, &words).await?;
        for chunk in taken.chunks(MESSAGES_TOGETHER) {
            let sql = format!(
                "INSERT INTO events (report_id, actor_id, kind, detail, created_at) VALUES {}",
                values_rows::<DB>(chunk.len(), &[None; 5])
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for (_, message, _) in chunk {
                insert = insert
                    .bind(message.report.0)
                    .bind(message.author.map(|a| a.0))
                    .bind(message.event.kind_str())
                    .bind(message.event.detail())
                    .bind(message.at);
            }
            insert.execute(&mut **tx).await.map_err(map_err)?;
        }
        // Each report's time of change is its last message's, as when written one by one.
        let mut changed: BTreeMap<i64, DateTime<Utc>> = BTreeMap::new();
        for (_, message, _) in &taken {
            changed.insert(message.report.0, message.at);
        }
        let changed: Vec<(i64, DateTime<Utc>)> = changed.into_iter().collect();
        for chunk in changed.chunks(MESSAGES_TOGETHER) {
            let sql = format!(
                "UPDATE reports SET updated_at = CASE WHEN reports.updated_at < v.column2 \
                 THEN v.column2 ELSE reports.updated_at END FROM (VALUES {}) AS v \
                 WHERE reports.id = v.column1",
                values_rows::<DB>(chunk.len(), &[None; 2])
            );
            let mut update = sqlx::query(&sql).persistent(false);
            for (report, at) in chunk {
                update = update.bind(*report).bind(*at);
            }
            update.execute(&mut **tx).await.map_err(map_err)?;
        }
        Ok(taken
            .into_iter()
            .map(|(i, _, id)| (i, MessageId(id)))
            .collect())
    }

    /// [`Self::release_answers_in`] for many reports in one statement; a report named twice
    /// releases from the earlier time, as two releases one after the other would.
    async fn release_answers_together(
        tx: &mut Transaction<'static, DB>,
        releases: &[(i64, DateTime<Utc>)],
    ) -> StoreResult<()> {
        let mut earliest: BTreeMap<i64, DateTime<Utc>> = BTreeMap::new();
        for (report, at) in releases {
            earliest
                .entry(*report)
                .and_modify(|e| *e = (*e).min(*at))
                .or_insert(*at);
        }
        let earliest: Vec<(i64, DateTime<Utc>)> = earliest.into_iter().collect();
        for chunk in earliest.chunks(MESSAGES_TOGETHER) {
            let sql = format!(
                "UPDATE messages SET send_next_at = v.column2 FROM (VALUES {}) AS v \
                 WHERE messages.report_id = v.column1 AND messages.direction = 'outbound' \
                 AND messages.delivery = 'queued' AND messages.send_next_at > v.column2",
                values_rows::<DB>(chunk.len(), &[None; 2])
            );
            let mut update = sqlx::query(&sql).persistent(false);
            for (report, at) in chunk {
                update = update.bind(*report).bind(*at);
            }
            update.execute(&mut **tx).await.map_err(map_err)?;
        }
        Ok(())
    }

    /// [`Self::finish_one`] of many deliveries taken apart (`Done`) in one statement.
    async fn finish_done_together(
        tx: &mut Transaction<'static, DB>,
        done: &[(i64, u32, u32, DateTime<Utc>)],
    ) -> StoreResult<()> {
        for chunk in done.chunks(MESSAGES_TOGETHER) {
            // Events of no use here stay (sealed) for a look later; a body fully taken in has
            // nothing left that is not in its reports.
            let sql = format!(
                "UPDATE deliveries SET state = 'done', \
                 body_sealed = CASE WHEN v.column3 > 0 THEN deliveries.body_sealed END, \
                 messages = v.column2, ignored = v.column3, processed_at = v.column4, \
                 attempts = deliveries.attempts + 1, last_error = NULL \
                 FROM (VALUES {}) AS v WHERE deliveries.id = v.column1 \
                 AND deliveries.state = 'queued'",
                values_rows::<DB>(chunk.len(), &[None; 4])
            );
            let mut update = sqlx::query(&sql).persistent(false);
            for (delivery, messages, ignored, at) in chunk {
                update = update
                    .bind(*delivery)
                    .bind(i64::from(*messages))
                    .bind(i64::from(*ignored))
                    .bind(*at);
            }
            update.execute(&mut **tx).await.map_err(map_err)?;
        }
        Ok(())
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Channels for SqlStore<DB> {
    async fn add_channel_account(
        &self,
        new: &NewChannelAccount,
        audit: Audited<'_>,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO channel_accounts \
             (platform, name, unit_code, secrets_sealed, api_base, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, name) DO NOTHING RETURNING id",
        )
        .bind(new.platform.as_str())
        .bind(new.name.as_str())
        .bind(new.unit.as_str())
        .bind(new.secrets_sealed.clone())
        .bind(&new.api_base)
        .bind(new.at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let id = row
            .ok_or_else(|| StoreError::Conflict("account".into()))?
            .int("id")?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>> {
        sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM channel_accounts ORDER BY platform, name"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(account)
        .collect()
    }

    async fn channel_account(&self, platform: Channel, name: &str) -> StoreResult<ChannelAccount> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM channel_accounts WHERE platform = $1 AND name = $2"
        ))
        .bind(platform.as_str())
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        account(&row)
    }

    async fn channel_account_by_id(&self, id: i64) -> StoreResult<ChannelAccount> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM channel_accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        account(&row)
    }

    async fn journal_deliveries(&self, deliveries: &[NewDelivery]) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            ids.push(Self::journal_one(&mut tx, delivery).await?);
        }
        tx.commit().await.map_err(crate::rows::map_commit_err)?;
        Ok(ids)
    }

    async fn journal_fetched(
        &self,
        account_id: i64,
        deliveries: &[NewDelivery],
        (from, to): (Option<&str>, &str),
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let current = sqlx::query("SELECT cursor FROM channel_accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?
            .text_opt("cursor")?;
        if current.as_deref() != from {
            return Err(StoreError::Conflict("cursor".into()));
        }
        let mut ids = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            ids.push(Self::journal_one(&mut tx, delivery).await?);
        }
        sqlx::query("UPDATE channel_accounts SET cursor = $1 WHERE id = $2")
            .bind(to)
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(crate::rows::map_commit_err)?;
        Ok(ids)
    }

    async fn replace_channel_secrets(
        &self,
        account_id: i64,
        expected: &[u8],
        replacement: &[u8],
    ) -> StoreResult<bool> {
        let replaced = sqlx::query(
            "UPDATE channel_accounts SET secrets_sealed = $1 \
             WHERE id = $2 AND secrets_sealed = $3 RETURNING id",
        )
        .bind(replacement.to_vec())
        .bind(account_id)
        .bind(expected.to_vec())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(replaced.is_some())
    }

    async fn record_channel_check(&self, account_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE channel_accounts SET checked_at = $1 WHERE id = $2")
            .bind(at)
            .bind(account_id)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingDelivery>> {
        sqlx::query(
            "SELECT id, account_id, received_at, body_sealed, attempts, next_at FROM deliveries \
             WHERE state = 'queued' AND next_at <= $1 ORDER BY next_at, id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(PendingDelivery {
                id: row.int("id")?,
                account_id: row.int("account_id")?,
                received_at: row.time("received_at")?,
                body_sealed: row.bytes_opt("body_sealed")?.unwrap_or_default(),
                attempts: count(row, "attempts")?,
                next_at: row.time("next_at")?,
            })
        })
        .collect()
    }

    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::finish_one(&mut tx, id, outcome, at).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn claim_deliveries(
        &self,
        due: &[(i64, DateTime<Utc>)],
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let mut claimed = Vec::with_capacity(due.len());
        for (id, seen) in due {
            let taken = sqlx::query(
                "UPDATE deliveries SET next_at = $1 \
                 WHERE id = $2 AND state = 'queued' AND next_at = $3 RETURNING id",
            )
            .bind(until)
            .bind(*id)
            .bind(*seen)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if taken.is_some() {
                claimed.push(*id);
            }
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(claimed)
    }

    async fn take_apart_writes(
        &self,
        writes: &[TakeApartWrite],
    ) -> StoreResult<Vec<Option<MessageId>>> {
        let mut tx = self.begin_write().await?;
        let mut ids: Vec<Option<MessageId>> = vec![None; writes.len()];
        // Messages known by their platform id and carrying no file are written together, a
        // few statements for the batch; the others one by one.
        let mut together = Vec::new();
        let mut releases = Vec::new();
        let mut done = Vec::new();
        for (i, write) in writes.iter().enumerate() {
            match write {
                TakeApartWrite::Message {
                    message,
                    release_answers_at,
                } => {
                    if message.platform_message_id.is_some() && message.attachments.is_empty() {
                        together.push((i, &**message));
                    } else if let Some(slot) = ids.get_mut(i) {
                        *slot = match Self::insert_message(&mut tx, message).await {
                            Ok(id) => Some(id),
                            // Taken in before: nothing was written, the transaction goes on.
                            // Any other conflict failed a statement: the batch with it.
                            Err(StoreError::Conflict(what)) if what == "message" => None,
                            Err(e) => return Err(e),
                        };
                    }
                    if let Some(at) = release_answers_at {
                        releases.push((message.report.0, *at));
                    }
                }
                TakeApartWrite::Finish {
                    delivery,
                    outcome: DeliveryOutcome::Done { messages, ignored },
                    at,
                } => done.push((*delivery, *messages, *ignored, *at)),
                TakeApartWrite::Finish {
                    delivery,
                    outcome,
                    at,
                } => Self::finish_one(&mut tx, *delivery, outcome, *at).await?,
            }
        }
        for (i, id) in Self::insert_messages_together(&mut tx, &together).await? {
            if let Some(slot) = ids.get_mut(i) {
                *slot = Some(id);
            }
        }
        Self::release_answers_together(&mut tx, &releases).await?;
        Self::finish_done_together(&mut tx, &done).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(ids)
    }

    async fn retry_delivery(&self, id: i64, audit: Audited<'_>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE deliveries SET state = 'queued', next_at = $1, attempts = 0 \
             WHERE id = $2 AND state = 'dead' RETURNING id",
        )
        .bind(audit.at())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn deliveries_of(
        &self,
        account_id: i64,
        dead_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        sqlx::query(
            "SELECT id, account_id, received_at, state, attempts, last_error, messages, ignored \
             FROM deliveries WHERE account_id = $1 AND ($2 = FALSE OR state = 'dead') \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(account_id)
        .bind(dead_only)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(delivery_record)
        .collect()
    }

    async fn deliveries_since(&self, account_id: i64, since: DateTime<Utc>) -> StoreResult<u32> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM deliveries WHERE account_id = $1 AND received_at >= $2",
        )
        .bind(account_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        count(&row, "n")
    }

    async fn failed_sends_since(
        &self,
        channel: Channel,
        account: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM messages WHERE channel = $1 AND account = $2 \
             AND direction = 'outbound' AND delivery = 'failed' AND created_at >= $3",
        )
        .bind(channel.as_str())
        .bind(account)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        count(&row, "n")
    }

    async fn delivery_counts(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<DeliveryCounts> {
        let row = sqlx::query(
            "SELECT MAX(received_at) AS last_received_at, \
             COUNT(CASE WHEN received_at > $2 THEN 1 END) AS last_hour, \
             COUNT(CASE WHEN state = 'queued' THEN 1 END) AS queued, \
             COUNT(CASE WHEN state = 'dead' THEN 1 END) AS dead, \
             CAST(COALESCE(SUM(ignored), 0) AS BIGINT) AS ignored \
             FROM deliveries WHERE account_id = $1",
        )
        .bind(account_id)
        .bind(now - Duration::hours(1))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(DeliveryCounts {
            last_received_at: row.time_opt("last_received_at")?,
            last_hour: count(&row, "last_hour")?,
            queued: count(&row, "queued")?,
            dead: count(&row, "dead")?,
            ignored: count(&row, "ignored")?,
        })
    }
}
