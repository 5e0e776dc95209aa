//! Urgent reports' alert chains and the alerts they sent.

use crate::SqlStore;
use crate::rows::{Columns, map_commit_err, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::notify::NotificationKind;
use hotline_domain::{CaseNumber, ReportEvent, ReportId, StaffId};
use hotline_store::{
    AlertChain, AlertRecord, AlertStep, AlertSubject, Alerts, Audited, DeadlineAlertRecord,
    DeadlineWarning, DueSubject, StoreError, StoreResult,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;
use std::collections::BTreeMap;

/// Reports still to act on: neither closed nor joined to another.
const STILL_OPEN: &str = "r.status <> 'closed' AND r.merged_into_id IS NULL";

fn subject(row: &impl Columns) -> StoreResult<AlertSubject> {
    let bad = |what: &str| StoreError::Other(format!("an alert with a bad {what}"));
    Ok(AlertSubject {
        report: ReportId(row.int("report_id")?),
        case_number: CaseNumber::parse(&row.text("case_number")?).ok_or_else(|| bad("case"))?,
        unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
    })
}

fn level_of(row: &impl Columns) -> StoreResult<u32> {
    u32::try_from(row.int("level")?).map_err(|_| StoreError::Other("a bad alert level".into()))
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// The alerts of one step, once per member and level, and the report's event. Returns how
    /// many members were alerted for the first time.
    async fn send_alerts(
        tx: &mut Transaction<'static, DB>,
        step: &AlertStep,
        actor: Option<StaffId>,
    ) -> StoreResult<usize> {
        let mut added = 0;
        for staff in &step.staff {
            let done = sqlx::query(
                "INSERT INTO alerts (report_id, level, staff_id, channel, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, level, staff_id) DO NOTHING \
                 RETURNING id",
            )
            .bind(step.report.0)
            .bind(i64::from(step.level))
            .bind(staff.0)
            .bind(&step.channel)
            .bind(step.at)
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?;
            if done.is_some() {
                added += 1;
                Self::queue_report_notification(
                    tx,
                    *staff,
                    NotificationKind::Alert,
                    step.report,
                    Some(step.level),
                    None,
                    step.at,
                )
                .await?;
            }
        }
        let event = ReportEvent::Alerted {
            level: step.level,
            alerted: u64::try_from(added).unwrap_or(u64::MAX),
        };
        Self::record_event(tx, step.report.0, actor, &event, step.at).await?;
        Ok(added)
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Alerts for SqlStore<DB> {
    async fn reports_needing_alerts(&self, limit: u32) -> StoreResult<Vec<AlertSubject>> {
        sqlx::query(&format!(
            "SELECT r.id AS report_id, r.case_number, r.unit_code FROM reports r \
             WHERE r.urgency IN ('emergency', 'urgent') AND {STILL_OPEN} \
             AND NOT EXISTS (SELECT 1 FROM alert_chains c WHERE c.report_id = r.id) \
             ORDER BY r.created_at, r.id LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(subject)
        .collect()
    }

    async fn open_alert_chains(&self) -> StoreResult<Vec<AlertChain>> {
        let rows = sqlx::query(&format!(
            "SELECT c.report_id, c.level, c.level_at, r.case_number, r.unit_code, a.staff_id \
             FROM alert_chains c JOIN reports r ON r.id = c.report_id \
             LEFT JOIN alerts a ON a.report_id = c.report_id AND a.level = c.level \
             WHERE c.acknowledged_at IS NULL AND {STILL_OPEN} ORDER BY c.level_at, c.report_id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut chains: BTreeMap<i64, AlertChain> = BTreeMap::new();
        for row in &rows {
            let report = row.int("report_id")?;
            let chain = match chains.entry(report) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => entry.insert(AlertChain {
                    subject: subject(row)?,
                    level: level_of(row)?,
                    level_at: row.time("level_at")?,
                    alerted: Vec::new(),
                }),
            };
            if let Some(staff) = row.int_opt("staff_id")? {
                chain.alerted.push(StaffId(staff));
            }
        }
        let mut chains: Vec<AlertChain> = chains.into_values().collect();
        chains.sort_by_key(|c| (c.level_at, c.subject.report.0));
        Ok(chains)
    }

    async fn start_alert_chain(&self, step: &AlertStep) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let started = sqlx::query(
            "INSERT INTO alert_chains (report_id, level, level_at, started_at) \
             VALUES ($1, $2, $3, $3) ON CONFLICT (report_id) DO NOTHING RETURNING report_id",
        )
        .bind(step.report.0)
        .bind(i64::from(step.level))
        .bind(step.at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if started.is_none() {
            return Ok(false);
        }
        Self::send_alerts(&mut tx, step, None).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn escalate_alert_chain(&self, from: u32, step: &AlertStep) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE alert_chains SET level = $1, level_at = $2 \
             WHERE report_id = $3 AND level = $4 AND acknowledged_at IS NULL RETURNING report_id",
        )
        .bind(i64::from(step.level))
        .bind(step.at)
        .bind(step.report.0)
        .bind(i64::from(from))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if moved.is_none() {
            return Ok(false);
        }
        Self::send_alerts(&mut tx, step, None).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn add_alerts(&self, step: &AlertStep) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let open = sqlx::query(
            "SELECT report_id FROM alert_chains \
             WHERE report_id = $1 AND level = $2 AND acknowledged_at IS NULL",
        )
        .bind(step.report.0)
        .bind(i64::from(step.level))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if open.is_none() {
            return Ok(0);
        }
        let added = Self::send_alerts(&mut tx, step, None).await?;
        if added == 0 {
            // Nobody new: no event either.
            return Ok(0);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(added)
    }

    async fn acknowledge_alert_chain(
        &self,
        report: ReportId,
        by: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE alert_chains SET acknowledged_at = $1, acknowledged_by = $2 \
             WHERE report_id = $3 AND acknowledged_at IS NULL RETURNING level",
        )
        .bind(at)
        .bind(by.0)
        .bind(report.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = done else {
            return Ok(false);
        };
        let level = level_of(&row)?;
        let event = ReportEvent::AlertAcknowledged { level };
        Self::record_event(&mut tx, report.0, by, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(true)
    }

    async fn reports_to_warn(
        &self,
        now: DateTime<Utc>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueSubject>> {
        sqlx::query(&format!(
            "SELECT r.id AS report_id, r.case_number, r.unit_code, r.due_at, r.assignee_id \
             FROM reports r WHERE r.due_at < $2 AND {STILL_OPEN} \
             AND (r.due_at <= $1 OR r.assignee_id IS NOT NULL) \
             AND NOT EXISTS (SELECT 1 FROM deadline_rounds d WHERE d.report_id = r.id \
                 AND d.due_at = r.due_at \
                 AND d.kind = CASE WHEN r.due_at <= $1 THEN 'passed' ELSE 'approaching' END) \
             ORDER BY r.due_at, r.id LIMIT $3"
        ))
        .bind(now)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(DueSubject {
                subject: subject(row)?,
                due_at: row.time("due_at")?,
                assignee: row.int_opt("assignee_id")?.map(StaffId),
            })
        })
        .collect()
    }

    async fn add_deadline_alerts(&self, warning: &DeadlineWarning) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO deadline_rounds (report_id, kind, due_at, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (report_id, kind, due_at) DO NOTHING",
        )
        .bind(warning.report.0)
        .bind(warning.kind)
        .bind(warning.due_at)
        .bind(warning.at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut added = 0;
        for staff in &warning.staff {
            let done = sqlx::query(
                "INSERT INTO deadline_alerts (report_id, kind, due_at, staff_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (report_id, kind, due_at, staff_id) DO NOTHING RETURNING id",
            )
            .bind(warning.report.0)
            .bind(warning.kind)
            .bind(warning.due_at)
            .bind(staff.0)
            .bind(warning.at)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if done.is_some() {
                added += 1;
                let kind = if warning.kind == "passed" {
                    NotificationKind::DeadlinePassed
                } else {
                    NotificationKind::DeadlineApproaching
                };
                Self::queue_report_notification(
                    &mut tx,
                    *staff,
                    kind,
                    warning.report,
                    None,
                    Some(warning.due_at),
                    warning.at,
                )
                .await?;
            }
        }
        if added > 0 {
            let event = ReportEvent::DeadlineAlerted {
                kind: warning.kind.to_owned(),
                alerted: u64::try_from(added).unwrap_or(u64::MAX),
            };
            Self::record_event(&mut tx, warning.report.0, None, &event, warning.at).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(added)
    }

    async fn deadline_alerts_for(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> StoreResult<Vec<DeadlineAlertRecord>> {
        sqlx::query(
            "SELECT d.report_id, d.kind, d.due_at, d.created_at, r.case_number, r.unit_code \
             FROM deadline_alerts d JOIN reports r ON r.id = d.report_id \
             WHERE d.staff_id = $1 ORDER BY d.id DESC LIMIT $2",
        )
        .bind(staff.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(DeadlineAlertRecord {
                subject: subject(row)?,
                kind: row.text("kind")?,
                due_at: row.time("due_at")?,
                created_at: row.time("created_at")?,
            })
        })
        .collect()
    }

    async fn alerts_for(&self, staff: StaffId, limit: u32) -> StoreResult<Vec<AlertRecord>> {
        sqlx::query(
            "SELECT a.id, a.report_id, a.level, a.created_at, r.case_number, r.unit_code, \
             r.urgency, c.acknowledged_at, s.display_name AS acknowledged_by \
             FROM alerts a JOIN reports r ON r.id = a.report_id \
             JOIN alert_chains c ON c.report_id = a.report_id \
             LEFT JOIN staff s ON s.id = c.acknowledged_by \
             WHERE a.staff_id = $1 ORDER BY a.id DESC LIMIT $2",
        )
        .bind(staff.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(AlertRecord {
                id: row.int("id")?,
                subject: subject(row)?,
                urgency: row
                    .text("urgency")?
                    .parse()
                    .map_err(|_| StoreError::Other("an alert with a bad urgency".into()))?,
                level: level_of(row)?,
                created_at: row.time("created_at")?,
                acknowledged_at: row.time_opt("acknowledged_at")?,
                acknowledged_by: row.text_opt("acknowledged_by")?,
            })
        })
        .collect()
    }
}
