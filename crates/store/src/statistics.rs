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
    /// and the rollups of every unit those are counted in; returns how many it read. The mark
    /// moves only past events older than a moment, so an event whose transaction commits late
    /// is read all the same; reading one twice changes nothing.
    async fn roll_up_statistics(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<u64>;
    /// The rollup rows of `units` in dimensions `dims`, for the periods from `from` to `to`
    /// (period keys of one kind: `hotline_domain::statistics::day_period` or `month_period`).
    async fn statistics_cells(
        &self,
        units: &[UnitCode],
        dims: &[&str],
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<StatCell>>;
    /// The facts of reports about police conduct received from `from` to `to` that
    /// `visibility` may read (they are kept out of the rollups).
    async fn conduct_facts(
        &self,
        visibility: &Visibility,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<ReportFacts>>;
    /// How many reports about police conduct units under `path` received from `from` to `to`
    /// (merged duplicates left out): the public page's province total.
    async fn conduct_count(&self, path: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<i64>;
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
