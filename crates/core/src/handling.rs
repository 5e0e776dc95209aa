//! What officers do to a report they can see: classify it, write notes on it, hand it to a
//! member or another unit, join a duplicate to it, mark it as about police conduct. Every
//! change is checked against the actor's role here and their visibility in the store's
//! transaction, recorded on the report and audited.

use crate::follow_up::accepted_text;
use crate::intake::NOTE_TEXT;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::deadline::span_end;
use hotline_domain::vocabulary::OfferedHints;
use hotline_domain::workflow::{
    PETITION_OFFER, PROCURACY_REFERRAL, Procedure, RequiredNotice, Stage,
};
use hotline_domain::{CaseNumber, DomainError, FieldError, LegalType, Topic, Urgency};
use hotline_store::{
    ConductMark, Handover, NewNote, NewNotice, ProcedureState, StaffMember, StoreError, Triage,
};

/// What an officer is accused of, as far as it decides who handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConductNature {
    /// A breach of discipline or of the law outside criminal procedure: a denunciation under
    /// the Law on Denunciations, settled above the accused (R15–R20).
    #[default]
    Discipline,
    /// A crime in judicial work by investigators or detention staff: the Supreme Procuracy's
    /// investigation body's to investigate, never the police's (R14).
    JudicialCrime,
}

impl std::str::FromStr for ConductNature {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "discipline" => Ok(Self::Discipline),
            "judicial_crime" => Ok(Self::JudicialCrime),
            _ => Err(DomainError::field("nature", "unknown")),
        }
    }
}

impl ConductNature {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discipline => "discipline",
            Self::JudicialCrime => "judicial_crime",
        }
    }
}

/// An officer's classification as typed on the report page: each field in its API spelling,
/// empty for "not set".
#[derive(Debug, Clone, Default)]
pub struct TriageInput<'a> {
    pub legal_type: &'a str,
    pub topic: &'a str,
    pub urgency: &'a str,
    /// A commune's code in the 2025 list; its province follows from it.
    pub commune: &'a str,
}

impl Hotline {
    /// The members a report can be handed to: those of its unit and the units below it who can
    /// read it (never the accused of a report about police conduct), active ones only.
    pub async fn assignable(&self, actor: &Actor, case: &str) -> CoreResult<Vec<StaffMember>> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let unit = self.store.unit(&detail.summary.unit).await?;
        let mut members = Vec::new();
        for member in self.store.staff_under(&unit.path).await? {
            if member.disabled {
                continue;
            }
            let reader = Actor(member);
            match self.store.report(&reader.visibility(), &case).await {
                Ok(_) => members.push(reader.0),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(members)
    }

    /// Hands a report the actor may see to a member who can read it (see [`Self::assignable`]),
    /// or takes it back (`None`). Leaders, the duty desk and inspectors do this; audited.
    pub async fn assign(
        &self,
        actor: &Actor,
        case: &str,
        assignee: Option<&str>,
    ) -> CoreResult<()> {
        if !actor.0.role.may_assign() {
            return Err(CoreError::Forbidden);
        }
        let to = match assignee.map(str::trim).filter(|a| !a.is_empty()) {
            Some(username) => Some(
                self.assignable(actor, case)
                    .await?
                    .into_iter()
                    .find(|m| m.username == username)
                    .ok_or_else(|| DomainError::field("assignee", "not_assignable"))?,
            ),
            None => None,
        };
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let action = if to.is_some() {
            AuditAction::ReportAssigned
        } else {
            AuditAction::ReportUnassigned
        };
        let detail = to
            .as_ref()
            .map(|m| format!("to={}", m.username))
            .unwrap_or_default();
        self.audited(
            Some(actor.0.id),
            action,
            case.as_str(),
            &detail,
            async |audit| {
                Ok(self
                    .store
                    .assign_report(
                        &actor.visibility(),
                        &case,
                        to.as_ref().map(|m| m.id),
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await?)
            },
        )
        .await
    }

    /// Hands a report the actor may see over to another unit, with a written reason: it becomes
    /// that unit's, `transferred` and unassigned, and stays the same report (its history goes
    /// with it). Never into the accused unit of a report about police conduct. Leaders, the
    /// duty desk and inspectors do this; audited with the reason. Returns whether the actor
    /// can still read it.
    pub async fn transfer(
        &self,
        actor: &Actor,
        case: &str,
        to: &str,
        reason: &str,
    ) -> CoreResult<bool> {
        if !actor.0.role.may_assign() {
            return Err(CoreError::Forbidden);
        }
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let reason = crate::identity::written_reason(reason)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let to: hotline_domain::UnitCode = to
            .trim()
            .parse()
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let to = self.resolve_unit(&to).await.map_err(|e| match e {
            CoreError::NotFound => DomainError::field("unit", "unknown").into(),
            e => e,
        })?;
        if to.code == detail.summary.unit {
            return Err(DomainError::field("unit", "same").into());
        }
        // The store refuses any unit ever named as the accused (a correction leaves the one
        // named before walled off); the current one is told apart here already.
        if let Some(accused) = &detail.accused_unit {
            let accused = self.store.unit(accused).await?;
            if to.path.starts_with(&accused.path) {
                return Err(DomainError::field("unit", "accused").into());
            }
        }
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportTransferred,
            case.as_str(),
            &format!(
                "from={} to={} reason={reason}",
                detail.summary.unit, to.code
            ),
            async |audit| {
                self.store
                    .transfer_report(
                        &actor.visibility(),
                        &case,
                        Handover {
                            to: &to.code,
                            reason: &reason,
                        },
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(what) if what == "accused" => {
                            CoreError::from(DomainError::field("unit", "accused"))
                        }
                        e => e.into(),
                    })
            },
        )
        .await?;
        self.still_seen(actor, &case).await
    }

    /// Classifies a report the actor may see as about police conduct, naming the accused's
    /// unit (a commune police is created on first use). From then on nobody in that unit or
    /// below it, the actor included, can read it; the leaders and inspectorate above can. A
    /// report held by the accused's unit or one under it is handed up to the unit above the
    /// accused's. A crime in judicial work (R14) goes to the procuracy: its referral is drafted,
    /// due within 24 hours, and the police's only step left is to close it once sent. Audited,
    /// with events on the report. Returns whether the actor can still read it.
    pub async fn mark_police_conduct(
        &self,
        actor: &Actor,
        case: &str,
        accused_unit: &str,
        nature: ConductNature,
    ) -> CoreResult<bool> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if actor.visibility() == hotline_store::Visibility::Nothing {
            return Err(CoreError::NotFound);
        }
        // It moves the report and walls it off: the triage desk, leaders and inspectors only.
        if !actor.0.role.may_assign() {
            return Err(CoreError::Forbidden);
        }
        let accused: hotline_domain::UnitCode = accused_unit
            .trim()
            .parse()
            .map_err(|_| hotline_domain::DomainError::field("accused_unit", "unknown"))?;
        // The report must be visible before a unit is made up for it.
        let detail = self.store.report(&actor.visibility(), &case).await?;
        // Once named, the accused stays named: re-marking could walk the report back to them.
        if detail.accused_unit.is_some() {
            return Err(hotline_domain::DomainError::field("accused_unit", "already").into());
        }
        // A report about an officer follows the Law on Denunciations from the start; one whose
        // procedure has begun keeps its stage.
        let conduct_state = match (nature, detail.procedure.stage) {
            (
                ConductNature::JudicialCrime,
                Stage::Received | Stage::Triaged | Stage::InformationOnly | Stage::PreProcessing,
            ) => ProcedureState::at(Stage::ToProcuracy),
            // Once handled as something else, the referral is a decision of its own.
            (ConductNature::JudicialCrime, _) => {
                return Err(DomainError::field("nature", "in_procedure").into());
            }
            (_, Stage::Received | Stage::Triaged | Stage::InformationOnly) => {
                ProcedureState::at(Procedure::Denunciation.entry(detail.summary.channel))
            }
            _ => detail.procedure,
        };
        let accused = self.resolve_unit(&accused).await.map_err(|e| match e {
            CoreError::NotFound => {
                hotline_domain::DomainError::field("accused_unit", "unknown").into()
            }
            e => e,
        })?;
        // Every unit is under the ministry: naming it would hide the report from everyone.
        // Reports about the ministry's own leadership are not this system's to handle.
        if accused.parent.is_none() {
            return Err(hotline_domain::DomainError::field("accused_unit", "root").into());
        }
        // The actor may read the report (above); what follows may take it out of their sight,
        // so it runs on the whole store.
        let everywhere = hotline_store::Visibility::Subtree(String::new());
        // Never left with the accused, their unit or those under them (R20, R21): the report
        // goes up to the unit above the accused's (a commune police's or a department's case to
        // the provincial director, the provincial police's to the ministry).
        let holder = self.store.unit(&detail.summary.unit).await?;
        let competent = match &accused.parent {
            Some(parent) if holder.path.starts_with(&accused.path) => Some(parent.clone()),
            _ => None,
        };
        let home = competent.clone().unwrap_or(detail.summary.unit.clone());
        // The offer goes out in the name of the unit that now holds the report.
        let mut held = detail.clone();
        if competent.is_some() {
            held.summary.unit_name = self.store.unit(&home).await?.name;
        }
        let accused = accused.code;
        let mark = ConductMark {
            notices: match nature {
                ConductNature::JudicialCrime => {
                    vec![self.drafted_notice(&held, &PROCURACY_REFERRAL)?]
                }
                ConductNature::Discipline => self.petition_offer(&held, &conduct_state)?,
            },
            move_to: competent.clone(),
            accused_unit: accused.clone(),
            stage: conduct_state.stage,
            deadline: self.running_deadline(
                Some(LegalType::PoliceConduct),
                &conduct_state,
                &home,
                detail.summary.created_at,
            ),
        };
        let transfer = conflict_handover(&detail.summary.unit, competent.as_ref());
        let conduct = format!("accused_unit={accused} nature={}", nature.as_str());
        let records = handed_up_records(
            actor,
            &case,
            transfer.as_deref(),
            (AuditAction::ReportPoliceConduct, &conduct),
        );
        self.audited_all(&records, async |audit| {
            Ok(self
                .store
                .mark_police_conduct(&everywhere, &case, &mark, actor.0.id, audit.at(), audit)
                .await?)
        })
        .await?;
        self.still_seen(actor, &case).await
    }

    /// Names `accused_unit` as the accused's unit of a report about police conduct in place
    /// of the one named, which was wrong: marking names it once, so that nobody re-marking
    /// could walk the report back to the accused, and only a director, unit leader or
    /// inspector whose unit is above both the named unit and the new one may correct it, with
    /// a written reason. The report is handed up when the new accused's unit or one under it
    /// holds it, and is never handed back into the unit named before (it stays walled off, so
    /// that no single leader can lift a wall). Audited, with an event on the report. Returns
    /// whether the actor can still read it (always: they are above the new accused).
    pub async fn correct_accused_unit(
        &self,
        actor: &Actor,
        case: &str,
        accused_unit: &str,
        reason: &str,
    ) -> CoreResult<bool> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        if !actor.0.role.may_correct_accused() {
            return Err(CoreError::Forbidden);
        }
        let named = detail
            .accused_unit
            .clone()
            .ok_or_else(|| DomainError::field("accused_unit", "not_named"))?;
        let reason = crate::identity::written_reason(reason)?;
        let new: hotline_domain::UnitCode = accused_unit
            .trim()
            .parse()
            .map_err(|_| DomainError::field("accused_unit", "unknown"))?;
        if new == named {
            return Err(DomainError::field("accused_unit", "same").into());
        }
        // Strictly below the actor, both of them: a leader above both units decides, and
        // neither naming their own unit nor one beside it can take the report out of their
        // sight or hand it to a unit they do not lead.
        let below_actor = |unit: &hotline_store::Unit| {
            unit.path.starts_with(&actor.0.unit_path) && unit.path != actor.0.unit_path
        };
        if !below_actor(&self.store.unit(&named).await?) {
            return Err(CoreError::Forbidden);
        }
        let new = self.resolve_unit(&new).await.map_err(|e| match e {
            CoreError::NotFound => DomainError::field("accused_unit", "unknown").into(),
            e => e,
        })?;
        if !below_actor(&new) {
            return Err(DomainError::field("accused_unit", "outside").into());
        }
        let holder = self.store.unit(&detail.summary.unit).await?;
        let move_to = match &new.parent {
            Some(parent) if holder.path.starts_with(&new.path) => Some(parent.clone()),
            _ => None,
        };
        let correction = hotline_store::AccusedCorrection {
            from: &named,
            to: &new.code,
            holder: &detail.summary.unit,
            move_to: move_to.as_ref(),
            reason: &reason,
        };
        let corrected = format!("from={named} to={} reason={reason}", new.code);
        let transfer = conflict_handover(&detail.summary.unit, move_to.as_ref());
        let records = handed_up_records(
            actor,
            &case,
            transfer.as_deref(),
            (AuditAction::ReportAccusedCorrected, &corrected),
        );
        self.audited_all(&records, async |audit| {
            Ok(self
                .store
                .correct_accused_unit(
                    &actor.visibility(),
                    &case,
                    &correction,
                    actor.0.id,
                    audit.at(),
                    audit,
                )
                .await?)
        })
        .await?;
        self.still_seen(actor, &case).await
    }

    /// Records the actor's classification of a report they can see: legal type, topic,
    /// urgency, commune. A report still `received` becomes `triaged`. Police conduct is not
    /// set here (the accused's unit must be named, see [`Self::mark_police_conduct`]), and a
    /// report marked so keeps that type. Audited.
    pub async fn triage(
        &self,
        actor: &Actor,
        case: &str,
        input: &TriageInput<'_>,
    ) -> CoreResult<()> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let mut errors = Vec::new();
        let mut wrong = |field: &'static str, code: &'static str| {
            errors.push(FieldError::new(field, code));
        };
        let legal_type = match input.legal_type.trim() {
            "" => None,
            text => match text.parse::<LegalType>() {
                Ok(LegalType::PoliceConduct) if detail.accused_unit.is_none() => {
                    wrong("legal_type", "conduct_form");
                    None
                }
                Ok(t) => Some(t),
                Err(_) => {
                    wrong("legal_type", "unknown");
                    None
                }
            },
        };
        // Once the accused's unit is named, the report stays hidden from it: the type stays.
        let legal_type = match detail.accused_unit {
            Some(_) if legal_type.is_some_and(|t| t != LegalType::PoliceConduct) => {
                wrong("legal_type", "conduct_kept");
                None
            }
            Some(_) => Some(LegalType::PoliceConduct),
            None => legal_type,
        };
        let topic = match input.topic.trim() {
            "" => None,
            text => text
                .parse::<Topic>()
                .map_err(|_| wrong("topic", "unknown"))
                .ok(),
        };
        let urgency = input
            .urgency
            .trim()
            .parse::<Urgency>()
            .map_err(|_| wrong("urgency", "unknown"))
            .ok();
        let (province_code, commune_code) = match input.commune.trim() {
            "" => (detail.summary.province_code, detail.summary.commune_code),
            text => match text
                .parse::<u32>()
                .ok()
                .and_then(|c| self.places.commune(c))
            {
                Some(commune) => (Some(commune.province_code), Some(commune.code)),
                None => {
                    wrong("commune", "unknown");
                    (None, None)
                }
            },
        };
        let (Some(urgency), true) = (urgency, errors.is_empty()) else {
            return Err(DomainError::Invalid(errors).into());
        };
        // Before its procedure starts a report enters the one its type gives; once started,
        // its type may be corrected only within the same procedure.
        let state = detail.procedure;
        let stage = if matches!(
            state.stage,
            Stage::Received | Stage::Triaged | Stage::InformationOnly
        ) {
            Procedure::of(legal_type).map_or(Stage::Triaged, |p| p.entry(detail.summary.channel))
        } else if Procedure::of(legal_type) != Procedure::of(detail.summary.legal_type) {
            return Err(DomainError::field("legal_type", "in_procedure").into());
        } else {
            state.stage
        };
        let state = ProcedureState { stage, ..state };
        let triage = Triage {
            legal_type,
            topic,
            urgency,
            province_code,
            commune_code,
            deadline: self.running_deadline(
                legal_type,
                &state,
                &detail.summary.unit,
                detail.summary.created_at,
            ),
            stage,
            from_stage: detail.procedure.stage,
            hinted: {
                let text = self.first_message_text(&detail.summary).await?;
                let h = hotline_domain::hints::hints(&text, &self.places);
                Some(OfferedHints {
                    legal_type: h.legal_type,
                    topic: h.topic,
                    urgency: h.urgency,
                })
            },
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportTriaged,
            case.as_str(),
            &format!(
                "legal_type={} topic={} urgency={urgency}",
                legal_type.map_or("-", LegalType::as_str),
                topic.map_or("-", Topic::as_str),
            ),
            async |audit| {
                self.store
                    .set_triage(
                        &actor.visibility(),
                        &case,
                        &triage,
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(_) => DomainError::field("action", "moved").into(),
                        e => CoreError::from(e),
                    })
            },
        )
        .await
    }

    /// Adds an internal note to a report the actor can see: for staff only, sealed like the
    /// reporter's messages and searchable like them. Audited without its text.
    pub async fn add_note(&self, actor: &Actor, case: &str, text: &str) -> CoreResult<()> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let text = accepted_text(text, false)?;
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a report without a data key".into()))?;
        let note = NewNote {
            report: detail.summary.id,
            author: actor.0.id,
            body_sealed: key.seal(text.as_bytes(), NOTE_TEXT),
            word_index: self.word_index(&text, None),
            at: self.clock.now(),
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportNoted,
            case.as_str(),
            "",
            async |audit| {
                let note = NewNote {
                    at: audit.at(),
                    ..note
                };
                Ok(self.store.add_note(&note, audit).await?)
            },
        )
        .await
        .map(|_| ())
    }

    /// Joins the report `duplicate` to the report `into` (both the actor's to see): the
    /// duplicate is closed and its conversation is read on the other, where its reporter's
    /// messages appear in the timeline; each keeps its own reporter and follow-up code.
    /// Leaders, the duty desk and inspectors do this; audited.
    pub async fn merge(&self, actor: &Actor, duplicate: &str, into: &str) -> CoreResult<()> {
        if !actor.0.role.may_assign() {
            return Err(CoreError::Forbidden);
        }
        let duplicate = CaseNumber::parse(duplicate).ok_or(CoreError::NotFound)?;
        let into =
            CaseNumber::parse(into.trim()).ok_or_else(|| DomainError::field("into", "unknown"))?;
        let visibility = actor.visibility();
        let from = self.store.report(&visibility, &duplicate).await?;
        // Another unit's report is "unknown" here, exactly like one that does not exist.
        let target = match self.store.report(&visibility, &into).await {
            Ok(target) => target,
            Err(StoreError::NotFound) => return Err(DomainError::field("into", "unknown").into()),
            Err(e) => return Err(e.into()),
        };
        // A duplicate is joined before its procedure starts, and never across the wall around
        // a report about an officer: both name the same accused unit, or neither does.
        if !matches!(
            from.procedure.stage,
            Stage::Received | Stage::Triaged | Stage::InformationOnly
        ) {
            return Err(DomainError::field("into", "in_procedure").into());
        }
        if from.accused_unit != target.accused_unit {
            return Err(DomainError::field("into", "conduct").into());
        }
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportMerged,
            duplicate.as_str(),
            &format!("into={into}"),
            async |audit| {
                self.store
                    .merge_report(
                        &visibility,
                        &duplicate,
                        &into,
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(what) if what == "same" => {
                            DomainError::field("into", "same").into()
                        }
                        StoreError::Conflict(_) => DomainError::field("into", "merged").into(),
                        e => CoreError::from(e),
                    })
            },
        )
        .await
    }

    /// The offer of a signed petition or an appointment (R15), when marking puts a report on
    /// the information-only path; drafted without naming anyone.
    fn petition_offer(
        &self,
        detail: &hotline_store::ReportDetail,
        state: &ProcedureState,
    ) -> CoreResult<Vec<NewNotice>> {
        if state.stage != Stage::InformationOnly || detail.procedure.stage == Stage::InformationOnly
        {
            return Ok(Vec::new());
        }
        Ok(vec![self.drafted_notice(detail, &PETITION_OFFER)?])
    }

    /// A notice drafted now, due within its span from now, sealed under the report's key.
    fn drafted_notice(
        &self,
        detail: &hotline_store::ReportDetail,
        required: &RequiredNotice,
    ) -> CoreResult<NewNotice> {
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a report without a data key".into()))?;
        let now = self.clock.now();
        let due_at = span_end(required.within, now, 0, &self.policy.calendar)
            .map(|(due, _)| due)
            .unwrap_or(now);
        let text = crate::procedure::draft(required, &detail.summary, None, None);
        Ok(NewNotice {
            kind: required.kind,
            recipient: required.to,
            due_at,
            text_sealed: key.seal(text.as_bytes(), NOTE_TEXT),
            basis: required.basis.to_owned(),
        })
    }
}

impl Hotline {
    /// Whether `actor` can still read `case` after a change that may take it out of sight.
    async fn still_seen(&self, actor: &Actor, case: &CaseNumber) -> CoreResult<bool> {
        match self.store.report(&actor.visibility(), case).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The chain's detail of a report handed up from `from` to `to` for a conflict of interest,
/// when it is.
fn conflict_handover(
    from: &hotline_domain::UnitCode,
    to: Option<&hotline_domain::UnitCode>,
) -> Option<String> {
    to.map(|to| format!("from={from} to={to} reason=conflict of interest"))
}

/// The chain's records of a change about police conduct: the handover first, where there is
/// one, then the change.
fn handed_up_records<'a>(
    actor: &Actor,
    case: &'a CaseNumber,
    handover: Option<&'a str>,
    (action, detail): (AuditAction, &'a str),
) -> Vec<(
    Option<hotline_domain::StaffId>,
    AuditAction,
    &'a str,
    &'a str,
)> {
    let by = Some(actor.0.id);
    handover
        .map(|handover| (by, AuditAction::ReportTransferred, case.as_str(), handover))
        .into_iter()
        .chain(std::iter::once((by, action, case.as_str(), detail)))
        .collect()
}
