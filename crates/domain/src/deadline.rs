//! The law's time limits (LEGAL-VN.md §1): each rule counts in hours, calendar days, working days
//! or months from its start, may be extended a fixed number of times up to a ceiling, and may
//! stop while the matter is suspended. Day-based limits end at 24:00 of their last day, and a
//! last day that is a rest day moves to the next working day (R28).

use crate::DomainError;
use crate::calendar::Calendar;
use crate::clock::VIETNAM;
use crate::report::string_enum;
use chrono::{DateTime, Days, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How long a limit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Hours(u32),
    Days(u32),
    WorkingDays(u32),
    Months(u32),
}

impl Span {
    /// Whether the limit is counted in whole days (and so ends at 24:00 of a working day).
    pub fn in_days(self) -> bool {
        !matches!(self, Span::Hours(_))
    }
}

string_enum!(
    /// A time limit of the law, by the names the CLI and the API use.
    DeadlineRule (|_| DomainError::field("rule", "unknown")) {
        CrimeSource => "crime_source",
        CrimeClassification => "crime_classification",
        CommuneTransfer => "commune_transfer",
        ReceiptNotice => "receipt_notice",
        DenunciationIntake => "denunciation_intake",
        DenunciationSettlement => "denunciation_settlement",
        ComplaintAcceptance => "complaint_acceptance",
        ComplaintDecision => "complaint_decision",
        ComplaintSecondLevel => "complaint_second_level",
        ProceduralComplaint => "procedural_complaint",
        ProcuracyComplaint => "procuracy_complaint",
        ProcuracyReferral => "procuracy_referral",
    }
);

/// One rule: its limit, then the limit after each extension the law allows (totals from the
/// start), who grants each extension, whether a suspension stops its clock, and its basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleText {
    pub spans: &'static [Span],
    /// Who grants each extension, in order.
    pub extended_by: &'static [&'static str],
    /// Whether a suspension stops the clock and the time goes on, the days suspended added,
    /// once it is lifted.
    pub pauses: bool,
    /// The limit that runs anew from a resumption, where the law sets one (and the clock does
    /// not simply go on from where it stopped).
    pub after_resumption: Option<(Span, &'static str)>,
    /// The texts and articles, as cited in LEGAL-VN.md.
    pub basis: &'static str,
    /// LEGAL-VN.md's rows.
    pub requirement: &'static str,
}

impl DeadlineRule {
    pub fn text(self) -> RuleText {
        use Span::*;
        match self {
            DeadlineRule::CrimeSource => RuleText {
                spans: &[Days(20), Months(2), Months(4)],
                extended_by: &[
                    "Thủ trưởng Cơ quan điều tra (tổng cộng không quá 2 tháng)",
                    "Viện trưởng Viện kiểm sát (một lần, thêm không quá 2 tháng)",
                ],
                // Suspended, it has no limit; resumed, a new one (below) from that day.
                pauses: false,
                after_resumption: Some((Months(1), "BLTTHS 2015 Điều 149")),
                basis: "BLTTHS 2015 Điều 147 khoản 1, 2; TTLT 01/2017 Điều 11",
                requirement: "R7, R8, R9",
            },
            DeadlineRule::CrimeClassification => RuleText {
                spans: &[Hours(24)],
                extended_by: &[],
                pauses: false,
                after_resumption: None,
                basis: "TT 28/2020/TT-BCA Điều 8, 9",
                requirement: "R4",
            },
            DeadlineRule::CommuneTransfer => RuleText {
                spans: &[Hours(24), Hours(48)],
                extended_by: &["xã vùng sâu, vùng xa, hải đảo (TTLT 01/2017 Điều 8)"],
                pauses: false,
                after_resumption: None,
                basis: "BLTTHS 2015 Điều 146 khoản 3; TTLT 01/2017 Điều 8",
                requirement: "R3",
            },
            DeadlineRule::ReceiptNotice => RuleText {
                spans: &[WorkingDays(3)],
                extended_by: &[],
                pauses: false,
                after_resumption: None,
                basis: "TTLT 01/2017 Điều 14 khoản 1; BLTTHS 2015 Điều 146 khoản 2",
                requirement: "R5",
            },
            DeadlineRule::DenunciationIntake => RuleText {
                spans: &[WorkingDays(7), WorkingDays(10)],
                extended_by: &["cần xác minh ở nhiều địa điểm (Luật Tố cáo Điều 24 khoản 1)"],
                pauses: false,
                after_resumption: None,
                basis: "Luật Tố cáo 2018 Điều 24 khoản 1, 2",
                requirement: "R16",
            },
            DeadlineRule::DenunciationSettlement => RuleText {
                spans: &[Days(30), Days(60), Days(90)],
                extended_by: &[
                    "người giải quyết tố cáo, vụ việc phức tạp (gia hạn một lần)",
                    "người giải quyết tố cáo, vụ việc đặc biệt phức tạp (gia hạn lần hai)",
                ],
                pauses: true,
                after_resumption: None,
                basis: "Luật Tố cáo 2018 Điều 30, 34; NĐ 31/2019/NĐ-CP",
                requirement: "R18",
            },
            DeadlineRule::ComplaintAcceptance => RuleText {
                spans: &[Days(10)],
                extended_by: &[],
                pauses: false,
                after_resumption: None,
                basis: "Luật Khiếu nại 2011 Điều 27",
                requirement: "R22",
            },
            DeadlineRule::ProcuracyReferral => RuleText {
                spans: &[Hours(24)],
                extended_by: &[],
                pauses: false,
                after_resumption: None,
                basis: "BLTTHS 2015 Điều 145 khoản 3, Điều 163 khoản 3; QĐ 565/QĐ-VKSTC Điều 4",
                requirement: "R6, R14",
            },
            DeadlineRule::ComplaintSecondLevel => RuleText {
                spans: &[Days(45), Days(60)],
                extended_by: &["vụ việc phức tạp (Luật Khiếu nại Điều 37)"],
                pauses: false,
                after_resumption: None,
                basis: "Luật Khiếu nại 2011 Điều 33, 37",
                requirement: "R22",
            },
            DeadlineRule::ProceduralComplaint => RuleText {
                spans: &[Days(7)],
                extended_by: &[],
                pauses: false,
                after_resumption: None,
                basis: "BLTTHS 2015 Điều 475 khoản 1",
                requirement: "R13",
            },
            DeadlineRule::ProcuracyComplaint => RuleText {
                spans: &[Days(7)],
                extended_by: &[],
                pauses: false,
                after_resumption: None,
                basis: "BLTTHS 2015 Điều 475 khoản 1, 2",
                requirement: "R13",
            },
            DeadlineRule::ComplaintDecision => RuleText {
                spans: &[Days(30), Days(45)],
                extended_by: &["vụ việc phức tạp (Luật Khiếu nại Điều 28)"],
                pauses: false,
                after_resumption: None,
                basis: "Luật Khiếu nại 2011 Điều 28",
                requirement: "R22",
            },
        }
    }
}

/// A deadline worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub rule: DeadlineRule,
    pub span: Span,
    /// When the time is up: 24:00 (Vietnam) of the last day for day-based limits.
    pub due_at: DateTime<Utc>,
    /// The last day of a day-based limit, in Vietnam.
    pub last_day: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("{rule} allows at most {allowed} extension(s)")]
    TooManyExtensions { rule: DeadlineRule, allowed: usize },
    #[error("{rule} does not stop while suspended")]
    NoSuspension { rule: DeadlineRule },
    #[error("the date is out of range")]
    OutOfRange,
}

/// 24:00 (Vietnam) at the end of `day`.
fn end_of(day: NaiveDate) -> Option<DateTime<Utc>> {
    let next = day.succ_opt()?.and_hms_opt(0, 0, 0)?;
    VIETNAM
        .from_local_datetime(&next)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// When `rule`'s time runs out for a matter that started at `from`, extended `extensions`
/// times and suspended for `suspended_days` days in all.
pub fn deadline(
    rule: DeadlineRule,
    from: DateTime<Utc>,
    extensions: u32,
    suspended_days: u32,
    calendar: &Calendar,
) -> Result<Deadline, DeadlineError> {
    let text = rule.text();
    let span = *text
        .spans
        .get(extensions as usize)
        .ok_or(DeadlineError::TooManyExtensions {
            rule,
            allowed: text.spans.len().saturating_sub(1),
        })?;
    if suspended_days > 0 && !text.pauses {
        return Err(DeadlineError::NoSuspension { rule });
    }
    let (due_at, last_day) = span_end(span, from, suspended_days, calendar)?;
    Ok(Deadline {
        rule,
        span,
        due_at,
        last_day,
    })
}

/// When `rule`'s time runs out for a matter resumed at `resumed`: the limit the law sets from
/// a resumption (R9: a source of crime, at most one month from the decision to resume, BLTTHS
/// 2015 Điều 149), whatever was left before the suspension. `NoSuspension` for a rule that
/// sets none.
pub fn deadline_after_resumption(
    rule: DeadlineRule,
    resumed: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<Deadline, DeadlineError> {
    let (span, _) = rule
        .text()
        .after_resumption
        .ok_or(DeadlineError::NoSuspension { rule })?;
    let (due_at, last_day) = span_end(span, resumed, 0, calendar)?;
    Ok(Deadline {
        rule,
        span,
        due_at,
        last_day,
    })
}

/// What happened to a matter since its time started, as far as its limit counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    /// Extensions granted so far.
    pub extensions: u32,
    /// Days it was suspended in all, for a rule whose clock stops and goes on.
    pub suspended_days: u32,
    /// When it was resumed (or its suspension annulled), for a rule whose limit runs anew.
    pub resumed_at: Option<DateTime<Utc>>,
}

/// The limit running for `rule` on a matter whose time started at `from`: where the rule sets
/// one, the limit from its resumption (R8, R9), whatever was left before; otherwise the limit of
/// the extensions granted, with the days suspended added.
pub fn running(
    rule: DeadlineRule,
    from: DateTime<Utc>,
    counted: &Counted,
    calendar: &Calendar,
) -> Result<Deadline, DeadlineError> {
    match (rule.text().after_resumption, counted.resumed_at) {
        (Some(_), Some(resumed)) => deadline_after_resumption(rule, resumed, calendar),
        _ => deadline(
            rule,
            from,
            counted.extensions,
            counted.suspended_days,
            calendar,
        ),
    }
}

/// The days a matter suspended at `since` and going on at `until` stood still: calendar days in
/// Vietnam, none when both fall on the same day.
pub fn days_suspended(since: DateTime<Utc>, until: DateTime<Utc>) -> u32 {
    let day = |at: DateTime<Utc>| at.with_timezone(&VIETNAM).date_naive();
    u32::try_from((day(until) - day(since)).num_days().max(0)).unwrap_or(u32::MAX)
}

/// When `span` counted from `from` runs out, with `suspended_days` added, and its last day for
/// a day-based span.
pub fn span_end(
    span: Span,
    from: DateTime<Utc>,
    suspended_days: u32,
    calendar: &Calendar,
) -> Result<(DateTime<Utc>, Option<NaiveDate>), DeadlineError> {
    let start = from.with_timezone(&VIETNAM).date_naive();
    let last = match span {
        Span::Hours(hours) => return Ok((from + chrono::Duration::hours(i64::from(hours)), None)),
        // The day the matter starts is not counted.
        Span::Days(days) => start.checked_add_days(Days::new(u64::from(days))),
        Span::Months(months) => start.checked_add_months(Months::new(months)),
        Span::WorkingDays(days) => Some(calendar.add_working_days(start, days)),
    }
    .and_then(|day| day.checked_add_days(Days::new(u64::from(suspended_days))))
    .ok_or(DeadlineError::OutOfRange)?;
    let last = calendar.on_or_after(last);
    Ok((end_of(last).ok_or(DeadlineError::OutOfRange)?, Some(last)))
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Hours(n) => write!(f, "{n} giờ"),
            Span::Days(n) => write!(f, "{n} ngày"),
            Span::WorkingDays(n) => write!(f, "{n} ngày làm việc"),
            Span::Months(n) => write!(f, "{n} tháng"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayKind;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        VIETNAM
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn last_day(rule: DeadlineRule, from: DateTime<Utc>, ext: u32, suspended: u32) -> NaiveDate {
        deadline(rule, from, ext, suspended, &Calendar::default())
            .unwrap()
            .last_day
            .unwrap()
    }

    #[test]
    fn hours_are_hours_and_days_end_at_midnight() {
        let received = at(2026, 3, 2, 21, 15);
        let d = deadline(
            DeadlineRule::CrimeClassification,
            received,
            0,
            0,
            &Calendar::default(),
        )
        .unwrap();
        assert_eq!(d.due_at, at(2026, 3, 3, 21, 15));
        assert_eq!(d.last_day, None);
        // Monday 2 March + 20 days = Sunday 22 March: moved to Monday 23, ending at 24:00.
        let d = deadline(
            DeadlineRule::CrimeSource,
            received,
            0,
            0,
            &Calendar::default(),
        )
        .unwrap();
        assert_eq!(d.last_day, Some(day(2026, 3, 23)));
        assert_eq!(d.due_at, at(2026, 3, 24, 0, 0));
    }

    #[test]
    fn tet_pushes_day_limits_past_the_holiday() {
        // Tết 2026: rest from Saturday 14 to Sunday 22 February.
        assert_eq!(
            last_day(
                DeadlineRule::ComplaintAcceptance,
                at(2026, 2, 5, 9, 0),
                0,
                0
            ),
            day(2026, 2, 23)
        );
        assert_eq!(
            last_day(DeadlineRule::ReceiptNotice, at(2026, 2, 12, 9, 0), 0, 0),
            day(2026, 2, 24),
            "Friday 13, Monday 23, Tuesday 24"
        );
        // Tết 2025 by the law alone: 28 January to Saturday 1 February, made up on Monday 3.
        assert_eq!(
            last_day(DeadlineRule::ReceiptNotice, at(2025, 1, 24, 9, 0), 0, 0),
            day(2025, 2, 5)
        );
        // Tết 2024 (Saturday 10 February) by the law alone: rest from Friday 9 to Tuesday 13
        // February, and Wednesday 14 and Thursday 15 for the two days on the weekend.
        assert_eq!(
            last_day(DeadlineRule::DenunciationIntake, at(2024, 2, 7, 9, 0), 0, 0),
            day(2024, 2, 23)
        );
    }

    #[test]
    fn a_resumed_source_of_crime_has_one_month_from_its_resumption() {
        // Received 1 January 2027, extended twice (due Saturday 1 May, a holiday: Tuesday 4),
        // suspended 6 May, resumed 15 May: due 15 June, not before the resumption (R9).
        let resumed = deadline_after_resumption(
            DeadlineRule::CrimeSource,
            at(2027, 5, 15, 10, 0),
            &Calendar::default(),
        )
        .unwrap();
        assert_eq!(resumed.last_day, Some(day(2027, 6, 15)));
        assert_eq!(resumed.span, Span::Months(1));
        assert_eq!(
            deadline_after_resumption(
                DeadlineRule::ReceiptNotice,
                at(2027, 5, 15, 10, 0),
                &Calendar::default()
            ),
            Err(DeadlineError::NoSuspension {
                rule: DeadlineRule::ReceiptNotice
            })
        );
    }

    #[test]
    fn the_running_limit_is_the_resumptions_once_resumed() {
        let counted = |extensions, resumed_at| Counted {
            extensions,
            suspended_days: 0,
            resumed_at,
        };
        let calendar = Calendar::default();
        let received = at(2027, 1, 1, 9, 0);
        let twice = running(
            DeadlineRule::CrimeSource,
            received,
            &counted(2, None),
            &calendar,
        );
        assert_eq!(twice.unwrap().last_day, Some(day(2027, 5, 4)));
        let resumed = running(
            DeadlineRule::CrimeSource,
            received,
            &counted(2, Some(at(2027, 5, 15, 10, 0))),
            &calendar,
        );
        assert_eq!(resumed.unwrap().last_day, Some(day(2027, 6, 15)));
        // A month from the 31st ends on the month's last day, a Sunday here: Monday 1 March.
        let month_end = running(
            DeadlineRule::CrimeSource,
            received,
            &counted(0, Some(at(2027, 1, 31, 10, 0))),
            &calendar,
        );
        assert_eq!(month_end.unwrap().last_day, Some(day(2027, 3, 1)));
        // A rule with no limit of its own after a resumption goes on as before.
        let settlement = running(
            DeadlineRule::DenunciationSettlement,
            received,
            &counted(0, Some(at(2027, 5, 15, 10, 0))),
            &calendar,
        );
        assert_eq!(settlement.unwrap().last_day, Some(day(2027, 2, 1)));
    }

    #[test]
    fn days_suspended_are_calendar_days_in_vietnam() {
        // 23:30 and 00:30 the next night in Vietnam are one day apart, 16:30 and 17:30 UTC.
        assert_eq!(
            days_suspended(at(2027, 5, 6, 9, 0), at(2027, 5, 6, 17, 0)),
            0
        );
        assert_eq!(
            days_suspended(at(2027, 5, 6, 23, 30), at(2027, 5, 7, 0, 30)),
            1
        );
        assert_eq!(
            days_suspended(at(2027, 5, 6, 9, 0), at(2027, 5, 15, 9, 0)),
            9
        );
        assert_eq!(
            days_suspended(at(2027, 5, 6, 9, 0), at(2027, 5, 1, 9, 0)),
            0
        );
    }

    #[test]
    fn a_holiday_on_a_weekend_gives_the_next_working_day_off() {
        // Labour Code 2019 Art. 111(3), for every holiday of Art. 112(1): Tết 2027 (Saturday 6
        // February) rests 5 to 9 February and Wednesday 10 and Thursday 11 in place of its
        // weekend; Tết 2028 (Wednesday 26 January) rests 25 to Saturday 29, and Monday 31; the
        // Hùng Kings' day 2026 falls on Sunday 26 April, and Monday 27 is off.
        use DeadlineRule::*;
        for (rule, from, due) in [
            (ReceiptNotice, (2027, 2, 3), (2027, 2, 15)),
            (DenunciationIntake, (2027, 2, 3), (2027, 2, 19)),
            (ComplaintAcceptance, (2027, 2, 1), (2027, 2, 12)),
            (ReceiptNotice, (2028, 1, 21), (2028, 2, 2)),
            (ComplaintAcceptance, (2028, 1, 21), (2028, 2, 1)),
            (ReceiptNotice, (2026, 4, 23), (2026, 4, 29)),
        ] {
            assert_eq!(
                last_day(rule, at(from.0, from.1, from.2, 9, 0), 0, 0),
                day(due.0, due.1, due.2),
                "{rule} from {from:?}"
            );
        }
    }

    #[test]
    fn extensions_reach_their_ceiling_and_no_further() {
        let from = at(2026, 5, 4, 8, 0);
        assert_eq!(
            last_day(DeadlineRule::CrimeSource, from, 1, 0),
            day(2026, 7, 6),
            "two months: 4 July is a Saturday"
        );
        assert_eq!(
            last_day(DeadlineRule::CrimeSource, from, 2, 0),
            day(2026, 9, 4)
        );
        assert_eq!(
            deadline(DeadlineRule::CrimeSource, from, 3, 0, &Calendar::default()),
            Err(DeadlineError::TooManyExtensions {
                rule: DeadlineRule::CrimeSource,
                allowed: 2
            })
        );
        assert_eq!(
            last_day(DeadlineRule::DenunciationSettlement, from, 2, 0),
            day(2026, 8, 3)
        );
    }

    #[test]
    fn a_suspension_stops_the_clock_only_where_the_law_says_so() {
        let from = at(2026, 5, 4, 8, 0);
        // A denunciation's settlement goes on after a suspension, the days added (LTC Art. 34).
        assert_eq!(
            last_day(DeadlineRule::DenunciationSettlement, from, 0, 10),
            day(2026, 6, 15),
            "30 days and 10 end Saturday 13 June: Monday 15"
        );
        // A source of crime's starts anew from its resumption (BLTTHS Art. 149): the days it
        // stood still are not added to anything.
        assert_eq!(
            deadline(DeadlineRule::CrimeSource, from, 0, 10, &Calendar::default()),
            Err(DeadlineError::NoSuspension {
                rule: DeadlineRule::CrimeSource
            })
        );
        assert_eq!(
            deadline(
                DeadlineRule::ReceiptNotice,
                from,
                0,
                1,
                &Calendar::default()
            ),
            Err(DeadlineError::NoSuspension {
                rule: DeadlineRule::ReceiptNotice
            })
        );
    }

    #[test]
    fn a_swapped_working_day_counts() {
        // Say the government makes Saturday 9 May 2026 a working day for Friday 15 May.
        let calendar = Calendar::with_schedule([
            (day(2026, 5, 9), DayKind::Working),
            (day(2026, 5, 15), DayKind::Rest),
        ]);
        let d = deadline(
            DeadlineRule::ReceiptNotice,
            at(2026, 5, 7, 9, 0),
            0,
            0,
            &calendar,
        )
        .unwrap();
        assert_eq!(
            d.last_day,
            Some(day(2026, 5, 11)),
            "Friday 8, Saturday 9, Monday 11"
        );
        let d = deadline(
            DeadlineRule::ReceiptNotice,
            at(2026, 5, 12, 9, 0),
            0,
            0,
            &calendar,
        )
        .unwrap();
        assert_eq!(d.last_day, Some(day(2026, 5, 18)), "13, 14, then Monday 18");
    }

    #[test]
    fn day_limits_never_end_on_a_rest_day_nor_move_earlier_with_more_time() {
        let calendar = Calendar::default();
        // Every start in three years that hold Tết at three different dates, every rule and
        // every number of extensions and suspended days allowed.
        let mut start = at(2024, 1, 1, 10, 0);
        while start < at(2027, 1, 1, 0, 0) {
            for rule in DeadlineRule::ALL {
                let text = rule.text();
                let mut previous: Option<DateTime<Utc>> = None;
                for ext in 0..text.spans.len() as u32 {
                    for suspended in [0, 1, 7] {
                        let Ok(d) = deadline(*rule, start, ext, suspended, &calendar) else {
                            assert!(suspended > 0 && !text.pauses);
                            continue;
                        };
                        if let Some(last) = d.last_day {
                            assert!(calendar.is_working_day(last), "{rule} from {start}");
                        }
                        if suspended == 0 {
                            assert!(previous.is_none_or(|p| p <= d.due_at), "{rule} {ext}");
                            previous = Some(d.due_at);
                        }
                        let later = deadline(
                            *rule,
                            start + chrono::Duration::days(1),
                            ext,
                            suspended,
                            &calendar,
                        )
                        .unwrap();
                        assert!(
                            later.due_at >= d.due_at,
                            "{rule} from {start} then a day later"
                        );
                    }
                }
            }
            start += chrono::Duration::days(1);
        }
    }
}
