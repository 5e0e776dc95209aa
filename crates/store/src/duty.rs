//! The duty roster: patterns and shifts.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::roster::Roster;
use hotline_domain::{StaffId, UnitCode};

use crate::{Audited, StoreResult};

/// The duty roster (see `hotline_domain::roster`). Each change is one statement.
#[async_trait]
pub trait Duty: Send + Sync {
    /// The roster of each unit whose path starts with `path` and has one: its patterns (with
    /// their cancelled days) and its one-off shifts ending after `since`.
    async fn rosters_under(
        &self,
        path: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(UnitCode, Roster)>>;
    /// Each change to a roster commits with its audit entries (see [`Audited`]).
    async fn add_duty_pattern(
        &self,
        pattern: &NewDutyPattern,
        audit: Audited<'_>,
    ) -> StoreResult<i64>;
    /// Ends a pattern of `unit` after `last_day`; `NotFound` when it is not that unit's.
    async fn end_duty_pattern(
        &self,
        unit: &UnitCode,
        id: i64,
        last_day: NaiveDate,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Cancels the occurrence of a pattern of `unit` on `day` (once; again changes nothing).
    async fn cancel_duty_occurrence(
        &self,
        unit: &UnitCode,
        id: i64,
        day: NaiveDate,
        by: StaffId,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    async fn add_duty_shift(&self, shift: &NewDutyShift, audit: Audited<'_>) -> StoreResult<i64>;
    /// Removes a one-off shift of `unit`; `NotFound` when it is not that unit's.
    async fn delete_duty_shift(
        &self,
        unit: &UnitCode,
        id: i64,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
}

/// A weekly pattern of duty shifts, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDutyPattern {
    pub unit: UnitCode,
    pub staff: StaffId,
    pub weekdays: hotline_domain::roster::Weekdays,
    pub starts: chrono::NaiveTime,
    pub minutes: u32,
    pub from: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}

/// A one-off duty shift, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDutyShift {
    pub unit: UnitCode,
    pub staff: StaffId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}
