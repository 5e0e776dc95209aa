//! Reading and writing reports: intake, the inbox and search, a report and its messages, events
//! and register lines.

use crate::rows::{Columns, event, message, report_summary};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{
    CaseNumber, Channel, ContactId, Delivery, MessageId, ReportEventKind, ReportId, UnitCode,
    Urgency,
};
use hotline_store::{
    AssigneeFilter, Attachment, Audited, Event, FacetCount, Message, NewContact, NewMessage,
    NewReport, NewerReports, Receipt, RegisterEntry, ReportDetail, ReportFilter, ReportOrder,
    ReportSummary, Reports, ResponseSample, StoreError, StoreResult, Visibility,
};
use hotline_store_sql_bounds::any_sql_database;
use std::collections::BTreeMap;

use crate::SqlStore;
use crate::register::{REGISTER_COLUMNS, REGISTER_FROM};
use crate::report_query::{
    Bind, DEADLINE_AT, DEADLINE_RANK, DETAIL_FROM, SUMMARY_COLUMNS, visibility_clause,
};
use crate::rows;
use crate::rows::{map_commit_err, map_err};
use crate::words::Taken;

#[any_sql_database]
#[async_trait]
impl<DB> Reports for SqlStore<DB> {
    async fn intake_indexing(
        &self,
        batch: &[NewReport],
        queued_words: u32,
    ) -> StoreResult<Vec<Receipt>> {
        let mut tx = self.begin_write().await?;
        // Holds the binding's row until commit, so a rotation that moves the binding waits for
        // this batch, and no report is written under a key the rotation has already passed.
        let key_ids: std::collections::BTreeSet<&str> =
            batch.iter().map(|r| r.key_id.as_str()).collect();
        for key_id in key_ids {
            let held = sqlx::query(
                "UPDATE vault_meta SET key_id = key_id WHERE id = 1 AND key_id = $1 RETURNING id",
            )
            .bind(key_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if held.is_none() {
                return Err(StoreError::KeyChanged);
            }
        }
        let mut known = Vec::with_capacity(batch.len());
        for report in batch {
            known.push(Self::existing_receipt(&mut tx, report).await?);
        }
        let mut wanted: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for (report, _) in batch.iter().zip(&known).filter(|(_, k)| k.is_none()) {
            *wanted
                .entry((report.case_prefix.as_str(), report.case_year))
                .or_default() += 1;
        }
        let mut next = BTreeMap::new();
        for ((prefix, year), count) in wanted {
            let first = Self::reserve_numbers(&mut tx, prefix, year, count).await?;
            next.insert((prefix, year), first);
        }
        let mut fresh = Vec::with_capacity(batch.len());
        for (report, _) in batch.iter().zip(&known).filter(|(_, k)| k.is_none()) {
            let key = (report.case_prefix.as_str(), report.case_year);
            let sequence = next
                .get_mut(&key)
                .map(|n| {
                    *n += 1;
                    *n - 1
                })
                .ok_or_else(|| StoreError::Other("no number reserved".into()))?;
            fresh.push((
                report,
                CaseNumber::new(&report.case_prefix, report.case_year, sequence),
            ));
        }
        let mut inserted = Self::insert_reports(&mut tx, &fresh).await?.into_iter();
        let receipts = known
            .into_iter()
            .map(|known| {
                known.or_else(|| inserted.next()).ok_or_else(|| {
                    StoreError::Other("a report of the batch was not written".into())
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if queued_words > 0 {
            Self::move_pending_words(&mut tx, queued_words, Taken::Skip).await?;
        }
        tx.commit().await.map_err(rows::map_commit_err)?;
        Ok(receipts)
    }

    async fn list_reports(
        &self,
        visibility: &Visibility,
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        self.inbox(visibility, &ReportFilter::default(), &[], limit)
            .await
    }

    async fn search_reports(
        &self,
        visibility: &Visibility,
        words: &[Vec<u8>],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        self.inbox(visibility, &ReportFilter::default(), words, limit)
            .await
    }

    async fn pending_word_entries(&self, bound: u32) -> StoreResult<u32> {
        // The span of the queue's ids, read off its key's two ends rather than counted row by
        // row every few milliseconds: entries leave oldest first, so the span is the count, or
        // a little more while another node's pass is in flight.
        let span = sqlx::query("SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) AS n FROM pending_words")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("n")?;
        Ok(u32::try_from(span.clamp(0, i64::from(bound))).unwrap_or(bound))
    }

    async fn reports_to_reindex(
        &self,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<(ReportId, CaseNumber)>> {
        sqlx::query(
            "SELECT x.report_id, r.case_number FROM reindex_reports x \
             JOIN reports r ON r.id = x.report_id WHERE x.report_id > $1 \
             ORDER BY x.report_id LIMIT $2",
        )
        .bind(after.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            let case = CaseNumber::parse(&row.text("case_number")?)
                .ok_or_else(|| StoreError::Other("a malformed case number".into()))?;
            Ok((ReportId(row.int("report_id")?), case))
        })
        .collect()
    }

    async fn queued_word_entries(&self, report: ReportId) -> StoreResult<Vec<i64>> {
        sqlx::query("SELECT id FROM pending_words WHERE report_id = $1 ORDER BY id")
            .bind(report.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|row| row.int("id"))
            .collect()
    }

    async fn replace_word_index(
        &self,
        report: ReportId,
        words: &[Vec<u8>],
        covered: &[i64],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // Exactly the entries its words were read after: ids do not follow commit order on
        // PostgreSQL, so an entry under the newest of them may have committed later. An
        // indexer moving one holds it; waiting for it means its index rows are committed, and
        // so seen, before they are removed below.
        for chunk in covered.chunks(crate::words::PENDING_IDS_PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM pending_words WHERE id IN ({})",
                crate::values_rows::<DB>(chunk.len(), &[None])
            );
            let mut delete = sqlx::query(&sql).persistent(false);
            for id in chunk {
                delete = delete.bind(*id);
            }
            delete.execute(&mut *tx).await.map_err(map_err)?;
        }
        for statement in [
            "DELETE FROM report_words WHERE report_id = $1",
            "DELETE FROM reindex_reports WHERE report_id = $1",
        ] {
            sqlx::query(statement)
                .bind(report.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        Self::insert_words(&mut tx, report.0, words).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn index_pending_words(&self, entries: u32) -> StoreResult<u32> {
        let mut tx = self.begin_write().await?;
        let moved = Self::move_pending_words(&mut tx, entries, Taken::Skip).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(moved)
    }

    async fn inbox(
        &self,
        visibility: &Visibility,
        filter: &ReportFilter,
        words: &[Vec<u8>],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        if !words.is_empty() {
            self.move_words_written_before_now().await?;
        }
        // A search walks the postings of its rarest word, newest report first, and checks the
        // other words report by report: a common word stops after a page, a rare one reads
        // only its few postings.
        let driver = if words.len() > 1 {
            self.rarest(words).await?
        } else {
            0
        };
        let mut binds = vec![Bind::Text(value)];
        let mut next = |bind: Bind| {
            binds.push(bind);
            format!("${}", binds.len())
        };
        let mut sql = if words.is_empty() {
            format!(
                "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
                 WHERE {clause}"
            )
        } else {
            format!(
                "SELECT {SUMMARY_COLUMNS} FROM report_words w \
                 JOIN reports r ON r.id = w.report_id JOIN units u ON u.code = r.unit_code \
                 WHERE {clause}"
            )
        };
        let mut and = |condition: String| {
            sql.push_str(" AND ");
            sql.push_str(&condition);
        };
        if let Some(status) = filter.status {
            and(format!(
                "r.status = {}",
                next(Bind::Text(status.as_str().into()))
            ));
        }
        if let Some(channel) = filter.channel {
            and(format!(
                "r.channel = {}",
                next(Bind::Text(channel.as_str().into()))
            ));
        }
        if let Some(urgency) = filter.urgency {
            and(format!(
                "r.urgency = {}",
                next(Bind::Text(urgency.as_str().into()))
            ));
        }
        if let Some(unit) = &filter.unit {
            let param = next(Bind::Text(unit.as_str().into()));
            and(format!(
                "u.path LIKE (SELECT path FROM units WHERE code = {param}) || '%'"
            ));
        }
        if let Some(from) = filter.received_from {
            and(format!("r.created_at >= {}", next(Bind::Time(from))));
        }
        if let Some(before) = filter.received_before {
            and(format!("r.created_at < {}", next(Bind::Time(before))));
        }
        match filter.assignee {
            Some(AssigneeFilter::Unassigned) => and("r.assignee_id IS NULL".into()),
            Some(AssigneeFilter::Staff(staff)) => {
                and(format!("r.assignee_id = {}", next(Bind::Int(staff.0))));
            }
            None => {}
        }
        if let Some(legal_type) = filter.legal_type {
            and(format!(
                "r.legal_type = {}",
                next(Bind::Text(legal_type.to_string()))
            ));
        }
        if let Some(topic) = filter.topic {
            and(format!("r.topic = {}", next(Bind::Text(topic.to_string()))));
        }
        if let Some(before) = filter.due_before {
            and(format!("r.due_at < {}", next(Bind::Time(before))));
        }
        for (i, word) in words.iter().enumerate() {
            let digest = next(Bind::Bytes(word.clone()));
            and(if i == driver {
                format!("w.digest = {digest}")
            } else {
                format!(
                    "EXISTS (SELECT 1 FROM report_words x \
                     WHERE x.digest = {digest} AND x.report_id = r.id)"
                )
            });
        }
        // With one urgency chosen, "most urgent first" is "newest first", which its index serves.
        let effective = match filter.order {
            ReportOrder::Urgency if filter.urgency.is_some() => ReportOrder::Newest,
            order => order,
        };
        let urgency_rank = Urgency::rank_sql("r.urgency");
        let order = match effective {
            // Search results come newest recorded first, in the postings' own order.
            _ if !words.is_empty() => "w.report_id DESC".to_owned(),
            ReportOrder::Newest => "r.created_at DESC, r.id DESC".to_owned(),
            ReportOrder::Oldest => "r.created_at ASC, r.id ASC".to_owned(),
            ReportOrder::Urgency => format!("{urgency_rank} ASC, r.created_at DESC, r.id DESC"),
            ReportOrder::Deadline => format!("{DEADLINE_RANK} ASC, {DEADLINE_AT} ASC, r.id ASC"),
        };
        if let Some(cursor) = filter.after.filter(|_| words.is_empty()) {
            let at = next(Bind::Time(cursor.at));
            let id = next(Bind::Int(cursor.id));
            and(match effective {
                ReportOrder::Newest => format!("(r.created_at, r.id) < ({at}, {id})"),
                ReportOrder::Oldest => format!("(r.created_at, r.id) > ({at}, {id})"),
                ReportOrder::Urgency => {
                    let rank = next(Bind::Int(cursor.rank));
                    format!(
                        "({urgency_rank} > {rank} OR ({urgency_rank} = {rank} \
                         AND (r.created_at, r.id) < ({at}, {id})))"
                    )
                }
                ReportOrder::Deadline => {
                    let rank = next(Bind::Int(cursor.rank));
                    format!(
                        "({DEADLINE_RANK} > {rank} OR ({DEADLINE_RANK} = {rank} \
                         AND ({DEADLINE_AT}, r.id) > ({at}, {id})))"
                    )
                }
            });
        }
        let limit = next(Bind::Int(i64::from(limit)));
        sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
        // A search is planned for its own words each time (an unnamed statement): a plan kept
        // for a common word walks every report newest first, which for a rare word means
        // reading them all (PostgreSQL switches a prepared statement to such a generic plan
        // after five runs). Behind PgBouncer, `plan_cache_mode` does it (docs/deploy.md).
        let plan_each = !words.is_empty() && self.dialect.plans_each_search();
        let mut query = sqlx::query(&sql).persistent(!plan_each);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(int) => query.bind(int),
                Bind::Time(time) => query.bind(time),
                Bind::Bytes(bytes) => query.bind(bytes),
            };
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(report_summary)
            .collect()
    }

    async fn report_counts(&self, visibility: &Visibility) -> StoreResult<Vec<FacetCount>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        let per = |field: &str| {
            format!(
                "SELECT '{field}' AS field, r.{field} AS value, COUNT(*) AS n FROM reports r \
                 JOIN units u ON u.code = r.unit_code \
                 WHERE {clause} AND r.{field} IS NOT NULL GROUP BY r.{field}"
            )
        };
        let fields = ["status", "urgency", "channel", "legal_type", "topic"].map(per);
        sqlx::query(&fields.join(" UNION ALL "))
            .bind(value)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|row| {
                Ok(FacetCount {
                    field: row.text("field")?,
                    value: row.text("value")?,
                    count: row.int("n")?,
                })
            })
            .collect()
    }

    async fn response_samples(
        &self,
        visibility: &Visibility,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ResponseSample>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        let open = "c.report_id IS NOT NULL AND c.acknowledged_at IS NULL \
                    AND r.status <> 'closed'";
        sqlx::query(&format!(
            "SELECT r.case_number, r.unit_code, r.channel, r.legal_type, r.urgency, r.created_at, \
             CAST(CASE WHEN {open} THEN 1 ELSE 0 END AS BIGINT) AS alert_open, c.acknowledged_at, \
             (SELECT MIN(m.created_at) FROM messages m \
              WHERE m.report_id = r.id AND m.direction = 'outbound') AS first_reply_at, \
             (SELECT MIN(s.created_at) FROM procedure_steps s \
              WHERE s.report_id = r.id AND s.number IS NOT NULL) AS decided_at \
             FROM reports r JOIN units u ON u.code = r.unit_code \
             LEFT JOIN alert_chains c ON c.report_id = r.id \
             WHERE {clause} AND r.merged_into_id IS NULL AND (r.created_at >= $2 OR ({open})) \
             ORDER BY r.created_at, r.id"
        ))
        .bind(value)
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            let bad = |what: &str| StoreError::Other(format!("a report with a bad {what}"));
            Ok(ResponseSample {
                case_number: CaseNumber::parse(&row.text("case_number")?)
                    .ok_or_else(|| bad("case number"))?,
                unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
                channel: row.text("channel")?.parse().map_err(|_| bad("channel"))?,
                legal_type: row
                    .text_opt("legal_type")?
                    .map(|t| t.parse())
                    .transpose()
                    .map_err(|_| bad("legal type"))?,
                urgency: row.text("urgency")?.parse().map_err(|_| bad("urgency"))?,
                received_at: row.time("created_at")?,
                alert_open: row.int("alert_open")? == 1,
                acknowledged_at: row.time_opt("acknowledged_at")?,
                first_reply_at: row.time_opt("first_reply_at")?,
                decided_at: row.time_opt("decided_at")?,
            })
        })
        .collect()
    }

    async fn overdue_by_unit(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(UnitCode, i64)>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            // The reports past their limit first, by the limit's index, as in `overdue_reports`.
            "SELECT r.unit_code, COUNT(*) AS n FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE r.id IN (SELECT o.id FROM reports o WHERE o.due_at < $2 \
             AND o.status <> 'closed' AND o.merged_into_id IS NULL) AND {clause} \
             GROUP BY r.unit_code"
        ))
        .bind(value)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            let unit = row
                .text("unit_code")?
                .parse()
                .map_err(|_| StoreError::Other("a report with a bad unit".into()))?;
            Ok((unit, row.int("n")?))
        })
        .collect()
    }

    async fn newer_reports(
        &self,
        visibility: &Visibility,
        after: i64,
    ) -> StoreResult<NewerReports> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(NewerReports::default());
        };
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN r.urgency IN ('emergency', 'urgent') THEN 1 ELSE 0 END), 0) \
             AS urgent, MAX(r.id) AS newest \
             FROM reports r JOIN units u ON u.code = r.unit_code WHERE {clause} AND r.id > $2"
        ))
        .bind(value)
        .bind(after)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(NewerReports {
            count: row.int("n")?,
            urgent: row.int("urgent")?,
            newest: row.int_opt("newest")?,
        })
    }

    async fn newest_report_id(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COALESCE(MAX(id), 0) AS newest FROM reports")
            .fetch_one(&self.probe)
            .await
            .map_err(map_err)?
            .int("newest")
    }

    async fn reports_by_phone(
        &self,
        visibility: &Visibility,
        phone_index: &[u8],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE {clause} AND r.contact_id IN (SELECT id FROM contacts WHERE phone_index = $2) \
             ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
        ))
        .bind(value)
        .bind(phone_index.to_vec())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(report_summary)
        .collect()
    }

    async fn report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
    ) -> StoreResult<ReportDetail> {
        let Some((clause, value)) = visibility_clause(visibility, 2) else {
            return Err(StoreError::NotFound);
        };
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}{DETAIL_FROM} WHERE r.case_number = $1 AND {clause}"
        ))
        .bind(case.as_str())
        .bind(value)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        rows::report_detail(&row)
    }

    async fn messages(&self, report: ReportId) -> StoreResult<Vec<Message>> {
        sqlx::query(
            "SELECT id, direction, channel, body, body_sealed, author_id, delivery, created_at, \
             sent_at, send_error FROM messages WHERE report_id = $1 \
             ORDER BY COALESCE(sent_at, created_at), id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(message)
        .collect()
    }

    async fn attachments(&self, report: ReportId) -> StoreResult<Vec<Attachment>> {
        sqlx::query(
            "SELECT id, file_name, content_type, size_bytes, sha256, metadata_removed, created_at \
             FROM attachments WHERE report_id = $1 ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(Attachment {
                id: row.int("id")?,
                file_name: row.text("file_name")?,
                content_type: row.text("content_type")?,
                size_bytes: row.int("size_bytes")?,
                sha256: row.text("sha256")?,
                metadata_removed: row.flag("metadata_removed")?,
                created_at: row.time("created_at")?,
            })
        })
        .collect()
    }

    async fn attachment_content(&self, report: ReportId, attachment: i64) -> StoreResult<Vec<u8>> {
        sqlx::query(
            "SELECT content_sealed FROM attachments WHERE id = $1 AND report_id = $2 \
             AND content_sealed IS NOT NULL",
        )
        .bind(attachment)
        .bind(report.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?
        .bytes("content_sealed")
    }

    async fn report_by_follow_up(&self, digest: &str) -> StoreResult<ReportDetail> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}{DETAIL_FROM} WHERE r.follow_up_digest = $1"
        ))
        .bind(digest)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        rows::report_detail(&row)
    }

    async fn add_message(
        &self,
        message: &NewMessage,
        audit: Option<Audited<'_>>,
    ) -> StoreResult<MessageId> {
        let mut tx = self.begin_write().await?;
        let id = Self::insert_message(&mut tx, message).await?;
        if let Some(audit) = audit {
            Self::append_audit_in(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn open_reports_of_sender(&self, sender_index: &[u8]) -> StoreResult<Vec<CaseNumber>> {
        sqlx::query(
            "SELECT case_number FROM reports WHERE sender_index = $1 AND status <> 'closed' \
             AND merged_into_id IS NULL ORDER BY id DESC LIMIT 20",
        )
        .bind(sender_index.to_vec())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| rows::case_number(row.text("case_number")?))
        .collect()
    }

    async fn update_sent_delivery(
        &self,
        channel: Channel,
        account: &str,
        platform_message_id: &str,
        delivery: Delivery,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        // A late "delivered" never undoes "read": states only move forward.
        let rank = "CASE delivery WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 \
                    WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 4 END";
        let new_rank = match delivery {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Failed => 4,
        };
        let found = sqlx::query(&format!(
            "UPDATE messages SET delivery = CASE WHEN {rank} < $1 THEN $2 ELSE delivery END, \
             send_error = COALESCE($3, send_error) \
             WHERE channel = $4 AND account = $5 AND sent_id = $6 \
             AND direction = 'outbound' RETURNING id"
        ))
        .bind(i64::from(new_rank))
        .bind(delivery.as_str())
        .bind(error)
        .bind(channel.as_str())
        .bind(account)
        .bind(platform_message_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(found.is_some())
    }

    async fn reply_sealed(&self, report: ReportId) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query("SELECT reply_sealed FROM reports WHERE id = $1")
            .bind(report.0)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .bytes_opt("reply_sealed")
    }

    async fn mark_replies_read(&self, report: ReportId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE messages SET delivery = 'read' WHERE report_id = $1 \
             AND direction = 'outbound' AND delivery = 'delivered'",
        )
        .bind(report.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn sealed_contact(&self, contact: ContactId) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query("SELECT sealed FROM contacts WHERE id = $1")
            .bind(contact.0)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .bytes_opt("sealed")
    }

    async fn set_report_contact(
        &self,
        report: ReportId,
        contact: &NewContact,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let current = sqlx::query("SELECT contact_id FROM reports WHERE id = $1")
            .bind(report.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?
            .int_opt("contact_id")?;
        match current {
            Some(id) => {
                sqlx::query("UPDATE contacts SET sealed = $1, phone_index = $2 WHERE id = $3")
                    .bind(&contact.sealed)
                    .bind(&contact.phone_index)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
            None => {
                let id = sqlx::query(
                    "INSERT INTO contacts (sealed, phone_index, created_at) VALUES ($1, $2, $3) \
                     RETURNING id",
                )
                .bind(&contact.sealed)
                .bind(&contact.phone_index)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?
                .int("id")?;
                sqlx::query("UPDATE reports SET contact_id = $1 WHERE id = $2")
                    .bind(id)
                    .bind(report.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(crate::rows::map_commit_err)?;
        Ok(())
    }

    async fn events(&self, report: ReportId) -> StoreResult<Vec<Event>> {
        sqlx::query(
            "SELECT kind, actor_id, detail, created_at FROM events WHERE report_id = $1 ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(event)
        .collect()
    }

    async fn first_triages(&self, since: DateTime<Utc>) -> StoreResult<Vec<(ReportId, Event)>> {
        sqlx::query(
            "SELECT e.report_id, e.kind, e.actor_id, e.detail, e.created_at FROM events e \
             WHERE e.kind = $1 AND e.created_at >= $2 \
             AND e.id = (SELECT MIN(f.id) FROM events f \
                         WHERE f.report_id = e.report_id AND f.kind = $1) \
             ORDER BY e.id",
        )
        .bind(ReportEventKind::Triaged.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| Ok((ReportId(row.int("report_id")?), event(row)?)))
        .collect()
    }

    async fn register(
        &self,
        visibility: &Visibility,
        unit: &UnitCode,
        year: i32,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<RegisterEntry>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        // Every line of the unit's book, gapless; what the reader may no longer see (a report
        // handed over, or walled off as about the reader's own unit) is marked so and shown
        // without its case number, type or channel.
        sqlx::query(&format!(
            "SELECT {REGISTER_COLUMNS}, \
             CASE WHEN r.id IS NOT NULL AND {clause} THEN TRUE ELSE FALSE END AS readable \
             {REGISTER_FROM} WHERE e.unit_code = $2 AND e.year = $3 AND e.number > $4 \
             ORDER BY e.number LIMIT $5"
        ))
        .bind(value)
        .bind(unit.as_str())
        .bind(year)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::register_entry)
        .collect()
    }

    async fn register_entries(&self, report: ReportId) -> StoreResult<Vec<RegisterEntry>> {
        sqlx::query(&format!(
            "SELECT {REGISTER_COLUMNS}, TRUE AS readable {REGISTER_FROM} \
             WHERE e.report_id = $1 ORDER BY e.id"
        ))
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::register_entry)
        .collect()
    }

    async fn count_reports(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM reports")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("n")
    }
}
