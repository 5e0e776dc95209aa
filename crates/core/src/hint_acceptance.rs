//! How often officers keep the triage hints: for each report's first triage, whether the legal
//! type, topic and urgency they chose are the ones the text suggested, and what they corrected
//! them to. The figures that say whether the hints help, and which rules to improve.

use crate::{CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::{LegalType, ReportEvent, Topic};
use serde::Serialize;
use std::collections::BTreeMap;

/// One field's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldAcceptance {
    /// The officer chose what the hint said.
    pub accepted: u64,
    /// The officer chose something else.
    pub corrected: u64,
    /// The officer left the field unset.
    pub left_unset: u64,
    /// `accepted` among the triages that set the field; `None` before any.
    pub rate: Option<f64>,
    /// Each correction as `hinted→chosen`, with how often.
    pub corrections: BTreeMap<String, u64>,
}

impl FieldAcceptance {
    fn count(&mut self, hinted: Option<&str>, chosen: Option<&str>) {
        match (hinted, chosen) {
            (_, None) => self.left_unset += 1,
            (Some(h), Some(c)) if h == c => self.accepted += 1,
            (h, Some(c)) => {
                self.corrected += 1;
                *self
                    .corrections
                    .entry(format!("{}→{c}", h.unwrap_or("-")))
                    .or_default() += 1;
            }
        }
        let set = self.accepted + self.corrected;
        self.rate = (set > 0).then(|| self.accepted as f64 / set as f64);
    }
}

/// The figures over every report first triaged since a date.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HintAcceptance {
    pub since: DateTime<Utc>,
    /// First triages that carried hints.
    pub triaged: u64,
    pub legal_type: FieldAcceptance,
    pub topic: FieldAcceptance,
    pub urgency: FieldAcceptance,
}

impl Hotline {
    /// What officers made of the hints on the reports first triaged since `since`. Figures
    /// only: no report, text or officer is named.
    pub async fn hint_acceptance(&self, since: DateTime<Utc>) -> CoreResult<HintAcceptance> {
        let mut figures = HintAcceptance {
            since,
            ..HintAcceptance::default()
        };
        for (_, event) in self.store.first_triages(since).await? {
            // Triages recorded before hints were kept say nothing about them.
            let ReportEvent::Triaged {
                urgency,
                legal_type,
                topic,
                hinted: Some(hinted),
                ..
            } = event.what
            else {
                continue;
            };
            figures.triaged += 1;
            figures.legal_type.count(
                Some(hinted.legal_type.as_str()),
                legal_type.map(LegalType::as_str),
            );
            figures
                .topic
                .count(Some(hinted.topic.as_str()), topic.map(Topic::as_str));
            figures
                .urgency
                .count(Some(hinted.urgency.as_str()), Some(urgency.as_str()));
        }
        Ok(figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_counts_acceptances_corrections_and_blanks() {
        let mut field = FieldAcceptance::default();
        assert_eq!(field.rate, None);
        field.count(Some("drugs"), Some("drugs"));
        field.count(Some("drugs"), Some("drugs"));
        field.count(Some("drugs"), Some("gambling"));
        field.count(Some("other"), None);
        assert_eq!(
            (field.accepted, field.corrected, field.left_unset),
            (2, 1, 1)
        );
        assert_eq!(field.rate, Some(2.0 / 3.0));
        assert_eq!(field.corrections.get("drugs→gambling"), Some(&1));
    }
}
