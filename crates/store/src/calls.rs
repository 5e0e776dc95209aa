//! Calls to and from the hotline numbers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, ReportId, StaffId};

use crate::{Audited, StoreResult};

/// Calls to the hotline's line and the queue of those to call back.
#[async_trait]
pub trait Calls: Send + Sync {
    /// Records a call's start, once per account and call id; `false` when it was recorded.
    async fn start_call(&self, call: &NewCall) -> StoreResult<bool>;
    async fn call(&self, account_id: i64, call_id: &str) -> StoreResult<Option<CallRecord>>;
    async fn call_by_id(&self, id: i64) -> StoreResult<CallRecord>;
    /// Records who answered, the first time.
    async fn answer_call(
        &self,
        account_id: i64,
        call_id: &str,
        (at, by): (DateTime<Utc>, Option<&str>),
    ) -> StoreResult<()>;
    /// Records its end, the first time; a missed call goes on the callback queue.
    async fn end_call(
        &self,
        account_id: i64,
        call_id: &str,
        (at, cause, missed): (DateTime<Utc>, Option<&str>, bool),
    ) -> StoreResult<()>;
    /// Calls waiting to be called back, longest waiting first.
    async fn waiting_callbacks(&self, limit: u32) -> StoreResult<Vec<CallRecord>>;
    /// Records a callback's outcome: `done` closes it, else it stays waiting, tried once more.
    async fn record_callback(
        &self,
        id: i64,
        (outcome, done): (&str, bool),
        staff: StaffId,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Calls ringing or under way that began after `since`, newest first.
    async fn live_calls(&self, since: DateTime<Utc>) -> StoreResult<Vec<CallRecord>>;
    /// Every call that began after `since`, newest first (at most 50).
    async fn calls_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<CallRecord>>;
}

/// A call to start recording.
#[derive(Clone, PartialEq, Eq)]
pub struct NewCall {
    pub account_id: i64,
    pub call_id: String,
    pub inbound: bool,
    /// The blind index of the caller's number; `None` when withheld.
    pub caller_index: Option<Vec<u8>>,
    pub report: Option<ReportId>,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for NewCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCall")
            .field("call_id", &self.call_id)
            .finish_non_exhaustive()
    }
}

/// A call as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub id: i64,
    pub account_id: i64,
    pub call_id: String,
    pub inbound: bool,
    pub report: Option<ReportId>,
    pub case_number: Option<CaseNumber>,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub cause: Option<String>,
    /// `none`, `waiting` (missed: someone must call back) or `done`.
    pub callback: String,
    pub callback_attempts: u32,
    pub callback_outcome: Option<String>,
}
