//! Urgent reports reach someone, day or night: each emergency or urgent report starts an alert
//! chain to the officer on duty in its unit, and climbs (the unit's leaders, the provincial
//! duty desk, the provincial director) while nobody acknowledges it, each level after its
//! configured wait; a level with nobody to alert is passed at once. An officer who comes on
//! duty while the first level waits is alerted too. Alerts go to the console; every step is
//! an event on the report.
//!
//! Time limits are watched in the same pass: the member a report is assigned to is warned when
//! its limit is near (`deadline_warning` before), and, once it has passed, the assignee and the
//! unit's leaders are; a new limit (after a step) warns again.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::AuditAction;
use hotline_domain::{CaseNumber, Role, StaffId, UnitCode};
use hotline_store::{
    AlertRecord, AlertStep, AlertSubject, DeadlineAlertRecord, DeadlineWarning, StaffMember,
    StoreError,
};

/// The levels of a chain: the unit's officer on duty, the unit's leaders, the provincial duty
/// desk, the provincial director.
pub const LEVELS: u32 = 4;
/// The channel alerts go out on.
const CONSOLE: &str = "console";
/// Reports taken up per pass.
const START_PER_PASS: u32 = 200;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertPass {
    pub started: usize,
    pub escalated: usize,
    pub handed_over: usize,
    /// Members warned about a time limit near or past.
    pub warned: usize,
}

impl Hotline {
    /// Members at `level` of `subject`'s chain at `now` who can read the report.
    async fn alert_recipients(
        &self,
        subject: &AlertSubject,
        level: u32,
        now: DateTime<Utc>,
    ) -> CoreResult<Vec<StaffId>> {
        let unit = self.store.unit(&subject.unit).await?;
        let province = unit
            .province_code
            .map_or_else(UnitCode::ministry, UnitCode::province);
        let on_duty = async |code: &UnitCode| -> CoreResult<Vec<StaffId>> {
            let held = self.store.unit(code).await?;
            Ok(self
                .store
                .rosters_under(&held.path, now)
                .await?
                .into_iter()
                .find(|(c, _)| c == code)
                .map(|(_, roster)| roster.on_duty(now))
                .unwrap_or_default())
        };
        let with_role = async |code: &UnitCode, roles: &[Role]| -> CoreResult<Vec<StaffId>> {
            let held = self.store.unit(code).await?;
            Ok(self
                .store
                .staff_under(&held.path)
                .await?
                .into_iter()
                .filter(|m| m.unit == *code && roles.contains(&m.role))
                .map(|m| m.id)
                .collect())
        };
        let candidates = match level {
            0 => on_duty(&unit.code).await?,
            1 => with_role(&unit.code, &[Role::UnitLeader, Role::Director]).await?,
            2 if unit.code != province => on_duty(&province).await?,
            3 => with_role(&province, &[Role::Director]).await?,
            _ => Vec::new(),
        };
        let mut readers = Vec::new();
        for id in candidates {
            let member = self.store.staff(id).await?;
            if member.disabled || readers.contains(&id) {
                continue;
            }
            if self.can_read(&member, &subject.case_number).await? {
                readers.push(id);
            }
        }
        Ok(readers)
    }

    async fn can_read(&self, member: &StaffMember, case: &CaseNumber) -> CoreResult<bool> {
        let reader = Actor(member.clone());
        match self.store.report(&reader.visibility(), case).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The first level from `from` on with someone to alert; the last level, with nobody,
    /// when there is no one at all.
    async fn next_level(
        &self,
        subject: &AlertSubject,
        from: u32,
        now: DateTime<Utc>,
    ) -> CoreResult<(u32, Vec<StaffId>)> {
        for level in from..LEVELS {
            let staff = self.alert_recipients(subject, level, now).await?;
            if !staff.is_empty() {
                return Ok((level, staff));
            }
        }
        Ok((LEVELS - 1, Vec::new()))
    }

    /// One pass over urgent reports: start the chains of new ones, move on those whose level
    /// waited its time, and alert officers who came on duty while the first level waits. Safe
    /// to run on several nodes at once: every move is compare-and-set.
    pub async fn run_alerts(&self) -> CoreResult<AlertPass> {
        let now = self.clock.now();
        let mut pass = AlertPass::default();
        for subject in self.store.reports_needing_alerts(START_PER_PASS).await? {
            let (level, staff) = self.next_level(&subject, 0, now).await?;
            let step = AlertStep {
                report: subject.report,
                level,
                staff,
                channel: CONSOLE.into(),
                at: now,
            };
            if self.store.start_alert_chain(&step).await? {
                pass.started += 1;
                tracing::info!(case = %subject.case_number, level, "urgent report: alert chain started");
            }
        }
        for chain in self.store.open_alert_chains().await? {
            let waited = self
                .policy
                .escalation
                .get(chain.level as usize)
                .is_some_and(|wait| chain.level_at + *wait <= now);
            if waited && chain.level + 1 < LEVELS {
                let (level, staff) = self
                    .next_level(&chain.subject, chain.level + 1, now)
                    .await?;
                let step = AlertStep {
                    report: chain.subject.report,
                    level,
                    staff,
                    channel: CONSOLE.into(),
                    at: now,
                };
                if level > chain.level
                    && self.store.escalate_alert_chain(chain.level, &step).await?
                {
                    pass.escalated += 1;
                    tracing::warn!(case = %chain.subject.case_number, level, "urgent report not acknowledged: escalated");
                }
            } else if matches!(chain.level, 0 | 2) {
                // A shift changed: the incoming officer is alerted too.
                let staff: Vec<StaffId> = self
                    .alert_recipients(&chain.subject, chain.level, now)
                    .await?
                    .into_iter()
                    .filter(|id| !chain.alerted.contains(id))
                    .collect();
                if !staff.is_empty() {
                    pass.handed_over += self
                        .store
                        .add_alerts(&AlertStep {
                            report: chain.subject.report,
                            level: chain.level,
                            staff,
                            channel: CONSOLE.into(),
                            at: now,
                        })
                        .await?;
                }
            }
        }
        pass.warned = self.warn_of_deadlines(now).await?;
        Ok(pass)
    }

    /// Warns of time limits near (the assignee) or past (the assignee and the unit's leaders).
    async fn warn_of_deadlines(&self, now: DateTime<Utc>) -> CoreResult<usize> {
        let mut warned = 0;
        let before = now + self.policy.deadline_warning;
        for due in self
            .store
            .reports_to_warn(now, before, START_PER_PASS)
            .await?
        {
            let passed = due.due_at <= now;
            let mut staff = Vec::new();
            if let Some(assignee) = due.assignee {
                let member = self.store.staff(assignee).await?;
                if !member.disabled && self.can_read(&member, &due.subject.case_number).await? {
                    staff.push(assignee);
                }
            }
            if passed {
                // The unit's leaders; a unit without any, the levels above them.
                let (_, leaders) = self.next_level(&due.subject, 1, now).await?;
                for leader in leaders {
                    if !staff.contains(&leader) {
                        staff.push(leader);
                    }
                }
            }
            warned += self
                .store
                .add_deadline_alerts(&DeadlineWarning {
                    report: due.subject.report,
                    kind: if passed { "passed" } else { "approaching" },
                    due_at: due.due_at,
                    staff,
                    at: now,
                })
                .await?;
        }
        Ok(warned)
    }

    /// The actor's warnings about time limits, newest first.
    pub async fn my_deadline_alerts(&self, actor: &Actor) -> CoreResult<Vec<DeadlineAlertRecord>> {
        Ok(self.store.deadline_alerts_for(actor.0.id, 100).await?)
    }

    /// The actor's alerts, newest first.
    pub async fn my_alerts(&self, actor: &Actor) -> CoreResult<Vec<AlertRecord>> {
        Ok(self.store.alerts_for(actor.0.id, 100).await?)
    }

    /// Acknowledges the alert chain of a report the actor was alerted about: the chain stops
    /// climbing. Recorded on the report with its time; audited.
    pub async fn acknowledge_alert(&self, actor: &Actor, case: &str) -> CoreResult<()> {
        let case = CaseNumber::parse(case.trim()).ok_or(CoreError::NotFound)?;
        let alerted = self
            .store
            .alerts_for(actor.0.id, 500)
            .await?
            .into_iter()
            .find(|a| a.subject.case_number == case)
            .ok_or(CoreError::NotFound)?;
        // One who can no longer read it (it was marked about their unit) cannot answer for it.
        if !self.can_read(&actor.0, &case).await? {
            return Err(CoreError::NotFound);
        }
        let report = alerted.subject.report;
        let acknowledged = self
            .audited(
                Some(actor.0.id),
                AuditAction::AlertAcknowledged,
                case.as_str(),
                &format!("level={}", alerted.level),
                async |audit| {
                    Ok(self
                        .store
                        .acknowledge_alert_chain(report, actor.0.id, audit.at(), audit)
                        .await?)
                },
            )
            .await?;
        if !acknowledged {
            return Err(hotline_domain::DomainError::field("alert", "acknowledged").into());
        }
        Ok(())
    }
}
