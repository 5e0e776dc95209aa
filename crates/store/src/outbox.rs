//! Messages to reporters, each sent on its own channel in the order written.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, Channel, MessageId, ReportId};

use crate::StoreResult;

/// Messages of ours that leave by a platform: officers' answers and acknowledgements, queued
/// with the report (or in its intake) and sent by a job.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queued outbound messages on `channels` due at `now` (never tried, or due again),
    /// oldest first; only of reports with an address to answer to (a report captured by hand
    /// from a mail is answered on its follow-up page). A message is due only once every
    /// earlier one to the same recipient (report and channel) has left or failed for good, so
    /// that an answer never reaches a citizen before the acknowledgement with their case
    /// number, even when several passes or nodes send at once or the first must be retried.
    /// "Earlier" is the order of queueing (ids); the acknowledgement is queued just after its
    /// report is written, so only an answer written within that moment (or, after a crash,
    /// before the delivery is taken apart again) could come first.
    async fn outbound_due(
        &self,
        channels: &[Channel],
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<OutboundMessage>>;
    /// Takes a queued message for one sender until `until`; `false` when another took it
    /// (its next time is no longer `seen`).
    async fn claim_outbound(
        &self,
        id: MessageId,
        seen: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records a try: sent (with the platform's id), again later, or failed.
    async fn finish_outbound(&self, id: MessageId, outcome: &SendOutcome) -> StoreResult<()>;
    /// Makes a report's queued answers due at `now` (the reporter wrote: a window opened).
    async fn release_answers(&self, report: ReportId, now: DateTime<Utc>) -> StoreResult<()>;
    /// When the reporter last wrote: platforms' answer windows count from it.
    async fn last_inbound_at(&self, report: ReportId) -> StoreResult<Option<DateTime<Utc>>>;
}

/// A message of ours waiting to leave by its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    pub id: MessageId,
    pub report: ReportId,
    pub case_number: CaseNumber,
    pub channel: Channel,
    pub account: String,
    pub body_sealed: Vec<u8>,
    pub attempts: u32,
    /// When it was last claimed or is due again; `None` before its first try.
    pub next_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// How a try to send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The account took it out, and the platform took it under this id.
    Sent { account: String, sent_id: String },
    /// Not this time; again at `next_at`.
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    /// Not at all: the officer is shown why. The account it was to leave by, when known.
    Failed {
        account: Option<String>,
        error: String,
    },
    /// The citizen was asked to write back and did not: this message and every later one
    /// still queued to them (the same report and channel) fail for this reason together, as
    /// none can leave and asking again would repeat the request once per answer.
    Expired { account: String, error: String },
}
