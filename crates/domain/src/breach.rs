//! Personal-data breaches (R26): the controller tells the Ministry of Public Security's
//! data-protection authority (Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao,
//! A05) within 72 hours of finding a breach, and says why when later. The count from the finding
//! is the Law on Personal Data Protection 2025 (91/2025/QH15) Art. 23(1), in force from 1/1/2026,
//! with NĐ 356/2025 in place of NĐ 13/2023, whose Art. 23 counted from the breach itself; both
//! read from secondary sources, marked M in LEGAL-VN.

use crate::DomainError;
use crate::report::string_enum;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The legal basis shown with the clock.
pub const BREACH_BASIS: &str =
    "Luật Bảo vệ dữ liệu cá nhân 2025 (91/2025/QH15) Điều 23; Nghị định 356/2025/NĐ-CP";

/// How long after the breach is known the authority must be told.
pub const NOTIFY_WITHIN_HOURS: i64 = 72;

string_enum!(
    /// Who was told of a breach: the data-protection authority (A05), the people whose data it
    /// was, the unit's leadership, or another body. The names are the API's and stay stable.
    BreachRecipient (|_| DomainError::field("recipient", "unknown")) {
        Authority => "authority",
        DataSubjects => "data_subjects",
        Leadership => "leadership",
        Other => "other",
    }
);

/// When the authority must have been told of a breach known at `detected_at`.
pub fn notify_due(detected_at: DateTime<Utc>) -> DateTime<Utc> {
    detected_at + Duration::hours(NOTIFY_WITHIN_HOURS)
}

/// Where a breach's notification to the authority stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationState {
    /// Not yet told; `overdue` once the 72 hours have passed.
    Waiting { due: DateTime<Utc>, overdue: bool },
    /// Told at `at`; `late` when after the 72 hours.
    Told { at: DateTime<Utc>, late: bool },
}

impl NotificationState {
    /// The state at `now` of a breach known at `detected_at` whose authority was first told at
    /// `told_at`, if it was.
    pub fn of(
        detected_at: DateTime<Utc>,
        told_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let due = notify_due(detected_at);
        match told_at {
            Some(at) => Self::Told { at, late: at > due },
            None => Self::Waiting {
                due,
                overdue: now > due,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_authority_is_told_within_seventy_two_hours_of_learning_of_it() {
        let known = Utc.with_ymd_and_hms(2026, 12, 4, 22, 30, 0).unwrap();
        let due = Utc.with_ymd_and_hms(2026, 12, 7, 22, 30, 0).unwrap();
        assert_eq!(notify_due(known), due);
        assert_eq!(
            NotificationState::of(known, None, due),
            NotificationState::Waiting {
                due,
                overdue: false
            }
        );
        assert_eq!(
            NotificationState::of(known, None, due + Duration::seconds(1)),
            NotificationState::Waiting { due, overdue: true }
        );
        let late = due + Duration::hours(5);
        assert_eq!(
            NotificationState::of(known, Some(late), late),
            NotificationState::Told {
                at: late,
                late: true
            }
        );
        assert_eq!(
            "authority".parse::<BreachRecipient>().unwrap(),
            BreachRecipient::Authority
        );
        assert!("press".parse::<BreachRecipient>().is_err());
    }
}
