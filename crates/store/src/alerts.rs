//! Urgent reports' alert chains and deadline warnings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, ReportId, StaffId, UnitCode, Urgency};

use crate::{Audited, StoreResult};

/// Urgent reports' alert chains: who was alerted at which level, and who acknowledged.
/// Moving a chain is compare-and-set, so that several nodes ticking at once alert each level
/// once.
#[async_trait]
pub trait Alerts: Send + Sync {
    /// Emergency and urgent reports, neither closed nor merged, without an alert chain, oldest
    /// first.
    async fn reports_needing_alerts(&self, limit: u32) -> StoreResult<Vec<AlertSubject>>;
    /// Chains nobody has acknowledged, of reports neither closed nor merged.
    async fn open_alert_chains(&self) -> StoreResult<Vec<AlertChain>>;
    /// Starts a report's chain at `level`, alerting `staff`, with an event on the report;
    /// `false` when it has one already.
    async fn start_alert_chain(&self, step: &AlertStep) -> StoreResult<bool>;
    /// Moves an open chain from `from` to `step.level`, alerting `step.staff`, with an event;
    /// `false` when it was moved or acknowledged meanwhile.
    async fn escalate_alert_chain(&self, from: u32, step: &AlertStep) -> StoreResult<bool>;
    /// Alerts more members at a chain's level (the officer of a new shift); how many were new.
    async fn add_alerts(&self, step: &AlertStep) -> StoreResult<usize>;
    /// Acknowledges a report's open chain, with an event; `false` when there is none open.
    async fn acknowledge_alert_chain(
        &self,
        report: ReportId,
        by: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<bool>;
    /// A member's alerts, newest first.
    async fn alerts_for(&self, staff: StaffId, limit: u32) -> StoreResult<Vec<AlertRecord>>;
    /// Reports neither closed nor merged whose time limit falls before `before`, without a
    /// warning round yet of the kind their limit calls for at `now` (passed, or approaching,
    /// which only assigned reports are offered for), oldest limit first.
    async fn reports_to_warn(
        &self,
        now: DateTime<Utc>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueSubject>>;
    /// Warns `staff` about a report's limit, once per member, kind and limit, with an event
    /// when anyone new was warned; how many were. The round is recorded even when `staff` is
    /// empty, so that the report is not offered again for that kind and limit.
    async fn add_deadline_alerts(&self, warning: &DeadlineWarning) -> StoreResult<usize>;
    /// A member's warnings about time limits, newest first.
    async fn deadline_alerts_for(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> StoreResult<Vec<DeadlineAlertRecord>>;
}

/// A report that needs an alert chain, or has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSubject {
    pub report: ReportId,
    pub case_number: CaseNumber,
    pub unit: UnitCode,
}

/// An open alert chain: the level reached, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChain {
    pub subject: AlertSubject,
    pub level: u32,
    pub level_at: DateTime<Utc>,
    /// Who was alerted at the current level.
    pub alerted: Vec<StaffId>,
}

/// One move of a chain: its report, the level, who is alerted, on which channel, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertStep {
    pub report: ReportId,
    pub level: u32,
    pub staff: Vec<StaffId>,
    pub channel: String,
    pub at: DateTime<Utc>,
}

/// An alert as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: i64,
    pub subject: AlertSubject,
    pub urgency: Urgency,
    pub level: u32,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

/// A report whose time limit is near or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSubject {
    pub subject: AlertSubject,
    pub due_at: DateTime<Utc>,
    pub assignee: Option<StaffId>,
}

/// A warning about a report's time limit, to some members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineWarning {
    pub report: ReportId,
    /// `approaching` or `passed`.
    pub kind: &'static str,
    pub due_at: DateTime<Utc>,
    pub staff: Vec<StaffId>,
    pub at: DateTime<Utc>,
}

/// A warning about a time limit as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineAlertRecord {
    pub subject: AlertSubject,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}
