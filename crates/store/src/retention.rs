//! Retention: purging closed reports by rule, legal holds, compaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, ReportId, ReportStatus, StaffId};

use crate::{Audited, StoreResult, Visibility};

/// Retention: legal holds, and purging what a rule selects.
#[async_trait]
pub trait Retention: Send + Sync {
    /// Reports `rule` selects that are not on legal hold, after `after`, in id order.
    async fn purge_candidates(
        &self,
        rule: &PurgeRule,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<ReportId>>;
    /// How many reports `rule` selects: (free to purge, on legal hold).
    async fn retention_counts(&self, rule: &PurgeRule) -> StoreResult<(i64, i64)>;
    /// Destroys the report's wrapped data key and removes the report with its messages,
    /// notes, attachment records, history and contact, in one transaction, if it still matches
    /// `rule` and is not on hold. Returns whether it did.
    async fn purge_report(&self, report: ReportId, rule: &PurgeRule) -> StoreResult<bool>;
    /// Puts a visible report on legal hold, or releases it, and records the event.
    async fn set_legal_hold(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        hold: bool,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Lets the backend reclaim what was deleted, so that no copy lingers in its files.
    async fn compact(&self) -> StoreResult<()>;
}

/// What a retention rule selects: reports last changed before `changed_before`, of the legal
/// type and in the status given (each `None` matches any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeRule {
    pub legal_type: Option<String>,
    pub status: Option<ReportStatus>,
    pub changed_before: DateTime<Utc>,
}
