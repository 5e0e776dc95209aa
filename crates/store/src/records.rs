//! Records that cross the storage interface.

use chrono::{DateTime, Utc};
use hotline_domain::deadline::DeadlineRule;
use hotline_domain::notify::{NotificationKind, NotifyChannel};
use hotline_domain::platform::AccountName;
use hotline_domain::workflow::{Action, NoticeKind, Recipient, Stage};
use hotline_domain::{
    CaseNumber, Channel, ContactId, Delivery, Direction, LegalType, MessageId, ReportId,
    ReportStatus, Role, StaffId, Topic, UnitCode, UnitKind, Urgency,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitCode>,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub case_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitCode>,
    /// Materialised ancestry, `/bca/22/22/30280/`-style: a unit's subtree is every unit whose
    /// path starts with its own.
    pub path: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub case_prefix: String,
}

#[derive(Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub unit: UnitCode,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: StaffId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    pub disabled: bool,
}

/// A member with the password hash, only for signing in.
#[derive(Clone)]
pub struct StaffLogin {
    pub member: StaffMember,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub digest: String,
    pub staff: StaffId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Made by the password alone: good only for giving the second factor.
    pub second_factor_pending: bool,
}

/// A live session and its member.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub member: StaffMember,
    /// The second factor is still to be given.
    pub second_factor_pending: bool,
}

/// A member's second factor as stored: secrets sealed under the store's key.
#[derive(Clone, Default)]
pub struct SecondFactor {
    /// The TOTP secret in use; `None` until enrolled.
    pub totp_sealed: Option<Vec<u8>>,
    /// A secret shown for enrolment, not yet confirmed with a code.
    pub totp_pending_sealed: Option<Vec<u8>>,
    /// The last time step a code was taken for.
    pub totp_last_step: Option<i64>,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("enrolled", &self.totp_sealed.is_some())
            .field("totp_last_step", &self.totp_last_step)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub digest: String,
    pub staff: StaffId,
    pub label: String,
    pub created_at: DateTime<Utc>,
}

/// What an inbox shows, within the reader's visibility: every field narrows, none widens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub status: Option<ReportStatus>,
    pub channel: Option<Channel>,
    pub urgency: Option<Urgency>,
    /// Reports of this unit and the units below it.
    pub unit: Option<UnitCode>,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_before: Option<DateTime<Utc>>,
    pub assignee: Option<AssigneeFilter>,
    pub legal_type: Option<LegalType>,
    pub topic: Option<Topic>,
    /// Reports whose time limit ran out before this moment (overdue at it).
    pub due_before: Option<DateTime<Utc>>,
    pub order: ReportOrder,
    /// Where the previous page ended: the page starts after it.
    pub after: Option<ReportCursor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Unassigned,
    Staff(StaffId),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportOrder {
    #[default]
    Newest,
    Oldest,
    /// Emergencies first, then urgent, normal, low; newest first within each.
    Urgency,
    /// The soonest time limit first; reports without one after them, oldest first.
    Deadline,
}

/// A position in an ordered list of reports, for the next page (keyset pagination: no page
/// shifts when new reports arrive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportCursor {
    /// The urgency's rank (0 for emergencies) in urgency order; in deadline order 0 for a
    /// report with a time limit and 1 for one without; 0 otherwise.
    pub rank: i64,
    /// The time the order sorts by: when it was received, or in deadline order when it is due
    /// (received, for one without a limit).
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl ReportCursor {
    /// The position just after `report` in `order`.
    pub fn after(report: &ReportSummary, order: ReportOrder) -> Self {
        let (rank, at) = match order {
            ReportOrder::Urgency => (report.urgency.rank(), report.created_at),
            ReportOrder::Deadline => match &report.deadline {
                Some(due) => (0, due.due_at),
                None => (1, report.created_at),
            },
            ReportOrder::Newest | ReportOrder::Oldest => (0, report.created_at),
        };
        Self {
            rank,
            at,
            id: report.id.0,
        }
    }
}

/// A report's running time limit: the rule of the law and when it runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub rule: DeadlineRule,
    pub due_at: DateTime<Utc>,
}

/// How many visible reports hold one value of a field (`status`, `urgency`, `channel`,
/// `legal_type`, `topic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub field: String,
    pub value: String,
    pub count: i64,
}

/// Reports that arrived after a point, as an inbox left open asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewerReports {
    pub count: i64,
    /// Of them, emergencies and urgent ones.
    pub urgent: i64,
    /// The newest one's id, for the next question.
    pub newest: Option<i64>,
}

/// Which reports a reader may see. Built from the acting member by the core, never by a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    Nothing,
    Unit(UnitCode),
    /// Every unit whose path starts with this one.
    Subtree(String),
}

/// The reporter's identity as left with the report, sealed under the report's data key; stored
/// apart from the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub sealed: Vec<u8>,
    /// Blind index of the phone number, to recognise the same reporter on another channel.
    pub phone_index: Option<Vec<u8>>,
}

#[derive(Clone)]
pub struct NewReport {
    pub channel: Channel,
    /// The channel account it arrived on (empty for the web form and the API).
    pub account: String,
    /// The platform's id for the first message, for idempotency of redeliveries.
    pub platform_message_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub unit: UnitCode,
    pub case_prefix: String,
    /// The year in the case number: the year of receipt in Vietnam's time zone.
    pub case_year: i32,
    pub follow_up_digest: String,
    /// The report's data key, wrapped by the master key.
    pub wrapped_key: Vec<u8>,
    /// Which master key wrapped it.
    pub key_id: String,
    /// The first message's text, sealed under the report's data key.
    pub text_sealed: Vec<u8>,
    /// The start of the text for lists, sealed likewise.
    pub summary_sealed: Vec<u8>,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    /// Address details, sealed under the report's data key.
    pub address_sealed: Option<Vec<u8>>,
    /// Keyed hashes of the distinct words of the text and address, for search.
    pub word_index: Vec<Vec<u8>>,
    /// Evidence files sent with the first message.
    pub attachments: Vec<NewAttachment>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub protection_requested: bool,
    pub contact: Option<NewContact>,
    pub anonymous: bool,
    pub urgency: Urgency,
    /// The time limit that starts with it.
    pub deadline: Option<Due>,
    /// Who entered it, when a staff member did (quick capture, demo loading).
    pub entered_by: Option<StaffId>,
    /// Why it went to `unit`: the routing rule, in one word without spaces, for its first event.
    pub route: String,
    /// Blind index of the platform sender it came from, to thread their next messages into it.
    pub sender_index: Option<Vec<u8>>,
    /// Where answers go on its platform, sealed under the report's data key.
    pub reply_sealed: Option<Vec<u8>>,
}

impl std::fmt::Debug for NewReport {
    // The text and the contact are the reporter's; logs get the shape only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewReport")
            .field("channel", &self.channel)
            .field("unit", &self.unit)
            .field("received_at", &self.received_at)
            .field("has_contact", &self.contact.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub report: ReportId,
    pub case_number: CaseNumber,
    /// The platform message had been taken in before; nothing new was written.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSummary {
    pub id: ReportId,
    pub case_number: CaseNumber,
    pub channel: Channel,
    pub status: ReportStatus,
    pub urgency: Urgency,
    pub unit: UnitCode,
    pub unit_name: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    /// Plaintext for rows written before sealing; the core fills it from `sealed_summary`.
    pub summary: String,
    pub sealed_summary: Option<Vec<u8>>,
    /// The report's data key, wrapped by the master key.
    pub wrapped_key: Option<Vec<u8>>,
    /// Which master key wrapped it (`None` for rows from before key ids).
    pub key_id: Option<String>,
    pub anonymous: bool,
    pub created_at: DateTime<Utc>,
    /// The legal type once classified.
    pub legal_type: Option<LegalType>,
    /// The time limit running, if any.
    pub deadline: Option<Due>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDetail {
    pub summary: ReportSummary,
    /// Plaintext for rows written before sealing; the core fills it from `sealed_address`.
    pub address: Option<String>,
    pub sealed_address: Option<Vec<u8>>,
    pub contact: Option<ContactId>,
    /// The blind index of the contact's phone number, when they left one.
    pub contact_phone_index: Option<Vec<u8>>,
    pub assignee: Option<StaffId>,
    pub updated_at: DateTime<Utc>,
    /// Kept from any purge while set.
    pub legal_hold: bool,
    pub topic: Option<Topic>,
    /// The report this one repeats, when an officer joined them: its conversation is read
    /// there.
    pub merged_into: Option<CaseNumber>,
    /// For a report about police conduct, the accused's unit: nobody in it or below it may
    /// read the report.
    pub accused_unit: Option<UnitCode>,
    /// When it happened, as the reporter said.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The reporter asked to be protected: they are under threat.
    pub protection_requested: bool,
    /// Where it stands in its procedure, and its clock: extensions granted, days suspended,
    /// since when it is suspended, and when the running limit started when not at receipt.
    pub procedure: ProcedureState,
}

/// What marking a report as about police conduct sets: the accused's unit, and the stage and
/// time limit of the Law on Denunciations it now follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConductMark {
    pub accused_unit: UnitCode,
    /// The unit the report is handed up to when the accused's unit or one under it holds it
    /// (in the same transaction).
    pub move_to: Option<UnitCode>,
    pub stage: Stage,
    pub deadline: Option<Due>,
    /// The notices marking it requires (the offer of a signed petition, R15), drafted.
    pub notices: Vec<NewNotice>,
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
    /// The start of the running limit when it is not the receipt (the acceptance of a
    /// denunciation or a complaint).
    pub clock_start: Option<DateTime<Utc>>,
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
    pub action: Action,
    /// The procedure as it stands after the step.
    pub after: ProcedureState,
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

impl std::fmt::Debug for NewStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStep")
            .field("from", &self.from)
            .field("action", &self.action)
            .field("to", &self.after.stage)
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

/// A request to reveal an identity that policy makes wait for a second person's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealRequest {
    pub id: i64,
    pub requested_by: StaffId,
    /// The asker's display name (their username when they have none).
    pub requester: String,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub approved_by: Option<StaffId>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// An evidence file to keep, sealed.
#[derive(Clone)]
pub struct NewAttachment {
    /// Our name for it (`evidence-1.jpg`).
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the stored file (after metadata removal).
    pub sha256: String,
    /// SHA-256 of the file as received, recorded in the report's history.
    pub original_sha256: String,
    pub metadata_removed: bool,
    /// The file, sealed under the report's data key.
    pub content_sealed: Vec<u8>,
}

impl std::fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAttachment")
            .field("content_type", &self.content_type)
            .field("size_bytes", &self.size_bytes)
            .finish_non_exhaustive()
    }
}

/// An evidence file as listed (its content is read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub metadata_removed: bool,
    pub created_at: DateTime<Utc>,
}

/// A message added to an existing report: the reporter's further information, or an officer's
/// answer to them.
#[derive(Clone)]
pub struct NewMessage {
    pub report: ReportId,
    pub direction: Direction,
    pub channel: Channel,
    /// The text, sealed under the report's data key.
    pub body_sealed: Vec<u8>,
    /// Keyed hashes of its words, added to the report's search index.
    pub word_index: Vec<Vec<u8>>,
    /// Evidence files sent with it.
    pub attachments: Vec<NewAttachment>,
    /// The officer who wrote it (outbound), or `None` for the reporter.
    pub author: Option<StaffId>,
    /// Where an outbound message stands; `None` for inbound ones.
    pub delivery: Option<Delivery>,
    pub at: DateTime<Utc>,
    /// The event recorded with it (`report.reporter_added`, `report.replied`).
    pub event: String,
    /// The channel account it came in on or leaves by (empty for the web and the API).
    pub account: String,
    /// The platform's id of an inbound message: the same id is taken in once.
    pub platform_message_id: Option<String>,
}

impl std::fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMessage")
            .field("report", &self.report)
            .field("direction", &self.direction)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub direction: Direction,
    pub channel: Channel,
    /// Plaintext for rows written before sealing; the core fills it from `sealed_body`.
    pub body: String,
    pub sealed_body: Option<Vec<u8>>,
    pub author: Option<StaffId>,
    /// Where an outbound message stands; `None` for inbound ones.
    pub delivery: Option<Delivery>,
    pub created_at: DateTime<Utc>,
    /// Why the platform did not take it, or said it failed.
    pub send_error: Option<String>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("direction", &self.direction)
            .field("channel", &self.channel)
            .field("created_at", &self.created_at)
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
    /// The stage it enters in its procedure.
    pub stage: Stage,
    /// The stage it was read at: a step taken meanwhile makes the triage `Conflict("stage")`.
    pub from_stage: Stage,
    /// What the text suggested (legal type, topic, urgency), kept with the event to measure
    /// how often officers accept the hints.
    pub hinted: Option<(LegalType, Topic, Urgency)>,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub actor: Option<StaffId>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// What ties a store to its master key. None of it is secret: the check value and the id are
/// derived from the key one way, the index key is sealed under it.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyBinding {
    pub check: Vec<u8>,
    pub key_id: String,
    /// The store's index key, wrapped by the master key.
    pub index_key: Vec<u8>,
}

impl std::fmt::Debug for KeyBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyBinding")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A report's wrapped data key, as a rotation reads and replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub report: ReportId,
    /// `None` for rows from before key ids.
    pub key_id: Option<String>,
    pub wrapped: Vec<u8>,
}

/// What a retention rule selects: reports last changed before `changed_before`, of the legal
/// type and in the status given (each `None` matches any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeRule {
    pub legal_type: Option<String>,
    pub status: Option<ReportStatus>,
    pub changed_before: DateTime<Utc>,
}

/// A security-relevant event to append to the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Whole microseconds (the chain hashes this precision).
    pub at: DateTime<Utc>,
    pub actor: Option<StaffId>,
    /// What happened: `staff.signed_in`, `report.opened`, …
    pub action: String,
    /// What it happened to: a case number, a username; never a reporter's identity.
    pub subject: String,
    pub detail: String,
}

/// An entry of the audit chain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<StaffId>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub hash: Vec<u8>,
}

/// An entry of a unit's receipt register (sổ tiếp nhận).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterEntry {
    /// The entry's number in the unit's register of the year.
    pub number: i64,
    pub year: i32,
    pub unit: UnitCode,
    /// When the unit received it (or received it by transfer).
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    /// The unit it came from, when transferred.
    pub transferred_from: Option<UnitCode>,
    /// `None` once the report was purged: its line stays, without it.
    pub case_number: Option<CaseNumber>,
    /// The report's legal type: the register's source type once classified.
    pub legal_type: Option<LegalType>,
    /// The officer who received it, when one did (a call, a visit, a transfer).
    pub officer: Option<String>,
    /// Whether the reader may read the report now: the line of a report handed over or walled
    /// off stays in the book, shown without what it is.
    pub readable: bool,
}

/// A rule of the routing table as stored: who last changed it and when (`None` for the
/// defaults written at set-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRuleRecord {
    pub id: i64,
    pub rule: hotline_domain::routing::RoutingRule,
    pub changed_by: Option<StaffId>,
    pub changed_at: DateTime<Utc>,
}

/// A weekly pattern of duty shifts, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDutyPattern {
    pub unit: UnitCode,
    pub staff: StaffId,
    pub weekdays: hotline_domain::roster::Weekdays,
    pub starts: chrono::NaiveTime,
    pub minutes: u32,
    pub from: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}

/// A one-off duty shift, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDutyShift {
    pub unit: UnitCode,
    pub staff: StaffId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub by: StaffId,
    pub at: DateTime<Utc>,
}

/// A report that needs an alert chain, or has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSubject {
    pub report: ReportId,
    pub case_number: CaseNumber,
    pub unit: UnitCode,
}

/// An open alert chain: the level reached, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChain {
    pub subject: AlertSubject,
    pub level: u32,
    pub level_at: DateTime<Utc>,
    /// Who was alerted at the current level.
    pub alerted: Vec<StaffId>,
}

/// One move of a chain: its report, the level, who is alerted, on which channel, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertStep {
    pub report: ReportId,
    pub level: u32,
    pub staff: Vec<StaffId>,
    pub channel: String,
    pub at: DateTime<Utc>,
}

/// An alert as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: i64,
    pub subject: AlertSubject,
    pub urgency: Urgency,
    pub level: u32,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

/// One report as the digest and the response-time figures read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSample {
    pub case_number: CaseNumber,
    pub unit: UnitCode,
    pub channel: Channel,
    pub legal_type: Option<LegalType>,
    pub urgency: Urgency,
    pub received_at: DateTime<Utc>,
    /// Its alert chain is open: nobody has acknowledged it yet.
    pub alert_open: bool,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The first answer to the reporter.
    pub first_reply_at: Option<DateTime<Utc>>,
    /// The first step of its procedure that recorded a decision.
    pub decided_at: Option<DateTime<Utc>>,
}

/// A report whose time limit is near or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSubject {
    pub subject: AlertSubject,
    pub due_at: DateTime<Utc>,
    pub assignee: Option<StaffId>,
}

/// A warning about a report's time limit, to some members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineWarning {
    pub report: ReportId,
    /// `approaching` or `passed`.
    pub kind: &'static str,
    pub due_at: DateTime<Utc>,
    pub staff: Vec<StaffId>,
    pub at: DateTime<Utc>,
}

/// A warning about a time limit as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineAlertRecord {
    pub subject: AlertSubject,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A notification to queue outside an alert (a digest, a test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub staff: StaffId,
    pub kind: NotificationKind,
    /// Queued once only: a second notification with the same key is not.
    pub key: Option<String>,
    /// What it names besides a report (a channel account: `whatsapp/qn-whatsapp`).
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// A notification waiting to leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    pub id: i64,
    pub staff: StaffId,
    pub kind: NotificationKind,
    pub case_number: Option<CaseNumber>,
    pub urgency: Option<Urgency>,
    pub level: Option<u32>,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Rounds over every channel already tried.
    pub rounds: u32,
    pub next_at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// One try on one channel; no error when it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationAttempt {
    pub channel: NotifyChannel,
    pub at: DateTime<Utc>,
    pub error: Option<String>,
}

/// Where a notification stands after a round over its member's channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// Left by this channel.
    Sent {
        via: NotifyChannel,
        at: DateTime<Utc>,
    },
    /// The member has no channel outside the console: the console alert is the notification.
    ConsoleOnly,
    /// Every channel failed; another round then.
    Retry { next_at: DateTime<Utc> },
    /// Every channel failed in every round.
    Failed,
}

impl NotificationOutcome {
    pub fn state(self) -> &'static str {
        match self {
            Self::Sent { .. } => "sent",
            Self::ConsoleOnly => "console",
            Self::Retry { .. } => "queued",
            Self::Failed => "failed",
        }
    }
}

/// A notification as its recipient reads it back, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub kind: NotificationKind,
    pub case_number: Option<CaseNumber>,
    pub level: Option<u32>,
    pub created_at: DateTime<Utc>,
    /// `queued`, `sent`, `console` or `failed`.
    pub state: String,
    pub sent_via: Option<NotifyChannel>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: Vec<NotificationAttempt>,
}

/// A platform account to connect.
#[derive(Clone, PartialEq, Eq)]
pub struct NewChannelAccount {
    pub platform: Channel,
    pub name: AccountName,
    pub unit: UnitCode,
    /// Its credentials (a JSON object of the platform's keys), sealed with the channel key.
    pub secrets_sealed: Vec<u8>,
    pub api_base: String,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for NewChannelAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewChannelAccount")
            .field("platform", &self.platform)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A call to start recording.
#[derive(Clone, PartialEq, Eq)]
pub struct NewCall {
    pub account_id: i64,
    pub call_id: String,
    pub inbound: bool,
    /// The blind index of the caller's number; `None` when withheld.
    pub caller_index: Option<Vec<u8>>,
    pub report: Option<ReportId>,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for NewCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCall")
            .field("call_id", &self.call_id)
            .finish_non_exhaustive()
    }
}

/// A call as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub id: i64,
    pub account_id: i64,
    pub call_id: String,
    pub inbound: bool,
    pub report: Option<ReportId>,
    pub case_number: Option<CaseNumber>,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub cause: Option<String>,
    /// `none`, `waiting` (missed: someone must call back) or `done`.
    pub callback: String,
    pub callback_attempts: u32,
    pub callback_outcome: Option<String>,
}

/// A connected platform account.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelAccount {
    pub id: i64,
    pub platform: Channel,
    pub name: AccountName,
    pub unit: UnitCode,
    pub secrets_sealed: Vec<u8>,
    pub api_base: String,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
    /// Where fetching its updates stands (Telegram's next offset), when it polls.
    pub cursor: Option<String>,
    /// When the platform last checked its webhook and got the right answer.
    pub checked_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for ChannelAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelAccount")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A delivery to journal: its body sealed, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub account_id: i64,
    pub body_sealed: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// A delivery waiting to be taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    pub id: i64,
    pub account_id: i64,
    pub received_at: DateTime<Utc>,
    pub body_sealed: Vec<u8>,
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
}

/// How processing a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Taken apart: how many messages it held and how many events were of no use here.
    Done { messages: u32, ignored: u32 },
    /// Failed; tried again at `next_at`.
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    /// Failed too often: kept, shown to administrators, retried only by hand.
    Dead { error: String },
}

/// A write of taking deliveries apart, committed with others (group commit).
#[derive(Clone)]
pub enum TakeApartWrite {
    /// A message onto its report; with `release_answers_at`, the report's answers waiting for
    /// the citizen to write may leave from then on.
    Message {
        message: NewMessage,
        release_answers_at: Option<DateTime<Utc>>,
    },
    /// How processing a delivery went (see `Channels::finish_delivery`).
    Finish {
        delivery: i64,
        outcome: DeliveryOutcome,
        at: DateTime<Utc>,
    },
}

/// A delivery as the channel's page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub account_id: i64,
    pub received_at: DateTime<Utc>,
    /// `queued`, `done` or `dead`.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub messages: u32,
    pub ignored: u32,
}

/// What an account received, in figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryCounts {
    pub last_received_at: Option<DateTime<Utc>>,
    pub last_hour: u32,
    pub queued: u32,
    pub dead: u32,
    pub ignored: u32,
}

/// A message of ours waiting to leave by its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    pub id: MessageId,
    pub report: ReportId,
    pub case_number: CaseNumber,
    pub channel: Channel,
    pub account: String,
    pub body_sealed: Vec<u8>,
    pub attempts: u32,
    /// When it was last claimed or is due again; `None` before its first try.
    pub next_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// How a try to send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The account took it out, and the platform took it under this id.
    Sent { account: String, sent_id: String },
    /// Not this time; again at `next_at`.
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    /// Not at all: the officer is shown why. The account it was to leave by, when known.
    Failed {
        account: Option<String>,
        error: String,
    },
    /// The citizen was asked to write back and did not: this message and every later one
    /// still queued to them (the same report and channel) fail for this reason together, as
    /// none can leave and asking again would repeat the request once per answer.
    Expired { account: String, error: String },
}

/// A file of a platform message to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMediaFetch {
    pub account_id: i64,
    pub platform_message_id: String,
    /// Its place among the message's files.
    pub position: u32,
    /// Where the platform keeps it (its media id or link), sealed with the channel key.
    pub ref_sealed: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// A file waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMediaFetch {
    pub id: i64,
    pub account_id: i64,
    pub platform_message_id: String,
    pub position: u32,
    pub ref_sealed: Vec<u8>,
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
}

/// How fetching a file went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaOutcome {
    /// Fetched and kept with its message.
    Kept,
    Retry {
        next_at: DateTime<Utc>,
        error: String,
    },
    /// Not to be had (gone, refused, not evidence we keep): the reason stays.
    Failed { error: String },
}
