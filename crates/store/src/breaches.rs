//! Personal-data breaches and who was told of them (R26).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::breach::BreachRecipient;
use hotline_domain::{StaffId, UnitCode};

use crate::{Audited, StoreResult};

/// The breach register. Each change commits with its audit entries (see [`Audited`]).
#[async_trait]
pub trait Breaches: Send + Sync {
    /// Records a breach; its id.
    async fn record_breach(&self, breach: &NewBreach, audit: Audited<'_>) -> StoreResult<i64>;
    /// The breaches of units whose path starts with `path`, the open ones first, then the
    /// newest known, each with its notices in the order they were given.
    async fn breaches_under(&self, path: &str, limit: u32) -> StoreResult<Vec<Breach>>;
    /// One breach of a unit whose path starts with `path`; `NotFound` otherwise.
    async fn breach(&self, path: &str, id: i64) -> StoreResult<Breach>;
    /// Records who was told of open breach `id`; `NotFound` when it is not under `path` or
    /// `Conflict("closed")` when it is closed.
    async fn record_breach_notice(
        &self,
        path: &str,
        id: i64,
        notice: &NewBreachNotice,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Closes open breach `id` with what was done about it; as
    /// [`Breaches::record_breach_notice`] for what it refuses.
    async fn close_breach(
        &self,
        path: &str,
        id: i64,
        closing: &BreachClosing,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
}

/// A breach as recorded: what happened, to which kinds of data, and when it became known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBreach {
    pub unit: UnitCode,
    pub description: String,
    pub data_kinds: String,
    /// How many people's data, as far as known.
    pub affected: Option<i64>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub detected_at: DateTime<Utc>,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}

/// Who was told of a breach, when, and by which dispatch; why late, when it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBreachNotice {
    pub recipient: BreachRecipient,
    pub told_at: DateTime<Utc>,
    pub reference: String,
    pub late_reason: Option<String>,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}

/// How a breach was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachClosing {
    pub remedies: String,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub id: i64,
    pub unit: UnitCode,
    pub description: String,
    pub data_kinds: String,
    pub affected: Option<i64>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub detected_at: DateTime<Utc>,
    /// The name of the member who recorded it.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub notices: Vec<BreachNotice>,
    pub remedies: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Breach {
    /// When the authority was first told, if it was.
    pub fn authority_told_at(&self) -> Option<DateTime<Utc>> {
        self.notices
            .iter()
            .filter(|n| n.recipient == BreachRecipient::Authority)
            .map(|n| n.told_at)
            .min()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachNotice {
    pub recipient: BreachRecipient,
    pub told_at: DateTime<Utc>,
    pub reference: String,
    pub late_reason: Option<String>,
    /// The name of the member who recorded it.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}
