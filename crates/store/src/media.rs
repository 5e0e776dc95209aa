//! Media a platform delivered by reference, fetched after the delivery was acknowledged.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, Channel, MessageId, ReportId};

use crate::{NewAttachment, StoreResult};

/// Files of platform messages, fetched after the message is taken in.
#[async_trait]
pub trait Media: Send + Sync {
    /// Queues a file once; `false` when it was queued before.
    async fn queue_media_fetch(&self, fetch: &NewMediaFetch) -> StoreResult<bool>;
    async fn due_media_fetches(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingMediaFetch>>;
    /// Takes a due fetch until `until`; `false` when another node took it.
    async fn claim_media_fetch(
        &self,
        id: i64,
        seen: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn finish_media_fetch(&self, id: i64, outcome: &MediaOutcome) -> StoreResult<()>;
    /// The report, case and message a platform message became.
    async fn message_by_platform_id(
        &self,
        channel: Channel,
        account: &str,
        platform_message_id: &str,
    ) -> StoreResult<Option<(ReportId, CaseNumber, MessageId)>>;
    /// Messages whose platform ids were kept in clear before ids were keyed, up to `limit`.
    async fn unkeyed_platform_ids(&self, limit: u32) -> StoreResult<Vec<UnkeyedIds>>;
    /// Replaces those ids with their keyed digests, each message once (another node may be
    /// doing the same).
    async fn key_platform_ids(&self, keyed: &[UnkeyedIds]) -> StoreResult<()>;
    /// File fetches whose message id was kept in clear: (fetch, account, id), up to `limit`.
    async fn unkeyed_media_fetches(&self, limit: u32) -> StoreResult<Vec<(i64, i64, String)>>;
    /// Replaces those ids with their keyed digests: (fetch, digest).
    async fn key_media_fetches(&self, keyed: &[(i64, String)]) -> StoreResult<()>;
    /// Keeps files with a message, with an event on its report.
    async fn add_attachments(
        &self,
        report: ReportId,
        message: MessageId,
        files: &[NewAttachment],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// A file of a platform message to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMediaFetch {
    pub account_id: i64,
    pub platform_message_id: String,
    /// Its place among the message's files.
    pub position: u32,
    /// Where the platform keeps it (its media id or link), sealed with the channel key.
    pub ref_sealed: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// A file waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMediaFetch {
    pub id: i64,
    pub account_id: i64,
    pub platform_message_id: String,
    pub position: u32,
    pub ref_sealed: Vec<u8>,
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
}

/// How fetching a file went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaOutcome {
    /// Fetched and kept with its message.
    Kept,
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    /// Not to be had (gone, refused, not evidence we keep): the reason stays.
    Failed { error: String },
}

/// The platform ids of a message kept from before they were keyed (and, handed back, keyed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnkeyedIds {
    pub message: MessageId,
    pub channel: Channel,
    pub account: String,
    pub platform_message_id: Option<String>,
    pub sent_id: Option<String>,
}
