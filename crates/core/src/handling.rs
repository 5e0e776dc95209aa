//! What officers do to a report they can see: classify it, write notes on it, hand it to a
//! member or another unit, join a duplicate to it, mark it as about police conduct. Every
//! change is checked against the actor's role here and their visibility in the store's
//! transaction, recorded on the report and audited.

use crate::follow_up::accepted_text;
use crate::intake::NOTE_TEXT;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::conduct::{AccusedPost, Settler};
use hotline_domain::deadline::span_end;
use hotline_domain::vocabulary::OfferedHints;
use hotline_domain::workflow::{
    COMPETENCE_HANDOVER_REASON, CONFLICT_HANDOVER_REASON, PETITION_OFFER, PROCURACY_REFERRAL,
    Procedure, RequiredNotice, Stage,
};
use hotline_domain::{CaseNumber, DomainError, FieldError, LegalType, Role, Topic, Urgency};
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
    /// with it), where it stood in its procedure with the extensions granted; before acceptance
    /// its time starts again from the receipt there. Never into the accused unit of a report
    /// about police conduct; never a closed report, nor one referred to the procuracy. Leaders, the
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
        let to = self.known_unit(&to, "unit").await?;
        if to.code == detail.summary.unit {
            return Err(DomainError::field("unit", "same").into());
        }
        let state = detail.procedure;
        // A closed report is not restarted elsewhere, nor one referred to the procuracy's
        // investigation body, which only the procuracy path moves on (R14).
        if matches!(state.stage, Stage::Closed | Stage::ToProcuracy) {
            return Err(DomainError::field("unit", "stage").into());
        }
        // Before acceptance the competent unit's time runs from its receipt (BLTTHS Art. 147(1),
        // LTC Art. 24, LKN Art. 27): from the first time it received it, so that sending a
        // report back and forth renews no time. Once accepted, the time already running goes on.
        let before_acceptance = matches!(
            state.stage,
            Stage::Received
                | Stage::Triaged
                | Stage::InformationOnly
                | Stage::PreProcessing
                | Stage::ToCrimeFlow
        );
        let clock_start = if before_acceptance {
            let first_held = self
                .store
                .register_entries(detail.summary.id)
                .await?
                .iter()
                .filter(|entry| entry.unit == to.code)
                .map(|entry| entry.received_at)
                .min();
            Some(first_held.unwrap_or_else(|| self.clock.now()))
        } else {
            None
        };
        let there = ProcedureState {
            clock_start: clock_start.or(state.clock_start),
            ..state
        };
        let deadline = self.running_deadline(
            detail.summary.legal_type,
            &there,
            &to.code,
            detail.summary.created_at,
        );
        // The store refuses any unit ever named as the accused (a correction leaves the one
        // named before walled off); the current one is told apart here already. Only the
        // accused's own unit itself, when its head settles (R20), may receive it.
        if let Some(accused) = &detail.accused_unit {
            let accused = self.store.unit(accused).await?;
            let legal_type = detail.summary.legal_type.ok_or_else(|| {
                CoreError::Internal("a report about an officer without a type".into())
            })?;
            let there = self
                .settling(
                    (actor, &accused),
                    detail.accused_post,
                    (legal_type, nature_of(&detail)),
                    &to,
                )
                .await?;
            // Into the accused's unit only to its head, and only by a leader (R20).
            let to_the_head = there.head_settles && to.code == accused.code;
            if to.path.starts_with(&accused.path) && !(to_the_head && actor.0.role.leads_unit()) {
                return Err(DomainError::field("unit", "accused").into());
            }
            // Only to the unit competent by the accused's post or one above it (R20): a peer
            // never settles a denunciation about another unit's officers.
            if there.move_to.is_some() {
                return Err(DomainError::field("unit", "not_competent").into());
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
                            accused: detail.accused_unit.as_ref(),
                            accused_post: detail.accused_post,
                            stage: state.stage,
                            extensions: state.extensions,
                            clock_start,
                            deadline,
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
                        StoreError::Conflict(_) => DomainError::field("unit", "moved").into(),
                        e => e.into(),
                    })
            },
        )
        .await?;
        self.still_seen(actor, &case).await
    }

    /// Who settles a report of `legal_type` about the holder of `post` in `accused` (R20), and
    /// whether `holder` must hand it on: the head of the accused's own unit for a denunciation
    /// about one of a commune police's officers, as decided by an `actor` outside that unit
    /// (never for a crime in judicial work, R14),
    /// otherwise the unit above the accused's. A holder that is the competent unit, or above
    /// it, keeps the report; any other hands it to the competent unit: the accused's unit or
    /// one under it for the conflict (R21), a peer because it is not competent.
    async fn settling(
        &self,
        (actor, accused): (&Actor, &hotline_store::Unit),
        post: Option<AccusedPost>,
        (legal_type, nature): (LegalType, ConductNature),
        holder: &hotline_store::Unit,
    ) -> CoreResult<Settling> {
        let head_settles = nature == ConductNature::Discipline
            && post.is_some_and(|post| post.settler(accused.kind, legal_type) == Settler::OwnHead);
        // Only a leader outside the accused's unit sends a report to its head: from inside, the
        // post would be the accused's colleagues' (or the accused's own) to choose, and a desk
        // officer's word alone does not open the wall; so it goes up, and a leader there hands
        // it down.
        let decided_outside =
            actor.0.role.leads_unit() && !actor.0.unit_path.starts_with(&accused.path);
        let competent = if head_settles && decided_outside {
            accused.clone()
        } else {
            let parent = accused
                .parent
                .as_ref()
                .ok_or_else(|| DomainError::field("accused_unit", "root"))?;
            self.store.unit(parent).await?
        };
        let keeps = competent.path.starts_with(&holder.path);
        let reason = if holder.path.starts_with(&accused.path) && !(head_settles && decided_outside)
        {
            CONFLICT_HANDOVER_REASON
        } else {
            COMPETENCE_HANDOVER_REASON
        };
        Ok(Settling {
            head_settles,
            move_to: (!keeps).then_some(competent.code),
            reason,
        })
    }

    /// The unit above the accused's, when a report about an officer that the head of the
    /// officer's own unit settles takes the type `to`, which that head does not settle (a
    /// denunciation with the signs of a crime: R14, R20, R21), and the accused's unit holds
    /// it: it leaves that unit with the change. `None` otherwise.
    pub(crate) async fn out_of_accused_unit(
        &self,
        detail: &hotline_store::ReportDetail,
        to: Option<LegalType>,
    ) -> CoreResult<Option<hotline_domain::UnitCode>> {
        let (Some(to), Some(accused), Some(post), Some(from)) = (
            to,
            &detail.accused_unit,
            detail.accused_post,
            detail.summary.legal_type,
        ) else {
            return Ok(None);
        };
        let accused = self.store.unit(accused).await?;
        if post.settler(accused.kind, from) != Settler::OwnHead
            || post.settler(accused.kind, to) == Settler::OwnHead
        {
            return Ok(None);
        }
        let holder = self.store.unit(&detail.summary.unit).await?;
        Ok(holder
            .path
            .starts_with(&accused.path)
            .then_some(accused.parent)
            .flatten())
    }

    /// Classifies a report the actor may see as about police conduct, naming the accused's
    /// unit (a commune police is created on first use) and post. From then on nobody in that
    /// unit or below it, the actor included, can read it; the leaders and inspectorate above
    /// can, and, for a denunciation about one of a commune police's officers, which its head
    /// settles (R20), that unit's leaders too. The report goes to the competent unit by
    /// [`Self::settling`]. A crime in judicial work (R14) goes to the procuracy: its referral is drafted,
    /// due within 24 hours, and the police's only step left is to close it once sent. Audited,
    /// with events on the report. Returns whether the actor can still read it.
    pub async fn mark_police_conduct(
        &self,
        actor: &Actor,
        case: &str,
        accused_unit: &str,
        accused_post: &str,
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
        let post = accused_post_of(accused_post)?;
        // The report must be visible before a unit is made up for it.
        let detail = self.store.report(&actor.visibility(), &case).await?;
        // Once named, the accused stays named: re-marking could walk the report back to them.
        if detail.accused_unit.is_some() {
            return Err(hotline_domain::DomainError::field("accused_unit", "already").into());
        }
        let (legal_type, conduct_state) = conduct_procedure(
            nature,
            detail.summary.legal_type,
            detail.procedure,
            detail.summary.channel,
        )?;
        let accused = self.known_unit(&accused, "accused_unit").await?;
        // Every unit is under the ministry: naming it would hide the report from everyone.
        // Reports about the ministry's own leadership are not this system's to handle.
        if accused.parent.is_none() {
            return Err(hotline_domain::DomainError::field("accused_unit", "root").into());
        }
        // The actor may read the report (above); what follows may take it out of their sight,
        // so it runs on the whole store.
        let everywhere = hotline_store::Visibility::Subtree(String::new());
        // Settled where the accused's post says (R20), and never left with the accused's unit or
        // those under it unless its head settles (R21).
        let holder = self.store.unit(&detail.summary.unit).await?;
        let settling = self
            .settling((actor, &accused), post, (legal_type, nature), &holder)
            .await?;
        let competent = settling.move_to.clone();
        let home = competent.clone().unwrap_or(detail.summary.unit.clone());
        // The offer goes out in the name of the unit that now holds the report.
        let mut held = detail.clone();
        if competent.is_some() {
            held.summary.unit_name = self.store.unit(&home).await?.name;
        }
        let accused = accused.code;
        let mark = ConductMark {
            holder: detail.summary.unit.clone(),
            notices: match nature {
                ConductNature::JudicialCrime => {
                    vec![self.drafted_notice(&held, &PROCURACY_REFERRAL)?]
                }
                ConductNature::Discipline => self.petition_offer(&held, &conduct_state)?,
            },
            move_to: competent.clone(),
            handover_reason: settling.reason,
            accused_unit: accused.clone(),
            accused_post: post,
            head_settles: settling.head_settles,
            legal_type,
            from_stage: detail.procedure.stage,
            from_legal_type: detail.summary.legal_type,
            stage: conduct_state.stage,
            deadline: self.running_deadline(
                Some(legal_type),
                &conduct_state,
                &home,
                detail.summary.created_at,
            ),
        };
        let transfer = settling.handover(&detail.summary.unit);
        let conduct = format!(
            "accused_unit={accused} post={} nature={}",
            post.map_or("unknown", AccusedPost::as_str),
            nature.as_str()
        );
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

    /// Names `accused_unit` and `accused_post` as the accused's unit and post of a report about
    /// police conduct in place of those named, which were wrong: marking names them once, so
    /// that nobody re-marking could walk the report back to the accused, and only a director,
    /// unit leader or inspector whose unit is above both the named unit and the new one may
    /// correct them, with a written reason. The report goes to the competent unit by
    /// [`Self::settling`], and is never handed back into a unit named before (it stays walled
    /// off, so that no single leader can lift a wall). Audited, with an event on the report.
    /// Returns whether the actor can still read it (always: they are above the new accused).
    pub async fn correct_accused_unit(
        &self,
        actor: &Actor,
        case: &str,
        accused_unit: &str,
        accused_post: &str,
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
        let post = accused_post_of(accused_post)?;
        if new == named && detail.accused_post == post {
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
        let new = self.known_unit(&new, "accused_unit").await?;
        if !below_actor(&new) {
            return Err(DomainError::field("accused_unit", "outside").into());
        }
        let holder = self.store.unit(&detail.summary.unit).await?;
        let legal_type = detail.summary.legal_type.ok_or_else(|| {
            CoreError::Internal("a report about an officer without a type".into())
        })?;
        // A unit once walled in full is never the head's to settle again: the post is recorded,
        // but settled above.
        let settled_as = if self
            .store
            .walled_in_full(detail.summary.id, &new.code)
            .await?
        {
            post.filter(|p| *p != AccusedPost::Officer)
        } else {
            post
        };
        let settling = self
            .settling(
                (actor, &new),
                settled_as,
                (legal_type, nature_of(&detail)),
                &holder,
            )
            .await?;
        let correction = hotline_store::AccusedCorrection {
            from: &named,
            from_post: detail.accused_post,
            to: &new.code,
            post,
            head_settles: settling.head_settles,
            holder: &detail.summary.unit,
            move_to: settling.move_to.as_ref(),
            handover_reason: settling.reason,
            reason: &reason,
        };
        let corrected = hotline_domain::ReportEvent::AccusedCorrected {
            from: named.clone(),
            to: new.code.clone(),
            post,
            reason: reason.clone(),
        }
        .detail();
        let transfer = settling.handover(&detail.summary.unit);
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

    /// Corrects the legal type of a report about police conduct, locked once the accused's
    /// unit is named: only a director, unit leader or inspector whose unit is strictly above
    /// the accused's may, with a written reason. Before its procedure starts the report enters
    /// the new type's; once started, only a type of the same procedure (a denunciation with
    /// the signs of a crime goes by `send_to_crime_flow`, which keeps its record). Audited,
    /// with an event on the report.
    pub async fn correct_legal_type(
        &self,
        actor: &Actor,
        case: &str,
        legal_type: &str,
        reason: &str,
    ) -> CoreResult<()> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        // A decision on the procedure: the head's, not the inspectorate's.
        if !matches!(actor.0.role, Role::Director | Role::UnitLeader) {
            return Err(CoreError::Forbidden);
        }
        let (Some(accused), Some(from)) = (&detail.accused_unit, detail.summary.legal_type) else {
            return Err(DomainError::field("legal_type", "not_locked").into());
        };
        let accused = self.store.unit(accused).await?;
        if !accused.path.starts_with(&actor.0.unit_path) || accused.path == actor.0.unit_path {
            return Err(CoreError::Forbidden);
        }
        let reason = crate::identity::written_reason(reason)?;
        let to: LegalType = legal_type
            .trim()
            .parse()
            .map_err(|_| DomainError::field("legal_type", "unknown"))?;
        if to == from {
            return Err(DomainError::field("legal_type", "same").into());
        }
        let state = detail.procedure;
        let (from_procedure, to_procedure) = (Procedure::of(Some(from)), Procedure::of(Some(to)));
        // A crime stays a crime (R1): only its kind is corrected. What turns out to be a crime
        // goes by `send_to_crime_flow`, which keeps the decision and the register line.
        let crime = Some(Procedure::CrimeReport);
        let stage = if from_procedure == to_procedure {
            state.stage
        } else if from_procedure != crime
            && to_procedure != crime
            && matches!(
                state.stage,
                Stage::Received | Stage::Triaged | Stage::InformationOnly
            )
        {
            to_procedure.map_or(Stage::Triaged, |p| p.entry(detail.summary.channel))
        } else {
            return Err(DomainError::field("legal_type", "in_procedure").into());
        };
        // Another procedure starts its time afresh from receipt.
        let corrected = if stage == state.stage {
            ProcedureState { stage, ..state }
        } else {
            ProcedureState::at(stage)
        };
        let move_to = self.out_of_accused_unit(&detail, Some(to)).await?;
        let correction = hotline_store::TypeCorrection {
            from,
            to,
            accused: &accused.code,
            move_to: move_to.as_ref(),
            holder: &detail.summary.unit,
            from_stage: state.stage,
            from_extensions: state.extensions,
            after: corrected,
            deadline: self.running_deadline(
                Some(to),
                &corrected,
                move_to.as_ref().unwrap_or(&detail.summary.unit),
                detail.summary.created_at,
            ),
            reason: &reason,
        };
        let event = hotline_domain::ReportEvent::LegalTypeCorrected {
            from,
            to,
            reason: reason.clone(),
        };
        let corrected_detail = event.detail();
        let transfer = handover_detail(
            &detail.summary.unit,
            move_to.as_ref(),
            CONFLICT_HANDOVER_REASON,
        );
        let records = handed_up_records(
            actor,
            &case,
            transfer.as_deref(),
            (AuditAction::ReportLegalTypeCorrected, &corrected_detail),
        );
        self.audited_all(&records, async |audit| {
            self.store
                .correct_legal_type(
                    &actor.visibility(),
                    &case,
                    &correction,
                    actor.0.id,
                    audit.at(),
                    audit,
                )
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => DomainError::field("legal_type", "moved").into(),
                    e => CoreError::from(e),
                })
        })
        .await
    }

    /// Records that a report the actor can see came from the 113 line, or was handed over to
    /// 114, 115 or 112 (R30): which line and who recorded it, when, in its history and the
    /// audit chain. What was said stays in a note, sealed, not in the event.
    pub async fn record_emergency_line(
        &self,
        actor: &Actor,
        case: &str,
        line: &str,
        handed: bool,
    ) -> CoreResult<()> {
        use hotline_domain::workflow::EmergencyLine;
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if matches!(actor.0.role, Role::Administrator | Role::Auditor) {
            return Err(CoreError::Forbidden);
        }
        let line: EmergencyLine = line
            .trim()
            .parse()
            .map_err(|_| DomainError::field("line", "unknown"))?;
        // Reports come to the police from 113; they are handed to the other services.
        if handed == (line == EmergencyLine::Police) {
            return Err(DomainError::field("line", "direction").into());
        }
        let event = hotline_domain::ReportEvent::EmergencyLine { line, handed };
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportEmergencyLine,
            case.as_str(),
            &event.detail(),
            async |audit| {
                Ok(self
                    .store
                    .record_emergency_line(
                        &actor.visibility(),
                        &case,
                        (line, handed),
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await?)
            },
        )
        .await
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
        // Once the accused's unit is named the type is locked, so that no triage can walk the
        // report out of its procedure; a leader above corrects it (`correct_legal_type`).
        let legal_type = match detail.accused_unit {
            Some(_) if legal_type.is_some_and(|t| Some(t) != detail.summary.legal_type) => {
                wrong("legal_type", "conduct_kept");
                None
            }
            Some(_) => detail.summary.legal_type,
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
        // Another procedure starts from receipt: a petition's day does not carry over.
        let state = if Procedure::of(legal_type) == Procedure::of(detail.summary.legal_type) {
            ProcedureState { stage, ..state }
        } else {
            ProcedureState::at(stage)
        };
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
            clock_start: state.clock_start,
            from_stage: detail.procedure.stage,
            from_legal_type: detail.summary.legal_type,
            accused_named: detail.accused_unit.is_some(),
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
        let received = detail
            .procedure
            .clock_start
            .unwrap_or(detail.summary.created_at);
        let text = crate::procedure::draft(
            required,
            &detail.summary,
            detail.procedure.stage,
            received,
            None,
            None,
        );
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
    /// The unit `code` names for the form's `field` (a commune police is created on first
    /// use); an unknown one is that field's error.
    async fn known_unit(
        &self,
        code: &hotline_domain::UnitCode,
        field: &'static str,
    ) -> CoreResult<hotline_store::Unit> {
        self.resolve_unit(code).await.map_err(|e| match e {
            CoreError::NotFound | CoreError::Domain(DomainError::UnknownUnit(_)) => {
                DomainError::field(field, "unknown").into()
            }
            e => e,
        })
    }

    /// Whether `actor` can still read `case` after a change that may take it out of sight.
    async fn still_seen(&self, actor: &Actor, case: &CaseNumber) -> CoreResult<bool> {
        match self.store.report(&actor.visibility(), case).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The legal type and procedure of a report once marked as about police conduct. A crime stays
/// in the criminal procedure and a complaint in the Law on Complaints, where they stand (R1,
/// R20): the mark changes who may see and settle them, not their procedure. Anything else is a
/// denunciation about an officer from the start of the Law on Denunciations (information until
/// a petition, R15), unless closed already; a crime in judicial work goes to the procuracy
/// (R14) unless its handling as something else has begun.
fn conduct_procedure(
    nature: ConductNature,
    legal_type: Option<LegalType>,
    state: ProcedureState,
    channel: hotline_domain::Channel,
) -> CoreResult<(LegalType, ProcedureState)> {
    let before_procedure = matches!(
        state.stage,
        Stage::Received | Stage::Triaged | Stage::InformationOnly | Stage::PreProcessing
    );
    match (nature, Procedure::of(legal_type), legal_type) {
        (ConductNature::JudicialCrime, _, _) if before_procedure => Ok((
            LegalType::PoliceConduct,
            ProcedureState::at(Stage::ToProcuracy),
        )),
        // Once handled as something else, the referral is a decision of its own.
        (ConductNature::JudicialCrime, _, _) => {
            Err(DomainError::field("nature", "in_procedure").into())
        }
        (_, Some(Procedure::CrimeReport | Procedure::Complaint), Some(kept)) => Ok((kept, state)),
        (_, _, Some(kept)) if state.stage == Stage::Closed => Ok((kept, state)),
        _ => Ok((
            LegalType::PoliceConduct,
            ProcedureState::at(Procedure::Denunciation.entry(channel)),
        )),
    }
}

/// The chain's detail of a report handed up from `from` to `to` for a conflict of interest,
/// when it is.
/// What a report about an officer is about, as far as it decides who settles it: a crime in
/// judicial work is the one marked straight to the procuracy's investigation body (R14).
fn nature_of(detail: &hotline_store::ReportDetail) -> ConductNature {
    if detail.procedure.stage == Stage::ToProcuracy {
        ConductNature::JudicialCrime
    } else {
        ConductNature::Discipline
    }
}

/// The accused's post as typed: empty when not known, which is settled above the accused's
/// unit like any post but an officer's.
fn accused_post_of(typed: &str) -> CoreResult<Option<AccusedPost>> {
    match typed.trim() {
        "" => Ok(None),
        post => Ok(Some(post.parse()?)),
    }
}

/// Where a report about an officer is settled, by the accused's post (R20).
struct Settling {
    /// The head of the accused's own unit settles it: that unit's leaders may read it there,
    /// once it is handed to them by someone outside the unit.
    head_settles: bool,
    /// The competent unit, when another holds the report.
    move_to: Option<hotline_domain::UnitCode>,
    /// Why it is handed there: the accused's unit (or one under it) holds it, or a unit not
    /// competent does.
    reason: &'static str,
}

impl Settling {
    /// The handover's detail for the audit chain, when the report is handed on.
    fn handover(&self, from: &hotline_domain::UnitCode) -> Option<String> {
        handover_detail(from, self.move_to.as_ref(), self.reason)
    }
}

/// The detail of a hand-over from `from` to `to`, when there is one, for the audit chain.
fn handover_detail(
    from: &hotline_domain::UnitCode,
    to: Option<&hotline_domain::UnitCode>,
    reason: &str,
) -> Option<String> {
    to.map(|to| {
        hotline_domain::ReportEvent::Transferred {
            from: from.clone(),
            to: to.clone(),
            reason: reason.to_owned(),
        }
        .detail()
    })
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
