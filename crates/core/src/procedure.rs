//! The steps of a report's legal procedure (LEGAL-VN.md §3): taken by the role the law names,
//! each recording its decision (number, date, signer, grounds) or note, moving the report's
//! stage, status and clock, audited.

use crate::intake::NOTE_TEXT;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hotline_domain::AuditAction;
use hotline_domain::deadline::{days_suspended, span_end};
use hotline_domain::text::clean_line;
use hotline_domain::workflow::{
    Action, CONFLICT_HANDOVER_REASON, NoticeKind, Party, Procedure, Recipient, Record,
    RequiredNotice, SECOND_LEVEL_HANDOVER_REASON, Stage, StepError, notices_for, step_for,
};
use hotline_domain::{CaseNumber, DomainError, FieldError, LegalType, VIETNAM};
use hotline_store::{
    NewNotice, NewStep, Notice, NoticeSent, ProcedureState, ReportSummary, StepRecord, StoreError,
};

/// Longest decision number, signer, in characters.
const MAX_FIELD_CHARS: usize = 100;
/// Shortest and longest grounds or note, in characters.
const MIN_GROUNDS_CHARS: usize = 10;
const MAX_GROUNDS_CHARS: usize = 4000;

/// A step as an officer asks for it, fields as typed.
#[derive(Debug, Clone, Default)]
pub struct StepInput<'a> {
    pub action: &'a str,
    pub number: &'a str,
    /// `YYYY-MM-DD`.
    pub decided_on: &'a str,
    pub signer: &'a str,
    pub grounds: &'a str,
}

impl Hotline {
    /// Takes a step of the procedure of a report the actor can see. Refused, changing nothing,
    /// when the report has no procedure yet, the step does not start from where it stands, the
    /// actor's role does not take it, its record is incomplete, a crime source would be
    /// suspended before its time ran out (R8), or another officer moved it meanwhile.
    pub async fn take_step(
        &self,
        actor: &Actor,
        case: &str,
        input: &StepInput<'_>,
    ) -> CoreResult<StepRecord> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let action: Action = input
            .action
            .trim()
            .parse()
            .map_err(|_| DomainError::field("action", "unknown"))?;
        let procedure = Procedure::of(detail.summary.legal_type)
            .ok_or_else(|| DomainError::field("action", "not_classified"))?;
        let state = detail.procedure;
        let step = step_for(
            procedure,
            state.stage,
            action,
            actor.0.role,
            state.extensions,
        )
        .map_err(|e| match e {
            StepError::NotFromHere { .. } => DomainError::field("action", "not_from_here").into(),
            StepError::NotYourStep { .. } => CoreError::Forbidden,
            StepError::NoMoreExtensions { .. } => {
                DomainError::field("action", "no_more_extensions").into()
            }
        })?;
        let now = self.clock.now();
        let record = step_record(
            step.records,
            input,
            now.with_timezone(&VIETNAM).date_naive(),
        )?;
        if action == Action::Suspend
            && procedure == Procedure::CrimeReport
            && detail.summary.deadline.is_some_and(|due| now < due.due_at)
        {
            return Err(DomainError::field("action", "too_early").into());
        }
        // An extension is granted before the time runs out, not after (BLTTHS Art. 147(2)),
        // and the head's own is recorded before it runs out.
        if let (Action::Extend | Action::ExtendByProcuracy, Some(due)) =
            (action, detail.summary.deadline)
            && (start_of(record.decided_on).is_some_and(|decided| decided >= due.due_at)
                || (action == Action::Extend && now >= due.due_at))
        {
            return Err(DomainError::field("decided_on", "after_limit").into());
        }
        let history = self
            .step_history(actor, &detail, procedure, action, now)
            .await?;
        let (mut after, switch_to) =
            procedure_after(procedure, action, &state, step.to, now, record.decided_on)?;
        if let Some(first) = history.first_petition {
            after.clock_start = Some(first);
        }
        let legal_type = switch_to.or(detail.summary.legal_type);
        // Notices counted from receipt count from the receipt by this procedure: the petition,
        // the day the report came into the crime flow or reached the competent unit.
        let received = state.clock_start.unwrap_or(detail.summary.created_at);
        let hand_to = match history.appeal_to {
            Some(above) => Some((above, SECOND_LEVEL_HANDOVER_REASON)),
            None => self
                .out_of_accused_unit(&detail, switch_to)
                .await?
                .map(|above| (above, CONFLICT_HANDOVER_REASON)),
        };
        let holder = hand_to
            .as_ref()
            .map_or(&detail.summary.unit, |(unit, _)| unit);
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a report without a data key".into()))?;
        let new = NewStep {
            from: state.stage,
            from_extensions: state.extensions,
            from_legal_type: detail.summary.legal_type,
            action,
            after,
            switch_to,
            deadline: self.running_deadline(legal_type, &after, holder, detail.summary.created_at),
            hand_to: hand_to.clone(),
            holder: detail.summary.unit.clone(),
            status: crate::deadlines::status_of(after.stage),
            number: record.number.clone(),
            decided_on: record.decided_on,
            signer: record.signer.clone(),
            grounds_sealed: key.seal(record.grounds.as_bytes(), NOTE_TEXT),
            actor: actor.0.id,
            at: now,
            notices: notices_for(procedure, action)
                .iter()
                .map(|required| {
                    let from = if required.from_receipt { received } else { now };
                    let due_at = span_end(required.within, from, 0, &self.policy.calendar)
                        .map(|(due, _)| due)
                        .unwrap_or(from);
                    let text = draft(
                        required,
                        &detail.summary,
                        after.stage,
                        received,
                        record.number.as_deref(),
                        record.decided_on,
                    );
                    NewNotice {
                        kind: required.kind,
                        recipient: required.to,
                        due_at,
                        text_sealed: key.seal(text.as_bytes(), NOTE_TEXT),
                        basis: required.basis.to_owned(),
                    }
                })
                .collect(),
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportStep,
            case.as_str(),
            &match &hand_to {
                Some((unit, _)) => format!("action={action} to={} unit={unit}", after.stage),
                None => format!("action={action} to={}", after.stage),
            },
            async |audit| {
                self.store
                    .take_step(&actor.visibility(), &case, &new, audit)
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(what) if what == "accused" => {
                            DomainError::field("action", "accused_above").into()
                        }
                        StoreError::Conflict(_) => DomainError::field("action", "moved").into(),
                        e => CoreError::from(e),
                    })
            },
        )
        .await?;
        Ok(StepRecord {
            action,
            from: state.stage,
            to: after.stage,
            number: record.number,
            decided_on: record.decided_on,
            signer: record.signer,
            grounds_sealed: new.grounds_sealed,
            grounds: record.grounds,
            actor: actor.0.id,
            actor_name: actor.0.display_name.clone(),
            at: now,
        })
    }

    /// What the report's own history asks of a step: no complaint of a decision not to
    /// prosecute after its fifteen days (BLTTHS Art. 470); no decision judged or reopened by the
    /// one who took it or received the complaint (Art. 475); no close while the decision may
    /// still be complained of (Art. 475, LKN Art. 33); a second complaint to the head above
    /// the one who decided the first (LKN Art. 33), and nobody who decided the first takes its
    /// steps; a petition's time from the first petition recorded.
    async fn step_history(
        &self,
        actor: &Actor,
        detail: &hotline_store::ReportDetail,
        procedure: Procedure,
        action: Action,
        now: DateTime<Utc>,
    ) -> CoreResult<StepHistory> {
        let stage = detail.procedure.stage;
        // Only these steps depend on the history: the others read none of it.
        if stage != Stage::Appealed
            && !matches!(
                action,
                Action::ReceiveComplaint
                    | Action::Decide
                    | Action::Reopen
                    | Action::Close
                    | Action::Appeal
                    | Action::RecordPetition
            )
        {
            return Ok(StepHistory::default());
        }
        let steps = self.store.steps(detail.summary.id).await?;
        let last = |wanted: Action| steps.iter().rev().find(|s| s.action == wanted);
        let by_actor = |wanted: Action| last(wanted).is_some_and(|s| s.actor == actor.0.id);
        let crime = procedure == Procedure::CrimeReport;
        let own = || -> CoreResult<StepHistory> {
            Err(DomainError::field("action", "own_decision").into())
        };
        let window = || -> CoreResult<StepHistory> {
            Err(DomainError::field("action", "appeal_window").into())
        };
        // The complaint's fifteen days run from the reporter's notice of the decision, or
        // from the latest day it was due.
        let complaint_base = match (crime, action, last(Action::DecideNoProsecute)) {
            (true, Action::ReceiveComplaint | Action::Close, Some(decided)) => {
                let notified = self
                    .store
                    .notices(detail.summary.id)
                    .await?
                    .into_iter()
                    .filter(|n| {
                        n.kind == NoticeKind::NoProsecution && n.recipient == Recipient::Reporter
                    })
                    .find_map(|n| n.sent_at);
                let due_by = start_of(decided.decided_on).unwrap_or(decided.at) + Duration::days(3);
                Some(notified.unwrap_or(due_by))
            }
            _ => None,
        };
        let days_since = |from: DateTime<Utc>| {
            (now.with_timezone(&VIETNAM).date_naive() - from.with_timezone(&VIETNAM).date_naive())
                .num_days()
        };
        let decided_within = |days| last(Action::Decide).is_some_and(|s| days_since(s.at) <= days);
        match (crime, stage, action) {
            (true, _, Action::ReceiveComplaint)
                if complaint_base.is_some_and(|base| days_since(base) > 15) =>
            {
                Err(DomainError::field("action", "complaint_late").into())
            }
            (true, _, Action::Decide) | (true, Stage::ProcedureComplaint, Action::Close)
                if by_actor(Action::DecideNoProsecute) =>
            {
                own()
            }
            (true, _, Action::Reopen)
                if by_actor(Action::DecideNoProsecute) || by_actor(Action::ReceiveComplaint) =>
            {
                own()
            }
            (true, Stage::DecidedNoProsecute, Action::Close)
                if complaint_base.is_some_and(|base| days_since(base) <= 15) =>
            {
                window()
            }
            (true, Stage::Decided, Action::Close) if decided_within(3) => window(),
            (false, Stage::Decided, Action::Close) if decided_within(30) => window(),
            (_, Stage::Appealed, _) if by_actor(Action::Decide) => own(),
            (false, _, Action::Appeal) => {
                // The head above the unit of the one who decided the first.
                let decider_unit = match last(Action::Decide) {
                    Some(decided) => self.store.staff(decided.actor).await?.unit,
                    None => detail.summary.unit.clone(),
                };
                match self.store.unit(&decider_unit).await?.parent {
                    Some(unit) => Ok(StepHistory {
                        appeal_to: Some(unit),
                        first_petition: None,
                    }),
                    None => Err(DomainError::field("action", "no_unit_above").into()),
                }
            }
            (_, _, Action::RecordPetition) => Ok(StepHistory {
                appeal_to: None,
                first_petition: steps
                    .iter()
                    .find(|s| s.action == Action::RecordPetition)
                    .map(|s| s.at),
            }),
            _ => Ok(StepHistory::default()),
        }
    }

    /// The steps taken on a report the actor can see, their grounds opened.
    pub async fn steps(&self, actor: &Actor, case: &str) -> CoreResult<Vec<StepRecord>> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let key = self.data_key(&detail.summary)?;
        let mut steps = self.store.steps(detail.summary.id).await?;
        for step in &mut steps {
            if let Some(key) = &key {
                let opened = key
                    .open(&step.grounds_sealed, NOTE_TEXT)
                    .map_err(|_| CoreError::Internal("sealed grounds do not open".into()))?;
                step.grounds = hotline_domain::pii::mask(&String::from_utf8_lossy(&opened)).0;
            }
        }
        Ok(steps)
    }
}

impl Hotline {
    /// The notices of a report the actor can see, their texts opened.
    pub async fn notices(&self, actor: &Actor, case: &str) -> CoreResult<Vec<Notice>> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let key = self.data_key(&detail.summary)?;
        let mut notices = self.store.notices(detail.summary.id).await?;
        for notice in &mut notices {
            if let Some(key) = &key {
                let opened = key
                    .open(&notice.text_sealed, NOTE_TEXT)
                    .map_err(|_| CoreError::Internal("a sealed notice does not open".into()))?;
                notice.text = String::from_utf8_lossy(&opened).into_owned();
            }
        }
        Ok(notices)
    }

    /// Sends a notice of a report the actor can see. One to the reporter goes out on the
    /// report's channel as an answer (the follow-up page for web and API reports), so their
    /// identity is never handed to anyone; one to the procuracy is recorded as sent with how
    /// (`via`: the dispatch's number, the post, by hand). Once only; audited.
    pub async fn send_notice(
        &self,
        actor: &Actor,
        case: &str,
        notice: i64,
        via: &str,
    ) -> CoreResult<()> {
        let found = self
            .notices(actor, case)
            .await?
            .into_iter()
            .find(|n| n.id == notice)
            .ok_or_else(|| DomainError::field("notice", "unknown"))?;
        if found.sent_at.is_some() {
            return Err(DomainError::field("notice", "sent").into());
        }
        let case_number = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case_number).await?;
        let via = match found.recipient {
            // The answer goes on the report's own channel.
            Recipient::Reporter => detail.summary.channel.to_string(),
            Recipient::Procuracy => {
                let via = clean_line(via);
                if via.chars().count() < 5 || via.chars().count() > 200 {
                    return Err(DomainError::field("via", "required").into());
                }
                via
            }
        };
        // The reporter's goes out as an answer written in the same transaction as the record
        // that it was sent: never recorded without going out, nor sent twice.
        let reply = match found.recipient {
            Recipient::Reporter => Some(self.answer(actor, &detail, &found.text).await?.0),
            Recipient::Procuracy => None,
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportNoticeSent,
            case_number.as_str(),
            &format!("kind={} recipient={}", found.kind, found.recipient),
            async |audit| {
                self.store
                    .mark_notice_sent(
                        &actor.visibility(),
                        &case_number,
                        &NoticeSent { notice, via, reply },
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(_) => DomainError::field("notice", "sent").into(),
                        e => CoreError::from(e),
                    })
            },
        )
        .await
    }
}

/// What a report's history gives a step.
#[derive(Debug, Default)]
struct StepHistory {
    /// The unit a second complaint goes to.
    appeal_to: Option<hotline_domain::UnitCode>,
    /// When a petition was first recorded: its time runs from then, not from a later one.
    first_petition: Option<DateTime<Utc>>,
}

/// Where a step leaves a report's procedure and clock, and the legal type it gives the report
/// when it moves it into another procedure.
fn procedure_after(
    procedure: Procedure,
    action: Action,
    state: &ProcedureState,
    to: Stage,
    now: DateTime<Utc>,
    decided_on: Option<NaiveDate>,
) -> CoreResult<(ProcedureState, Option<LegalType>)> {
    let mut after = ProcedureState {
        stage: to,
        ..*state
    };
    let crime = procedure == Procedure::CrimeReport;
    match action {
        // After a resumption the month from it is all the time there is (BLTTHS Art. 149).
        Action::Extend | Action::ExtendByProcuracy if crime && state.resumed_at.is_some() => {
            return Err(DomainError::field("action", "after_resumption").into());
        }
        Action::Extend | Action::ExtendByProcuracy => after.extensions += 1,
        Action::Suspend => after.suspended_since = Some(now),
        Action::Resume | Action::AnnulSuspension => {
            if let Some(since) = state.suspended_since {
                after.suspended_days = after
                    .suspended_days
                    .saturating_add(days_suspended(since, now));
            }
            after.suspended_since = None;
            // A source of crime has one month from the decision to resume (R9), or from the
            // receipt of the procuracy's annulment, recorded on receipt (R8).
            if crime {
                after.resumed_at = Some(match action {
                    Action::Resume => start_of(decided_on)
                        .into_iter()
                        .chain(state.suspended_since)
                        .max()
                        .unwrap_or(now),
                    _ => now,
                });
            }
        }
        Action::Accept if !crime => after.clock_start = Some(now),
        // Verification reopened after a complaint or an annulled decision is a verification
        // of its own, from the reopening (R13).
        Action::Reopen if crime => {
            after = ProcedureState {
                clock_start: Some(now),
                ..ProcedureState::at(to)
            };
        }
        Action::Reopen => after.clock_start = Some(now),
        // The law's time runs from the petition, not from the message before it.
        Action::RecordPetition => after.clock_start = Some(now),
        // A complaint's answer is due from its receipt (R13).
        Action::ReceiveComplaint => after.clock_start = Some(now),
        // A second level has its own time, from the appeal, and its own extension (R13, R22).
        Action::Appeal => {
            after.clock_start = Some(now);
            after.extensions = 0;
        }
        // A crime denounced goes on as a source of crime received today (R20, BLTTHS 145).
        Action::SendToCrimeFlow => {
            let into = ProcedureState {
                clock_start: Some(now),
                ..ProcedureState::at(to)
            };
            return Ok((into, Some(LegalType::CrimeDenunciation)));
        }
        _ => {}
    }
    Ok((after, None))
}

/// 00:00 in Vietnam of `day`.
fn start_of(day: Option<NaiveDate>) -> Option<DateTime<Utc>> {
    VIETNAM
        .from_local_datetime(&day?.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// A notice's draft, in the words of an official letter; it names the report by its case
/// number and never its reporter.
pub(crate) fn draft(
    required: &RequiredNotice,
    report: &ReportSummary,
    stage: Stage,
    received: DateTime<Utc>,
    number: Option<&str>,
    decided_on: Option<NaiveDate>,
) -> String {
    let decision = match (number, decided_on) {
        (Some(number), Some(day)) => {
            format!(" (Quyết định số {number} ngày {})", day.format("%d/%m/%Y"))
        }
        _ => String::new(),
    };
    let received = received.with_timezone(&VIETNAM).format("%d/%m/%Y");
    let case = &report.case_number;
    let what = match required.kind {
        NoticeKind::Receipt => format!(
            "nguồn tin về tội phạm số hồ sơ {case}, tiếp nhận ngày {received}, đã được thụ lý \
             để kiểm tra, xác minh{decision}"
        ),
        NoticeKind::Suspension => format!(
            "việc giải quyết nguồn tin về tội phạm số hồ sơ {case} đã được tạm đình chỉ{decision}"
        ),
        NoticeKind::Resumption => format!(
            "việc giải quyết nguồn tin về tội phạm số hồ sơ {case} đã được phục hồi{decision}"
        ),
        NoticeKind::Reopening => format!(
            "sau khi giải quyết khiếu nại, việc kiểm tra, xác minh nguồn tin về tội phạm số hồ sơ \
             {case} được tiếp tục{decision}"
        ),
        NoticeKind::NoProsecution => format!(
            "cơ quan có thẩm quyền đã quyết định không khởi tố vụ án hình sự đối với nguồn tin \
             số hồ sơ {case}{decision}"
        ),
        NoticeKind::Prosecution => format!(
            "cơ quan có thẩm quyền đã quyết định khởi tố vụ án hình sự từ nguồn tin số hồ sơ \
             {case}{decision}"
        ),
        NoticeKind::DenunciationAccepted => format!(
            "đơn tố cáo số hồ sơ {case}, tiếp nhận ngày {received}, đã được thụ lý giải quyết{decision}"
        ),
        NoticeKind::DenunciationForwarded => format!(
            "đơn tố cáo số hồ sơ {case} không thuộc thẩm quyền giải quyết của đơn vị và đã được \
             chuyển đến cơ quan, người có thẩm quyền{decision}"
        ),
        NoticeKind::DenunciationConcluded => {
            format!("việc giải quyết tố cáo số hồ sơ {case} đã có kết luận{decision}")
        }
        NoticeKind::ComplaintAccepted => format!(
            "đơn khiếu nại số hồ sơ {case}, tiếp nhận ngày {received}, đã được thụ lý giải quyết{decision}"
        ),
        NoticeKind::PetitionOffer => format!(
            "thông tin số hồ sơ {case} có nội dung tố cáo hành vi của cán bộ công an. Để được \
             giải quyết theo Luật Tố cáo, đề nghị người báo tin gửi đơn tố cáo có ký tên (hoặc \
             điểm chỉ), ghi rõ họ tên, địa chỉ và nội dung tố cáo, hoặc đến trực tiếp cơ quan \
             công an để trình bày; có thể trả lời tin này để hẹn ngày giờ làm việc. Danh tính \
             người báo tin được giữ bí mật"
        ),
        NoticeKind::ProcuracyReferral => format!(
            "tin số hồ sơ {case}, tiếp nhận ngày {received}, phản ánh dấu hiệu tội phạm trong \
             hoạt động tư pháp do người có thẩm quyền tiến hành tố tụng của cơ quan điều tra \
             thực hiện, không thuộc thẩm quyền điều tra của Công an; chuyển toàn bộ tài liệu đến \
             Cơ quan điều tra Viện kiểm sát nhân dân tối cao để giải quyết theo thẩm quyền{decision}"
        ),
        NoticeKind::ComplaintRefused => format!(
            "đơn khiếu nại số hồ sơ {case} không được thụ lý giải quyết{decision}; lý do được nêu \
             trong quyết định"
        ),
    };
    let party = Party::of(report.legal_type, stage);
    let to = match required.to {
        Recipient::Procuracy => match required.kind {
            NoticeKind::ProcuracyReferral => {
                "Kính gửi: Cơ quan điều tra Viện kiểm sát nhân dân tối cao.".to_owned()
            }
            _ => "Kính gửi: Viện kiểm sát nhân dân có thẩm quyền.".to_owned(),
        },
        Recipient::Reporter => match required.kind {
            // Offered a petition, they are not yet a denouncer in law (R15).
            NoticeKind::PetitionOffer => "Gửi người báo tin.".to_owned(),
            _ => format!("Gửi {}.", party.in_letters()),
        },
    };
    let rights = match (required.to, required.kind) {
        (Recipient::Reporter, NoticeKind::NoProsecution) => format!(
            " {} có quyền khiếu nại quyết định này trong thời hạn 15 ngày (BLTTHS Điều 158, 469, 470).",
            hotline_domain::text::capitalised(party.in_letters())
        ),
        _ => String::new(),
    };
    format!(
        "{to} {unit} thông báo: {what}.{rights} Căn cứ: {basis}.",
        unit = report.unit_name,
        basis = required.basis
    )
}

/// What a step records, checked: a decision needs its number, date (not in the future),
/// signer and grounds; a note its text.
struct Recorded {
    number: Option<String>,
    decided_on: Option<NaiveDate>,
    signer: Option<String>,
    grounds: String,
}

fn step_record(kind: Record, input: &StepInput<'_>, today: NaiveDate) -> CoreResult<Recorded> {
    let mut errors = Vec::new();
    let grounds = hotline_domain::text::clean(input.grounds);
    let length = grounds.chars().count();
    if length < MIN_GROUNDS_CHARS {
        errors.push(FieldError::new("grounds", "too_short"));
    } else if length > MAX_GROUNDS_CHARS {
        errors.push(FieldError::new("grounds", "too_long"));
    }
    let mut line = |field: &'static str, text: &str| {
        let text = clean_line(text);
        if text.is_empty() {
            errors.push(FieldError::new(field, "required"));
        } else if text.chars().count() > MAX_FIELD_CHARS {
            errors.push(FieldError::new(field, "too_long"));
        }
        text
    };
    let recorded = match kind {
        Record::Note => Recorded {
            number: None,
            decided_on: None,
            signer: None,
            grounds,
        },
        Record::Decision => {
            let number = line("number", input.number);
            let signer = line("signer", input.signer);
            let decided_on = match NaiveDate::parse_from_str(input.decided_on.trim(), "%Y-%m-%d") {
                Ok(day) if day > today => {
                    errors.push(FieldError::new("decided_on", "in_future"));
                    None
                }
                Ok(day) => Some(day),
                Err(_) => {
                    errors.push(FieldError::new("decided_on", "invalid"));
                    None
                }
            };
            Recorded {
                number: Some(number),
                decided_on,
                signer: Some(signer),
                grounds,
            }
        }
    };
    if errors.is_empty() {
        Ok(recorded)
    } else {
        Err(DomainError::Invalid(errors).into())
    }
}
