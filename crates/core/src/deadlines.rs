//! Which time limit of the law runs for a report, and when it runs out. Until the workflow's
//! state machines record acceptance, extensions and suspensions, the limit runs from receipt.

use crate::Hotline;
use chrono::{DateTime, Utc};
use hotline_domain::deadline::{DeadlineRule, deadline};
use hotline_domain::{LegalType, ReportStatus};
use hotline_store::Due;

/// The rule that runs for a report of `legal_type` in `status`: classification within 24 hours
/// (R4) until it has a legal type; then the crime-source limit (R7), the intake of a
/// denunciation (R16) or the acceptance of a complaint (R22). Public-order reports, feedback
/// and what needs no handling have no limit in law (R23); a closed report has none.
pub fn rule_for(legal_type: Option<LegalType>, status: ReportStatus) -> Option<DeadlineRule> {
    if status == ReportStatus::Closed {
        return None;
    }
    match legal_type {
        None => Some(DeadlineRule::CrimeClassification),
        Some(
            LegalType::CrimeDenunciation
            | LegalType::CrimeInformation
            | LegalType::ProsecutionRequest,
        ) => Some(DeadlineRule::CrimeSource),
        Some(LegalType::PoliceConduct) => Some(DeadlineRule::DenunciationIntake),
        Some(LegalType::Complaint) => Some(DeadlineRule::ComplaintAcceptance),
        Some(LegalType::PublicOrder | LegalType::Feedback | LegalType::NonActionable) => None,
    }
}

impl Hotline {
    /// The limit running for a report of `legal_type` in `status`, received at `received_at`,
    /// on the configured calendar.
    pub fn running_deadline(
        &self,
        legal_type: Option<LegalType>,
        status: ReportStatus,
        received_at: DateTime<Utc>,
    ) -> Option<Due> {
        let rule = rule_for(legal_type, status)?;
        deadline(rule, received_at, 0, 0, &self.policy.calendar)
            .ok()
            .map(|d| Due {
                rule,
                due_at: d.due_at,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_legal_type_has_its_rule_and_closed_reports_none() {
        assert_eq!(
            rule_for(None, ReportStatus::Received),
            Some(DeadlineRule::CrimeClassification)
        );
        assert_eq!(
            rule_for(Some(LegalType::CrimeInformation), ReportStatus::Triaged),
            Some(DeadlineRule::CrimeSource)
        );
        assert_eq!(
            rule_for(Some(LegalType::PoliceConduct), ReportStatus::Transferred),
            Some(DeadlineRule::DenunciationIntake)
        );
        assert_eq!(
            rule_for(Some(LegalType::Complaint), ReportStatus::InProgress),
            Some(DeadlineRule::ComplaintAcceptance)
        );
        assert_eq!(
            rule_for(Some(LegalType::PublicOrder), ReportStatus::Triaged),
            None
        );
        assert_eq!(rule_for(None, ReportStatus::Closed), None);
    }
}
