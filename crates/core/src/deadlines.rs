//! Which time limit of the law runs for a report, and when it runs out: by its procedure and
//! the stage it is at, from its receipt or from its acceptance, with the extensions granted and
//! the days it was suspended.

use crate::Hotline;
use chrono::{DateTime, Utc};
use hotline_domain::deadline::{Counted, DeadlineRule, running};
use hotline_domain::unit::UnitShape;
use hotline_domain::workflow::{Procedure, Stage};
use hotline_domain::{LegalType, ReportStatus, UnitCode};
use hotline_store::{Due, ProcedureState};

/// The rule that runs at `stage` of `procedure` for a report held by a commune police
/// (`at_commune`) or another unit: classification within 24 hours (R4) until the report has a
/// procedure; at a commune police, a crime source's hand-over within 24 hours (R3); a crime
/// source's limit (R7), also once it came into the crime flow from a denunciation (R20); a
/// denunciation's intake (R16), then its settlement (R18); a complaint's acceptance, then its
/// decision, then the second level's above (R22); a complaint about a procedural decision, the
/// head's answer and the procuracy's (R13). Information with denunciation content (R15), public-order reports (R23),
/// suspended matters (the clock stops) and decided or closed ones have none. Each counts from
/// the report's receipt, or from the day its procedure's time started afresh
/// (`ProcedureState::clock_start`: a petition, an acceptance, a reopening, the receipt by the
/// crime flow or by the competent unit).
pub fn rule_for(
    procedure: Option<Procedure>,
    stage: Stage,
    at_commune: bool,
) -> Option<DeadlineRule> {
    use Stage::*;
    match (procedure, stage) {
        (_, Closed) => None,
        (None, _) | (_, Received) => Some(DeadlineRule::CrimeClassification),
        // Commune police hand a crime source to the investigation body within 24 hours (R3),
        // unless its head is assigned to investigate it (Law 99/2025) and accepts it.
        (Some(Procedure::CrimeReport), Triaged | ToCrimeFlow) if at_commune => {
            Some(DeadlineRule::CommuneTransfer)
        }
        (Some(Procedure::CrimeReport), Triaged | ToCrimeFlow | Accepted | Verifying) => {
            Some(DeadlineRule::CrimeSource)
        }
        (Some(Procedure::Denunciation), Triaged | PreProcessing) => {
            Some(DeadlineRule::DenunciationIntake)
        }
        // A crime in judicial work goes to the procuracy's investigation body at once (R14).
        (Some(Procedure::Denunciation), ToProcuracy) => Some(DeadlineRule::ProcuracyReferral),
        (Some(Procedure::Denunciation), Accepted | Verifying) => {
            Some(DeadlineRule::DenunciationSettlement)
        }
        // A complaint about a procedural decision: the head's seven days, then the
        // procuracy's (R13).
        (Some(Procedure::CrimeReport), ProcedureComplaint) => {
            Some(DeadlineRule::ProceduralComplaint)
        }
        (Some(Procedure::CrimeReport), Appealed) => Some(DeadlineRule::ProcuracyComplaint),
        (Some(Procedure::Complaint), Triaged) => Some(DeadlineRule::ComplaintAcceptance),
        (Some(Procedure::Complaint), Appealed) => Some(DeadlineRule::ComplaintSecondLevel),
        (Some(Procedure::Complaint), Accepted | Verifying) => Some(DeadlineRule::ComplaintDecision),
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
        let rule = rule_for(Procedure::of(legal_type), state.stage, at_commune)?;
        let from = state.clock_start.unwrap_or(received_at);
        let text = rule.text();
        // Lenient with what is stored: more extensions than the rule has count as its last.
        let counted = Counted {
            extensions: state
                .extensions
                .min(u32::try_from(text.spans.len().saturating_sub(1)).unwrap_or(0)),
            suspended_days: if text.pauses { state.suspended_days } else { 0 },
            resumed_at: state.resumed_at,
        };
        running(rule, from, &counted, &self.policy.calendar)
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
        let rule = |p, s| rule_for(p, s, false);
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
            rule(Some(Procedure::Denunciation), Stage::Verifying),
            Some(DeadlineRule::DenunciationSettlement)
        );
        assert_eq!(
            rule(Some(Procedure::CrimeReport), Stage::ToCrimeFlow),
            Some(DeadlineRule::CrimeSource),
            "a denunciation found to be a crime has a crime source's limit"
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
            Some(DeadlineRule::CommuneTransfer),
            "a commune police hands a crime source over within 24 hours"
        );
        assert_eq!(
            rule_for(Some(Procedure::CrimeReport), Stage::Verifying, true),
            Some(DeadlineRule::CrimeSource)
        );
        assert_eq!(status_of(Stage::Verifying), ReportStatus::InProgress);
        assert_eq!(status_of(Stage::InformationOnly), ReportStatus::Triaged);
    }
}
