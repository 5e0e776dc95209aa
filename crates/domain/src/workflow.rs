//! The four procedures of LEGAL-VN.md §3 as state machines: a crime report (A), a
//! denunciation about an officer (B), an administrative complaint (C) and a public-order report
//! (D). Each step names who may take it and what it records; nothing else moves a report.

use crate::report::string_enum;
use crate::staff::Role;
use crate::{Channel, DomainError, LegalType};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// Which procedure of the law a report follows, by its legal type.
    Procedure (|_| DomainError::field("procedure", "unknown")) {
        CrimeReport => "crime_report",
        Denunciation => "denunciation",
        Complaint => "complaint",
        PublicOrder => "public_order",
    }
);

impl Procedure {
    /// The procedure of a legal type: crime sources by the Criminal Procedure Code, reports
    /// about officers by the Law on Denunciations, complaints by the Law on Complaints, the
    /// rest as public-order reports. `None` before classification.
    pub fn of(legal_type: Option<LegalType>) -> Option<Self> {
        Some(match legal_type? {
            LegalType::CrimeDenunciation
            | LegalType::CrimeInformation
            | LegalType::ProsecutionRequest => Procedure::CrimeReport,
            LegalType::PoliceConduct => Procedure::Denunciation,
            LegalType::Complaint => Procedure::Complaint,
            LegalType::PublicOrder | LegalType::Feedback | LegalType::NonActionable => {
                Procedure::PublicOrder
            }
        })
    }
}

string_enum!(
    /// Where a report stands in its procedure. `information_only`: a denunciation through a
    /// channel that cannot carry one in law (R15), handled as information with denunciation
    /// content (LTC Art. 25) with the offer of a signed petition or an appointment.
    Stage (|_| DomainError::field("stage", "unknown")) {
        Received => "received",
        Triaged => "triaged",
        InformationOnly => "information_only",
        PreProcessing => "pre_processing",
        Accepted => "accepted",
        Refused => "refused",
        Verifying => "verifying",
        Suspended => "suspended",
        DecidedProsecute => "decided_prosecute",
        DecidedNoProsecute => "decided_no_prosecute",
        ProcedureComplaint => "procedure_complaint",
        NotProcessed => "not_processed",
        Forwarded => "forwarded",
        ToCrimeFlow => "to_crime_flow",
        ToProcuracy => "to_procuracy",
        Stopped => "stopped",
        Concluded => "concluded",
        Decided => "decided",
        Appealed => "appealed",
        Assigned => "assigned",
        Responded => "responded",
        Closed => "closed",
    }
);

string_enum!(
    /// A step an officer takes.
    Action (|_| DomainError::field("action", "unknown")) {
        Accept => "accept",
        Refuse => "refuse",
        BeginVerification => "begin_verification",
        Extend => "extend",
        ExtendByProcuracy => "extend_by_procuracy",
        Suspend => "suspend",
        Resume => "resume",
        AnnulSuspension => "annul_suspension",
        DecideProsecute => "decide_prosecute",
        DecideNoProsecute => "decide_no_prosecute",
        ReceiveComplaint => "receive_complaint",
        Reopen => "reopen",
        RecordPetition => "record_petition",
        StartPreProcessing => "start_pre_processing",
        NotProcess => "not_process",
        Forward => "forward",
        SendToCrimeFlow => "send_to_crime_flow",
        ReferToProcuracy => "refer_to_procuracy",
        Stop => "stop",
        Conclude => "conclude",
        Decide => "decide",
        Appeal => "appeal",
        AssignHandling => "assign_handling",
        Respond => "respond",
        Close => "close",
    }
);

impl Stage {
    /// Whether reaching this stage settles the report at its unit: a decision on it (to
    /// prosecute or not, to suspend, to refuse, not to process, to stop, a conclusion or a
    /// complaint's decision), handing it on (forwarded, to the crime procedure, to the
    /// procuracy), an answer to a public-order report, or closing it. The statistics count a
    /// report as decided, and measure the time to decision, by its first step to one.
    pub fn settles(self) -> bool {
        matches!(
            self,
            Stage::Refused
                | Stage::Suspended
                | Stage::DecidedProsecute
                | Stage::DecidedNoProsecute
                | Stage::NotProcessed
                | Stage::Forwarded
                | Stage::ToCrimeFlow
                | Stage::ToProcuracy
                | Stage::Stopped
                | Stage::Concluded
                | Stage::Decided
                | Stage::Responded
                | Stage::Closed
        )
    }
}

/// What a step records besides who took it and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A decision: its number, date, signer and grounds.
    Decision,
    /// A written note of what was done.
    Note,
}

/// One allowed step: from where, by which action, to where, by whom, recording what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub from: Stage,
    pub action: Action,
    pub to: Stage,
    pub roles: &'static [Role],
    pub records: Record,
    /// The legal basis of the step.
    pub basis: &'static str,
}

/// Heads of units: the head of the investigation body, the provincial director, the unit leader.
const LEADERS: &[Role] = &[Role::Director, Role::UnitLeader];
/// Who verifies a denunciation about officers: the settling leader, or the inspectorate they
/// assign (LTC Art. 31); its decisions are the head's (Art. 29, 35).
const VERIFIERS: &[Role] = &[Role::Director, Role::UnitLeader, Role::Inspector];
/// Everyone who works reports.
const OFFICERS: &[Role] = &[
    Role::Director,
    Role::UnitLeader,
    Role::DutyOfficer,
    Role::Handler,
    Role::Inspector,
];

const fn step(
    from: Stage,
    action: Action,
    to: Stage,
    roles: &'static [Role],
    records: Record,
    basis: &'static str,
) -> Step {
    Step {
        from,
        action,
        to,
        roles,
        records,
        basis,
    }
}

use Action as A;
use Record::{Decision, Note};
use Stage as S;

/// A: crime reports (BLTTHS 145–149, 158; TTLT 01/2017; TT 28/2020). No refusal at intake (R1):
/// a crime source is recorded, then transferred or handled.
const CRIME_REPORT: &[Step] = &[
    step(
        S::Triaged,
        A::Accept,
        S::Accepted,
        LEADERS,
        Decision,
        "BLTTHS Điều 146, 147; TT 28/2020 Điều 9",
    ),
    step(
        S::Accepted,
        A::BeginVerification,
        S::Verifying,
        LEADERS,
        Note,
        "BLTTHS Điều 147",
    ),
    step(
        S::Verifying,
        A::Extend,
        S::Verifying,
        LEADERS,
        Decision,
        "BLTTHS Điều 147 khoản 2, 3",
    ),
    // The second extension is the procuracy's (R7): the head records it as received, with the
    // procuracy's number, date and signer.
    step(
        S::Verifying,
        A::ExtendByProcuracy,
        S::Verifying,
        LEADERS,
        Decision,
        "BLTTHS Điều 147 khoản 2",
    ),
    step(
        S::Verifying,
        A::Suspend,
        S::Suspended,
        LEADERS,
        Decision,
        "BLTTHS Điều 148",
    ),
    step(
        S::Suspended,
        A::Resume,
        S::Verifying,
        LEADERS,
        Decision,
        "BLTTHS Điều 149",
    ),
    // The procuracy annulled the suspension: verification goes on, one month at most from
    // the annulment's receipt (R8). The decision is the procuracy's; the head records it.
    step(
        S::Suspended,
        A::AnnulSuspension,
        S::Verifying,
        LEADERS,
        Decision,
        "BLTTHS Điều 148 khoản 2 (sửa đổi 2021)",
    ),
    // A denunciation found to be a crime (R20) is accepted as a source of crime, as one
    // classified on receipt.
    step(
        S::ToCrimeFlow,
        A::Accept,
        S::Accepted,
        LEADERS,
        Decision,
        "BLTTHS Điều 145, 146, 147; TT 28/2020 Điều 9",
    ),
    step(
        S::Verifying,
        A::DecideProsecute,
        S::DecidedProsecute,
        LEADERS,
        Decision,
        "BLTTHS Điều 147, 154",
    ),
    step(
        S::Verifying,
        A::DecideNoProsecute,
        S::DecidedNoProsecute,
        LEADERS,
        Decision,
        "BLTTHS Điều 147, 158",
    ),
    step(
        S::DecidedNoProsecute,
        A::ReceiveComplaint,
        S::ProcedureComplaint,
        OFFICERS,
        Note,
        "BLTTHS Điều 469–471",
    ),
    step(
        S::ProcedureComplaint,
        A::Reopen,
        S::Verifying,
        LEADERS,
        Decision,
        "BLTTHS Điều 471, 475",
    ),
    step(
        S::ProcedureComplaint,
        A::Close,
        S::Closed,
        LEADERS,
        Decision,
        "BLTTHS Điều 471, 475",
    ),
    // The head's answer to a procedural complaint (R13): within seven days, never by the one
    // who took the decision complained of; the complainant may take it to the procuracy within
    // three, which answers within seven. A complaint against the head's own decision goes to
    // the procuracy at once. The procuracy's answer is recorded here: annulled, verification
    // reopens; upheld, the matter closes.
    step(
        S::ProcedureComplaint,
        A::Decide,
        S::Decided,
        LEADERS,
        Decision,
        "BLTTHS Điều 475 khoản 1",
    ),
    step(
        S::ProcedureComplaint,
        A::Appeal,
        S::Appealed,
        OFFICERS,
        Note,
        "BLTTHS Điều 475 khoản 2",
    ),
    step(
        S::Decided,
        A::Appeal,
        S::Appealed,
        OFFICERS,
        Note,
        "BLTTHS Điều 475 khoản 1",
    ),
    step(
        S::Decided,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "BLTTHS Điều 475",
    ),
    step(
        S::Appealed,
        A::Reopen,
        S::Verifying,
        LEADERS,
        Decision,
        "BLTTHS Điều 475",
    ),
    step(
        S::Appealed,
        A::Close,
        S::Closed,
        LEADERS,
        Decision,
        "BLTTHS Điều 475",
    ),
    step(
        S::DecidedNoProsecute,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "BLTTHS Điều 158, 469",
    ),
    step(
        S::DecidedProsecute,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "BLTTHS Điều 154",
    ),
];

/// Where crimes in judicial work by investigation staff go (R14).
pub const PROCURACY_REFERRAL_BASIS: &str =
    "BLTTHS Điều 145 khoản 3, Điều 163 khoản 3; QĐ 565/QĐ-VKSTC Điều 4";

/// The referral of a crime in judicial work to the procuracy's investigation body (R6, R14):
/// "immediately", held here to 24 hours as for a commune police's hand-over (R3).
pub const PROCURACY_REFERRAL: RequiredNotice = notice(
    NoticeKind::ProcuracyReferral,
    Recipient::Procuracy,
    crate::deadline::Span::Hours(24),
    false,
    PROCURACY_REFERRAL_BASIS,
);

/// Why a report about an officer held by the accused's unit, or one under it, is handed up to
/// the unit above (R20, R21): the handover's reason, in its history, register and audit.
pub const CONFLICT_HANDOVER_REASON: &str =
    "Xung đột lợi ích: tin báo về cán bộ của đơn vị, chuyển đơn vị cấp trên (R20, R21)";

/// Why a report about an officer held by a unit not competent to settle it (a peer of the
/// accused's unit, or one below the competent one) goes to the unit that is, by the accused's
/// post (R20).
pub const COMPETENCE_HANDOVER_REASON: &str = "Thẩm quyền giải quyết theo chức vụ của người bị tố \
cáo: chuyển đơn vị có thẩm quyền (NĐ 22/2019 Điều 5, sửa đổi bởi NĐ 224/2025)";

/// The warning every acknowledgement carries (R12): knowingly false reporting has its
/// liability (BLTTHS Art. 144(5)). The web form shows it before sending.
pub const FALSE_REPORT_WARNING: &str = "Lưu ý: người nào cố ý tố giác, báo tin về tội phạm sai \
sự thật thì tùy tính chất, mức độ có thể bị xử lý kỷ luật, xử phạt vi phạm hành chính hoặc truy \
cứu trách nhiệm hình sự (Điều 144 khoản 5 Bộ luật Tố tụng hình sự).";

/// Why a complaint decided at first level goes to the unit above (LKN Art. 33): the handover's
/// reason.
pub const SECOND_LEVEL_HANDOVER_REASON: &str =
    "Khiếu nại lần hai: chuyển người có thẩm quyền cấp trên giải quyết (Luật Khiếu nại Điều 33)";

/// Why a denunciation with the signs of a crime is handled as a source of crime (R20).
pub const CRIME_FLOW_BASIS: &str = "NĐ 22/2019 Điều 1 khoản 2; BLTTHS Điều 144, 145";

/// B: denunciations about officers (LTC 2018; NĐ 22/2019 as amended by NĐ 224/2025).
const DENUNCIATION: &[Step] = &[
    step(
        S::Triaged,
        A::StartPreProcessing,
        S::PreProcessing,
        OFFICERS,
        Note,
        "Luật Tố cáo Điều 22, 23, 24",
    ),
    step(
        S::InformationOnly,
        A::RecordPetition,
        S::PreProcessing,
        OFFICERS,
        Note,
        "Luật Tố cáo Điều 22, 23",
    ),
    step(
        S::InformationOnly,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Tố cáo Điều 25",
    ),
    step(
        S::PreProcessing,
        A::NotProcess,
        S::NotProcessed,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 25",
    ),
    step(
        S::PreProcessing,
        A::Forward,
        S::Forwarded,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 24 khoản 2",
    ),
    step(
        S::PreProcessing,
        A::Accept,
        S::Accepted,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 29",
    ),
    step(
        S::Accepted,
        A::BeginVerification,
        S::Verifying,
        VERIFIERS,
        Note,
        "Luật Tố cáo Điều 31",
    ),
    step(
        S::Verifying,
        A::Extend,
        S::Verifying,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 30",
    ),
    step(
        S::Verifying,
        A::Suspend,
        S::Suspended,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 34",
    ),
    step(
        S::Suspended,
        A::Resume,
        S::Verifying,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 34",
    ),
    step(
        S::Verifying,
        A::Stop,
        S::Stopped,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 33, 34",
    ),
    step(
        S::Verifying,
        A::Conclude,
        S::Concluded,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 35",
    ),
    step(
        S::NotProcessed,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Tố cáo Điều 25",
    ),
    step(
        S::Forwarded,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Tố cáo Điều 24 khoản 2",
    ),
    step(
        S::ToCrimeFlow,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "BLTTHS Chương XXXIII",
    ),
    // A denunciation with the signs of a crime leaves the Law on Denunciations for the crime
    // flow (R20): from wherever it stands, its conclusion included, by chat or call (a
    // source of crime needs no signed petition, BLTTHS 144), the report itself goes on as a
    // source of crime received that day.
    step(
        S::InformationOnly,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    step(
        S::Triaged,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    step(
        S::PreProcessing,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    step(
        S::Accepted,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    step(
        S::Verifying,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    step(
        S::Suspended,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    // Withdrawn or not processed, a crime is still a crime (LTC Art. 33, 25).
    step(
        S::Stopped,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    step(
        S::NotProcessed,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        CRIME_FLOW_BASIS,
    ),
    // A conclusion that finds the signs of a crime sends the file on (LTC Art. 36).
    step(
        S::Concluded,
        A::SendToCrimeFlow,
        S::ToCrimeFlow,
        LEADERS,
        Decision,
        "Luật Tố cáo Điều 36; BLTTHS Điều 144, 145",
    ),
    // A crime in judicial work by an investigator or detention staff is investigated by the
    // Supreme Procuracy's investigation body, never by the police (R14): once found, the file
    // goes there, and the police's only step left is to close it once it has gone.
    step(
        S::InformationOnly,
        A::ReferToProcuracy,
        S::ToProcuracy,
        LEADERS,
        Decision,
        PROCURACY_REFERRAL_BASIS,
    ),
    step(
        S::Triaged,
        A::ReferToProcuracy,
        S::ToProcuracy,
        LEADERS,
        Decision,
        PROCURACY_REFERRAL_BASIS,
    ),
    step(
        S::PreProcessing,
        A::ReferToProcuracy,
        S::ToProcuracy,
        LEADERS,
        Decision,
        PROCURACY_REFERRAL_BASIS,
    ),
    step(
        S::ToProcuracy,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        PROCURACY_REFERRAL_BASIS,
    ),
    step(
        S::Stopped,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Tố cáo Điều 34",
    ),
    step(
        S::Concluded,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Tố cáo Điều 35, 40",
    ),
];

/// C: administrative complaints (LKN 2011).
const COMPLAINT: &[Step] = &[
    step(
        S::InformationOnly,
        A::RecordPetition,
        S::Triaged,
        OFFICERS,
        Note,
        "Luật Khiếu nại Điều 8",
    ),
    step(
        S::InformationOnly,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Khiếu nại Điều 8",
    ),
    step(
        S::Triaged,
        A::Accept,
        S::Accepted,
        LEADERS,
        Decision,
        "Luật Khiếu nại Điều 27",
    ),
    step(
        S::Triaged,
        A::Refuse,
        S::Refused,
        LEADERS,
        Decision,
        "Luật Khiếu nại Điều 11, 27",
    ),
    step(
        S::Accepted,
        A::BeginVerification,
        S::Verifying,
        LEADERS,
        Note,
        "Luật Khiếu nại Điều 29",
    ),
    step(
        S::Verifying,
        A::Extend,
        S::Verifying,
        LEADERS,
        Decision,
        "Luật Khiếu nại Điều 28",
    ),
    step(
        S::Verifying,
        A::Decide,
        S::Decided,
        LEADERS,
        Decision,
        "Luật Khiếu nại Điều 31",
    ),
    // A second complaint goes to the head of the body above (LKN Art. 33): the report is handed
    // up with the step, and the second level's time runs from it (Art. 37).
    step(
        S::Decided,
        A::Appeal,
        S::Appealed,
        OFFICERS,
        Note,
        "Luật Khiếu nại Điều 33, 37",
    ),
    step(
        S::Appealed,
        A::Extend,
        S::Appealed,
        LEADERS,
        Decision,
        "Luật Khiếu nại Điều 37",
    ),
    step(
        S::Appealed,
        A::Close,
        S::Closed,
        LEADERS,
        Decision,
        "Luật Khiếu nại Điều 40",
    ),
    step(
        S::Decided,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Khiếu nại Điều 31",
    ),
    step(
        S::Refused,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Khiếu nại Điều 27",
    ),
];

/// D: public-order reports and requests, questions and thanks (LTCD Art. 28; no time limit in
/// law, R23).
const PUBLIC_ORDER: &[Step] = &[
    step(
        S::Triaged,
        A::AssignHandling,
        S::Assigned,
        OFFICERS,
        Note,
        "Luật Tiếp công dân Điều 28",
    ),
    step(
        S::Triaged,
        A::Respond,
        S::Responded,
        OFFICERS,
        Note,
        "Luật Tiếp công dân Điều 28",
    ),
    step(
        S::Assigned,
        A::Respond,
        S::Responded,
        OFFICERS,
        Note,
        "Luật Tiếp công dân Điều 28",
    ),
    step(
        S::Responded,
        A::Close,
        S::Closed,
        OFFICERS,
        Note,
        "Luật Tiếp công dân Điều 28",
    ),
    step(
        S::Triaged,
        A::Close,
        S::Closed,
        LEADERS,
        Note,
        "Luật Tiếp công dân Điều 28",
    ),
];

impl Procedure {
    /// Every step the procedure allows.
    pub fn steps(self) -> &'static [Step] {
        match self {
            Procedure::CrimeReport => CRIME_REPORT,
            Procedure::Denunciation => DENUNCIATION,
            Procedure::Complaint => COMPLAINT,
            Procedure::PublicOrder => PUBLIC_ORDER,
        }
    }

    /// The steps open from `stage`.
    pub fn steps_from(self, stage: Stage) -> impl Iterator<Item = &'static Step> {
        self.steps().iter().filter(move |s| s.from == stage)
    }

    /// The stage a report enters once classified in this procedure, having come on `channel`.
    /// A denunciation is valid in law only as a signed petition or made in person (LTC Art.
    /// 22, 23), and so is a complaint (LKN Art. 8): one recorded at the desk (quick capture of
    /// a visit or a petition handed in) starts its handling; one by message, call, form or
    /// mail is information (R15 for a denunciation) until the person signs a petition or comes in
    /// (`record_petition`), and no time limit of those laws runs until then.
    pub fn entry(self, channel: Channel) -> Stage {
        match (self, channel) {
            (Procedure::Denunciation | Procedure::Complaint, Channel::Capture) => Stage::Triaged,
            (Procedure::Denunciation | Procedure::Complaint, _) => Stage::InformationOnly,
            _ => Stage::Triaged,
        }
    }
}

string_enum!(
    /// The national emergency lines (R30): 113 police, 114 fire and rescue, 115 medical, 112
    /// disaster and search-and-rescue (the provincial military command's, linked to the others).
    EmergencyLine (|_| DomainError::field("line", "unknown")) {
        Police => "113",
        Fire => "114",
        Medical => "115",
        Rescue => "112",
    }
);

string_enum!(
    /// Who brought a report, as the law names them (the words of its receipt record and its
    /// notices): a person reporting a crime (tố giác, BLTTHS Art. 144(2)); whoever gives
    /// information about one (tin báo, Art. 144(3)), and anyone whose report is not classified
    /// or has no procedure in law; a body requesting prosecution (kiến nghị khởi tố, Art.
    /// 144(4)); a person denouncing an officer (tố cáo, LTC Art. 2); a complainant (LKN Art. 2).
    Party (|_| DomainError::field("party", "unknown")) {
        CrimeDenouncer => "crime_denouncer",
        Informant => "informant",
        RequestingBody => "requesting_body",
        Denouncer => "denouncer",
        Complainant => "complainant",
    }
);

impl Party {
    /// Who brought a report of `legal_type` at `stage`: information about an officer is not a
    /// denunciation until a petition comes (R15).
    pub fn of(legal_type: Option<LegalType>, stage: Stage) -> Self {
        match legal_type {
            Some(LegalType::PoliceConduct) if stage == Stage::InformationOnly => Party::Informant,
            Some(LegalType::CrimeDenunciation) => Party::CrimeDenouncer,
            Some(LegalType::ProsecutionRequest) => Party::RequestingBody,
            Some(LegalType::PoliceConduct) => Party::Denouncer,
            Some(LegalType::Complaint) => Party::Complainant,
            _ => Party::Informant,
        }
    }

    /// The party's name in an official letter.
    pub fn in_letters(self) -> &'static str {
        match self {
            Party::CrimeDenouncer => "người tố giác",
            Party::Informant => "người báo tin",
            Party::RequestingBody => "cơ quan nhà nước kiến nghị khởi tố",
            Party::Denouncer => "người tố cáo",
            Party::Complainant => "người khiếu nại",
        }
    }
}

string_enum!(
    /// A notice the law requires a step to send.
    NoticeKind (|_| DomainError::field("notice", "unknown")) {
        Receipt => "receipt",
        Suspension => "suspension",
        Resumption => "resumption",
        Reopening => "reopening",
        NoProsecution => "no_prosecution",
        Prosecution => "prosecution",
        DenunciationAccepted => "denunciation_accepted",
        DenunciationForwarded => "denunciation_forwarded",
        DenunciationConcluded => "denunciation_concluded",
        ComplaintAccepted => "complaint_accepted",
        ComplaintRefused => "complaint_refused",
        PetitionOffer => "petition_offer",
        ProcuracyReferral => "procuracy_referral",
    }
);

string_enum!(
    /// Who a notice goes to.
    Recipient (|_| DomainError::field("recipient", "unknown")) {
        Procuracy => "procuracy",
        Reporter => "reporter",
    }
);

/// A notice a step requires: what, to whom, within how long of the step (or of receipt), and
/// on what basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredNotice {
    pub kind: NoticeKind,
    pub to: Recipient,
    pub within: crate::deadline::Span,
    /// Counted from the report's receipt rather than from the step.
    pub from_receipt: bool,
    pub basis: &'static str,
}

const fn notice(
    kind: NoticeKind,
    to: Recipient,
    within: crate::deadline::Span,
    from_receipt: bool,
    basis: &'static str,
) -> RequiredNotice {
    RequiredNotice {
        kind,
        to,
        within,
        from_receipt,
        basis,
    }
}

use crate::deadline::Span::{Days, Hours, WorkingDays};

/// The notices a step requires. A crime report (R5, R8–R10): the receipt to the procuracy and
/// the reporter within three working days of receipt; a suspension within 24 hours; a
/// resumption and a decision not to prosecute within three days; a decision to prosecute to the
/// procuracy within 24 hours. A denunciation (R16, R17; LTC Art. 24, 29, 35): its acceptance
/// and its forwarding to the denouncer within five working days, its conclusion within five.
/// A complaint (LKN Art. 27): its acceptance or refusal to the complainant.
pub fn notices_for(procedure: Procedure, action: Action) -> &'static [RequiredNotice] {
    use NoticeKind as K;
    use Recipient::{Procuracy, Reporter};
    const ACCEPT: &[RequiredNotice] = &[
        notice(
            K::Receipt,
            Procuracy,
            WorkingDays(3),
            true,
            "TTLT 01/2017 Điều 14 khoản 1; BLTTHS Điều 146 khoản 2",
        ),
        notice(
            K::Receipt,
            Reporter,
            WorkingDays(3),
            true,
            "TTLT 01/2017 Điều 14 khoản 1",
        ),
    ];
    const SUSPEND: &[RequiredNotice] = &[
        notice(
            K::Suspension,
            Procuracy,
            Hours(24),
            false,
            "BLTTHS Điều 148 khoản 2",
        ),
        notice(
            K::Suspension,
            Reporter,
            Hours(24),
            false,
            "BLTTHS Điều 148 khoản 2",
        ),
    ];
    const RESUME: &[RequiredNotice] = &[
        notice(K::Resumption, Procuracy, Days(3), false, "BLTTHS Điều 149"),
        notice(K::Resumption, Reporter, Days(3), false, "BLTTHS Điều 149"),
    ];
    // Every reopening is told to the procuracy and the reporter, as a resumption is: the
    // procuracy sees each one (marked U: the Code names no notice for it).
    const REOPEN: &[RequiredNotice] = &[
        notice(K::Reopening, Procuracy, Days(3), false, "BLTTHS Điều 475"),
        notice(K::Reopening, Reporter, Days(3), false, "BLTTHS Điều 475"),
    ];
    const NO_PROSECUTE: &[RequiredNotice] = &[
        notice(
            K::NoProsecution,
            Procuracy,
            Days(3),
            false,
            "BLTTHS Điều 158",
        ),
        notice(
            K::NoProsecution,
            Reporter,
            Days(3),
            false,
            "BLTTHS Điều 158",
        ),
    ];
    const PROSECUTE: &[RequiredNotice] = &[notice(
        K::Prosecution,
        Procuracy,
        Hours(24),
        false,
        "BLTTHS Điều 154",
    )];
    const DENUNCIATION_ACCEPTED: &[RequiredNotice] = &[notice(
        K::DenunciationAccepted,
        Reporter,
        WorkingDays(5),
        false,
        "Luật Tố cáo Điều 29 khoản 1",
    )];
    const DENUNCIATION_FORWARDED: &[RequiredNotice] = &[notice(
        K::DenunciationForwarded,
        Reporter,
        WorkingDays(5),
        false,
        "Luật Tố cáo Điều 24 khoản 2",
    )];
    const DENUNCIATION_CONCLUDED: &[RequiredNotice] = &[notice(
        K::DenunciationConcluded,
        Reporter,
        WorkingDays(5),
        false,
        "Luật Tố cáo Điều 35",
    )];
    const COMPLAINT_ACCEPTED: &[RequiredNotice] = &[notice(
        K::ComplaintAccepted,
        Reporter,
        Days(3),
        false,
        "Luật Khiếu nại Điều 27",
    )];
    const COMPLAINT_REFUSED: &[RequiredNotice] = &[notice(
        K::ComplaintRefused,
        Reporter,
        Days(3),
        false,
        "Luật Khiếu nại Điều 11, 27",
    )];
    match (procedure, action) {
        (Procedure::Denunciation, Action::Accept) => DENUNCIATION_ACCEPTED,
        (Procedure::Denunciation, Action::Forward) => DENUNCIATION_FORWARDED,
        (Procedure::Denunciation, Action::ReferToProcuracy) => {
            std::slice::from_ref(&PROCURACY_REFERRAL)
        }
        (Procedure::Denunciation, Action::Conclude) => DENUNCIATION_CONCLUDED,
        (Procedure::Complaint, Action::Accept) => COMPLAINT_ACCEPTED,
        (Procedure::Complaint, Action::Refuse) => COMPLAINT_REFUSED,
        (Procedure::CrimeReport, Action::Accept) => ACCEPT,
        (Procedure::CrimeReport, Action::Suspend) => SUSPEND,
        (Procedure::CrimeReport, Action::Resume) => RESUME,
        (Procedure::CrimeReport, Action::Reopen) => REOPEN,
        (Procedure::CrimeReport, Action::DecideNoProsecute) => NO_PROSECUTE,
        (Procedure::CrimeReport, Action::DecideProsecute) => PROSECUTE,
        _ => &[],
    }
}

/// The offer made to a person whose report about an officer came by a channel that cannot carry
/// a denunciation (R15): to send a signed petition or come in, so it can be handled under the
/// Law on Denunciations. The time to make it is not in the law (U): five working days.
pub const PETITION_OFFER: RequiredNotice = notice(
    NoticeKind::PetitionOffer,
    Recipient::Reporter,
    WorkingDays(5),
    false,
    "Luật Tố cáo Điều 22, 23, 25",
);

/// How many extensions each procedure allows (the deadline rules' ceilings).
pub fn extensions_allowed(procedure: Procedure) -> u32 {
    match procedure {
        Procedure::CrimeReport | Procedure::Denunciation => 2,
        Procedure::Complaint => 1,
        Procedure::PublicOrder => 0,
    }
}

/// Why a step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("{action} is not a step of {procedure} from {stage}")]
    NotFromHere {
        procedure: Procedure,
        stage: Stage,
        action: Action,
    },
    #[error("{action} is taken by {allowed:?}, not {role}")]
    NotYourStep {
        action: Action,
        role: Role,
        allowed: &'static [Role],
    },
    #[error("no more extensions: {procedure} allows {allowed}")]
    NoMoreExtensions { procedure: Procedure, allowed: u32 },
}

/// The step `action` from `stage` of `procedure` for a member of `role`, when allowed;
/// `extensions` is how many were granted so far.
pub fn step_for(
    procedure: Procedure,
    stage: Stage,
    action: Action,
    role: Role,
    extensions: u32,
) -> Result<&'static Step, StepError> {
    let step = procedure
        .steps_from(stage)
        .find(|s| s.action == action)
        .ok_or(StepError::NotFromHere {
            procedure,
            stage,
            action,
        })?;
    if !step.roles.contains(&role) {
        return Err(StepError::NotYourStep {
            action,
            role,
            allowed: step.roles,
        });
    }
    // A source of crime's first extension is its head's, the second the procuracy's (R7).
    let (at_least, below) = match (procedure, action) {
        (Procedure::CrimeReport, Action::Extend) => (0, 1),
        (Procedure::CrimeReport, Action::ExtendByProcuracy) => (1, 2),
        (_, Action::Extend) => (0, extensions_allowed(procedure)),
        _ => (0, u32::MAX),
    };
    if extensions >= below {
        return Err(StepError::NoMoreExtensions {
            procedure,
            allowed: extensions_allowed(procedure),
        });
    }
    if extensions < at_least {
        return Err(StepError::NotFromHere {
            procedure,
            stage,
            action,
        });
    }
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_allowed_step_is_taken_and_every_other_refused() {
        for procedure in Procedure::ALL {
            for stage in Stage::ALL {
                for action in Action::ALL {
                    for role in Role::ALL {
                        let allowed = procedure
                            .steps()
                            .iter()
                            .find(|s| s.from == *stage && s.action == *action);
                        // The procuracy's extension follows the head's.
                        let extensions = u32::from(*action == Action::ExtendByProcuracy);
                        let got = step_for(*procedure, *stage, *action, *role, extensions);
                        match allowed {
                            None => assert!(
                                matches!(got, Err(StepError::NotFromHere { .. })),
                                "{procedure} {stage} {action}"
                            ),
                            Some(step) if step.roles.contains(role) => {
                                assert_eq!(got.map(|s| s.to), Ok(step.to));
                            }
                            Some(_) => assert!(
                                matches!(got, Err(StepError::NotYourStep { .. })),
                                "{procedure} {stage} {action} {role}"
                            ),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn inspectors_verify_denunciations_and_heads_decide_them() {
        for step in Procedure::Denunciation.steps() {
            let inspector = step.roles.contains(&Role::Inspector);
            if step.records == Record::Decision || step.action == Action::Close {
                assert!(!inspector, "{} from {}", step.action, step.from);
            }
            if step.action == Action::BeginVerification {
                assert!(inspector);
            }
        }
    }

    #[test]
    fn crime_sources_are_never_refused_and_administrators_take_no_step() {
        for stage in Stage::ALL {
            assert!(
                step_for(
                    Procedure::CrimeReport,
                    *stage,
                    Action::Refuse,
                    Role::Director,
                    0
                )
                .is_err(),
                "R1: no refusal of a crime source"
            );
        }
        for procedure in Procedure::ALL {
            for step in procedure.steps() {
                assert!(!step.roles.contains(&Role::Administrator));
                assert!(!step.roles.contains(&Role::Auditor));
            }
        }
    }

    #[test]
    fn every_stage_but_closed_leads_somewhere_and_closed_nowhere() {
        for procedure in Procedure::ALL {
            for step in procedure.steps() {
                if step.to != Stage::Closed {
                    assert!(
                        procedure.steps_from(step.to).next().is_some(),
                        "{procedure}: {} is a dead end",
                        step.to
                    );
                }
            }
            assert!(procedure.steps_from(Stage::Closed).next().is_none());
        }
    }

    #[test]
    fn extensions_stop_at_their_ceiling() {
        let extend = |action, n| {
            step_for(
                Procedure::CrimeReport,
                Stage::Verifying,
                action,
                Role::Director,
                n,
            )
        };
        // The head extends once; the procuracy, once more, after the head (R7).
        assert!(extend(Action::Extend, 0).is_ok());
        assert!(extend(Action::Extend, 1).is_err());
        assert!(extend(Action::ExtendByProcuracy, 0).is_err());
        assert!(extend(Action::ExtendByProcuracy, 1).is_ok());
        assert_eq!(
            extend(Action::ExtendByProcuracy, 2),
            Err(StepError::NoMoreExtensions {
                procedure: Procedure::CrimeReport,
                allowed: 2
            })
        );
        assert!(
            step_for(
                Procedure::Denunciation,
                Stage::Verifying,
                Action::Extend,
                Role::Director,
                1
            )
            .is_ok(),
            "a denunciation's head extends twice (LTC Art. 30)"
        );
        assert!(
            step_for(
                Procedure::Complaint,
                Stage::Verifying,
                Action::Extend,
                Role::Director,
                1
            )
            .is_err()
        );
    }

    #[test]
    fn a_denunciation_by_chat_or_call_is_information_only() {
        assert_eq!(
            Procedure::Denunciation.entry(Channel::Zalo),
            Stage::InformationOnly
        );
        assert_eq!(
            Procedure::Denunciation.entry(Channel::Phone),
            Stage::InformationOnly
        );
        assert_eq!(
            Procedure::Denunciation.entry(Channel::Web),
            Stage::InformationOnly,
            "a form is not a signed petition"
        );
        assert_eq!(
            Procedure::Denunciation.entry(Channel::Capture),
            Stage::Triaged,
            "recorded at the desk, in person"
        );
        assert_eq!(Procedure::CrimeReport.entry(Channel::Zalo), Stage::Triaged);
        assert_eq!(
            Procedure::of(Some(LegalType::Feedback)),
            Some(Procedure::PublicOrder)
        );
    }
}
