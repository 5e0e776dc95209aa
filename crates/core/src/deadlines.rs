//! Which time limit of the law runs for a report, and when it runs out: by its procedure and
//! the stage it is at, from its receipt or from its acceptance, with the extensions granted and
//! the days it was suspended.

use crate::Hotline;
use chrono::{DateTime, Utc};
use hotline_domain::deadline::{DeadlineRule, deadline, deadline_after_resumption};
use hotline_domain::unit::UnitShape;
use hotline_domain::workflow::{Procedure, Stage};
use hotline_domain::{LegalType, ReportStatus, UnitCode};
use hotline_store::{Due, ProcedureState};

/// Where a limit's time starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Receipt,
    /// The receipt of the petition: of the report itself when it came as one (in person, or
    /// a petition handed in), else the day a petition was recorded (LTC Art. 22, LKN Art. 8).
    Petition,
    /// The acceptance of a denunciation or a complaint (LTC Art. 30, LKN Art. 28).
    Acceptance,
}

/// The rule that runs at `stage` of `procedure` for a report held by a commune police
/// (`at_commune`) or another unit: classification within 24 hours (R4) until the report has a
/// procedure; at a commune police, a crime source's hand-over within 24 hours (R3); a crime
/// source's limit from receipt (R7); a denunciation's intake
/// (R16), then its settlement from acceptance (R18); a complaint's acceptance, then its decision
/// from acceptance (R22). Information with denunciation content (R15), public-order reports
/// (R23), suspended matters (the clock stops) and decided or closed ones have none.
pub fn rule_for(
    procedure: Option<Procedure>,
    stage: Stage,
    at_commune: bool,
) -> Option<(DeadlineRule, Start)> {
    use Stage::*;
    match (procedure, stage) {
        (_, Closed) => None,
        (None, _) | (_, Received) => Some((DeadlineRule::CrimeClassification, Start::Receipt)),
        // Commune police hand a crime source to the investigation body within 24 hours (R3),
        // unless its head is assigned to investigate it (Law 99/2025) and accepts it.
        (Some(Procedure::CrimeReport), Triaged) if at_commune => {
            Some((DeadlineRule::CommuneTransfer, Start::Receipt))
        }
        (Some(Procedure::CrimeReport), Triaged | Accepted | Verifying) => {
            Some((DeadlineRule::CrimeSource, Start::Receipt))
        }
        (Some(Procedure::Denunciation), Triaged | PreProcessing) => {
            Some((DeadlineRule::DenunciationIntake, Start::Petition))
        }
        // A crime in judicial work goes to the procuracy's investigation body at once (R14).
        (Some(Procedure::Denunciation), ToProcuracy) => {
            Some((DeadlineRule::ProcuracyReferral, Start::Receipt))
        }
        (Some(Procedure::Denunciation), Accepted | Verifying) => {
            Some((DeadlineRule::DenunciationSettlement, Start::Acceptance))
        }
        (Some(Procedure::Complaint), Triaged) => {
            Some((DeadlineRule::ComplaintAcceptance, Start::Petition))
        }
        (Some(Procedure::Complaint), Accepted | Verifying) => {
            Some((DeadlineRule::ComplaintDecision, Start::Acceptance))
        }
        _ => None,
    }
}

/// The report's status for lists, from its stage.
pub fn status_of(stage: Stage) -> ReportStatus {
    match stage {
        Stage::Received => ReportStatus::Received,
        Stage::Triaged | Stage::InformationOnly => ReportStatus::Triaged,
        Stage::Closed => ReportStatus::Closed,
        _ => ReportStatus::InProgress,
    }
}

impl Hotline {
    /// The limit running for a report of `legal_type` whose procedure is in `state`, held by
    /// `unit`, received at `received_at`, on the configured calendar.
    pub fn running_deadline(
        &self,
        legal_type: Option<LegalType>,
        state: &ProcedureState,
        unit: &UnitCode,
        received_at: DateTime<Utc>,
    ) -> Option<Due> {
        let at_commune = matches!(unit.shape(), UnitShape::Commune(..));
        let (rule, start) = rule_for(Procedure::of(legal_type), state.stage, at_commune)?;
        let from = match start {
            Start::Receipt => received_at,
            Start::Acceptance | Start::Petition => state.clock_start.unwrap_or(received_at),
        };
        let text = rule.text();
        // A source of crime resumed after a suspension has its own limit from the resumption
        // (R9, BLTTHS 2015 Art. 149), whatever was left before: only a resumption sets a crime
        // report's `clock_start` (a suspension and resumption the same day included).
        if let (Some(_), Some(resumed)) = (text.after_resumption, state.clock_start) {
            return deadline_after_resumption(rule, resumed, &self.policy.calendar)
                .ok()
                .map(|d| Due {
                    rule,
                    due_at: d.due_at,
                });
        }
        let extensions = state
            .extensions
            .min(u32::try_from(text.spans.len().saturating_sub(1)).unwrap_or(0));
        let suspended = if text.pauses { state.suspended_days } else { 0 };
        deadline(rule, from, extensions, suspended, &self.policy.calendar)
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
    fn each_procedure_and_stage_has_its_rule() {
        let rule = |p, s| rule_for(p, s, false).map(|(r, _)| r);
        assert_eq!(
            rule(None, Stage::Received),
            Some(DeadlineRule::CrimeClassification)
        );
        assert_eq!(
            rule(Some(Procedure::CrimeReport), Stage::Verifying),
            Some(DeadlineRule::CrimeSource)
        );
        assert_eq!(rule(Some(Procedure::CrimeReport), Stage::Suspended), None);
        assert_eq!(
            rule(Some(Procedure::Denunciation), Stage::PreProcessing),
            Some(DeadlineRule::DenunciationIntake)
        );
        assert_eq!(
            rule_for(Some(Procedure::Denunciation), Stage::Verifying, false),
            Some((DeadlineRule::DenunciationSettlement, Start::Acceptance))
        );
        assert_eq!(
            rule(Some(Procedure::Denunciation), Stage::InformationOnly),
            None
        );
        assert_eq!(
            rule(Some(Procedure::Complaint), Stage::Triaged),
            Some(DeadlineRule::ComplaintAcceptance)
        );
        assert_eq!(rule(Some(Procedure::PublicOrder), Stage::Triaged), None);
        assert_eq!(rule(None, Stage::Closed), None);
        assert_eq!(
            rule_for(Some(Procedure::CrimeReport), Stage::Triaged, true),
            Some((DeadlineRule::CommuneTransfer, Start::Receipt)),
            "a commune police hands a crime source over within 24 hours"
        );
        assert_eq!(
            rule_for(Some(Procedure::CrimeReport), Stage::Verifying, true).map(|(r, _)| r),
            Some(DeadlineRule::CrimeSource)
        );
        assert_eq!(status_of(Stage::Verifying), ReportStatus::InProgress);
        assert_eq!(status_of(Stage::InformationOnly), ReportStatus::Triaged);
    }
}
