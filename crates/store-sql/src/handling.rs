//! Handling a report: assignment, transfer, triage, notes, merging, procedure steps and notices.

use crate::rows::{Columns, note, report_summary};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::conduct::AccusedPost;
use hotline_domain::workflow::{CONFLICT_HANDOVER_REASON, EmergencyLine};
use hotline_domain::{CaseNumber, LegalType, ReportEvent, ReportId, StaffId, UnitCode};
use hotline_store::{
    AccusedCorrection, Audited, ConductMark, Handling, Handover, NewNote, NewNotice, NewStep, Note,
    Notice, NoticeSent, ReportSummary, StepRecord, StoreError, StoreResult, Triage, TypeCorrection,
    Visibility,
};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;

use crate::register::RegisterLine;
use crate::report_query::{SUMMARY_COLUMNS, visibility_clause};
use crate::rows;
use crate::rows::{map_commit_err, map_err};
use crate::{SqlStore, code_param};

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Records `unit` as named the accused of report `id`: it is never handed back into it,
    /// and once `full` (named where its head may not settle) not even to its head.
    async fn wall_off(
        tx: &mut Transaction<'_, DB>,
        id: i64,
        unit: &UnitCode,
        full: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO accused_walls (report_id, unit_code, full_wall) VALUES ($1, $2, $3) \
             ON CONFLICT (report_id, unit_code) DO UPDATE \
             SET full_wall = (accused_walls.full_wall OR excluded.full_wall)",
        )
        .bind(id)
        .bind(unit.as_str())
        .bind(full)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    /// `Conflict("accused")` when `to` is a unit once named as report `id`'s accused, or below
    /// one, whatever the caller read: the report's row is locked first, so a mark or
    /// correction committed meanwhile counts. The one exception is the accused's own unit
    /// itself, as now named, when its head settles the report (R20).
    async fn refuse_walled(
        tx: &mut Transaction<'_, DB>,
        id: i64,
        to: &UnitCode,
    ) -> StoreResult<()> {
        if DB::NAME == "PostgreSQL" {
            sqlx::query("SELECT id FROM reports WHERE id = $1 FOR UPDATE")
                .bind(id)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
        }
        let walled = sqlx::query(
            "SELECT 1 AS hit FROM accused_walls w JOIN units au ON au.code = w.unit_code \
             JOIN units dest ON dest.code = $2 JOIN reports r ON r.id = w.report_id \
             WHERE w.report_id = $1 AND dest.path LIKE au.path || '%' \
             AND NOT (r.head_settles AND COALESCE(r.legal_type, '') = 'police_conduct' \
                      AND w.unit_code = r.accused_unit_code AND dest.code = w.unit_code \
                      AND NOT w.full_wall)",
        )
        .bind(id)
        .bind(to.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?;
        match walled {
            Some(_) => Err(StoreError::Conflict("accused".into())),
            None => Ok(()),
        }
    }

    /// `Conflict("unit")` unless report `id` is still held by `holder`, the unit the caller
    /// read and decided from (its row locked on PostgreSQL until the end of `tx`).
    async fn still_held_by(
        tx: &mut Transaction<'_, DB>,
        id: i64,
        holder: &UnitCode,
    ) -> StoreResult<()> {
        let lock = if DB::NAME == "PostgreSQL" {
            " FOR UPDATE"
        } else {
            ""
        };
        let held = sqlx::query(&format!(
            "SELECT unit_code FROM reports WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .map_err(map_err)?
        .text("unit_code")?;
        if held == holder.as_str() {
            Ok(())
        } else {
            Err(StoreError::Conflict("unit".into()))
        }
    }

    /// Where report `id` first came from, as its first register line says.
    async fn first_source(
        tx: &mut Transaction<'_, DB>,
        id: i64,
    ) -> StoreResult<hotline_domain::receipt::ReceiptSource> {
        Ok(sqlx::query(
            "SELECT source FROM register_entries WHERE report_id = $1 \
             ORDER BY received_at, unit_code, number LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .map(|row| row.text("source"))
        .transpose()?
        .and_then(|source| source.parse().ok())
        .unwrap_or(hotline_domain::receipt::ReceiptSource::Person))
    }

    /// Hands a report over to the unit `to`: it becomes that unit's, `transferred`,
    /// unassigned, entered in its register under the officer who handed it over, with the
    /// event naming both units. Never into a unit once named as its accused
    /// ([`Self::refuse_walled`]), on every path that hands a report on.
    pub(crate) async fn hand_over(
        tx: &mut Transaction<'_, DB>,
        id: i64,
        (to, reason): (&UnitCode, &str),
        actor: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        Self::refuse_walled(tx, id, to).await?;
        let row = sqlx::query("SELECT unit_code, channel FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await
            .map_err(map_err)?;
        let (from, channel) = (row.text("unit_code")?, row.text("channel")?);
        // The line in the receiving unit's register keeps where the report first came from.
        let source = Self::first_source(tx, id).await?;
        sqlx::query(
            "UPDATE reports SET unit_code = $1, status = 'transferred', assignee_id = NULL, \
                 updated_at = $2 WHERE id = $3",
        )
        .bind(to.as_str())
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        let from_unit: UnitCode = from
            .parse()
            .map_err(|_| StoreError::Other("an unknown unit code".into()))?;
        Self::register_entry(
            tx,
            &RegisterLine {
                unit: to,
                year: hotline_domain::vietnam_year(at),
                report_id: id,
                received_at: at,
                officer: Some(actor),
                channel: &channel,
                transferred_from: Some(&from_unit),
                source,
            },
        )
        .await?;
        let event = ReportEvent::Transferred {
            from: from_unit,
            to: to.clone(),
            reason: reason.to_owned(),
        };
        Self::record_event(tx, id, actor, &event, at).await
    }

    /// Writes drafted notices of a report.
    pub(crate) async fn insert_notices(
        tx: &mut Transaction<'_, DB>,
        report_id: i64,
        notices: &[NewNotice],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        for notice in notices {
            sqlx::query(
                "INSERT INTO notices (report_id, kind, recipient, due_at, text_sealed, basis, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(report_id)
            .bind(notice.kind.as_str())
            .bind(notice.recipient.as_str())
            .bind(notice.due_at)
            .bind(notice.text_sealed.clone())
            .bind(notice.basis.clone())
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    /// The id of a report visible under `visibility`, in a write transaction (which holds
    /// it until commit); `NotFound` otherwise.
    pub(crate) async fn visible_report_id(
        tx: &mut Transaction<'_, DB>,
        visibility: &Visibility,
        case: &CaseNumber,
    ) -> StoreResult<i64> {
        let Some((clause, value)) = visibility_clause(visibility, 2) else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(&format!(
            "SELECT r.id FROM reports r JOIN units u ON u.code = r.unit_code \
                 WHERE r.case_number = $1 AND {clause}"
        ))
        .bind(case.as_str())
        .bind(value)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?
        .int("id")
    }

    /// Adds an event to a report's history.
    pub(crate) async fn record_event(
        tx: &mut Transaction<'_, DB>,
        report_id: i64,
        actor: impl Into<Option<StaffId>>,
        event: &ReportEvent,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(report_id)
        .bind(actor.into().map(|a| a.0))
        .bind(event.kind_str())
        .bind(event.detail())
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Handling for SqlStore<DB> {
    async fn assign_report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        assignee: Option<StaffId>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query("UPDATE reports SET assignee_id = $1, updated_at = $2 WHERE id = $3")
            .bind(assignee.map(|a| a.0))
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let event = match assignee {
            Some(staff) => ReportEvent::Assigned { staff },
            None => ReportEvent::Unassigned,
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn transfer_report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        handover: Handover<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        // Where it stands in its procedure, with the extensions granted: a transfer neither
        // restarts a procedure nor renews its ceilings.
        sqlx::query(
            "UPDATE reports SET clock_start = COALESCE($1, clock_start), deadline_rule = $2, \
             due_at = $3 WHERE id = $4 AND stage = $5 AND extensions = $6 \
             AND COALESCE(accused_unit_code, '') = $7 AND COALESCE(accused_post, '') = $8 \
             RETURNING id",
        )
        .bind(handover.clock_start)
        .bind(handover.deadline.map(|d| d.rule.as_str()))
        .bind(handover.deadline.map(|d| d.due_at))
        .bind(id)
        .bind(handover.stage.as_str())
        .bind(i64::from(handover.extensions))
        .bind(handover.accused.map_or("", UnitCode::as_str))
        .bind(handover.accused_post.map_or("", AccusedPost::as_str))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("stage".into()))?;
        Self::hand_over(&mut tx, id, (handover.to, handover.reason), actor, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn mark_police_conduct(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        mark: &ConductMark,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let (accused_unit, deadline) = (&mark.accused_unit, mark.deadline);
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        Self::still_held_by(&mut tx, id, &mark.holder).await?;
        if let Some(to) = &mark.move_to {
            Self::hand_over(&mut tx, id, (to, mark.handover_reason), actor, at).await?;
        }
        // Once named, only a correction renames it: two marks at once leave the first.
        sqlx::query(
            "UPDATE reports SET legal_type = $6, accused_unit_code = $1, \
             deadline_rule = $3, due_at = $4, stage = $5, accused_post = $9, head_settles = $10, \
             assignee_id = CASE WHEN $10 THEN NULL ELSE assignee_id END \
             WHERE id = $2 AND accused_unit_code IS NULL AND stage = $7 \
             AND COALESCE(legal_type, '') = $8 RETURNING id",
        )
        .bind(accused_unit.as_str())
        .bind(id)
        .bind(deadline.map(|d| d.rule.as_str()))
        .bind(deadline.map(|d| d.due_at))
        .bind(mark.stage.as_str())
        .bind(mark.legal_type.as_str())
        .bind(mark.from_stage.as_str())
        .bind(mark.from_legal_type.map_or("", LegalType::as_str))
        .bind(mark.accused_post.map(AccusedPost::as_str))
        .bind(mark.head_settles)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("accused_unit".into()))?;
        Self::wall_off(&mut tx, id, accused_unit, !mark.head_settles).await?;
        Self::insert_notices(&mut tx, id, &mark.notices, at).await?;
        let event = ReportEvent::PoliceConduct {
            accused_unit: accused_unit.clone(),
            post: mark.accused_post,
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn walled_in_full(&self, report: ReportId, unit: &UnitCode) -> StoreResult<bool> {
        Ok(sqlx::query(
            "SELECT 1 AS hit FROM accused_walls \
             WHERE report_id = $1 AND unit_code = $2 AND full_wall",
        )
        .bind(report.0)
        .bind(unit.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .is_some())
    }

    async fn correct_accused_unit(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        correction: &AccusedCorrection<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        // Where the caller read it held, or not at all: whether it is handed up was decided
        // from that.
        sqlx::query(
            "UPDATE reports SET accused_unit_code = $1, updated_at = $2, accused_post = $6, \
             head_settles = ($7 AND NOT EXISTS (SELECT 1 FROM accused_walls w \
                 WHERE w.report_id = $3 AND w.unit_code = $1 AND w.full_wall)), \
             assignee_id = CASE WHEN $7 THEN NULL ELSE assignee_id END \
             WHERE id = $3 AND accused_unit_code = $4 AND unit_code = $5 \
             AND COALESCE(accused_post, '') = $8 RETURNING id",
        )
        .bind(correction.to.as_str())
        .bind(at)
        .bind(id)
        .bind(correction.from.as_str())
        .bind(correction.holder.as_str())
        .bind(correction.post.map(AccusedPost::as_str))
        .bind(correction.head_settles)
        .bind(correction.from_post.map_or("", AccusedPost::as_str))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("accused_unit".into()))?;
        Self::wall_off(&mut tx, id, correction.to, !correction.head_settles).await?;
        // The unit named before stays walled, in full: one leader's corrections never walk the
        // report back to its head.
        if correction.from != correction.to {
            Self::wall_off(&mut tx, id, correction.from, true).await?;
        }
        if let Some(to) = correction.move_to {
            Self::hand_over(&mut tx, id, (to, correction.handover_reason), actor, at).await?;
        }
        let event = ReportEvent::AccusedCorrected {
            from: correction.from.clone(),
            to: correction.to.clone(),
            post: correction.post,
            reason: correction.reason.to_owned(),
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn correct_legal_type(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        correction: &TypeCorrection<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        let deadline = correction.deadline;
        let after = &correction.after;
        sqlx::query(
            "UPDATE reports SET legal_type = $1, stage = $2, deadline_rule = $3, due_at = $4, \
             updated_at = $5, extensions = $9, suspended_days = $10, suspended_since = $11, \
             clock_start = $12, resumed_at = $13, \
             head_settles = (head_settles AND $1 = 'police_conduct') \
             WHERE id = $6 AND legal_type = $7 AND stage = $8 AND accused_unit_code = $14 \
             AND extensions = $15 RETURNING id",
        )
        .bind(correction.to.as_str())
        .bind(after.stage.as_str())
        .bind(deadline.map(|d| d.rule.as_str()))
        .bind(deadline.map(|d| d.due_at))
        .bind(at)
        .bind(id)
        .bind(correction.from.as_str())
        .bind(correction.from_stage.as_str())
        .bind(i64::from(after.extensions))
        .bind(i64::from(after.suspended_days))
        .bind(after.suspended_since)
        .bind(after.clock_start)
        .bind(after.resumed_at)
        .bind(correction.accused.as_str())
        .bind(i64::from(correction.from_extensions))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("legal_type".into()))?;
        Self::still_held_by(&mut tx, id, correction.holder).await?;
        if let Some(to) = correction.move_to {
            Self::hand_over(&mut tx, id, (to, CONFLICT_HANDOVER_REASON), actor, at).await?;
        }
        let event = ReportEvent::LegalTypeCorrected {
            from: correction.from,
            to: correction.to,
            reason: correction.reason.to_owned(),
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn set_triage(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        triage: &Triage,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query(
            "UPDATE reports SET legal_type = $1, topic = $2, urgency = $3, province_code = $4, \
             commune_code = $5, updated_at = $6, \
             status = CASE status WHEN 'received' THEN 'triaged' ELSE status END, \
             deadline_rule = $8, due_at = $9, stage = $10, clock_start = $12 \
             WHERE id = $7 AND stage = $11 AND COALESCE(legal_type, '') = $13 \
             AND (accused_unit_code IS NOT NULL) = $14 RETURNING id",
        )
        .bind(triage.legal_type.map(|t| t.as_str()))
        .bind(triage.topic.map(|t| t.as_str()))
        .bind(triage.urgency.as_str())
        .bind(code_param(triage.province_code))
        .bind(code_param(triage.commune_code))
        .bind(at)
        .bind(id)
        .bind(triage.deadline.map(|d| d.rule.as_str()))
        .bind(triage.deadline.map(|d| d.due_at))
        .bind(triage.stage.as_str())
        .bind(triage.from_stage.as_str())
        .bind(triage.clock_start)
        .bind(triage.from_legal_type.map_or("", LegalType::as_str))
        .bind(triage.accused_named)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("stage".into()))?;
        let event = ReportEvent::Triaged {
            urgency: triage.urgency,
            legal_type: triage.legal_type,
            topic: triage.topic,
            place: triage.commune_code.or(triage.province_code),
            hinted: triage.hinted,
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn record_emergency_line(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        (line, handed): (EmergencyLine, bool),
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let event = ReportEvent::EmergencyLine { line, handed };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn add_note(&self, note: &NewNote, audit: Audited<'_>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO notes (report_id, author_id, body, body_sealed, created_at) \
             VALUES ($1, $2, '', $3, $4) RETURNING id",
        )
        .bind(note.report.0)
        .bind(note.author.0)
        .bind(note.body_sealed.clone())
        .bind(note.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?
        .int("id")?;
        Self::insert_words(&mut tx, note.report.0, &note.word_index).await?;
        Self::record_event(
            &mut tx,
            note.report.0,
            note.author,
            &ReportEvent::Noted,
            note.at,
        )
        .await?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(note.at)
            .bind(note.report.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn notes(&self, report: ReportId) -> StoreResult<Vec<Note>> {
        sqlx::query(
            "SELECT n.id, n.author_id, \
             CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS author_name, \
             n.body, n.body_sealed, n.created_at \
             FROM notes n JOIN staff s ON s.id = n.author_id \
             WHERE n.report_id = $1 ORDER BY n.id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(note)
        .collect()
    }

    async fn merge_report(
        &self,
        visibility: &Visibility,
        duplicate: &CaseNumber,
        into: &CaseNumber,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        if duplicate == into {
            return Err(StoreError::Conflict("same".into()));
        }
        let mut tx = self.begin_write().await?;
        let from = Self::visible_report_id(&mut tx, visibility, duplicate).await?;
        let to = Self::visible_report_id(&mut tx, visibility, into).await?;
        // Both rows locked before either is read again (PostgreSQL reads committed data only;
        // SQLite already runs one writer at a time): two officers joining A into B and B into
        // A at once cannot both succeed and leave a cycle.
        sqlx::query("UPDATE reports SET updated_at = updated_at WHERE id IN ($1, $2)")
            .bind(from.min(to))
            .bind(from.max(to))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let duplicate_merged = sqlx::query("SELECT merged_into_id FROM reports WHERE id = $1")
            .bind(from)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int_opt("merged_into_id")?;
        if duplicate_merged.is_some() {
            return Err(StoreError::Conflict("merged".into()));
        }
        let target_merged = sqlx::query("SELECT merged_into_id FROM reports WHERE id = $1")
            .bind(to)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int_opt("merged_into_id")?;
        if target_merged.is_some() {
            return Err(StoreError::Conflict("merged".into()));
        }
        sqlx::query(
            "UPDATE reports SET merged_into_id = $1, updated_at = $2 \
             WHERE merged_into_id = $3 OR id = $3",
        )
        .bind(to)
        .bind(at)
        .bind(from)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "UPDATE reports SET status = 'closed', stage = 'closed', deadline_rule = NULL, \
             due_at = NULL WHERE id = $1",
        )
        .bind(from)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(to)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let into = ReportEvent::MergedInto { into: into.clone() };
        let merged_from = ReportEvent::MergedFrom {
            from: duplicate.clone(),
        };
        Self::record_event(&mut tx, from, actor, &into, at).await?;
        Self::record_event(&mut tx, to, actor, &merged_from, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn take_step(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        step: &NewStep,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        // The limit this step ends or replaces, kept with the step (the statistics' "decided
        // within the limit").
        let in_force = sqlx::query("SELECT due_at, deadline_rule FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let limit_due_at = in_force.time_opt("due_at")?;
        let limit_rule = in_force.text_opt("deadline_rule")?;
        let after = &step.after;
        let moved = sqlx::query(
            "UPDATE reports SET stage = $1, status = $2, extensions = $3, suspended_days = $4, \
             suspended_since = $5, clock_start = $6, resumed_at = $7, deadline_rule = $8, \
             due_at = $9, updated_at = $10, legal_type = COALESCE($11, legal_type), \
             head_settles = (head_settles AND COALESCE($11, legal_type) = 'police_conduct') \
             WHERE id = $12 AND stage = $13 AND extensions = $14 \
             AND COALESCE(legal_type, '') = $15 RETURNING channel, unit_code",
        )
        .bind(after.stage.as_str())
        .bind(step.status.as_str())
        .bind(i64::from(after.extensions))
        .bind(i64::from(after.suspended_days))
        .bind(after.suspended_since)
        .bind(after.clock_start)
        .bind(after.resumed_at)
        .bind(step.deadline.map(|d| d.rule.as_str()))
        .bind(step.deadline.map(|d| d.due_at))
        .bind(step.at)
        .bind(step.switch_to.map(LegalType::as_str))
        .bind(id)
        .bind(step.from.as_str())
        .bind(i64::from(step.from_extensions))
        .bind(step.from_legal_type.map_or("", LegalType::as_str))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("stage".into()))?;
        sqlx::query(
            "INSERT INTO procedure_steps (report_id, action, from_stage, to_stage, number, \
             decided_on, signer, grounds_sealed, actor_id, created_at, limit_due_at, limit_rule) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(step.action.as_str())
        .bind(step.from.as_str())
        .bind(after.stage.as_str())
        .bind(step.number.clone())
        .bind(step.decided_on.map(|d| d.to_string()))
        .bind(step.signer.clone())
        .bind(step.grounds_sealed.clone())
        .bind(step.actor.0)
        .bind(step.at)
        .bind(limit_due_at)
        .bind(limit_rule)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if let Some((to, reason)) = &step.hand_to {
            Self::still_held_by(&mut tx, id, &step.holder).await?;
            Self::hand_over(&mut tx, id, (to, reason), step.actor, step.at).await?;
        }
        // Another procedure is another receipt: a line of its own in the register of the unit
        // that holds it now (after any hand-over), from where it first came.
        if step.switch_to.is_some() {
            let unit = step
                .hand_to
                .as_ref()
                .map_or_else(|| moved.text("unit_code"), |(to, _)| Ok(to.to_string()))?
                .parse::<UnitCode>()
                .map_err(|_| StoreError::Other("an unknown unit code".into()))?;
            let source = Self::first_source(&mut tx, id).await?;
            Self::register_entry(
                &mut tx,
                &RegisterLine {
                    unit: &unit,
                    year: hotline_domain::vietnam_year(step.at),
                    report_id: id,
                    received_at: step.at,
                    officer: Some(step.actor),
                    channel: &moved.text("channel")?,
                    transferred_from: None,
                    source,
                },
            )
            .await?;
        }
        Self::insert_notices(&mut tx, id, &step.notices, step.at).await?;
        let event = ReportEvent::Step {
            action: step.action,
            to: after.stage,
            number: step.number.clone(),
        };
        Self::record_event(&mut tx, id, step.actor, &event, step.at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn notices(&self, report: ReportId) -> StoreResult<Vec<Notice>> {
        sqlx::query(
            "SELECT n.id, n.kind, n.recipient, n.due_at, n.text_sealed, n.basis, n.sent_at, \
             n.sent_via, \
             CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS sent_by \
             FROM notices n LEFT JOIN staff s ON s.id = n.sent_by \
             WHERE n.report_id = $1 ORDER BY n.id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::notice)
        .collect()
    }

    async fn mark_notice_sent(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        sent: &NoticeSent,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let (notice, via) = (sent.notice, sent.via.as_str());
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        // Claimed once: of two officers sending it at the same moment, one records it.
        let claimed = sqlx::query(
            "UPDATE notices SET sent_at = $1, sent_via = $2, sent_by = $3 \
             WHERE id = $4 AND report_id = $5 AND sent_at IS NULL RETURNING kind, recipient",
        )
        .bind(at)
        .bind(via)
        .bind(actor.0)
        .bind(notice)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = claimed else {
            let exists = sqlx::query("SELECT id FROM notices WHERE id = $1 AND report_id = $2")
                .bind(notice)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            return Err(match exists {
                Some(_) => StoreError::Conflict("sent".into()),
                None => StoreError::NotFound,
            });
        };
        let unreadable = |what: &str| StoreError::Other(format!("a notice with a bad {what}"));
        let event = ReportEvent::NoticeSent {
            kind: row.text("kind")?.parse().map_err(|_| unreadable("kind"))?,
            recipient: row
                .text("recipient")?
                .parse()
                .map_err(|_| unreadable("recipient"))?,
        };
        Self::record_event(&mut tx, id, actor, &event, at).await?;
        // Recorded as sent only with the answer that carries it.
        if let Some(reply) = &sent.reply {
            Self::insert_message(&mut tx, reply).await?;
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn steps(&self, report: ReportId) -> StoreResult<Vec<StepRecord>> {
        sqlx::query(
            "SELECT p.action, p.from_stage, p.to_stage, p.number, p.decided_on, p.signer, \
             p.grounds_sealed, p.actor_id, p.created_at, \
             CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS actor_name \
             FROM procedure_steps p JOIN staff s ON s.id = p.actor_id \
             WHERE p.report_id = $1 ORDER BY p.id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::step_record)
        .collect()
    }

    async fn merged_reports(
        &self,
        visibility: &Visibility,
        report: ReportId,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility, 2) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE r.merged_into_id = $1 AND {clause} ORDER BY r.id"
        ))
        .bind(report.0)
        .bind(value)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(report_summary)
        .collect()
    }
}
