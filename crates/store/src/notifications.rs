//! Notifications to staff: queued, sent, retried, recorded.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::notify::{NotificationKind, NotifyAddress, NotifyChannel};
use hotline_domain::{CaseNumber, StaffId, Urgency};

use crate::{Audited, StoreResult};

/// Notifications outside the console. Alerts and time-limit warnings queue theirs in their own
/// transaction (see [`Alerts`](crate::Alerts)); the sending job takes them from here.
#[async_trait]
pub trait Notifications: Send + Sync {
    /// A member's addresses, in the order they are tried.
    async fn notify_addresses(&self, staff: StaffId) -> StoreResult<Vec<NotifyAddress>>;
    /// Replaces a member's addresses.
    async fn set_notify_addresses(
        &self,
        staff: StaffId,
        addresses: &[NotifyAddress],
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Queues a notification; `false` when one with the same key was queued before.
    async fn queue_notification(&self, notification: &NewNotification) -> StoreResult<bool>;
    /// Queued notifications due at `now`, oldest first.
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingNotification>>;
    /// Takes a due notification for one sender until `until`: `false` when another took it
    /// (its `next_at` is no longer `seen`).
    async fn claim_notification(
        &self,
        id: i64,
        seen: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records a round's attempts and where the notification stands.
    async fn finish_notification(
        &self,
        id: i64,
        attempts: &[NotificationAttempt],
        outcome: NotificationOutcome,
    ) -> StoreResult<()>;
    /// A member's notifications with their attempts, newest first.
    async fn notifications_for(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRecord>>;
}

/// A notification to queue outside an alert (a digest, a test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub staff: StaffId,
    pub kind: NotificationKind,
    /// Queued once only: a second notification with the same key is not.
    pub key: Option<String>,
    /// What it names besides a report (a channel account: `whatsapp/qn-whatsapp`).
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// A notification waiting to leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    pub id: i64,
    pub staff: StaffId,
    pub kind: NotificationKind,
    pub case_number: Option<CaseNumber>,
    pub urgency: Option<Urgency>,
    pub level: Option<u32>,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Rounds over every channel already tried.
    pub rounds: u32,
    pub next_at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// One try on one channel; no error when it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationAttempt {
    pub channel: NotifyChannel,
    pub at: DateTime<Utc>,
    pub error: Option<String>,
}

/// Where a notification stands after a round over its member's channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// Left by this channel.
    Sent {
        via: NotifyChannel,
        at: DateTime<Utc>,
    },
    /// The member has no channel outside the console: the console alert is the notification.
    ConsoleOnly,
    /// Every channel failed; another round then.
    Retry { next_at: DateTime<Utc> },
    /// Every channel failed in every round.
    Failed,
}

impl NotificationOutcome {
    pub fn state(self) -> &'static str {
        match self {
            Self::Sent { .. } => "sent",
            Self::ConsoleOnly => "console",
            Self::Retry { .. } => "queued",
            Self::Failed => "failed",
        }
    }
}

/// A notification as its recipient reads it back, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub kind: NotificationKind,
    pub case_number: Option<CaseNumber>,
    pub level: Option<u32>,
    pub created_at: DateTime<Utc>,
    /// `queued`, `sent`, `console` or `failed`.
    pub state: String,
    pub sent_via: Option<NotifyChannel>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: Vec<NotificationAttempt>,
}
