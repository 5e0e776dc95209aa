//! Channel accounts and the delivery journal: what platforms delivered, taken apart into reports.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::platform::AccountName;
use hotline_domain::{Channel, MessageId, UnitCode};

use crate::{Audited, NewMessage, StoreResult};

/// Platform accounts and the journal of what they deliver. A delivery is journalled before the
/// platform is told it arrived, and taken apart later.
#[async_trait]
pub trait Channels: Send + Sync {
    /// `Conflict("account")` when the platform has an account of that name.
    async fn add_channel_account(
        &self,
        account: &NewChannelAccount,
        audit: Audited<'_>,
    ) -> StoreResult<i64>;
    async fn channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>>;
    async fn channel_account(&self, platform: Channel, name: &str) -> StoreResult<ChannelAccount>;
    async fn channel_account_by_id(&self, id: i64) -> StoreResult<ChannelAccount>;
    /// Writes deliveries durably, in one transaction; their ids, in order.
    async fn journal_deliveries(&self, deliveries: &[NewDelivery]) -> StoreResult<Vec<i64>>;
    /// Writes deliveries fetched from a platform and where fetching now stands, in one
    /// transaction: a crash leaves both or neither, so nothing is fetched twice or lost. The
    /// cursor moves from `from` (what the fetch started at) to `to`; `Conflict` and nothing
    /// written when another node moved it meanwhile.
    async fn journal_fetched(
        &self,
        account_id: i64,
        deliveries: &[NewDelivery],
        (from, to): (Option<&str>, &str),
    ) -> StoreResult<Vec<i64>>;
    /// Replaces an account's sealed credentials if they are still `expected`; `false` when
    /// another node replaced them first.
    async fn replace_channel_secrets(
        &self,
        account_id: i64,
        expected: &[u8],
        replacement: &[u8],
    ) -> StoreResult<bool>;
    /// Records that the platform checked the account's webhook at `at`.
    async fn record_channel_check(&self, account_id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// Deliveries due for processing at `now`, oldest first.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingDelivery>>;
    /// Takes the due deliveries `due` (each with the `next_at` it was seen with) until
    /// `until`, in one transaction; the ids taken (not those another node took first).
    async fn claim_deliveries(
        &self,
        due: &[(i64, DateTime<Utc>)],
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
    /// Commits what taking deliveries apart wrote, in order, in one transaction: for each
    /// message its id, `None` when it was taken in before (the same platform message id), and
    /// `None` for each finished delivery. Nothing is written when it fails.
    async fn take_apart_writes(
        &self,
        writes: &[TakeApartWrite],
    ) -> StoreResult<Vec<Option<MessageId>>>;
    /// Records how processing went. A finished delivery's body is dropped unless some of its
    /// events were of no use here: those are kept, sealed, for a look later. A delivery no
    /// longer queued (finished meanwhile, by another node whose claim outlived ours) is left
    /// as it is.
    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Puts a dead delivery back in the queue; `NotFound` when it is not dead.
    async fn retry_delivery(&self, id: i64, audit: Audited<'_>) -> StoreResult<()>;
    /// An account's latest deliveries, newest first; only dead ones when `dead_only`.
    async fn deliveries_of(
        &self,
        account_id: i64,
        dead_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>>;
    /// How many deliveries an account received since `since`.
    async fn deliveries_since(&self, account_id: i64, since: DateTime<Utc>) -> StoreResult<u32>;
    /// How many answers sent by an account since `since` failed.
    async fn failed_sends_since(
        &self,
        channel: Channel,
        account: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32>;
    async fn delivery_counts(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<DeliveryCounts>;
}

/// A platform account to connect.
#[derive(Clone, PartialEq, Eq)]
pub struct NewChannelAccount {
    pub platform: Channel,
    pub name: AccountName,
    pub unit: UnitCode,
    /// Its credentials (a JSON object of the platform's keys), sealed with the channel key.
    pub secrets_sealed: Vec<u8>,
    pub api_base: String,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for NewChannelAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewChannelAccount")
            .field("platform", &self.platform)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A connected platform account.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelAccount {
    pub id: i64,
    pub platform: Channel,
    pub name: AccountName,
    pub unit: UnitCode,
    pub secrets_sealed: Vec<u8>,
    pub api_base: String,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
    /// Where fetching its updates stands (Telegram's next offset), when it polls.
    pub cursor: Option<String>,
    /// When the platform last checked its webhook and got the right answer.
    pub checked_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for ChannelAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelAccount")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A delivery to journal: its body sealed, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub account_id: i64,
    pub body_sealed: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// A delivery waiting to be taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    pub id: i64,
    pub account_id: i64,
    pub received_at: DateTime<Utc>,
    pub body_sealed: Vec<u8>,
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
}

/// How processing a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Taken apart: how many messages it held and how many events were of no use here.
    Done { messages: u32, ignored: u32 },
    /// Failed; tried again at `next_at`.
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    /// Failed too often: kept, shown to administrators, retried only by hand.
    Dead { error: String },
}

/// A write of taking deliveries apart, committed with others (group commit).
#[derive(Clone)]
pub enum TakeApartWrite {
    /// A message onto its report; with `release_answers_at`, the report's answers waiting for
    /// the citizen to write may leave from then on.
    Message {
        message: Box<NewMessage>,
        release_answers_at: Option<DateTime<Utc>>,
    },
    /// How processing a delivery went (see `Channels::finish_delivery`).
    Finish {
        delivery: i64,
        outcome: DeliveryOutcome,
        at: DateTime<Utc>,
    },
}

/// A delivery as the channel's page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub account_id: i64,
    pub received_at: DateTime<Utc>,
    /// `queued`, `done` or `dead`.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub messages: u32,
    pub ignored: u32,
}

/// What an account received, in figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryCounts {
    pub last_received_at: Option<DateTime<Utc>>,
    pub last_hour: u32,
    pub queued: u32,
    pub dead: u32,
    pub ignored: u32,
}
