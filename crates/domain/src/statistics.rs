//! What every figure of the statistics means. The leaders' page, the monthly report, the API and
//! the public page all count through this module (DESIGN.md: "statistics read metadata only …
//! from one module that owns every definition").
//!
//! Where and when a report is counted:
//! - once, on the day it was received (Vietnam's calendar day), at the unit that holds it now
//!   (or held it when it was purged): its unit and every unit above it;
//! - a report transferred from one unit to another counts at the holder as "received by
//!   transfer", and at the unit that first entered it in its register as "transferred out",
//!   unless that unit is above the holder (then it was never out of its hands);
//! - a duplicate merged into another is not counted: the report it joined is;
//! - a purged report keeps its figures: a row of metadata ([`ReportFacts`]: no content, no
//!   identity) outlives it;
//! - reports about the conduct of a police officer are counted apart ([`ReportFacts::police_conduct`]):
//!   a leader sees them only where they may read the reports themselves, the public page only
//!   as a province total.
//!
//! Times are measured from receipt, in whole minutes rounded up, and summed into buckets
//! ([`BOUNDS_MINUTES`]); a median or 90th percentile is the upper bound of the bucket holding
//! that report (exact below an hour to the minute, then to the bucket).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::report::string_enum;
use crate::workflow::Stage;
use crate::{Channel, DomainError, LegalType, ReportStatus, Topic, UnitCode, Urgency, VIETNAM};

/// The upper bounds of the time buckets, in minutes: each minute to an hour, then steps to a
/// year. Times longer than a year fall in the last bucket.
pub const BOUNDS_MINUTES: [i64; 84] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
    51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 90, 120, 180, 240, 360, 480, 720, 960, 1_440, 2_160,
    2_880, 4_320, 5_760, 7_200, 10_080, 14_400, 20_160, 28_800, 43_200, 64_800, 86_400, 129_600,
    259_200, 525_600,
];

const BUCKETS: usize = BOUNDS_MINUTES.len();

/// A day, in minutes: the public page's "acknowledged within a day".
pub const DAY_MINUTES: i64 = 1_440;

string_enum!(
    /// The spans of time measured from receipt: to the first officer who took the report up
    /// (acknowledged an alert, captured, assigned, triaged, noted, answered or stepped it), to
    /// the first answer an officer wrote to the reporter (the automatic acknowledgement is not
    /// one), to classification (the first triage by an officer; R4: within 24 hours, TT28 Art.
    /// 8–9), and to the first step that settles it (`Stage::settles`).
    Measure (|_| DomainError::field("measure", "unknown")) {
        Acknowledge => "acknowledge",
        FirstAnswer => "first_answer",
        Classification => "classification",
        Decision => "decision",
    }
);

string_enum!(
    /// How figures are grouped: by when (day, ISO week, month), by what, or by which unit
    /// below the one asked about.
    GroupBy (|s| DomainError::field("group_by", if s.is_empty() { "missing" } else { "unknown" })) {
        Day => "day",
        Week => "week",
        Month => "month",
        Channel => "channel",
        LegalType => "legal_type",
        Topic => "topic",
        Urgency => "urgency",
        Unit => "unit",
        Commune => "commune",
        Status => "status",
        Limit => "limit",
        Outcome => "outcome",
    }
);

impl GroupBy {
    /// The dimension of the stored rollup it reads; `None` for the groupings by time and by
    /// unit, which read the totals (`all`).
    pub fn dimension(self) -> Option<&'static str> {
        match self {
            GroupBy::Day | GroupBy::Week | GroupBy::Month | GroupBy::Unit => None,
            other => Some(other.as_str()),
        }
    }
}

/// The dimension of a rollup row holding a unit's totals.
pub const ALL: &str = "all";
/// The dimension of a rollup row holding what a unit holds itself, without the units below
/// it (and what it sent on itself).
pub const OWN: &str = "own";
/// Rollup rows of reports about police conduct are apart: their dimension is the ordinary
/// one behind this prefix, their value the accused unit's code (empty when none is named), this
/// separator, then the ordinary value. A reader takes in those whose accused unit does not
/// wall them off.
pub const CONDUCT_PREFIX: &str = "c.";
pub const CONDUCT_SEPARATOR: char = '\u{1f}';

/// The rollup key of a report about police conduct for `(dim, value)`.
pub fn conduct_key(dim: &str, accused: Option<&UnitCode>, value: &str) -> (String, String) {
    (
        format!("{CONDUCT_PREFIX}{dim}"),
        format!(
            "{}{CONDUCT_SEPARATOR}{value}",
            accused.map_or("", UnitCode::as_str)
        ),
    )
}

/// The ordinary `(dim, value)` and the accused unit's code of a conduct rollup key; `None` for
/// another key.
pub fn split_conduct_key<'a>(dim: &'a str, value: &'a str) -> Option<(&'a str, &'a str, &'a str)> {
    let dim = dim.strip_prefix(CONDUCT_PREFIX)?;
    let (accused, value) = value.split_once(CONDUCT_SEPARATOR)?;
    Some((dim, accused, value))
}

/// The value a report without a legal type is counted under.
pub const UNCLASSIFIED: &str = "unclassified";
/// The value a report without a topic, or without a commune, is counted under.
pub const UNKNOWN: &str = "unknown";

/// One report as statistics see it: metadata only, kept after the report is purged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFacts {
    pub report_id: i64,
    pub received_at: DateTime<Utc>,
    /// The unit holding it.
    pub unit: UnitCode,
    /// The unit whose register entered it first.
    pub origin: UnitCode,
    pub channel: Channel,
    pub legal_type: Option<LegalType>,
    pub topic: Option<Topic>,
    pub urgency: Urgency,
    pub status: ReportStatus,
    pub stage: Stage,
    pub commune: Option<u32>,
    /// About the conduct of a police officer: its legal type says so, or an accused unit is
    /// named.
    pub police_conduct: bool,
    /// The accused's unit, when one is named.
    pub accused: Option<UnitCode>,
    /// Joined to another report as its duplicate.
    pub merged: bool,
    /// Its procedure was accepted (a crime source, a denunciation or a complaint taken up).
    pub accepted: bool,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub first_answer_at: Option<DateTime<Utc>>,
    pub classified_at: Option<DateTime<Utc>>,
    /// Its first step to a stage that settles it ([`Stage::settles`]), and that stage.
    pub decided_at: Option<DateTime<Utc>>,
    pub outcome: Option<Stage>,
    /// The time limit of its procedure, extensions included.
    pub due_at: Option<DateTime<Utc>>,
    /// The rule of that limit (`hotline_domain::deadline`'s names).
    pub limit: Option<String>,
}

impl ReportFacts {
    /// The day it is counted on.
    pub fn day(&self) -> NaiveDate {
        local_day(self.received_at)
    }

    fn end_of(&self, measure: Measure) -> Option<DateTime<Utc>> {
        match measure {
            Measure::Acknowledge => self.acknowledged_at,
            Measure::FirstAnswer => self.first_answer_at,
            Measure::Classification => self.classified_at,
            Measure::Decision => self.decided_at,
        }
    }

    /// How long `measure` took, in whole minutes rounded up; `None` while it has not happened.
    pub fn minutes(&self, measure: Measure) -> Option<i64> {
        let span = self.end_of(measure)? - self.received_at;
        if span < Duration::zero() {
            return Some(0);
        }
        let seconds = span.num_seconds();
        Some((seconds + 59) / 60)
    }

    /// The rollup rows it is counted in, beside the totals: `(dimension, value)`.
    pub fn dimensions(&self) -> Vec<(&'static str, String)> {
        let mut keys = vec![
            (ALL, String::new()),
            (GroupBy::Channel.as_str(), self.channel.as_str().to_owned()),
            (
                GroupBy::LegalType.as_str(),
                self.legal_type
                    .map_or(UNCLASSIFIED, LegalType::as_str)
                    .to_owned(),
            ),
            (
                GroupBy::Topic.as_str(),
                self.topic.map_or(UNKNOWN, Topic::as_str).to_owned(),
            ),
            (GroupBy::Urgency.as_str(), self.urgency.as_str().to_owned()),
            (GroupBy::Status.as_str(), self.status.as_str().to_owned()),
            (
                GroupBy::Commune.as_str(),
                self.commune
                    .map_or_else(|| UNKNOWN.to_owned(), |c| c.to_string()),
            ),
        ];
        if let Some(limit) = &self.limit {
            keys.push((GroupBy::Limit.as_str(), limit.clone()));
        }
        if let (Some(_), Some(outcome)) = (self.decided_at, self.outcome) {
            keys.push((GroupBy::Outcome.as_str(), outcome.as_str().to_owned()));
        }
        keys
    }
}

/// Vietnam's calendar day of an instant.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VIETNAM).date_naive()
}

/// How many reports took how long, in the buckets of [`BOUNDS_MINUTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram([i64; BUCKETS]);

impl Default for Histogram {
    fn default() -> Self {
        Self([0; BUCKETS])
    }
}

impl Histogram {
    pub fn record(&mut self, minutes: i64) {
        let bucket = BOUNDS_MINUTES.partition_point(|bound| *bound < minutes);
        if let Some(n) = self.0.get_mut(bucket.min(BUCKETS - 1)) {
            *n += 1;
        }
    }

    pub fn count(&self) -> i64 {
        self.0.iter().sum()
    }

    /// How many took at most `minutes` (a bucket bound).
    pub fn at_most(&self, minutes: i64) -> i64 {
        self.0
            .iter()
            .zip(BOUNDS_MINUTES)
            .take_while(|(_, bound)| *bound <= minutes)
            .map(|(n, _)| n)
            .sum()
    }

    /// The upper bound of the bucket holding the `rank`-th report (1-based) in order of time.
    fn bound_at(&self, rank: i64) -> Option<i64> {
        let mut seen = 0;
        for (n, bound) in self.0.iter().zip(BOUNDS_MINUTES) {
            seen += n;
            if seen >= rank && *n > 0 {
                return Some(bound);
            }
        }
        None
    }

    /// The summary of these times: median (the middle report, the later of two) and 90th
    /// percentile (the report at 90 % of the count, rounded up).
    pub fn timing(&self) -> Timing {
        let count = self.count();
        if count == 0 {
            return Timing::default();
        }
        Timing {
            count,
            median_minutes: self.bound_at(count / 2 + 1),
            p90_minutes: self.bound_at((count * 9 + 9) / 10),
        }
    }

    fn add(&mut self, other: &Histogram, sign: i64) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += sign * b;
        }
    }
}

/// A median and 90th percentile of one measure, in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Timing {
    /// How many reports the measure has happened to.
    pub count: i64,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

/// The sums behind every figure of one group of reports: what a rollup row holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Reports received (duplicates merged into another left out).
    pub reports: i64,
    /// Of those, reports that reached their unit by transfer.
    pub by_transfer: i64,
    /// Reports this unit entered first and another unit holds now.
    pub transferred_out: i64,
    pub accepted: i64,
    /// Reports settled: decided, handed on, answered or closed (`Stage::settles`).
    pub decided: i64,
    /// Decided reports whose procedure had a time limit, and of those, the ones decided by it.
    pub with_limit: i64,
    pub within_limit: i64,
    pub closed: i64,
    pub acknowledged_within_day: i64,
    /// One histogram per [`Measure`], in the order of `Measure::ALL`.
    pub spans: [Histogram; 4],
}

impl Tally {
    /// Counts a report its unit holds.
    pub fn count(&mut self, facts: &ReportFacts, held_by_transfer: bool) {
        if facts.merged {
            return;
        }
        self.reports += 1;
        self.by_transfer += i64::from(held_by_transfer);
        self.accepted += i64::from(facts.accepted);
        self.closed += i64::from(facts.status == ReportStatus::Closed);
        if let Some(decided) = facts.decided_at {
            self.decided += 1;
            if let Some(due) = facts.due_at {
                self.with_limit += 1;
                self.within_limit += i64::from(decided <= due);
            }
        }
        for (measure, histogram) in Measure::ALL.iter().zip(self.spans.iter_mut()) {
            if let Some(minutes) = facts.minutes(*measure) {
                histogram.record(minutes);
            }
        }
        if facts
            .minutes(Measure::Acknowledge)
            .is_some_and(|m| m <= DAY_MINUTES)
        {
            self.acknowledged_within_day += 1;
        }
    }

    /// Counts a report this unit entered first and sent on to a unit outside it.
    pub fn count_sent_away(&mut self, facts: &ReportFacts) {
        if !facts.merged {
            self.transferred_out += 1;
        }
    }

    pub fn add(&mut self, other: &Tally) {
        self.combine(other, 1);
    }

    pub fn subtract(&mut self, other: &Tally) {
        self.combine(other, -1);
    }

    fn combine(&mut self, other: &Tally, sign: i64) {
        self.reports += sign * other.reports;
        self.by_transfer += sign * other.by_transfer;
        self.transferred_out += sign * other.transferred_out;
        self.accepted += sign * other.accepted;
        self.decided += sign * other.decided;
        self.with_limit += sign * other.with_limit;
        self.within_limit += sign * other.within_limit;
        self.closed += sign * other.closed;
        self.acknowledged_within_day += sign * other.acknowledged_within_day;
        for (a, b) in self.spans.iter_mut().zip(other.spans.iter()) {
            a.add(b, sign);
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    pub fn histogram(&self, measure: Measure) -> &Histogram {
        let index = Measure::ALL
            .iter()
            .position(|m| *m == measure)
            .unwrap_or_default();
        self.spans.get(index).unwrap_or(&self.spans[0])
    }

    /// The figures these sums give.
    pub fn figures(&self) -> Figures {
        Figures {
            reports: self.reports,
            by_transfer: self.by_transfer,
            transferred_out: self.transferred_out,
            accepted: self.accepted,
            decided: self.decided,
            closed: self.closed,
            with_limit: self.with_limit,
            within_limit: self.within_limit,
            acknowledged_within_day: self.acknowledged_within_day,
            acknowledge: self.histogram(Measure::Acknowledge).timing(),
            first_answer: self.histogram(Measure::FirstAnswer).timing(),
            classification: self.histogram(Measure::Classification).timing(),
            decision: self.histogram(Measure::Decision).timing(),
        }
    }

    /// The stored form: the counts, then each histogram as `bucket:count` pairs.
    pub fn encode(&self) -> String {
        let counts = [
            self.reports,
            self.by_transfer,
            self.transferred_out,
            self.accepted,
            self.decided,
            self.with_limit,
            self.within_limit,
            self.closed,
            self.acknowledged_within_day,
        ]
        .map(|n| n.to_string())
        .join(",");
        let spans = self.spans.iter().map(|h| {
            h.0.iter()
                .enumerate()
                .filter(|(_, n)| **n != 0)
                .map(|(bucket, n)| format!("{bucket}:{n}"))
                .collect::<Vec<_>>()
                .join(",")
        });
        std::iter::once(counts)
            .chain(spans)
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Reads [`Tally::encode`]'s form; `None` when it is not that.
    pub fn decode(text: &str) -> Option<Tally> {
        let mut parts = text.split(';');
        let counts: Vec<i64> = parts
            .next()?
            .split(',')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        let [
            reports,
            by_transfer,
            transferred_out,
            accepted,
            decided,
            with_limit,
            within_limit,
            closed,
            acknowledged_within_day,
        ] = counts[..]
        else {
            return None;
        };
        let mut tally = Tally {
            reports,
            by_transfer,
            transferred_out,
            accepted,
            decided,
            with_limit,
            within_limit,
            closed,
            acknowledged_within_day,
            spans: Default::default(),
        };
        for histogram in &mut tally.spans {
            for pair in parts.next()?.split(',').filter(|p| !p.is_empty()) {
                let (bucket, n) = pair.split_once(':')?;
                *histogram.0.get_mut(bucket.parse::<usize>().ok()?)? = n.parse().ok()?;
            }
        }
        parts.next().is_none().then_some(tally)
    }
}

/// The figures of one group of reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Reports received in the period (merged duplicates left out).
    pub reports: i64,
    /// Of those, reports that reached the unit by transfer.
    pub by_transfer: i64,
    /// Reports the unit entered first that another unit holds now.
    pub transferred_out: i64,
    /// Reports whose procedure was accepted.
    pub accepted: i64,
    /// Reports settled: decided, handed on, answered or closed.
    pub decided: i64,
    pub closed: i64,
    /// Decided reports whose procedure had a legal time limit …
    pub with_limit: i64,
    /// … and of those, the ones decided within it.
    pub within_limit: i64,
    /// Reports an officer took up within a day of receipt.
    pub acknowledged_within_day: i64,
    pub acknowledge: Timing,
    pub first_answer: Timing,
    pub classification: Timing,
    pub decision: Timing,
}

impl Figures {
    /// `part` of `whole` in per mille, `None` of nothing.
    pub fn per_mille(part: i64, whole: i64) -> Option<i64> {
        (whole > 0).then(|| (part * 1000 + whole / 2) / whole)
    }
}

/// A span of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period asked for at once: two years and a day.
pub const MAX_PERIOD_DAYS: i64 = 732;

string_enum!(
    /// The periods a leader picks from, ending today: today, the last 7 days, this month,
    /// this quarter, this year.
    Preset (|_| DomainError::field("period", "unknown")) {
        Today => "today",
        Week => "7d",
        Month => "month",
        Quarter => "quarter",
        Year => "year",
    }
);

impl Period {
    /// `from..=to`; refused when it ends before it starts or spans more than
    /// [`MAX_PERIOD_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, DomainError> {
        if !on_calendar(from) {
            return Err(DomainError::field("from", "out_of_range"));
        }
        if !on_calendar(to) {
            return Err(DomainError::field("to", "out_of_range"));
        }
        if to < from {
            return Err(DomainError::field("to", "before_from"));
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(DomainError::field("to", "too_long"));
        }
        Ok(Self { from, to })
    }

    pub fn preset(preset: Preset, today: NaiveDate) -> Self {
        let from = match preset {
            Preset::Today => today,
            Preset::Week => today - Duration::days(6),
            Preset::Month => today.with_day(1).unwrap_or(today),
            Preset::Quarter => {
                let month = (today.month() - 1) / 3 * 3 + 1;
                NaiveDate::from_ymd_opt(today.year(), month, 1).unwrap_or(today)
            }
            Preset::Year => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
        };
        Self { from, to: today }
    }

    /// The calendar month holding `day`.
    pub fn month_of(day: NaiveDate) -> Self {
        let from = day.with_day(1).unwrap_or(day);
        let to = next_month(from).pred_opt().unwrap_or(from);
        Self { from, to }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period to compare with: the month before for a whole month, the same days of the
    /// month before for a month so far, else the days of the same number just before.
    pub fn previous(&self) -> Self {
        let month_end = next_month(self.from).pred_opt();
        if self.from.day() == 1 && month_end.is_some_and(|end| self.to <= end) {
            let month_before = Self::month_of(self.from.pred_opt().unwrap_or(self.from));
            if Some(self.to) == month_end {
                return month_before;
            }
            let to = month_before
                .from
                .with_day(self.to.day())
                .unwrap_or(month_before.to)
                .min(month_before.to);
            return Self {
                from: month_before.from,
                to,
            };
        }
        let length = Duration::days(self.days());
        Self {
            from: self.from - length,
            to: self.to - length,
        }
    }

    /// How the rollups cover it: whole months, and the days before and after them.
    pub fn plan(&self) -> Plan {
        let mut first_month = self.from.with_day(1).unwrap_or(self.from);
        if first_month < self.from {
            first_month = next_month(first_month);
        }
        let mut end = first_month;
        while next_month(end) > end
            && next_month(end)
                .pred_opt()
                .is_some_and(|last| last <= self.to)
        {
            end = next_month(end);
        }
        if end == first_month {
            return Plan {
                months: None,
                days: vec![(self.from, self.to)],
            };
        }
        let last_month = end.pred_opt().map(|d| d.with_day(1).unwrap_or(d));
        let mut days = Vec::new();
        if self.from < first_month {
            days.push((self.from, first_month.pred_opt().unwrap_or(first_month)));
        }
        if end <= self.to {
            days.push((end, self.to));
        }
        Plan {
            months: last_month.map(|last| (first_month, last)),
            days,
        }
    }
}

/// Whether `day` lies in the years a period may take in. No report is older than the
/// service, and a date near the calendar's ends would overflow the arithmetic of months.
pub fn on_calendar(day: NaiveDate) -> bool {
    (2000..=2099).contains(&day.year())
}

/// The first day of the month written `YYYY-MM`, within [`on_calendar`]'s years.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|day| on_calendar(*day))
}

/// Which rollup rows make up a period: months by their first day, and spans of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub months: Option<(NaiveDate, NaiveDate)>,
    pub days: Vec<(NaiveDate, NaiveDate)>,
}

/// The first day of the month after `day`'s.
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(day)
}

/// A rollup's period key for a day, `dYYYY-MM-DD`, and for a month, `mYYYY-MM`: apart, so a
/// range of one never takes in the other.
pub fn day_period(day: NaiveDate) -> String {
    day.format("d%Y-%m-%d").to_string()
}

pub fn month_period(day: NaiveDate) -> String {
    day.format("m%Y-%m").to_string()
}

/// The day or month a period key names: its first day.
pub fn period_start(key: &str) -> Option<NaiveDate> {
    match key.split_at_checked(1)? {
        ("d", day) => NaiveDate::parse_from_str(day, "%Y-%m-%d").ok(),
        ("m", month) => NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// The ISO week a day falls in, as `YYYY-Www`.
pub fn week_key(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// The smallest count the public page shows as it is.
pub const PUBLIC_THRESHOLD: i64 = 5;

/// A count as the public page may show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    Count(i64),
    /// Fewer than the threshold (this many), or hidden so that a smaller one beside it cannot
    /// be worked out from a total.
    Fewer(i64),
}

/// The counts of one table as the public may see them: each under `threshold` hidden (none
/// too, since which channels a province runs is public), then the smallest shown ones as well
/// until the hidden reports, which the total printed beside them gives away, number at least
/// `threshold` over two cells or more, or are none.
pub fn suppress(counts: &[i64], threshold: i64) -> Vec<Shown> {
    let mut shown: Vec<Shown> = counts
        .iter()
        .map(|n| {
            if *n < threshold {
                Shown::Fewer(threshold)
            } else {
                Shown::Count(*n)
            }
        })
        .collect();
    loop {
        let hidden: Vec<i64> = counts
            .iter()
            .zip(&shown)
            .filter(|(n, s)| **n > 0 && matches!(s, Shown::Fewer(_)))
            .map(|(n, _)| *n)
            .collect();
        if hidden.is_empty() || (hidden.len() >= 2 && hidden.iter().sum::<i64>() >= threshold) {
            return shown;
        }
        let Some((index, _)) = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| **n > 0 && matches!(shown.get(*i), Some(Shown::Count(_))))
            .min_by_key(|(_, n)| **n)
        else {
            return shown;
        };
        if let Some(slot) = shown.get_mut(index) {
            *slot = Shown::Fewer(threshold);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, h, m, 0).unwrap()
    }

    fn facts() -> ReportFacts {
        ReportFacts {
            report_id: 1,
            received_at: at(1, 0),
            unit: UnitCode::province(22),
            origin: UnitCode::province(22),
            channel: Channel::Zalo,
            legal_type: None,
            topic: None,
            urgency: Urgency::Normal,
            status: ReportStatus::Received,
            stage: Stage::Received,
            commune: None,
            police_conduct: false,
            accused: None,
            merged: false,
            accepted: false,
            acknowledged_at: None,
            first_answer_at: None,
            classified_at: None,
            decided_at: None,
            outcome: None,
            due_at: None,
            limit: None,
        }
    }

    #[test]
    fn a_time_is_counted_in_whole_minutes_rounded_up() {
        let mut f = facts();
        f.acknowledged_at = Some(f.received_at + Duration::seconds(61));
        assert_eq!(f.minutes(Measure::Acknowledge), Some(2));
        f.acknowledged_at = Some(f.received_at);
        assert_eq!(f.minutes(Measure::Acknowledge), Some(0));
        assert_eq!(f.minutes(Measure::Decision), None);
    }

    #[test]
    fn medians_and_percentiles_are_the_bounds_of_their_buckets() {
        let mut h = Histogram::default();
        for m in [3, 10, 45] {
            h.record(m);
        }
        let t = h.timing();
        assert_eq!(
            (t.count, t.median_minutes, t.p90_minutes),
            (3, Some(10), Some(45))
        );
        let mut h = Histogram::default();
        h.record(100);
        h.record(61);
        // 61 and 100 minutes both lie in the bucket up to two hours.
        assert_eq!(h.timing().median_minutes, Some(120));
        h.record(10_000_000);
        assert_eq!(h.timing().p90_minutes, Some(525_600));
        assert_eq!(h.at_most(120), 2);
        assert_eq!(Histogram::default().timing(), Timing::default());
    }

    #[test]
    fn a_tally_survives_its_stored_form_and_adds_and_subtracts() {
        let mut f = facts();
        f.acknowledged_at = Some(at(1, 30));
        f.decided_at = Some(at(5, 0));
        f.due_at = Some(at(4, 0));
        let mut t = Tally::default();
        t.count(&f, true);
        t.count_sent_away(&f);
        assert_eq!(
            (
                t.reports,
                t.by_transfer,
                t.decided,
                t.with_limit,
                t.within_limit
            ),
            (1, 1, 1, 1, 0)
        );
        assert_eq!(t.acknowledged_within_day, 1);
        assert_eq!(Tally::decode(&t.encode()), Some(t.clone()));
        assert_eq!(
            Tally::decode(&Tally::default().encode()),
            Some(Tally::default())
        );
        assert_eq!(Tally::decode("1,2;"), None);
        assert_eq!(Tally::decode("1,2,3,4,5,6,7,8,9;;;;;"), None);
        assert_eq!(Tally::decode("1,2,3,4,5,6,7,8,9;99:1;;;"), None);
        let mut sum = t.clone();
        sum.add(&t);
        sum.subtract(&t);
        assert_eq!(sum, t);
        sum.subtract(&t);
        assert!(sum.is_empty());
    }

    #[test]
    fn a_merged_duplicate_is_not_counted() {
        let mut f = facts();
        f.merged = true;
        let mut t = Tally::default();
        t.count(&f, false);
        t.count_sent_away(&f);
        assert!(t.is_empty());
    }

    #[test]
    fn a_report_is_counted_on_vietnams_day() {
        let mut f = facts();
        f.received_at = Utc.with_ymd_and_hms(2026, 11, 30, 17, 30, 0).unwrap();
        assert_eq!(f.day(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_period_is_read_by_whole_months_and_the_days_around_them() {
        let p = Period::new(day(2026, 1, 15), day(2026, 4, 10)).unwrap();
        assert_eq!(
            p.plan(),
            Plan {
                months: Some((day(2026, 2, 1), day(2026, 3, 1))),
                days: vec![
                    (day(2026, 1, 15), day(2026, 1, 31)),
                    (day(2026, 4, 1), day(2026, 4, 10))
                ],
            }
        );
        let year = Period::new(day(2026, 1, 1), day(2026, 12, 31)).unwrap();
        assert_eq!(
            year.plan(),
            Plan {
                months: Some((day(2026, 1, 1), day(2026, 12, 1))),
                days: vec![]
            }
        );
        let inside = Period::new(day(2026, 3, 3), day(2026, 3, 9)).unwrap();
        assert_eq!(inside.plan().days, vec![(day(2026, 3, 3), day(2026, 3, 9))]);
        assert_eq!(
            Period::month_of(day(2026, 2, 14)).previous(),
            Period::month_of(day(2026, 1, 1))
        );
        assert_eq!(inside.previous().to, day(2026, 3, 2));
        let so_far = Period::new(day(2026, 3, 1), day(2026, 3, 30)).unwrap();
        assert_eq!(
            so_far.previous(),
            Period::new(day(2026, 2, 1), day(2026, 2, 28)).unwrap(),
            "the same days of a shorter month"
        );
        let week_in = Period::new(day(2026, 12, 1), day(2026, 12, 8)).unwrap();
        assert_eq!(week_in.previous().from, day(2026, 11, 1));
        assert_eq!(week_in.previous().to, day(2026, 11, 8));
        assert!(Period::new(day(2026, 3, 9), day(2026, 3, 3)).is_err());
        assert!(Period::new(day(2024, 1, 1), day(2026, 3, 3)).is_err());
        // Dates at the calendar's far end are refused, not looped over.
        assert!(Period::new(day(262_142, 12, 1), day(262_142, 12, 31)).is_err());
        assert!(Period::new(day(1999, 12, 31), day(2000, 1, 5)).is_err());
        assert_eq!(parse_month("2026-11"), Some(day(2026, 11, 1)));
        assert_eq!(parse_month("+262142-12"), None);
        assert_eq!(parse_month("2026-13"), None);
        let edge = Period::month_of(day(262_142, 12, 5));
        assert!(edge.plan().days.len() <= 2);
        assert_eq!(
            Period::preset(Preset::Quarter, day(2026, 11, 20)).from,
            day(2026, 10, 1)
        );
        assert_eq!(week_key(day(2026, 1, 1)), "2026-W01");
        let (dim, value) = conduct_key("channel", Some(&UnitCode::commune(22, 7)), "zalo");
        assert_eq!(
            split_conduct_key(&dim, &value),
            Some(("channel", "22/7", "zalo"))
        );
        let (dim, value) = conduct_key(ALL, None, "");
        assert_eq!(split_conduct_key(&dim, &value), Some((ALL, "", "")));
        assert_eq!(split_conduct_key("channel", "zalo"), None);
        assert_eq!(day_period(day(2026, 1, 5)), "d2026-01-05");
        assert_eq!(month_period(day(2026, 1, 5)), "m2026-01");
        assert_eq!(period_start("m2026-01"), Some(day(2026, 1, 1)));
        assert_eq!(period_start("d2026-01-05"), Some(day(2026, 1, 5)));
        assert_eq!(period_start("x2026"), None);
    }

    #[test]
    fn small_counts_are_hidden_and_a_lone_one_cannot_be_worked_out() {
        let shown = suppress(&[12, 3, 9, 40], 5);
        assert_eq!(
            shown,
            vec![
                Shown::Count(12),
                Shown::Fewer(5),
                Shown::Fewer(5),
                Shown::Count(40)
            ]
        );
        // A channel with none hides nothing: the 2 would be the total less 30.
        assert_eq!(
            suppress(&[0, 2, 30], 5),
            vec![Shown::Fewer(5), Shown::Fewer(5), Shown::Fewer(5)]
        );
        // Two hidden cells holding 2 between them: a third is hidden with them.
        assert_eq!(
            suppress(&[1, 1, 9, 40], 5),
            vec![
                Shown::Fewer(5),
                Shown::Fewer(5),
                Shown::Fewer(5),
                Shown::Count(40)
            ]
        );
        assert_eq!(
            suppress(&[0, 0, 7], 5),
            vec![Shown::Fewer(5), Shown::Fewer(5), Shown::Count(7)]
        );
        assert_eq!(suppress(&[7, 8], 5), vec![Shown::Count(7), Shown::Count(8)]);
    }
}
