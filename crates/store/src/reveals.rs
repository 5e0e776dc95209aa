//! Requests to reveal a reporter's identity, their approvals and their use.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{ReportId, StaffId};

use crate::{Audited, StoreResult};

/// Reveals that wait for a second person's approval.
#[async_trait]
pub trait Reveals: Send + Sync {
    /// Records a request by `by` to see `target` of a report, or returns the one still
    /// waiting from them for that target.
    async fn request_reveal(
        &self,
        report: ReportId,
        by: StaffId,
        target: &str,
        reason: &str,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<i64>;
    /// Requests of a report not yet used, oldest first.
    async fn open_reveal_requests(&self, report: ReportId) -> StoreResult<Vec<RevealRequest>>;
    /// Approves a waiting request of `report` by someone other than its asker; false when there
    /// is no such request.
    async fn approve_reveal(
        &self,
        request: i64,
        report: ReportId,
        approver: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<bool>;
    /// Takes (marks used) the oldest request of `requester` for `target` of `report` approved
    /// since `approved_since`; each approval opens one reveal, of the target it names.
    async fn take_approved_reveal(
        &self,
        report: ReportId,
        requester: StaffId,
        target: &str,
        approved_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<RevealRequest>>;
    /// Up to `limit` requests after request `after` whose reason does not start with
    /// `sealed_prefix` (written before reasons were sealed), oldest first.
    async fn unsealed_reveal_reasons(
        &self,
        sealed_prefix: &str,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<UnsealedReason>>;
    /// Replaces request `id`'s reason `clear` with `sealed`; false when it no longer reads
    /// `clear` (another node sealed it first).
    async fn seal_reveal_reason(&self, id: i64, clear: &str, sealed: &str) -> StoreResult<bool>;
}

/// A request to reveal an identity that policy makes wait for a second person's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealRequest {
    pub id: i64,
    pub requested_by: StaffId,
    /// The asker's display name (their username when they have none).
    pub requester: String,
    /// What it asks to see: `identity`, `item:<message>:<n>` or `search:<digest>`.
    pub target: String,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub approved_by: Option<StaffId>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// A reveal request's reason kept in clear, with the case it is about.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsealedReason {
    pub id: i64,
    pub case: String,
    pub reason: String,
}

impl std::fmt::Debug for UnsealedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnsealedReason")
            .field("id", &self.id)
            .field("case", &self.case)
            .finish_non_exhaustive()
    }
}
