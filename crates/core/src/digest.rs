//! The leaders' digest: what came in over a span of days by legal type and urgency, what is
//! overdue, which urgent reports nobody has acknowledged yet, and how fast each unit and
//! channel answers: to acknowledge an urgent alert, to first reply to the reporter, to the
//! first decision of its procedure (medians).

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, Utc};
use hotline_domain::AuditAction;
use hotline_domain::{Channel, LegalType, Role, UnitCode, Urgency};
use hotline_store::ResponseSample;
use std::collections::BTreeMap;

/// Spans a digest may cover, in days.
pub const DIGEST_DAYS: [i64; 3] = [1, 7, 30];

/// The median of some durations and how many there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    pub median: Option<Duration>,
    pub count: usize,
}

impl Timing {
    fn of(mut spans: Vec<Duration>) -> Self {
        spans.sort();
        Self {
            median: spans.get(spans.len() / 2).copied(),
            count: spans.len(),
        }
    }
}

/// How fast one unit answers on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseLine {
    pub unit: UnitCode,
    pub channel: Channel,
    pub reports: usize,
    pub acknowledge: Timing,
    pub first_reply: Timing,
    pub decision: Timing,
}

/// The digest over `[since, now)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub since: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub received: usize,
    pub by_legal_type: Vec<(Option<LegalType>, usize)>,
    pub by_urgency: Vec<(Urgency, usize)>,
    pub overdue: i64,
    /// Urgent reports whose alert nobody has acknowledged, oldest first.
    pub unacknowledged: Vec<ResponseSample>,
    pub response: Vec<ResponseLine>,
}

/// The spans measured for one unit and channel.
struct Spans {
    channel: Channel,
    reports: usize,
    acknowledge: Vec<Duration>,
    first_reply: Vec<Duration>,
    decision: Vec<Duration>,
}

fn after(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Option<Duration> {
    end.filter(|e| *e >= start).map(|e| e - start)
}

impl Hotline {
    /// The digest of the last `days` for the reports the actor may see: leaders, directors and
    /// inspectors. Audited like a list.
    pub async fn digest(&self, actor: &Actor, days: i64) -> CoreResult<Digest> {
        if !matches!(
            actor.0.role,
            Role::Director | Role::UnitLeader | Role::Inspector
        ) {
            return Err(CoreError::Forbidden);
        }
        let days = if DIGEST_DAYS.contains(&days) { days } else { 1 };
        let now = self.clock.now();
        let since = now - Duration::days(days);
        let visibility = actor.visibility();
        let samples = self.store.response_samples(&visibility, since).await?;
        let overdue = self
            .store
            .overdue_by_unit(&visibility, now)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        let received: Vec<&ResponseSample> =
            samples.iter().filter(|s| s.received_at >= since).collect();
        let mut by_legal_type: BTreeMap<Option<&str>, (Option<LegalType>, usize)> = BTreeMap::new();
        let mut by_urgency: BTreeMap<i64, (Urgency, usize)> = BTreeMap::new();
        let mut spans: BTreeMap<(UnitCode, &str), Spans> = BTreeMap::new();
        for s in &received {
            by_legal_type
                .entry(s.legal_type.map(LegalType::as_str))
                .or_insert((s.legal_type, 0))
                .1 += 1;
            by_urgency
                .entry(s.urgency.rank())
                .or_insert((s.urgency, 0))
                .1 += 1;
            let line = spans
                .entry((s.unit.clone(), s.channel.as_str()))
                .or_insert_with(|| Spans {
                    channel: s.channel,
                    reports: 0,
                    acknowledge: Vec::new(),
                    first_reply: Vec::new(),
                    decision: Vec::new(),
                });
            line.reports += 1;
            line.acknowledge
                .extend(after(s.received_at, s.acknowledged_at));
            line.first_reply
                .extend(after(s.received_at, s.first_reply_at));
            line.decision.extend(after(s.received_at, s.decided_at));
        }
        self.audit(
            Some(actor.0.id),
            AuditAction::ReportDigest,
            &format!("days={days}"),
            &format!("reports={}", received.len()),
        )
        .await?;
        Ok(Digest {
            since,
            now,
            received: received.len(),
            by_legal_type: by_legal_type.into_values().collect(),
            by_urgency: by_urgency.into_values().collect(),
            overdue,
            unacknowledged: samples.iter().filter(|s| s.alert_open).cloned().collect(),
            response: spans
                .into_iter()
                .map(|((unit, _), spans)| ResponseLine {
                    unit,
                    channel: spans.channel,
                    reports: spans.reports,
                    acknowledge: Timing::of(spans.acknowledge),
                    first_reply: Timing::of(spans.first_reply),
                    decision: Timing::of(spans.decision),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_median_is_the_middle_one() {
        let minutes = |m: &[i64]| m.iter().map(|m| Duration::minutes(*m)).collect();
        assert_eq!(Timing::of(Vec::new()), Timing::default());
        let t = Timing::of(minutes(&[30, 5, 10]));
        assert_eq!((t.median, t.count), (Some(Duration::minutes(10)), 3));
        assert_eq!(
            Timing::of(minutes(&[1, 100])).median,
            Some(Duration::minutes(100))
        );
    }
}
