//! Statistics: the metadata of each report kept for figures, and the rollups they are read from
//! (definitions in `hotline_domain::statistics`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::UnitCode;
use hotline_domain::statistics::{ReportFacts, Tally};

use crate::{StoreResult, Visibility};

#[async_trait]
pub trait Statistics: Send + Sync {
    /// Reads at most `limit` events of the log past its mark into the facts of their reports
    /// and the rollups of every unit those are counted in. The mark moves only past events no
    /// transaction still open can precede, so an event whose transaction commits late is read
    /// all the same; reading one twice changes nothing. Roll-ups take turns: this one waits
    /// for another under way, or with `wait` false reads nothing then.
    async fn roll_up_statistics(&self, limit: u32, wait: bool) -> StoreResult<RolledUp>;
    /// The rollup rows of `units` in dimensions `dims`, for the periods from `from` to `to`
    /// (period keys of one kind: `hotline_domain::statistics::day_period` or `month_period`).
    async fn statistics_cells(
        &self,
        units: &[UnitCode],
        dims: &[&str],
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<StatCell>>;
    /// The facts of reports about an officer of `accused` received from `from` to `to` that
    /// `visibility` may read: those its head settles, which its leaders read though the
    /// rollups wall them off.
    async fn conduct_facts(
        &self,
        visibility: &Visibility,
        accused: &UnitCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<ReportFacts>>;
    /// How many reports about police conduct units under `path` received from `from` to `to`
    /// (merged duplicates left out): the public page's province total.
    async fn conduct_count(&self, path: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<i64>;
    /// The public account of `province`'s month (`YYYY-MM`) as first published, if it was.
    async fn public_account(&self, province: u32, month: &str) -> StoreResult<Option<String>>;
    /// Publishes `account` as the public account of `province`'s month unless one was
    /// published before; the one published, either way.
    async fn publish_public_account(
        &self,
        province: u32,
        month: &str,
        account: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String>;
    /// The open reports `visibility` may read whose time limit passed before `now`, most
    /// overdue first.
    async fn overdue_reports(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Overdue>>;
}

/// One rollup row: a unit's sums for one period and one value of one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatCell {
    pub unit: UnitCode,
    pub period: String,
    pub dim: String,
    pub value: String,
    pub tally: Tally,
}

/// An open report past its time limit: where, since when, and by when it was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub unit: UnitCode,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// What a roll-up read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RolledUp {
    pub events: u64,
    /// It stopped at `limit` with the mark past every event it read: older ones may wait.
    pub more: bool,
}
