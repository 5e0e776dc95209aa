//! Reports as received and read: intake's records, the inbox's filters, order and scope, a
//! report's messages, attachments, events and register lines.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::conduct::AccusedPost;
use hotline_domain::deadline::DeadlineRule;
use hotline_domain::receipt::{PoliceRank, ReceiptSource};
use hotline_domain::{
    CaseNumber, Channel, ContactId, Delivery, Direction, LegalType, MessageId, ReportEvent,
    ReportId, ReportStatus, StaffId, Topic, UnitCode, Urgency,
};

use crate::{Audited, ProcedureState, StoreResult};

#[async_trait]
pub trait Reports: Send + Sync {
    /// Writes a batch of new reports in one transaction (group commit) and returns one outcome
    /// per input, in order. A report whose platform message id was already taken returns the
    /// existing report with `duplicate` set. Returns only after the transaction is durable.
    async fn intake(&self, batch: &[NewReport]) -> StoreResult<Vec<Receipt>> {
        self.intake_indexing(batch, 0).await
    }
    /// The same, and in the same transaction moves up to `queued_words` queued word entries
    /// into the search index (see [`Reports::index_pending_words`]): while reports keep
    /// coming, the index keeps up on intake's own commits.
    async fn intake_indexing(
        &self,
        batch: &[NewReport],
        queued_words: u32,
    ) -> StoreResult<Vec<Receipt>>;
    /// Reports visible under `visibility`, newest first.
    async fn list_reports(
        &self,
        visibility: &Visibility,
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>>;
    /// One report by case number, only if visible; `NotFound` otherwise, so existence is not
    /// revealed across units.
    async fn report(&self, visibility: &Visibility, case: &CaseNumber)
    -> StoreResult<ReportDetail>;
    /// Reports visible under `visibility` whose word index holds every one of `words`, newest
    /// first.
    async fn search_reports(
        &self,
        visibility: &Visibility,
        words: &[Vec<u8>],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>>;
    /// Moves up to `entries` queued word entries into the search index, in one transaction;
    /// returns how many it moved. Writes queue a report's words in their own transaction, one
    /// entry each, and an indexer moves them in large batches right after; a search with words
    /// first moves whatever is still queued, so it sees every word written before it.
    async fn index_pending_words(&self, entries: u32) -> StoreResult<u32>;
    /// About how many word entries wait to be indexed (never fewer), up to `bound`.
    async fn pending_word_entries(&self, bound: u32) -> StoreResult<u32>;
    /// Up to `limit` reports after `after` (a report id) whose search index was written before
    /// personal items were indexed apart from words (migration 0043), in id order.
    async fn reports_to_reindex(
        &self,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<(ReportId, CaseNumber)>>;
    /// The ids of `report`'s queued word entries: its words read after this cover them.
    async fn queued_word_entries(&self, report: ReportId) -> StoreResult<Vec<i64>>;
    /// Replaces `report`'s search index with `words` (queued, as any write's), read from all
    /// its texts after `covered` (its queued entries then) was taken: its index rows and those
    /// entries go, entries queued since stay. Takes it off [`Self::reports_to_reindex`]'s list.
    async fn replace_word_index(
        &self,
        report: ReportId,
        words: &[Vec<u8>],
        covered: &[i64],
    ) -> StoreResult<()>;
    /// A page of the reports visible under `visibility` that pass `filter` and, when `words` are
    /// given, hold every one of them, in the filter's order, after its cursor.
    async fn inbox(
        &self,
        visibility: &Visibility,
        filter: &ReportFilter,
        words: &[Vec<u8>],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>>;
    /// How many visible reports hold each status, urgency and channel.
    async fn report_counts(&self, visibility: &Visibility) -> StoreResult<Vec<FacetCount>>;
    /// What the digest and the response-time figures read of each visible report received
    /// since `since`, or with an alert nobody has acknowledged yet; merged ones left out.
    async fn response_samples(
        &self,
        visibility: &Visibility,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ResponseSample>>;
    /// Visible reports past their time limit at `now`, neither closed nor merged, counted by
    /// the unit that holds them.
    async fn overdue_by_unit(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(UnitCode, i64)>>;
    /// Visible reports with an id above `after`.
    async fn newer_reports(&self, visibility: &Visibility, after: i64)
    -> StoreResult<NewerReports>;
    /// The highest report id in the store, whoever may see it (0 when there is none): what
    /// every node watches to tell open consoles that something arrived, on any node.
    async fn newest_report_id(&self) -> StoreResult<i64>;
    /// Reports visible under `visibility` whose reporter left the phone number with this blind
    /// index, on any channel, newest first.
    async fn reports_by_phone(
        &self,
        visibility: &Visibility,
        phone_index: &[u8],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>>;
    /// A report's messages in the order they were sent ([`Message::at`]).
    async fn messages(&self, report: ReportId) -> StoreResult<Vec<Message>>;
    /// The evidence files of a report, oldest first.
    async fn attachments(&self, report: ReportId) -> StoreResult<Vec<Attachment>>;
    /// One evidence file's sealed content; `NotFound` unless it belongs to `report`.
    async fn attachment_content(&self, report: ReportId, attachment: i64) -> StoreResult<Vec<u8>>;
    /// The report whose follow-up digest this is, whatever unit it belongs to: the digest is
    /// the reporter's proof. `NotFound` otherwise.
    async fn report_by_follow_up(&self, digest: &str) -> StoreResult<ReportDetail>;
    /// Adds a message to a report, with its words and its event, and marks the report updated.
    /// With `audit`, an officer's message (an answer, a call's content) commits with its
    /// record.
    async fn add_message(
        &self,
        message: &NewMessage,
        audit: Option<Audited<'_>>,
    ) -> StoreResult<MessageId>;
    /// The reporter has seen the answers delivered to them: each becomes `read`.
    async fn mark_replies_read(&self, report: ReportId) -> StoreResult<()>;
    /// The reports, neither closed nor merged, that came from the platform sender with this
    /// blind index, newest first (at most 20).
    async fn open_reports_of_sender(&self, sender_index: &[u8]) -> StoreResult<Vec<CaseNumber>>;
    /// Records what a platform says of a message we sent (by the id it gave it); `false` when
    /// no message of ours has that id.
    async fn update_sent_delivery(
        &self,
        channel: Channel,
        account: &str,
        platform_message_id: &str,
        delivery: Delivery,
        error: Option<&str>,
    ) -> StoreResult<bool>;
    /// Where answers to a platform report go, sealed under its data key.
    async fn reply_sealed(&self, report: ReportId) -> StoreResult<Option<Vec<u8>>>;
    /// A contact's sealed identity (`None` for rows written before sealing).
    async fn sealed_contact(&self, contact: ContactId) -> StoreResult<Option<Vec<u8>>>;
    /// Replaces a report's contact (a citizen shared their number later), or gives it one.
    async fn set_report_contact(
        &self,
        report: ReportId,
        contact: &NewContact,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn events(&self, report: ReportId) -> StoreResult<Vec<Event>>;
    /// The first triage of each report triaged since `since`, with its report, oldest first:
    /// what officers made of the hints (the event keeps both).
    async fn first_triages(&self, since: DateTime<Utc>) -> StoreResult<Vec<(ReportId, Event)>>;
    /// Entries of `unit`'s register of `year` after number `after`, in number order, each
    /// marked readable when its report is visible under `visibility` (nothing for a reader
    /// who sees no report).
    async fn register(
        &self,
        visibility: &Visibility,
        unit: &UnitCode,
        year: i32,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<RegisterEntry>>;
    /// A report's register entries (its first unit's, then those of units it was transferred
    /// to).
    async fn register_entries(&self, report: ReportId) -> StoreResult<Vec<RegisterEntry>>;
    async fn count_reports(&self) -> StoreResult<i64>;
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
    /// A unit's leaders: as [`Visibility::Subtree`], and besides the reports about an officer
    /// of their own unit that its head settles (R20), which the rest of the unit may not read.
    Leaders(String),
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
    /// When the citizen sent the first message, as their platform says.
    pub sent_at: Option<DateTime<Utc>>,
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
    /// Where it came from, as its register line says (R2).
    pub source: ReceiptSource,
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
    /// When the report was received: the first time, for a message taken in before.
    pub received_at: DateTime<Utc>,
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
    /// The accused's post there, which decides who settles (none when not recorded).
    pub accused_post: Option<AccusedPost>,
    /// When it happened, as the reporter said.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The reporter asked to be protected: they are under threat.
    pub protection_requested: bool,
    /// Where it stands in its procedure, and its clock: extensions granted, days suspended,
    /// since when it is suspended, and when the running limit started when not at receipt.
    pub procedure: ProcedureState,
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
    /// When the citizen sent it, as their platform says; it keeps its place in the
    /// conversation however late or out of order it arrives.
    pub sent_at: Option<DateTime<Utc>>,
    /// The event recorded with it ([`ReportEvent::ReporterAdded`], [`ReportEvent::Replied`]).
    pub event: ReportEvent,
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
    /// When the citizen sent it, as their platform says (see [`NewMessage::sent_at`]).
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the platform did not take it, or said it failed.
    pub send_error: Option<String>,
}

impl Message {
    /// Its place in the conversation: when it was sent, else when it was written here.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.sent_at.unwrap_or(self.created_at)
    }
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub what: ReportEvent,
    pub actor: Option<StaffId>,
    pub created_at: DateTime<Utc>,
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
    /// The officer who received it, when one did (a call, a visit, a transfer), with their
    /// rank and post on that day.
    pub officer: Option<String>,
    pub officer_rank: Option<PoliceRank>,
    pub officer_post: Option<String>,
    /// Where it came from (R2).
    pub source: ReceiptSource,
    /// Whether the reader may read the report now: the line of a report handed over or walled
    /// off stays in the book, shown without what it is.
    pub readable: bool,
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
