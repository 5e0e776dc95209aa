//! Intake's writes: a batch of new reports in one transaction, with their case numbers, first
//! messages, attachments and receipts, and a message added to a report.

use crate::rows::Columns;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, MessageId, ReportEvent, ReportEventKind, ReportId, ReportStatus};
use hotline_store::{NewAttachment, NewMessage, NewReport, Receipt, StoreError, StoreResult};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;
use std::collections::HashMap;

use crate::register::RegisterLine;
use crate::rows;
use crate::rows::map_err;
use crate::{SqlStore, code_param, values_rows};

/// Rows of an intake batch per statement, within SQLite's 32,766 parameters: reports bind 22
/// values each, messages 8, events 5, register lines 8 (`crate::register`).
pub(crate) const REPORTS_PER_STATEMENT: usize = 256;
pub(crate) const MESSAGES_PER_STATEMENT: usize = 512;
pub(crate) const EVENTS_PER_STATEMENT: usize = 1024;

/// Counts `$3` more case numbers of a prefix (`$1`) and year (`$2`); the last one taken.
pub(crate) const CASE_COUNTER: &str = "INSERT INTO case_counters (prefix, year, last_sequence) \
     VALUES ($1, $2, $3) ON CONFLICT (prefix, year) DO UPDATE \
     SET last_sequence = case_counters.last_sequence + excluded.last_sequence \
     RETURNING last_sequence AS last";

/// The columns of a new report's row; `Some` is SQL written in every row, `None` a value.
pub(crate) const REPORT_VALUES: [Option<&str>; 23] = {
    let mut columns = [None; 23];
    columns[11] = Some("''");
    columns
};

/// The columns of a new report's first message.
pub(crate) const MESSAGE_VALUES: [Option<&str>; 10] = [
    None,
    Some("'inbound'"),
    None,
    None,
    None,
    Some("''"),
    None,
    None,
    None,
    None,
];

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Adds a message to a report, with its files, words and event, and marks the report
    /// updated.
    pub(crate) async fn insert_message(
        tx: &mut Transaction<'_, DB>,
        message: &NewMessage,
    ) -> StoreResult<MessageId> {
        let id = sqlx::query(
            "INSERT INTO messages (report_id, direction, channel, account, platform_message_id, \
             body, body_sealed, author_id, delivery, created_at, sent_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10) \
             ON CONFLICT (channel, account, platform_message_id) DO NOTHING RETURNING id",
        )
        .bind(message.report.0)
        .bind(message.direction.as_str())
        .bind(message.channel.as_str())
        .bind(&message.account)
        .bind(&message.platform_message_id)
        .bind(message.body_sealed.clone())
        .bind(message.author.map(|a| a.0))
        .bind(message.delivery.map(|d| d.as_str()))
        .bind(message.at)
        .bind(message.sent_at)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        // Taken in before: a platform delivered it again.
        .ok_or_else(|| StoreError::Conflict("message".into()))?
        .int("id")?;
        Self::insert_attachments(tx, message.report.0, id, &message.attachments, message.at)
            .await?;
        Self::insert_words(tx, message.report.0, &message.word_index).await?;
        sqlx::query(
            "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(message.report.0)
        .bind(message.author.map(|a| a.0))
        .bind(message.event.kind_str())
        .bind(message.event.detail())
        .bind(message.at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(message.at)
            .bind(message.report.0)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        Ok(MessageId(id))
    }

    /// Evidence files of a message, each with its `attachment.received` event.
    pub(crate) async fn insert_attachments(
        tx: &mut Transaction<'_, DB>,
        report_id: i64,
        message_id: i64,
        files: &[NewAttachment],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        for file in files {
            sqlx::query(
                    "INSERT INTO attachments (report_id, message_id, file_name, content_type, size_bytes, \
                     sha256, storage_key, created_at, content_sealed, metadata_removed) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'store', $7, $8, $9)",
                )
                .bind(report_id)
                .bind(message_id)
                .bind(file.file_name.as_str())
                .bind(file.content_type.as_str())
                .bind(file.size_bytes)
                .bind(file.sha256.as_str())
                .bind(at)
                .bind(file.content_sealed.clone())
                .bind(file.metadata_removed)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
                     VALUES ($1, NULL, $2, $3, $4)",
            )
            .bind(report_id)
            .bind(ReportEventKind::AttachmentReceived.as_str())
            .bind(
                ReportEvent::AttachmentReceived {
                    file_name: file.file_name.clone(),
                    content_type: file.content_type.clone(),
                    size: u64::try_from(file.size_bytes).unwrap_or_default(),
                    sha256_received: file.original_sha256.clone(),
                    metadata_removed: file.metadata_removed,
                }
                .detail(),
            )
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    /// The report already taken in under the same platform message id, if any.
    pub(crate) async fn existing_receipt(
        tx: &mut Transaction<'_, DB>,
        report: &NewReport,
    ) -> StoreResult<Option<Receipt>> {
        let Some(pmid) = &report.platform_message_id else {
            return Ok(None);
        };
        let existing = sqlx::query(
            "SELECT r.id, r.case_number, r.created_at FROM messages m \
                 JOIN reports r ON r.id = m.report_id \
                 WHERE m.channel = $1 AND m.account = $2 AND m.platform_message_id = $3",
        )
        .bind(report.channel.as_str())
        .bind(&report.account)
        .bind(pmid)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?;
        existing
            .map(|row| {
                Ok(Receipt {
                    report: ReportId(row.int("id")?),
                    case_number: rows::case_number(row.text("case_number")?)?,
                    duplicate: true,
                    received_at: row.time("created_at")?,
                })
            })
            .transpose()
    }

    /// Takes `count` consecutive numbers of a prefix and year in one statement and returns the
    /// first. Inside the intake transaction, so numbers are never shared or skipped.
    pub(crate) async fn reserve_numbers(
        tx: &mut Transaction<'_, DB>,
        prefix: &str,
        year: i32,
        count: i64,
    ) -> StoreResult<i64> {
        Self::reserve(tx, CASE_COUNTER, prefix, year, count).await
    }

    /// Takes `count` consecutive numbers of the counter (`CASE_COUNTER` or
    /// `REGISTER_COUNTER`) of `key` and `year` in one statement and returns the first.
    pub(crate) async fn reserve(
        tx: &mut Transaction<'_, DB>,
        counter: &'static str,
        key: &str,
        year: i32,
        count: i64,
    ) -> StoreResult<i64> {
        let last = sqlx::query(counter)
            .bind(key)
            .bind(year)
            .bind(count)
            .fetch_one(&mut **tx)
            .await
            .map_err(map_err)?
            .int("last")?;
        Ok(last - count + 1)
    }

    /// Writes the new reports of an intake batch, each with its contact, first message,
    /// evidence, word index, `report.received` event and register line, under its case
    /// number. A few statements of many rows each, not several per report: each statement is
    /// a round trip to the database (for SQLite, to its connection's thread), and that, not
    /// the disk, bounded intake.
    pub(crate) async fn insert_reports(
        tx: &mut Transaction<'_, DB>,
        reports: &[(&NewReport, CaseNumber)],
    ) -> StoreResult<Vec<Receipt>> {
        // A contact's id is needed by its report; few reports name one.
        let mut contact_ids = Vec::with_capacity(reports.len());
        for (report, _) in reports {
            contact_ids.push(match &report.contact {
                Some(c) => Some(
                    sqlx::query(
                        "INSERT INTO contacts (sealed, phone_index, created_at) \
                             VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(&c.sealed)
                    .bind(&c.phone_index)
                    .bind(report.received_at)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err)?
                    .int("id")?,
                ),
                None => None,
            });
        }
        let rows: Vec<_> = reports.iter().zip(&contact_ids).collect();
        // Rows come back in no promised order: each is matched by its case number.
        let mut report_ids: HashMap<String, i64> = HashMap::with_capacity(reports.len());
        for chunk in rows.chunks(REPORTS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO reports (case_number, follow_up_digest, channel, urgency, status, \
                     unit_code, contact_id, anonymous, province_code, commune_code, address_sealed, \
                     summary, created_at, updated_at, wrapped_key, summary_sealed, key_id, \
                     occurred_at, protection_requested, deadline_rule, due_at, sender_index, \
                     reply_sealed) VALUES {} RETURNING id, case_number",
                values_rows::<DB>(chunk.len(), &REPORT_VALUES)
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for ((report, case_number), contact_id) in chunk {
                insert = insert
                    .bind(case_number.as_str())
                    .bind(&report.follow_up_digest)
                    .bind(report.channel.as_str())
                    .bind(report.urgency.as_str())
                    .bind(ReportStatus::Received.as_str())
                    .bind(report.unit.as_str())
                    .bind(**contact_id)
                    .bind(report.anonymous)
                    .bind(code_param(report.province_code))
                    .bind(code_param(report.commune_code))
                    .bind(&report.address_sealed)
                    .bind(report.received_at)
                    .bind(report.received_at)
                    .bind(&report.wrapped_key)
                    .bind(&report.summary_sealed)
                    .bind(&report.key_id)
                    .bind(report.occurred_at)
                    .bind(report.protection_requested)
                    .bind(report.deadline.map(|d| d.rule.as_str()))
                    .bind(report.deadline.map(|d| d.due_at))
                    .bind(&report.sender_index)
                    .bind(&report.reply_sealed);
            }
            let inserted = insert.fetch_all(&mut **tx).await.map_err(map_err)?;
            for row in inserted {
                report_ids.insert(row.text("case_number")?, row.int("id")?);
            }
        }
        let report_id = |case_number: &CaseNumber| {
            report_ids
                .get(case_number.as_str())
                .copied()
                .ok_or_else(|| {
                    StoreError::Other("an inserted report came back without its id".into())
                })
        };
        let ids = reports
            .iter()
            .map(|(_, case_number)| report_id(case_number))
            .collect::<StoreResult<Vec<i64>>>()?;
        let words: Vec<(i64, &Vec<u8>)> = reports
            .iter()
            .zip(&ids)
            .flat_map(|((report, _), id)| report.word_index.iter().map(move |w| (*id, w)))
            .collect();
        Self::insert_word_rows(tx, &words).await?;
        let with_ids: Vec<_> = reports.iter().zip(&ids).collect();
        let mut message_ids: HashMap<i64, i64> = HashMap::with_capacity(reports.len());
        for chunk in with_ids.chunks(MESSAGES_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO messages (report_id, direction, channel, account, \
                     platform_message_id, body, body_sealed, author_id, created_at, sent_at) \
                     VALUES {} \
                     RETURNING id, report_id",
                values_rows::<DB>(chunk.len(), &MESSAGE_VALUES)
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for ((report, _), id) in chunk {
                insert = insert
                    .bind(**id)
                    .bind(report.channel.as_str())
                    .bind(&report.account)
                    .bind(&report.platform_message_id)
                    .bind(&report.text_sealed)
                    .bind(report.entered_by.map(|s| s.0))
                    .bind(report.received_at)
                    .bind(report.sent_at);
            }
            let inserted = insert.fetch_all(&mut **tx).await.map_err(map_err)?;
            for row in inserted {
                message_ids.insert(row.int("report_id")?, row.int("id")?);
            }
        }
        for ((report, _), id) in with_ids
            .iter()
            .filter(|((r, _), _)| !r.attachments.is_empty())
        {
            let message_id = message_ids.get(*id).copied().ok_or_else(|| {
                StoreError::Other("an inserted message came back without its id".into())
            })?;
            Self::insert_attachments(
                tx,
                **id,
                message_id,
                &report.attachments,
                report.received_at,
            )
            .await?;
        }
        for chunk in with_ids.chunks(EVENTS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO events (report_id, actor_id, kind, detail, created_at) VALUES {}",
                values_rows::<DB>(chunk.len(), &[None; 5])
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for ((report, _), id) in chunk {
                insert = insert
                    .bind(**id)
                    .bind(report.entered_by.map(|s| s.0))
                    .bind(ReportEventKind::Received.as_str())
                    .bind(ReportEvent::received_detail(
                        report.channel,
                        &report.unit,
                        &report.route,
                    ))
                    .bind(report.received_at);
            }
            insert.execute(&mut **tx).await.map_err(map_err)?;
        }
        let lines: Vec<RegisterLine<'_>> = with_ids
            .iter()
            .map(|((report, _), id)| RegisterLine {
                unit: &report.unit,
                year: report.case_year,
                report_id: **id,
                received_at: report.received_at,
                officer: report.entered_by,
                channel: report.channel.as_str(),
                transferred_from: None,
                source: report.source,
            })
            .collect();
        Self::register_entries(tx, &lines).await?;
        Ok(reports
            .iter()
            .zip(ids)
            .map(|((report, case_number), id)| Receipt {
                report: ReportId(id),
                case_number: case_number.clone(),
                duplicate: false,
                received_at: report.received_at,
            })
            .collect())
    }
}
