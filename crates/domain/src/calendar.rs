//! Vietnam's working calendar: weekends, public holidays (Labour Code 2019 Art. 112(1)) and the
//! days off in place of those on a weekend (Art. 111(3)), Tết and the
//! Hùng Kings' day from the Vietnamese lunar calendar, and the government's yearly swaps of
//! working and rest days, which an administrator supplies.
//!
//! The lunar calendar is computed, not tabled, with Hồ Ngọc Đức's published algorithm (new moons
//! and solar terms after Jean Meeus, *Astronomical Algorithms*) at UTC+7: the Vietnamese calendar
//! follows Hà Nội's meridian, so its months can start a day before China's (Tết 1985 fell on
//! 21 January in Vietnam and 20 February in China; 2007: 17 and 18 February; 2030: 2 and 3
//! February). No maintained crate
//! computes it at UTC+7, hence this module; its results are checked against published dates.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::f64::consts::PI;

/// Vietnam's time zone, in hours east of UTC, as the lunar calendar uses it.
const TIME_ZONE_HOURS: f64 = 7.0;

/// The Julian day number of a date (noon UTC of that day).
fn julian_day(date: NaiveDate) -> i64 {
    // 1 January of year 1 (proleptic Gregorian) is Julian day 1,721,426.
    i64::from(date.num_days_from_ce()) + 1_721_425
}

fn from_julian_day(jd: i64) -> Option<NaiveDate> {
    i32::try_from(jd - 1_721_425)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// The moment of the `k`th new moon after 1 January 1900, as a Julian date (Meeus ch. 49,
/// shortened as in Hồ Ngọc Đức's algorithm).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - delta_t
}

/// The sun's apparent longitude at a Julian date, in radians in [0, 2π).
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin()
        + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin()
        + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Which twelfth of the ecliptic (0–11, each a major solar term) the sun is in at the start of
/// local day `day`.
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TIME_ZONE_HOURS / 24.0) / PI * 6.0).floor() as i64
}

/// The local day on which the `k`th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// The first day of the lunar month that holds the winter solstice of `year` (month 11).
fn month_11(year: i32) -> Option<i64> {
    let off = julian_day(NaiveDate::from_ymd_opt(year, 12, 31)?) - 2_415_021;
    let k = (off as f64 / 29.530_588_853).floor() as i64;
    let day = new_moon_day(k);
    Some(if sun_sector(day) >= 9 {
        new_moon_day(k - 1)
    } else {
        day
    })
}

/// In a lunar year with 13 months starting at month 11 `a11`, how many months after it the leap
/// month comes: the first month holding no major solar term.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

/// The solar date of day `day` of lunar month `month` (not the leap month) of lunar year `year`.
pub fn lunar_to_solar(day: u32, month: u32, year: i32) -> Option<NaiveDate> {
    let (a11, b11) = if month < 11 {
        (month_11(year - 1)?, month_11(year)?)
    } else {
        (month_11(year)?, month_11(year + 1)?)
    };
    let k = (0.5 + (a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 && off >= leap_month_offset(a11) {
        off += 1;
    }
    from_julian_day(new_moon_day(k + off) + i64::from(day) - 1)
}

/// Tết Nguyên Đán of a year: the first day of the lunar year that starts in it.
pub fn tet(year: i32) -> Option<NaiveDate> {
    lunar_to_solar(1, 1, year)
}

/// A day the government's schedule for a year makes different from the rule: a Saturday worked
/// in exchange for a bridge day off, a day off added to a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Rest,
}

/// The calendar deadlines count on: rest days are Saturdays, Sundays, public holidays (with the
/// next working day off for each one that falls on a weekend) and what the yearly schedule
/// says; the schedule wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    schedule: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// The rule with the yearly schedule's exceptions on top.
    pub fn with_schedule(schedule: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            schedule: schedule.into_iter().collect(),
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.schedule.get(&date) {
            Some(DayKind::Working) => true,
            Some(DayKind::Rest) => false,
            None => !is_weekend(date) && !public_holidays(date.year()).contains(&date),
        }
    }

    /// `date` itself when it is a working day, else the next working day.
    pub fn on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        // A year has far fewer than 60 rest days in a row; the bound only guards bad schedules.
        for _ in 0..60 {
            if self.is_working_day(day) {
                return day;
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => return day,
            }
        }
        day
    }

    /// The `count`th working day after `date` (`date` itself not counted).
    pub fn add_working_days(&self, date: NaiveDate, count: u32) -> NaiveDate {
        let mut day = date;
        let mut left = count;
        while left > 0 {
            match day.succ_opt() {
                Some(next) => day = next,
                None => return day,
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The public holidays of a year by the Labour Code 2019 Art. 112(1), before the government's
/// schedule: New Year's Day; Tết (the last day of the lunar year and the first four of the new
/// one, the usual five days); the Hùng Kings' day (10th of the 3rd lunar month); 30 April and
/// 1 May; National Day, 2 September, and a day next to it, before or after (Art. 112(1)(đ);
/// the day before by default: the Prime Minister fixes it, and Tết's days, each year, Art.
/// 112(3), in the published schedule). When one of them falls on a weekly
/// rest day (Saturday or Sunday, for public servants), the next working day is off in its
/// place (Art. 111(3)), Tết's and the Hùng Kings' day included.
pub fn public_holidays(year: i32) -> Vec<NaiveDate> {
    let mut holidays: Vec<NaiveDate> = [(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)]
        .into_iter()
        .filter_map(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .collect();
    if let Some(tet) = tet(year) {
        holidays.extend((0..5).filter_map(|i| tet.checked_add_days(Days::new(i))?.pred_opt()));
    }
    holidays.extend(lunar_to_solar(10, 3, year));
    holidays.sort();
    holidays.dedup();
    // In order, so that two holidays on one weekend (Tết's) take the next two working days.
    let mut days = holidays.clone();
    for holiday in holidays.iter().filter(|day| is_weekend(**day)) {
        let mut substitute = *holiday;
        while let Some(next) = substitute.succ_opt() {
            substitute = next;
            if !is_weekend(substitute) && !days.contains(&substitute) {
                days.push(substitute);
                break;
            }
        }
    }
    days.sort();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn tet_falls_on_the_published_dates() {
        for (year, expected) in [
            (1985, date(1985, 1, 21)),
            (2007, date(2007, 2, 17)),
            (2020, date(2020, 1, 25)),
            (2021, date(2021, 2, 12)),
            (2022, date(2022, 2, 1)),
            (2023, date(2023, 1, 22)),
            (2024, date(2024, 2, 10)),
            (2025, date(2025, 1, 29)),
            (2026, date(2026, 2, 17)),
            (2027, date(2027, 2, 6)),
            // The new moon is at 23:07 in Hà Nội, 00:07 the next day in Beijing: China's New
            // Year is on 3 February.
            (2030, date(2030, 2, 2)),
        ] {
            assert_eq!(tet(year), Some(expected), "Tết {year}");
        }
    }

    #[test]
    fn the_hung_kings_day_falls_on_the_published_dates() {
        for (year, expected) in [
            (2023, date(2023, 4, 29)),
            (2024, date(2024, 4, 18)),
            (2025, date(2025, 4, 7)),
            (2026, date(2026, 4, 26)),
        ] {
            assert_eq!(lunar_to_solar(10, 3, year), Some(expected), "{year}");
        }
    }

    #[test]
    fn weekends_holidays_substitutes_and_the_schedule_decide_working_days() {
        let calendar = Calendar::default();
        assert!(calendar.is_working_day(date(2026, 11, 27)), "a Friday");
        assert!(!calendar.is_working_day(date(2026, 11, 28)), "a Saturday");
        // Tết 2026: 16 February (the last day of the year) to 20 February.
        for d in 16..=20 {
            assert!(!calendar.is_working_day(date(2026, 2, d)), "{d}/2/2026");
        }
        assert!(calendar.is_working_day(date(2026, 2, 23)));
        // 30 April 2022 was a Saturday: made up on Tuesday 3 May, after 1 May (Sunday) on Monday 2 May.
        assert!(!calendar.is_working_day(date(2022, 5, 2)));
        assert!(!calendar.is_working_day(date(2022, 5, 3)));
        assert!(calendar.is_working_day(date(2022, 5, 4)));
        let swapped = Calendar::with_schedule([
            (date(2026, 11, 28), DayKind::Working),
            (date(2026, 11, 27), DayKind::Rest),
        ]);
        assert!(swapped.is_working_day(date(2026, 11, 28)));
        assert!(!swapped.is_working_day(date(2026, 11, 27)));
        assert_eq!(calendar.on_or_after(date(2026, 2, 14)), date(2026, 2, 23));
        assert_eq!(
            calendar.add_working_days(date(2026, 2, 12), 3),
            date(2026, 2, 24),
            "Friday 13, then Monday 23 and Tuesday 24"
        );
    }
}
