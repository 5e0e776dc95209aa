//! `hotline deadline`: the deadline engine by hand, for an officer or an auditor checking a date.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use hotline_domain::VIETNAM;
use hotline_domain::calendar::Calendar;
use hotline_domain::deadline::{DeadlineRule, Span, deadline, running};

/// Reads a start in Vietnam's time: `2026-03-02`, `2026-03-02T21:15` or `2026-03-02 21:15`.
pub fn parse_start(text: &str) -> anyhow::Result<DateTime<Utc>> {
    let text = text.trim();
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|day| day.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map_err(|_| {
            anyhow::anyhow!("--from takes a date, 2026-03-02, or a time, 2026-03-02T21:15")
        })?;
    VIETNAM
        .from_local_datetime(&local)
        .single()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| anyhow::anyhow!("{text} is not a time in Vietnam"))
}

/// What happened to a matter since it started, as far as its time limit counts it.
#[derive(Debug, Clone, Default)]
pub struct Counted {
    /// Extensions granted so far.
    pub extensions: u32,
    /// Days it was suspended in all, for a rule whose clock stops.
    pub suspended_days: u32,
    /// The day it was resumed (as `--from` is written), for a rule whose limit runs anew.
    pub resumed_on: Option<String>,
}

/// The deadline of `rule` for a matter started at `from`, with its legal basis, as printed.
pub fn explain(
    rule: &str,
    from: DateTime<Utc>,
    counted: &Counted,
    calendar: &Calendar,
) -> anyhow::Result<String> {
    let rule: DeadlineRule = rule.parse().map_err(|_| {
        let known: Vec<&str> = DeadlineRule::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!("unknown rule {rule}: one of {}", known.join(", "))
    })?;
    let text = rule.text();
    let (extensions, suspended_days) = (counted.extensions, counted.suspended_days);
    let resumed_at = match &counted.resumed_on {
        None => None,
        Some(day) => {
            let resumed = parse_start(day)
                .map_err(|_| anyhow::anyhow!("--resumed-on takes a date, 2027-05-15"))?;
            if resumed < from {
                anyhow::bail!("--resumed-on is before --from");
            }
            if text.after_resumption.is_none() {
                anyhow::bail!("{rule} sets no limit of its own from a resumption");
            }
            Some(resumed)
        }
    };
    // The limit before any resumption, checked even when a resumption replaces it: too many
    // extensions are refused either way.
    deadline(rule, from, extensions, suspended_days, calendar)?;
    let due = running(
        rule,
        from,
        &hotline_domain::deadline::Counted {
            extensions,
            suspended_days,
            resumed_at,
        },
        calendar,
    )?;
    let local = |at: DateTime<Utc>| at.with_timezone(&VIETNAM).format("%Y-%m-%d %H:%M");
    let limit = match due.span {
        Span::Hours(n) => format!("{n} hours, from the moment it starts"),
        Span::Days(n) => format!(
            "{n} calendar days, from the day after it starts, to 24:00 of the last day; a last \
             day that is a rest day moves to the next working day"
        ),
        Span::Months(n) => format!(
            "{n} months, to 24:00 of the same date {n} months on (the month's last day when it \
             has no such date); a last day that is a rest day moves to the next working day"
        ),
        Span::WorkingDays(n) => {
            format!("{n} working days, from the day after it starts, to 24:00 of the last one")
        }
    };
    let mut lines = vec![
        format!("rule:        {rule} ({})", text.requirement),
        format!("from:        {} (Asia/Ho_Chi_Minh)", local(from)),
        format!("limit:       {limit}"),
        format!(
            "extensions:  {extensions} of {}",
            text.spans.len().saturating_sub(1)
        ),
    ];
    for (i, by) in text
        .extended_by
        .iter()
        .enumerate()
        .take(extensions as usize)
    {
        lines.push(format!("  extension {}: {by}", i + 1));
    }
    if text.pauses {
        lines.push(format!(
            "suspended:   {suspended_days} day(s), added to the time"
        ));
    }
    if let (Some(resumed), Some((_, basis))) = (resumed_at, text.after_resumption) {
        lines.push(format!(
            "resumed:     {} (Asia/Ho_Chi_Minh): at most {} from the resumption ({basis})",
            local(resumed),
            due.span
        ));
    }
    lines.push(match due.last_day {
        Some(day) => format!(
            "due:         {} 24:00 (Asia/Ho_Chi_Minh), {}",
            day.format("%Y-%m-%d"),
            day.format("%A")
        ),
        None => format!("due:         {} (Asia/Ho_Chi_Minh)", local(due.due_at)),
    });
    lines.push(format!("due_at:      {}", due.due_at.to_rfc3339()));
    lines.push(format!("basis:       {}", text.basis));
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printout_names_the_day_and_the_basis() {
        let from = parse_start("2026-02-12T09:30").unwrap();
        let shown = explain(
            "receipt_notice",
            from,
            &Counted::default(),
            &Calendar::default(),
        )
        .unwrap();
        assert!(
            shown.contains("due:         2026-02-24 24:00 (Asia/Ho_Chi_Minh), Tuesday"),
            "{shown}"
        );
        assert!(shown.contains("TTLT 01/2017 Điều 14"));
        let shown = explain(
            "crime_classification",
            from,
            &Counted::default(),
            &Calendar::default(),
        )
        .unwrap();
        assert!(shown.contains("due:         2026-02-13 09:30"), "{shown}");
        let shown = explain(
            "crime_source",
            parse_start("2026-05-04").unwrap(),
            &counted(2, 0),
            &Calendar::default(),
        )
        .unwrap();
        assert!(
            shown.contains("extension 2: Viện trưởng Viện kiểm sát"),
            "{shown}"
        );
        // A source of crime's time does not go on from a suspension: it starts anew from the
        // resumption (--resumed-on), so days suspended are refused rather than added.
        let refused = explain("crime_source", from, &counted(0, 3), &Calendar::default());
        assert!(refused.is_err());
        let settlement = explain(
            "denunciation_settlement",
            parse_start("2026-05-04").unwrap(),
            &counted(0, 10),
            &Calendar::default(),
        )
        .unwrap();
        assert!(
            settlement.contains("suspended:   10 day(s), added"),
            "{settlement}"
        );
        assert!(
            settlement.contains("due:         2026-06-15 24:00"),
            "{settlement}"
        );
        assert!(explain("fast", from, &Counted::default(), &Calendar::default()).is_err());
        assert!(explain("receipt_notice", from, &counted(1, 0), &Calendar::default()).is_err());
        assert!(parse_start("12/02/2026").is_err());
    }

    fn counted(extensions: u32, suspended_days: u32) -> Counted {
        Counted {
            extensions,
            suspended_days,
            resumed_on: None,
        }
    }

    #[test]
    fn a_resumption_sets_the_limit_anew() {
        // R9, BLTTHS 2015 Điều 149: not 11 May 2027 (before the resumption) but 15 June.
        let resumed = Counted {
            extensions: 2,
            suspended_days: 0,
            resumed_on: Some("2027-05-15".into()),
        };
        let shown = explain(
            "crime_source",
            parse_start("2027-01-01").unwrap(),
            &resumed,
            &Calendar::default(),
        )
        .unwrap();
        assert!(shown.contains("due:         2027-06-15 24:00"), "{shown}");
        assert!(shown.contains("BLTTHS 2015 Điều 149"), "{shown}");
        let early = Counted {
            resumed_on: Some("2026-12-31".into()),
            ..resumed.clone()
        };
        let from = parse_start("2027-01-01").unwrap();
        assert!(explain("crime_source", from, &early, &Calendar::default()).is_err());
        let elsewhere = Counted {
            extensions: 0,
            ..resumed
        };
        assert!(explain("receipt_notice", from, &elsewhere, &Calendar::default()).is_err());
    }
}
