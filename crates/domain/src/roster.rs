//! The duty roster (lịch trực): who is responsible for a unit's new reports at any moment.
//!
//! A unit's roster is made of weekly patterns ("Mondays and Thursdays, 18:00 for 14 hours")
//! whose single occurrences can be cancelled, and of one-off shifts. Times are Vietnam's: a
//! pattern's start is a time of day there, and a shift that starts in the evening runs past
//! midnight into the next day. Nothing here knows who the officers are; it answers who is on
//! duty at an instant and where a span of time is left uncovered.

use crate::DomainError;
use crate::VIETNAM;
use crate::ids::StaffId;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// Longest shift: a day and a night.
pub const MAX_SHIFT_MINUTES: u32 = 24 * 60;

/// Days of the week as a set: bit 0 is Monday, bit 6 Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays(u8);

impl Weekdays {
    pub const EVERY_DAY: Self = Self(0b111_1111);

    /// From the days' numbers, Monday 1 to Sunday 7.
    pub fn of(days: &[u32]) -> Result<Self, DomainError> {
        let mut bits = 0u8;
        for day in days {
            match day {
                1..=7 => bits |= 1 << (day - 1),
                _ => return Err(DomainError::field("weekdays", "invalid")),
            }
        }
        if bits == 0 {
            return Err(DomainError::field("weekdays", "none"));
        }
        Ok(Self(bits))
    }

    pub fn from_bits(bits: u8) -> Self {
        Self(bits & 0b111_1111)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, day: chrono::Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// Monday 1 to Sunday 7, in order.
    pub fn numbers(self) -> Vec<u32> {
        (1..=7).filter(|d| self.0 & (1 << (d - 1)) != 0).collect()
    }
}

/// A weekly pattern of shifts for one officer of one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub id: i64,
    pub staff: StaffId,
    pub weekdays: Weekdays,
    /// When each shift starts, in Vietnam.
    pub starts: NaiveTime,
    pub minutes: u32,
    /// The first day it applies, and the last (inclusive), in Vietnam.
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    /// Days whose occurrence is cancelled (leave, a swap).
    pub cancelled: Vec<NaiveDate>,
}

/// One shift at a definite time: a one-off, or an occurrence of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub staff: StaffId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The pattern it is an occurrence of, and that occurrence's day; `None` for a one-off.
    pub pattern: Option<(i64, NaiveDate)>,
    /// A one-off shift's id.
    pub id: Option<i64>,
}

impl Shift {
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

/// Checks a shift's length.
pub fn check_minutes(minutes: u32) -> Result<(), DomainError> {
    if minutes == 0 || minutes > MAX_SHIFT_MINUTES {
        return Err(DomainError::field("minutes", "out_of_range"));
    }
    Ok(())
}

/// A Vietnam day and time as an instant (Vietnam has no daylight saving: always one answer).
fn instant(day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    VIETNAM
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

impl Pattern {
    /// The occurrence that starts on `day`, if the pattern has one then.
    pub fn occurrence(&self, day: NaiveDate) -> Option<Shift> {
        let applies = day >= self.from
            && self.until.is_none_or(|until| day <= until)
            && self.weekdays.contains(day.weekday())
            && !self.cancelled.contains(&day);
        if !applies {
            return None;
        }
        let starts_at = instant(day, self.starts)?;
        Some(Shift {
            staff: self.staff,
            starts_at,
            ends_at: starts_at + Duration::minutes(i64::from(self.minutes)),
            pattern: Some((self.id, day)),
            id: None,
        })
    }
}

/// A unit's roster: its patterns and its one-off shifts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub patterns: Vec<Pattern>,
    pub shifts: Vec<Shift>,
}

impl Roster {
    /// Every shift that overlaps `[from, to)`, by start.
    pub fn shifts_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
        let first = from.with_timezone(&VIETNAM).date_naive() - Duration::days(1);
        let last = to.with_timezone(&VIETNAM).date_naive();
        let mut shifts: Vec<Shift> = first
            .iter_days()
            .take_while(|day| *day <= last)
            .flat_map(|day| self.patterns.iter().filter_map(move |p| p.occurrence(day)))
            .chain(self.shifts.iter().cloned())
            .filter(|s| s.starts_at < to && from < s.ends_at)
            .collect();
        shifts.sort_by_key(|s| (s.starts_at, s.staff.0));
        shifts
    }

    /// Who is on duty at `at`: every officer with a shift covering it, each once.
    pub fn on_duty(&self, at: DateTime<Utc>) -> Vec<StaffId> {
        let mut staff: Vec<StaffId> = self
            .shifts_between(at, at + Duration::seconds(1))
            .into_iter()
            .filter(|s| s.covers(at))
            .map(|s| s.staff)
            .collect();
        staff.sort_by_key(|s| s.0);
        staff.dedup();
        staff
    }

    /// The spans of `[from, to)` that no shift covers: the gaps to fill.
    pub fn gaps(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut gaps = Vec::new();
        let mut covered_until = from;
        for shift in self.shifts_between(from, to) {
            if shift.starts_at > covered_until {
                gaps.push((covered_until, shift.starts_at.min(to)));
            }
            covered_until = covered_until.max(shift.ends_at);
            if covered_until >= to {
                break;
            }
        }
        if covered_until < to {
            gaps.push((covered_until, to));
        }
        gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        VIETNAM
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn pattern(id: i64, staff: i64, days: &[u32], start: (u32, u32), minutes: u32) -> Pattern {
        Pattern {
            id,
            staff: StaffId(staff),
            weekdays: Weekdays::of(days).unwrap(),
            starts: NaiveTime::from_hms_opt(start.0, start.1, 0).unwrap(),
            minutes,
            from: day(2026, 1, 1),
            until: None,
            cancelled: Vec::new(),
        }
    }

    #[test]
    fn an_overnight_shift_covers_the_small_hours_of_the_next_day() {
        // 30 November 2026 is a Monday.
        let roster = Roster {
            patterns: vec![
                pattern(1, 10, &[1, 2, 3, 4, 5, 6, 7], (7, 30), 12 * 60 + 30),
                pattern(2, 20, &[1, 3, 5], (20, 0), 12 * 60),
                pattern(3, 30, &[2, 4, 6, 7], (20, 0), 12 * 60),
            ],
            shifts: Vec::new(),
        };
        assert_eq!(roster.on_duty(vn(2026, 11, 30, 10, 0)), [StaffId(10)]);
        assert_eq!(
            roster.on_duty(vn(2026, 11, 30, 20, 0)),
            [StaffId(20)],
            "the day shift has ended"
        );
        // 3 a.m. on Tuesday: Monday night's officer.
        assert_eq!(roster.on_duty(vn(2026, 12, 1, 3, 0)), [StaffId(20)]);
        assert_eq!(
            roster.on_duty(vn(2026, 12, 1, 7, 45)),
            [StaffId(10), StaffId(20)],
            "handover"
        );
        assert_eq!(roster.on_duty(vn(2026, 12, 2, 3, 0)), [StaffId(30)]);
        assert!(
            roster
                .gaps(vn(2026, 11, 30, 7, 30), vn(2026, 12, 7, 7, 30))
                .is_empty()
        );
    }

    #[test]
    fn a_cancelled_occurrence_leaves_a_gap_a_one_off_shift_fills() {
        let mut night = pattern(2, 20, &[1], (20, 0), 12 * 60);
        night.cancelled.push(day(2026, 11, 30));
        let mut roster = Roster {
            patterns: vec![pattern(1, 10, &[1, 2], (8, 0), 12 * 60), night],
            shifts: Vec::new(),
        };
        let (from, to) = (vn(2026, 11, 30, 8, 0), vn(2026, 12, 1, 8, 0));
        assert!(roster.on_duty(vn(2026, 12, 1, 3, 0)).is_empty());
        assert_eq!(roster.gaps(from, to), [(vn(2026, 11, 30, 20, 0), to)]);
        roster.shifts.push(Shift {
            staff: StaffId(40),
            starts_at: vn(2026, 11, 30, 20, 0),
            ends_at: vn(2026, 12, 1, 2, 0),
            pattern: None,
            id: Some(1),
        });
        assert_eq!(roster.on_duty(vn(2026, 11, 30, 23, 0)), [StaffId(40)]);
        assert_eq!(roster.gaps(from, to), [(vn(2026, 12, 1, 2, 0), to)]);
    }

    #[test]
    fn a_pattern_applies_only_within_its_days() {
        let mut p = pattern(1, 10, &[1], (8, 0), 60);
        p.from = day(2026, 12, 7);
        p.until = Some(day(2026, 12, 14));
        assert!(
            p.occurrence(day(2026, 11, 30)).is_none(),
            "before it starts"
        );
        assert!(p.occurrence(day(2026, 12, 7)).is_some());
        assert!(p.occurrence(day(2026, 12, 8)).is_none(), "a Tuesday");
        assert!(
            p.occurrence(day(2026, 12, 14)).is_some(),
            "its last day is included"
        );
        assert!(p.occurrence(day(2026, 12, 21)).is_none());
        let empty = Roster::default();
        let (from, to) = (vn(2026, 12, 1, 0, 0), vn(2026, 12, 2, 0, 0));
        assert_eq!(empty.gaps(from, to), [(from, to)], "nobody at all: one gap");
    }

    #[test]
    fn weekdays_and_lengths_are_checked() {
        assert_eq!(Weekdays::of(&[1, 7]).unwrap().numbers(), [1, 7]);
        assert!(Weekdays::of(&[]).is_err());
        assert!(Weekdays::of(&[8]).is_err());
        assert!(check_minutes(0).is_err());
        assert!(check_minutes(24 * 60 + 1).is_err());
        assert!(check_minutes(12 * 60).is_ok());
    }
}
