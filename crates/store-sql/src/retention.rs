//! Retention: which closed reports a rule purges, the purge itself, legal holds and compaction.

use crate::rows::Columns;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, ReportEvent, ReportId, StaffId};
use hotline_store::{Audited, PurgeRule, Retention, StoreResult, Visibility};
use hotline_store_sql_bounds::any_sql_database;

use crate::SqlStore;
use crate::rows::{map_commit_err, map_err};

/// The conditions of a purge rule on the reports table (`table`: its name or alias),
/// numbered from `$first`; bind with `bind_rule`.
pub(crate) fn rule_clause(rule: &PurgeRule, table: &str, first: usize) -> String {
    let mut clause = format!("{table}.updated_at < ${first}");
    let mut next = first + 1;
    if rule.status.is_some() {
        clause.push_str(&format!(" AND {table}.status = ${next}"));
        next += 1;
    }
    if rule.legal_type.is_some() {
        clause.push_str(&format!(" AND {table}.legal_type = ${next}"));
    }
    clause
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    pub(crate) fn bind_rule<'q>(
        query: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
        rule: &'q PurgeRule,
    ) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>> {
        let mut query = query.bind(rule.changed_before);
        if let Some(status) = rule.status {
            query = query.bind(status.as_str());
        }
        if let Some(legal_type) = &rule.legal_type {
            query = query.bind(legal_type.as_str());
        }
        query
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Retention for SqlStore<DB> {
    async fn purge_candidates(
        &self,
        rule: &PurgeRule,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<ReportId>> {
        let sql = format!(
            "SELECT r.id FROM reports r WHERE r.id > $1 AND r.legal_hold = $2 AND {} \
             ORDER BY r.id LIMIT $3",
            rule_clause(rule, "r", 4)
        );
        let query = sqlx::query(&sql)
            .bind(after.0)
            .bind(false)
            .bind(i64::from(limit));
        Self::bind_rule(query, rule)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|row| row.int("id").map(ReportId))
            .collect()
    }

    async fn retention_counts(&self, rule: &PurgeRule) -> StoreResult<(i64, i64)> {
        let sql = format!(
            "SELECT r.legal_hold, COUNT(*) AS n FROM reports r WHERE {} GROUP BY r.legal_hold",
            rule_clause(rule, "r", 1)
        );
        let mut counts = (0, 0);
        for row in Self::bind_rule(sqlx::query(&sql), rule)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
        {
            if row.flag("legal_hold")? {
                counts.1 += row.int("n")?;
            } else {
                counts.0 += row.int("n")?;
            }
        }
        Ok(counts)
    }

    async fn purge_report(&self, report: ReportId, rule: &PurgeRule) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        // The data key goes first: from here on nothing of the report can be opened.
        let sql = format!(
            "UPDATE reports SET wrapped_key = NULL, purging = $1 \
             WHERE id = $2 AND legal_hold = $3 AND {} RETURNING contact_id",
            rule_clause(rule, "reports", 4)
        );
        let query = sqlx::query(&sql).bind(true).bind(report.0).bind(false);
        let Some(row) = Self::bind_rule(query, rule)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
        else {
            return Ok(false);
        };
        let contact = row.int_opt("contact_id")?;
        for statement in [
            // Reports joined to this one stand alone again rather than point at nothing.
            "UPDATE reports SET merged_into_id = NULL WHERE merged_into_id = $1",
            "DELETE FROM events WHERE report_id = $1",
            "DELETE FROM procedure_steps WHERE report_id = $1",
            // The unit's register keeps the line, without the report.
            "UPDATE register_entries SET report_id = NULL WHERE report_id = $1",
            "DELETE FROM notices WHERE report_id = $1",
            "DELETE FROM alerts WHERE report_id = $1",
            // What was sent about it stays counted, without the report.
            "UPDATE notifications SET report_id = NULL WHERE report_id = $1",
            "DELETE FROM alert_chains WHERE report_id = $1",
            "DELETE FROM deadline_alerts WHERE report_id = $1",
            "DELETE FROM deadline_rounds WHERE report_id = $1",
            "DELETE FROM reveal_requests WHERE report_id = $1",
            "DELETE FROM reindex_reports WHERE report_id = $1",
            "DELETE FROM accused_walls WHERE report_id = $1",
            // Queued words first: a move that holds them commits its index rows before this
            // goes on, and the next statement removes those too.
            "DELETE FROM pending_words WHERE report_id = $1",
            "DELETE FROM report_words WHERE report_id = $1",
            "DELETE FROM attachments WHERE report_id = $1",
            "DELETE FROM notes WHERE report_id = $1",
            // Calls stay counted, without their report or caller.
            "UPDATE calls SET report_id = NULL, caller_index = NULL WHERE report_id = $1",
            "DELETE FROM messages WHERE report_id = $1",
            "DELETE FROM reports WHERE id = $1",
        ] {
            sqlx::query(statement)
                .bind(report.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        if let Some(contact) = contact {
            sqlx::query(
                "DELETE FROM contacts WHERE id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM reports WHERE contact_id = $1)",
            )
            .bind(contact)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(true)
    }

    async fn set_legal_hold(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        hold: bool,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query("UPDATE reports SET legal_hold = $1 WHERE id = $2")
            .bind(hold)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let event = if hold {
            ReportEvent::LegalHold
        } else {
            ReportEvent::LegalHoldReleased
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn compact(&self) -> StoreResult<()> {
        self.dialect.compact(&self.pool).await
    }
}
