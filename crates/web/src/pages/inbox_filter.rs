//! The inbox's filters as they travel in the address (`?status=…&urgency=…&after=…`): read
//! leniently (a value the console never offers is ignored, not an error page), written back for
//! the form, the next page and the search.

use crate::extract::url_pairs;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hotline_domain::{
    Channel, LegalType, ReportStatus, StaffId, Topic, UnitCode, Urgency, VIETNAM,
};
use hotline_store::{AssigneeFilter, ReportCursor, ReportFilter, ReportOrder};
use std::collections::HashMap;

/// The filters as chosen, in the form's own words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxQuery {
    pub status: String,
    pub channel: String,
    pub urgency: String,
    pub legal_type: String,
    pub topic: String,
    pub unit: String,
    /// `YYYY-MM-DD`, a day in Vietnam.
    pub from: String,
    /// `YYYY-MM-DD`, included.
    pub to: String,
    /// `mine` or `unassigned`.
    pub assigned: String,
    /// `overdue`.
    pub due: String,
    /// `newest`, `oldest`, `urgency` or `deadline`.
    pub sort: String,
    pub after: String,
}

/// Names of the filter fields, in the order the address writes them.
const FIELDS: [&str; 11] = [
    "status",
    "channel",
    "urgency",
    "legal_type",
    "topic",
    "unit",
    "from",
    "to",
    "assigned",
    "due",
    "sort",
];

impl InboxQuery {
    /// Reads the fields from a posted form's fields.
    pub fn from_fields(fields: &HashMap<String, String>) -> Self {
        Self::read(|name| fields.get(name).cloned().unwrap_or_default())
    }

    fn read(field: impl Fn(&str) -> String) -> Self {
        let get = |name: &str| field(name).trim().to_owned();
        Self {
            status: get("status"),
            channel: get("channel"),
            urgency: get("urgency"),
            legal_type: get("legal_type"),
            topic: get("topic"),
            unit: get("unit"),
            from: get("from"),
            to: get("to"),
            assigned: get("assigned"),
            due: get("due"),
            sort: get("sort"),
            after: get("after"),
        }
    }

    pub fn from_query(query: Option<&str>) -> Self {
        let pairs = url_pairs(query.unwrap_or_default().as_bytes()).unwrap_or_default();
        Self::read(|name| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
    }

    /// The store's filter for a reader, `me`, at the moment `now`.
    pub fn filter(&self, me: StaffId, now: DateTime<Utc>) -> ReportFilter {
        let order = match self.sort.as_str() {
            "oldest" => ReportOrder::Oldest,
            "urgency" => ReportOrder::Urgency,
            "deadline" => ReportOrder::Deadline,
            _ => ReportOrder::Newest,
        };
        ReportFilter {
            status: self.status.parse::<ReportStatus>().ok(),
            channel: self.channel.parse::<Channel>().ok(),
            urgency: self.urgency.parse::<Urgency>().ok(),
            unit: (!self.unit.is_empty())
                .then(|| self.unit.parse::<UnitCode>().ok())
                .flatten(),
            received_from: day_start(&self.from, 0),
            received_before: day_start(&self.to, 1),
            assignee: match self.assigned.as_str() {
                "mine" => Some(AssigneeFilter::Staff(me)),
                "unassigned" => Some(AssigneeFilter::Unassigned),
                _ => None,
            },
            legal_type: self.legal_type.parse::<LegalType>().ok(),
            topic: self.topic.parse::<Topic>().ok(),
            due_before: (self.due == "overdue").then_some(now),
            order,
            after: parse_cursor(&self.after),
        }
    }

    /// Whether any filter is set (the page says so, and offers to clear them).
    pub fn narrows(&self) -> bool {
        self.pairs().iter().any(|(name, _)| *name != "sort")
    }

    /// The set fields, for an address or hidden form fields; the cursor is not one of them.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        let values = [
            &self.status,
            &self.channel,
            &self.urgency,
            &self.legal_type,
            &self.topic,
            &self.unit,
            &self.from,
            &self.to,
            &self.assigned,
            &self.due,
            &self.sort,
        ];
        FIELDS
            .iter()
            .zip(values)
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (*name, value.as_str()))
            .collect()
    }

    /// The address of the page after `cursor`, with the same filters.
    pub fn next_href(&self, cursor: &ReportCursor) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        pairs.push(("after".into(), write_cursor(cursor)));
        format!("/console?{}", crate::extract::encode_pairs(&pairs))
    }
}

/// Midnight in Vietnam of a `YYYY-MM-DD` day, `days_later` days on.
fn day_start(day: &str, days_later: u64) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()?
        .checked_add_days(chrono::Days::new(days_later))?;
    VIETNAM
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

fn write_cursor(cursor: &ReportCursor) -> String {
    format!(
        "{}.{}.{}",
        cursor.rank,
        cursor.at.timestamp_micros(),
        cursor.id
    )
}

fn parse_cursor(text: &str) -> Option<ReportCursor> {
    let mut parts = text.split('.');
    let rank = parts.next()?.parse().ok()?;
    let micros = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(ReportCursor {
        rank,
        at: DateTime::from_timestamp_micros(micros)?,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_leniently_and_written_back() {
        let query = InboxQuery::from_query(Some(
            "status=received&urgency=emergency&channel=fax&from=2026-11-01&to=2026-11-02&sort=urgency&assigned=mine&topic=drugs&legal_type=complaint",
        ));
        let now = DateTime::from_timestamp_micros(1_795_000_000_000_000).unwrap();
        let filter = query.filter(StaffId(7), now);
        assert_eq!(filter.status, Some(ReportStatus::Received));
        assert_eq!(filter.urgency, Some(Urgency::Emergency));
        assert_eq!(filter.channel, None, "an unknown channel is no filter");
        assert_eq!(filter.topic, Some(Topic::Drugs));
        assert_eq!(filter.legal_type, Some(LegalType::Complaint));
        assert_eq!(filter.assignee, Some(AssigneeFilter::Staff(StaffId(7))));
        assert_eq!(filter.order, ReportOrder::Urgency);
        assert_eq!(
            filter.received_from.unwrap().to_rfc3339(),
            "2026-10-31T17:00:00+00:00",
            "midnight in Vietnam"
        );
        assert_eq!(
            filter.received_before.unwrap().to_rfc3339(),
            "2026-11-02T17:00:00+00:00",
            "the last day included"
        );
        assert!(query.narrows());
        let cursor = ReportCursor {
            rank: 1,
            at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            id: 42,
        };
        let next = query.next_href(&cursor);
        let again = InboxQuery::from_query(next.split_once('?').map(|(_, q)| q));
        assert_eq!(again.filter(StaffId(7), now).after, Some(cursor));
        let overdue =
            InboxQuery::from_query(Some("due=overdue&sort=deadline")).filter(StaffId(7), now);
        assert_eq!(overdue.due_before, Some(now));
        assert_eq!(overdue.order, ReportOrder::Deadline);
        assert_eq!(again.urgency, "emergency");
        assert_eq!(parse_cursor("1.2"), None);
        assert_eq!(parse_cursor("1.2.3.4"), None);
        assert!(!InboxQuery::from_query(Some("sort=oldest")).narrows());
    }
}
