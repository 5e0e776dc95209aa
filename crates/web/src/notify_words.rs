//! The words of notifications sent outside the console, from the catalogues, in Vietnamese:
//! what happened, to which case, and the console link to act on it. Never the report's text,
//! place or reporter: mail, text messages and chat apps are read on phones in other hands.

use crate::i18n::{Catalogues, Lang, Tr};
use crate::pages::vn_time;
use hotline_core::notify::{About, Wording, Words};
use std::sync::Arc;

/// Case numbers of unacknowledged urgent reports named in a digest, at most.
const DIGEST_CASES: usize = 5;

pub struct CatalogueWords(Tr);

impl CatalogueWords {
    pub fn new(catalogues: &Arc<Catalogues>) -> Self {
        Self(catalogues.tr(Lang::Vi))
    }
}

impl Words for CatalogueWords {
    fn word(&self, about: &About<'_>, link: &str) -> Wording {
        let tr = &self.0;
        let link = link.to_owned();
        let (key, args) = match about {
            About::Alert {
                case,
                urgency,
                level,
            } => (
                "notify-alert",
                vec![
                    ("case", case.to_string()),
                    (
                        "urgency",
                        urgency.map_or_else(String::new, |u| tr.t(&format!("urgency-{u}"))),
                    ),
                    ("level", tr.t(&format!("alert-level-{level}"))),
                ],
            ),
            About::DeadlineApproaching { case, due_at } => (
                "notify-deadline-approaching",
                vec![
                    ("case", case.to_string()),
                    ("due", due_at.map(vn_time).unwrap_or_default()),
                ],
            ),
            About::DeadlinePassed { case, due_at } => (
                "notify-deadline-passed",
                vec![
                    ("case", case.to_string()),
                    ("due", due_at.map(vn_time).unwrap_or_default()),
                ],
            ),
            About::Digest(digest) => {
                let urgent: usize = digest
                    .by_urgency
                    .iter()
                    .filter(|(u, _)| u.as_str() == "emergency" || u.as_str() == "urgent")
                    .map(|(_, n)| n)
                    .sum();
                let waiting: Vec<String> = digest
                    .unacknowledged
                    .iter()
                    .take(DIGEST_CASES)
                    .map(|s| s.case_number.to_string())
                    .collect();
                (
                    "notify-digest",
                    vec![
                        ("day", vn_time(digest.now)),
                        ("received", digest.received.to_string()),
                        ("urgent", urgent.to_string()),
                        ("overdue", digest.overdue.to_string()),
                        ("waiting", digest.unacknowledged.len().to_string()),
                        ("cases", waiting.join(", ")),
                    ],
                )
            }
            About::Test => ("notify-test", Vec::new()),
            About::ChannelSilent { account, hours } => (
                "notify-channel-silent",
                vec![
                    ("account", (*account).to_owned()),
                    ("hours", hours.to_string()),
                ],
            ),
            About::ChannelFailing { account } => (
                "notify-channel-failing",
                vec![("account", (*account).to_owned())],
            ),
        };
        let mut args = args;
        args.push(("link", link));
        Wording {
            subject: tr.tn(&format!("{key}-subject"), &args),
            body: tr.tn(&format!("{key}-body"), &args),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use hotline_domain::{CaseNumber, Urgency};

    #[test]
    fn an_alert_says_what_and_where_in_vietnamese() {
        let words = CatalogueWords::new(&Catalogues::load().unwrap());
        let case = CaseNumber::parse("QN-2026-000123").unwrap();
        let wording = words.word(
            &About::Alert {
                case: &case,
                urgency: Some(Urgency::Emergency),
                level: 1,
            },
            "https://hotline.example.invalid/console/reports/QN-2026-000123",
        );
        assert!(wording.subject.contains("QN-2026-000123"), "{wording:?}");
        assert!(wording.subject.contains("Khẩn cấp") || wording.subject.contains("khẩn cấp"));
        assert!(wording.body.contains("lãnh đạo đơn vị"), "{wording:?}");
        assert!(wording.body.ends_with("/console/reports/QN-2026-000123"));
        let passed = words.word(
            &About::DeadlinePassed {
                case: &case,
                due_at: None,
            },
            "x",
        );
        assert!(passed.subject.contains("quá hạn"), "{passed:?}");
        // Short enough for two text-message segments.
        assert!(
            wording.body.chars().count() <= 134,
            "{}",
            wording.body.chars().count()
        );
    }
}
