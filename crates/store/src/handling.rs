//! Handling a report: assignment, transfer, triage, notes, merging, procedure steps and notices.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::conduct::AccusedPost;
use hotline_domain::vocabulary::OfferedHints;
use hotline_domain::workflow::{Action, EmergencyLine, NoticeKind, Recipient, Stage};
use hotline_domain::{
    CaseNumber, LegalType, ReportId, ReportStatus, StaffId, Topic, UnitCode, Urgency,
};

use crate::{Audited, Due, NewMessage, ReportSummary, StoreResult, Visibility};

/// What officers do to a report: hand it to someone, classify it, write on it, join it to
/// another. Every change is checked against the actor's visibility inside its transaction and
/// recorded as an event of the report.
#[async_trait]
pub trait Handling: Send + Sync {
    /// Assigns a visible report to a member, or takes the assignment back (`None`), and
    /// records the event.
    async fn assign_report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        assignee: Option<StaffId>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Hands a visible report over to another unit: it becomes that unit's, `transferred`,
    /// unassigned, where it stood in its procedure, with the clock and limit given; the event
    /// names both units and keeps the written reason (one line), for the handover record.
    /// `Conflict("accused")` into a unit ever named as the report's accused, or one below it;
    /// `Conflict("stage")` when a step moved it since it was read.
    async fn transfer_report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        handover: Handover<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Classifies a visible report as about police conduct, naming the accused's unit and the
    /// time limit that now runs, and records the event: from then on nobody in that unit or
    /// below it can read it. `Conflict("accused_unit")` when one is named already.
    async fn mark_police_conduct(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        mark: &ConductMark,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Names `correction.to` as the accused's unit of a visible report in place of
    /// `correction.from`, handing it up where the new accused's subtree holds it, and records
    /// the event. `from` stays walled off: no transfer goes into it again. `Conflict
    /// ("accused_unit")` when the report no longer names `from` or `holder` holds it no more.
    async fn correct_accused_unit(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        correction: &AccusedCorrection<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Whether `unit` is walled off report `report` in full: once named where its head does
    /// not settle, or named before a correction; no report goes to its head again.
    async fn walled_in_full(&self, report: ReportId, unit: &UnitCode) -> StoreResult<bool>;
    /// Corrects the locked legal type of a visible report about police conduct, moving it to
    /// `correction.stage` with its limit, and records the event. `Conflict("legal_type")` when
    /// its type or stage moved since it was read, or it names no accused.
    async fn correct_legal_type(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        correction: &TypeCorrection<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Records an officer's classification of a visible report; a report still `received`
    /// becomes `triaged`. The event names the values set. `Conflict("stage")` when a step
    /// moved the report since it was read.
    async fn set_triage(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        triage: &Triage,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Records that a visible report came from an emergency line (`handed`: false) or was
    /// handed over to one (R30), as its event.
    async fn record_emergency_line(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        (line, handed): (EmergencyLine, bool),
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Adds an internal note to a report, with its words and its event.
    async fn add_note(&self, note: &NewNote, audit: Audited<'_>) -> StoreResult<i64>;
    /// A report's notes, oldest first.
    async fn notes(&self, report: ReportId) -> StoreResult<Vec<Note>>;
    /// Joins the visible report `duplicate` to the visible report `into`: it is closed and
    /// points there, and reports joined to it move with it. `Conflict("same")` for one report,
    /// `Conflict("merged")` when `into` is itself joined to another.
    async fn merge_report(
        &self,
        visibility: &Visibility,
        duplicate: &CaseNumber,
        into: &CaseNumber,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Records a step of a visible report's procedure, in one transaction: the report moves
    /// to the step's stage and status, with its clock and limit, and the step and its event
    /// are written. `Conflict("stage")` when the report is no longer at `step.from`.
    async fn take_step(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        step: &NewStep,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// A report's procedure steps, oldest first.
    async fn steps(&self, report: ReportId) -> StoreResult<Vec<StepRecord>>;
    /// A report's notices, oldest first.
    async fn notices(&self, report: ReportId) -> StoreResult<Vec<Notice>>;
    /// Records that a notice of a visible report went out, and how, with its event, and
    /// with the answer that carries it to the reporter, if any, in the same transaction.
    /// `Conflict("sent")` when it was recorded already; `NotFound` for another report's.
    async fn mark_notice_sent(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        sent: &NoticeSent,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// The reports joined to `report` that are visible under `visibility`, oldest first.
    async fn merged_reports(
        &self,
        visibility: &Visibility,
        report: ReportId,
    ) -> StoreResult<Vec<ReportSummary>>;
}

/// Where a report goes and the written reason why (one line), for the handover record, and its
/// clock there: the stage stays, and so do the extensions granted.
#[derive(Debug, Clone, Copy)]
pub struct Handover<'a> {
    pub to: &'a UnitCode,
    pub reason: &'a str,
    /// The accused's unit and post as read (none for a report not about an officer):
    /// `Conflict("stage")` if a mark or correction changed them meanwhile.
    pub accused: Option<&'a UnitCode>,
    pub accused_post: Option<AccusedPost>,
    /// The stage and extensions as read: `Conflict("stage")` if a step moved it meanwhile.
    pub stage: Stage,
    pub extensions: u32,
    /// When its time starts at the receiving unit (`None`: as before).
    pub clock_start: Option<DateTime<Utc>>,
    /// The limit running there.
    pub deadline: Option<Due>,
}

/// What marking a report as about police conduct sets: the accused's unit, and the legal type,
/// stage and time limit it now has (a crime or a complaint keeps its own; anything else follows
/// the Law on Denunciations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConductMark {
    /// The unit the caller read holding the report: `Conflict` if another holds it now.
    pub holder: UnitCode,
    pub accused_unit: UnitCode,
    /// None when not known: settled above the accused's unit.
    pub accused_post: Option<AccusedPost>,
    /// The head of the accused's own unit settles it (R20): its leaders may read it there.
    pub head_settles: bool,
    pub legal_type: LegalType,
    /// The stage and type as read: `Conflict` if a step or a triage moved them meanwhile.
    pub from_stage: Stage,
    pub from_legal_type: Option<LegalType>,
    /// The competent unit the report is handed to when another holds it (in the same
    /// transaction), and why (a constant of the domain).
    pub move_to: Option<UnitCode>,
    pub handover_reason: &'static str,
    pub stage: Stage,
    pub deadline: Option<Due>,
    /// The notices marking it requires (the offer of a signed petition, R15), drafted.
    pub notices: Vec<NewNotice>,
}

/// A leader's correction of the accused's unit named on a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccusedCorrection<'a> {
    pub from: &'a UnitCode,
    /// The post as read: `Conflict` if it is another now.
    pub from_post: Option<AccusedPost>,
    pub to: &'a UnitCode,
    pub post: Option<AccusedPost>,
    /// The head of the new accused's own unit settles it (R20).
    pub head_settles: bool,
    /// The unit the caller read holding the report: `Conflict` if another holds it now.
    pub holder: &'a UnitCode,
    /// The competent unit the report is handed to when another holds it (in the same
    /// transaction), and why (a constant of the domain).
    pub move_to: Option<&'a UnitCode>,
    pub handover_reason: &'static str,
    pub reason: &'a str,
}

/// A leader's correction of the locked legal type of a report about police conduct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeCorrection<'a> {
    /// The type as read: `Conflict` if it is another now.
    pub from: LegalType,
    pub to: LegalType,
    /// The accused's unit as read: `Conflict` if another is named now.
    pub accused: &'a UnitCode,
    /// The unit above the accused's that the report goes to with the change, when its own
    /// unit's head settled it and held it and now may not (in the same transaction).
    pub move_to: Option<&'a UnitCode>,
    /// The unit the caller read holding the report: `Conflict` if another holds it now.
    pub holder: &'a UnitCode,
    /// The stage and extensions as read, and the procedure as it stands after.
    pub from_stage: Stage,
    pub from_extensions: u32,
    pub after: ProcedureState,
    pub deadline: Option<Due>,
    pub reason: &'a str,
}

/// A notice to send, drafted.
#[derive(Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub kind: NoticeKind,
    pub recipient: Recipient,
    pub due_at: DateTime<Utc>,
    /// The drafted text, sealed under the report's data key.
    pub text_sealed: Vec<u8>,
    pub basis: String,
}

impl std::fmt::Debug for NewNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewNotice")
            .field("kind", &self.kind)
            .field("recipient", &self.recipient)
            .finish_non_exhaustive()
    }
}

/// A report's place in its legal procedure and the state of its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcedureState {
    pub stage: Stage,
    pub extensions: u32,
    pub suspended_days: u32,
    pub suspended_since: Option<DateTime<Utc>>,
    /// The start of the running limit when it is not the receipt: the petition or the
    /// acceptance of a denunciation or a complaint, a reopening, the day a report entered the
    /// crime flow or reached the competent unit.
    pub clock_start: Option<DateTime<Utc>>,
    /// The day a source of crime was resumed, or its suspension annulled by the procuracy: it
    /// has one month from then (BLTTHS 148, 149), whatever was left before.
    pub resumed_at: Option<DateTime<Utc>>,
}

impl ProcedureState {
    /// At `stage`, with a fresh clock.
    pub fn at(stage: Stage) -> Self {
        Self {
            stage,
            extensions: 0,
            suspended_days: 0,
            suspended_since: None,
            clock_start: None,
            resumed_at: None,
        }
    }
}

/// A step of the procedure to record: the report must still be at `from` (another officer's
/// step meanwhile makes it `Conflict("stage")`).
#[derive(Clone)]
pub struct NewStep {
    pub from: Stage,
    /// The extensions granted before the step: two extensions at once cannot both pass.
    pub from_extensions: u32,
    /// The legal type as read: a correction meanwhile makes the step `Conflict("stage")`.
    pub from_legal_type: Option<LegalType>,
    pub action: Action,
    /// The procedure as it stands after the step.
    pub after: ProcedureState,
    /// The legal type the step gives the report when it moves it into another procedure (a
    /// denunciation found to be a crime goes into the crime flow); it is then entered in its
    /// unit's register again, received that day.
    pub switch_to: Option<LegalType>,
    /// The unit the report goes to with the step (a second complaint to the body above, a
    /// crime about an officer out of the accused's unit), and why (a constant of the domain).
    pub hand_to: Option<(UnitCode, &'static str)>,
    /// The unit the caller read holding the report: when it hands it on, `Conflict` if
    /// another holds it now.
    pub holder: UnitCode,
    pub status: ReportStatus,
    pub deadline: Option<Due>,
    pub number: Option<String>,
    pub decided_on: Option<chrono::NaiveDate>,
    pub signer: Option<String>,
    /// The grounds or note, sealed under the report's data key.
    pub grounds_sealed: Vec<u8>,
    pub actor: StaffId,
    pub at: DateTime<Utc>,
    /// The notices the step requires, drafted.
    pub notices: Vec<NewNotice>,
}

impl std::fmt::Debug for NewStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStep")
            .field("from", &self.from)
            .field("action", &self.action)
            .field("to", &self.after.stage)
            .finish_non_exhaustive()
    }
}

/// A notice going out: which, how, and the answer that carries it to the reporter.
#[derive(Debug, Clone)]
pub struct NoticeSent {
    pub notice: i64,
    /// The channel for the reporter, the dispatch for the procuracy.
    pub via: String,
    pub reply: Option<NewMessage>,
}

/// A notice as recorded.
#[derive(Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub recipient: Recipient,
    pub due_at: DateTime<Utc>,
    pub text_sealed: Vec<u8>,
    /// Empty until the core opens `text_sealed`.
    pub text: String,
    pub basis: String,
    pub sent_at: Option<DateTime<Utc>>,
    /// How it went out: the channel for the reporter, the dispatch for the procuracy.
    pub sent_via: Option<String>,
    pub sent_by: Option<String>,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("recipient", &self.recipient)
            .field("sent", &self.sent_at.is_some())
            .finish_non_exhaustive()
    }
}

/// A step taken, as recorded.
#[derive(Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub action: Action,
    pub from: Stage,
    pub to: Stage,
    pub number: Option<String>,
    pub decided_on: Option<chrono::NaiveDate>,
    pub signer: Option<String>,
    pub grounds_sealed: Vec<u8>,
    /// Empty until the core opens `grounds_sealed`.
    pub grounds: String,
    pub actor: StaffId,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for StepRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepRecord")
            .field("action", &self.action)
            .field("to", &self.to)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// An officer's classification of a report: what it is in law, what it is about, how urgent,
/// where. Routing by these is the routing table's; here they are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    pub legal_type: Option<LegalType>,
    pub topic: Option<Topic>,
    pub urgency: Urgency,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    /// The time limit that runs once it is classified so.
    pub deadline: Option<Due>,
    /// The stage it enters in its procedure, and when that procedure's time started when not
    /// at receipt (none once it enters another procedure).
    pub stage: Stage,
    pub clock_start: Option<DateTime<Utc>>,
    /// The stage, type and mark it was read with: a step, correction or mark meanwhile makes
    /// the triage `Conflict("stage")`.
    pub from_stage: Stage,
    pub from_legal_type: Option<LegalType>,
    pub accused_named: bool,
    /// What the text suggested (legal type, topic, urgency), kept with the event to measure
    /// how often officers accept the hints.
    pub hinted: Option<OfferedHints>,
}

/// An internal note on a report: for staff only, never shown to the reporter.
#[derive(Clone)]
pub struct NewNote {
    pub report: ReportId,
    pub author: StaffId,
    /// The text, sealed under the report's data key.
    pub body_sealed: Vec<u8>,
    /// Keyed hashes of its words, added to the report's search index.
    pub word_index: Vec<Vec<u8>>,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for NewNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewNote")
            .field("report", &self.report)
            .field("author", &self.author)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub author: StaffId,
    /// The author's display name.
    pub author_name: String,
    /// Empty until the core opens `sealed_body`.
    pub body: String,
    pub sealed_body: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Note")
            .field("id", &self.id)
            .field("author", &self.author)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}
