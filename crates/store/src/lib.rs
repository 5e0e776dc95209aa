//! The storage interface, split by aggregate (units and places, staff, reports), with the
//! records that cross it and `StoreError`. Backends implement every trait; the rest of the code
//! holds an `Arc<dyn Store>` chosen once at start-up.

mod directory;
mod records;

pub use directory::*;
pub use records::*;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::notify::NotifyAddress;
use hotline_domain::roster::Roster;
use hotline_domain::routing::{RoutingRule, Target};
use hotline_domain::{
    CaseNumber, Channel, ContactId, Delivery, Gazetteer, MessageId, ReportId, Role, StaffId,
    UnitCode,
};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the text names what (`username`, `record`).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database could not be reached; nothing was written, and trying later is safe.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A commit failed in a way that leaves its outcome unknown (the connection dropped while
    /// committing): retrying could write the same data twice.
    #[error("commit outcome unknown: {0}")]
    Indeterminate(String),
    /// The store's master key is no longer the one the data was wrapped under (a rotation
    /// moved it); nothing was written. Wrap again under the current key and retry.
    #[error("the store's master key changed")]
    KeyChanged,
    #[error("store failure: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Schema, readiness and the reference data every other table points at.
#[async_trait]
pub trait Admin: Send + Sync {
    /// Applies pending migrations. Safe to call on every start.
    async fn migrate(&self) -> StoreResult<()>;
    /// Loads the provinces and communes if the tables are empty; returns how many were added.
    async fn seed_places(&self, places: &Gazetteer) -> StoreResult<usize>;
    /// Succeeds when the store answers a trivial query.
    async fn ping(&self) -> StoreResult<()>;
    /// The backend's name, for logs and `config check`.
    fn backend(&self) -> &'static str;
    /// Writes a consistent copy of the whole database to a new file while the store is in use.
    /// Backends with their own tools (PostgreSQL: `pg_dump`) answer `Other` with their name.
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
}

#[async_trait]
pub trait Units: Send + Sync {
    /// Creates the unit, or leaves an existing one with that code unchanged.
    async fn ensure_unit(&self, unit: &NewUnit) -> StoreResult<Unit>;
    async fn unit(&self, code: &UnitCode) -> StoreResult<Unit>;
    async fn list_units(&self) -> StoreResult<Vec<Unit>>;
    /// Creates a unit under an existing parent; `Conflict("code")` when the code is taken.
    async fn create_unit(&self, unit: &NewUnit) -> StoreResult<Unit>;
    /// Gives a unit a new name; `NotFound` when there is no such unit.
    async fn rename_unit(&self, code: &UnitCode, name: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait Staff: Send + Sync {
    async fn create_staff(&self, staff: &NewStaff) -> StoreResult<StaffMember>;
    async fn staff_by_username(&self, username: &str) -> StoreResult<StaffLogin>;
    async fn staff(&self, id: StaffId) -> StoreResult<StaffMember>;
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// The member behind a live session: not expired, used since `idle_since`, its member not
    /// disabled; `NotFound` otherwise. Marks the session used at `now`.
    async fn session_staff(
        &self,
        digest: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<LiveSession>;
    async fn delete_session(&self, digest: &str) -> StoreResult<()>;
    /// Ends every session of a member ("sign out everywhere", a reset second factor).
    async fn delete_sessions_of(&self, staff: StaffId) -> StoreResult<()>;
    async fn second_factor(&self, staff: StaffId) -> StoreResult<SecondFactor>;
    /// Keeps a secret shown for enrolment until a code confirms it.
    async fn set_pending_totp(&self, staff: StaffId, sealed: &[u8]) -> StoreResult<()>;
    /// Makes the pending secret (which must still be `sealed`) the one in use, with `step` as
    /// its first code taken, and replaces the recovery codes, in one transaction. `Conflict`
    /// when another enrolment replaced the pending secret meanwhile.
    async fn activate_totp(
        &self,
        staff: StaffId,
        sealed: &[u8],
        step: i64,
        recovery_digests: &[String],
    ) -> StoreResult<()>;
    /// Takes the code of time step `step`: `false` when a code of that step or a later one was
    /// already taken (a code is good once).
    async fn take_totp_step(&self, staff: StaffId, step: i64) -> StoreResult<bool>;
    /// Uses up a recovery code: `false` when it is unknown or already used.
    async fn take_recovery_code(
        &self,
        staff: StaffId,
        digest: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Forgets a member's second factor and recovery codes and ends their sessions: they
    /// enrol again at their next sign-in.
    async fn reset_second_factor(&self, staff: StaffId) -> StoreResult<()>;
    async fn create_api_token(&self, token: &NewApiToken) -> StoreResult<()>;
    async fn api_token_staff(&self, digest: &str) -> StoreResult<StaffMember>;
    async fn count_staff(&self) -> StoreResult<i64>;
    /// Members of the unit with this path and of the units below it, by username.
    async fn staff_under(&self, unit_path: &str) -> StoreResult<Vec<StaffMember>>;
    /// Changes a member's role, unit and whether they are disabled. A disabled member's
    /// sessions and tokens stop working at once.
    async fn update_staff(
        &self,
        staff: StaffId,
        role: Role,
        unit: &UnitCode,
        disabled: bool,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Revokes every API token of a member.
    async fn revoke_api_tokens(&self, staff: StaffId, at: DateTime<Utc>) -> StoreResult<()>;
}

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
    /// Reports visible under `visibility` whose reporter left the phone number with this blind
    /// index, on any channel, newest first.
    async fn reports_by_phone(
        &self,
        visibility: &Visibility,
        phone_index: &[u8],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>>;
    async fn messages(&self, report: ReportId) -> StoreResult<Vec<Message>>;
    /// The evidence files of a report, oldest first.
    async fn attachments(&self, report: ReportId) -> StoreResult<Vec<Attachment>>;
    /// One evidence file's sealed content; `NotFound` unless it belongs to `report`.
    async fn attachment_content(&self, report: ReportId, attachment: i64) -> StoreResult<Vec<u8>>;
    /// The report whose follow-up digest this is, whatever unit it belongs to: the digest is
    /// the reporter's proof. `NotFound` otherwise.
    async fn report_by_follow_up(&self, digest: &str) -> StoreResult<ReportDetail>;
    /// Adds a message to a report, with its words and its event, and marks the report updated.
    async fn add_message(&self, message: &NewMessage) -> StoreResult<MessageId>;
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

/// The store's binding to its master key, and the re-wrapping a rotation does.
#[async_trait]
pub trait Vault: Send + Sync {
    /// Binds the store to a master key unless it is bound already, and returns the binding it
    /// has. A store bound before key ids existed takes the id and index key given, once.
    async fn bind_master_key(
        &self,
        binding: &KeyBinding,
        at: DateTime<Utc>,
    ) -> StoreResult<KeyBinding>;
    /// The current binding; `None` for a store never bound.
    async fn key_binding(&self) -> StoreResult<Option<KeyBinding>>;
    /// Moves the binding from the key `from` to `to`. From then on intake refuses reports
    /// wrapped under any other key (`KeyChanged`). Returns false, changing nothing, when the
    /// store is not bound to `from`.
    async fn rebind_master_key(&self, from: &str, to: &KeyBinding) -> StoreResult<bool>;
    /// Data keys not wrapped under `key_id`, of reports after `after`, in id order.
    async fn keys_to_rewrap(
        &self,
        key_id: &str,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<WrappedKey>>;
    /// Replaces each wrapped data key `(old, new)` that is still `old`, in one transaction;
    /// returns how many were replaced (a key that changed meanwhile is left alone).
    async fn rewrap_keys(&self, pairs: &[(WrappedKey, WrappedKey)]) -> StoreResult<u64>;
}

/// Reveals that wait for a second person's approval.
#[async_trait]
pub trait Reveals: Send + Sync {
    /// Records a request by `by`, or returns the one still waiting from them for this report.
    async fn request_reveal(
        &self,
        report: ReportId,
        by: StaffId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Requests of a report not yet used, oldest first.
    async fn open_reveal_requests(&self, report: ReportId) -> StoreResult<Vec<RevealRequest>>;
    /// Approves a waiting request of `report` by someone other than its asker; false when there
    /// is no such request.
    async fn approve_reveal(
        &self,
        request: i64,
        report: ReportId,
        approver: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<bool>;
    /// Takes (marks used) the oldest request of `requester` for `report` approved since
    /// `approved_since`; each approval opens one reveal.
    async fn take_approved_reveal(
        &self,
        report: ReportId,
        requester: StaffId,
        approved_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<RevealRequest>>;
}

/// Retention: legal holds, and purging what a rule selects.
#[async_trait]
pub trait Retention: Send + Sync {
    /// Reports `rule` selects that are not on legal hold, after `after`, in id order.
    async fn purge_candidates(
        &self,
        rule: &PurgeRule,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<ReportId>>;
    /// How many reports `rule` selects: (free to purge, on legal hold).
    async fn retention_counts(&self, rule: &PurgeRule) -> StoreResult<(i64, i64)>;
    /// Destroys the report's wrapped data key and removes the report with its messages,
    /// notes, attachment records, history and contact, in one transaction, if it still matches
    /// `rule` and is not on hold. Returns whether it did.
    async fn purge_report(&self, report: ReportId, rule: &PurgeRule) -> StoreResult<bool>;
    /// Puts a visible report on legal hold, or releases it, and records the event.
    async fn set_legal_hold(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        hold: bool,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()>;
    /// Lets the backend reclaim what was deleted, so that no copy lingers in its files.
    async fn compact(&self) -> StoreResult<()>;
}

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
    /// unassigned, back at the start of its procedure there; the event names both units and
    /// keeps the written reason (one line), for the handover record.
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
    /// below it can read it.
    async fn mark_police_conduct(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        mark: &ConductMark,
        actor: StaffId,
        at: DateTime<Utc>,
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

/// Computes an audit entry's chain hash from its sequence number and the previous entry's hash.
pub type ChainSeal<'a> = &'a (dyn Fn(i64, &[u8]) -> Vec<u8> + Send + Sync);

/// Where a report goes and the written reason why (one line), for the handover record.
#[derive(Debug, Clone, Copy)]
pub struct Handover<'a> {
    pub to: &'a UnitCode,
    pub reason: &'a str,
}

/// The audit entry of an action, appended to the chain in the action's own transaction: both
/// commit or neither. Neither `Clone` nor `Copy`, so that one entry is appended once; its
/// `at` is the action's time too.
pub struct Audited<'a> {
    pub entry: &'a NewAuditEntry,
    pub seal: ChainSeal<'a>,
}

/// The append-only audit chain.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Appends an entry: takes the next sequence number and the previous hash under a lock
    /// (concurrent appends from several nodes queue), stores the hash that `seal` computes from
    /// them, and moves the head.
    async fn append_audit(
        &self,
        entry: &NewAuditEntry,
        seal: ChainSeal<'_>,
    ) -> StoreResult<AuditRecord>;
    /// Entries after sequence number `after`, in order, at most `limit`.
    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>>;
    /// The newest entries whose action starts with one of `prefixes`, newest first.
    async fn audit_by_action(&self, prefixes: &[&str], limit: u32)
    -> StoreResult<Vec<AuditRecord>>;
}

/// Everything a backend provides.
/// The routing table (see `hotline_domain::routing`). Each change is one transaction.
#[async_trait]
pub trait Routing: Send + Sync {
    /// Every rule, by version, province and scope.
    async fn routing_rules(&self) -> StoreResult<Vec<RoutingRuleRecord>>;
    /// Writes `rules` when the table has none (a new installation); returns how many.
    async fn seed_routing_rules(
        &self,
        rules: &[RoutingRule],
        at: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Adds `rule`, or gives the rule with its key (version, province, scope, topic) its
    /// target; returns the target it replaced.
    async fn put_routing_rule(
        &self,
        rule: &RoutingRule,
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Target>>;
    /// Removes the rule with this id and returns it; `NotFound` when there is none.
    async fn delete_routing_rule(&self, id: i64) -> StoreResult<RoutingRule>;
    /// Starts a version: writes `rules`, which all carry its date; `Conflict("version")` when
    /// a rule of that date exists already.
    async fn add_routing_version(
        &self,
        rules: &[RoutingRule],
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Removes every rule of the version that starts on `effective_from`; returns how many.
    async fn delete_routing_version(&self, effective_from: NaiveDate) -> StoreResult<usize>;
}

/// Urgent reports' alert chains: who was alerted at which level, and who acknowledged.
/// Moving a chain is compare-and-set, so that several nodes ticking at once alert each level
/// once.
#[async_trait]
pub trait Alerts: Send + Sync {
    /// Emergency and urgent reports, neither closed nor merged, without an alert chain, oldest
    /// first.
    async fn reports_needing_alerts(&self, limit: u32) -> StoreResult<Vec<AlertSubject>>;
    /// Chains nobody has acknowledged, of reports neither closed nor merged.
    async fn open_alert_chains(&self) -> StoreResult<Vec<AlertChain>>;
    /// Starts a report's chain at `level`, alerting `staff`, with an event on the report;
    /// `false` when it has one already.
    async fn start_alert_chain(&self, step: &AlertStep) -> StoreResult<bool>;
    /// Moves an open chain from `from` to `step.level`, alerting `step.staff`, with an event;
    /// `false` when it was moved or acknowledged meanwhile.
    async fn escalate_alert_chain(&self, from: u32, step: &AlertStep) -> StoreResult<bool>;
    /// Alerts more members at a chain's level (the officer of a new shift); how many were new.
    async fn add_alerts(&self, step: &AlertStep) -> StoreResult<usize>;
    /// Acknowledges a report's open chain, with an event; `false` when there is none open.
    async fn acknowledge_alert_chain(
        &self,
        report: ReportId,
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// A member's alerts, newest first.
    async fn alerts_for(&self, staff: StaffId, limit: u32) -> StoreResult<Vec<AlertRecord>>;
    /// Reports neither closed nor merged whose time limit falls before `before`, without a
    /// warning round yet of the kind their limit calls for at `now` (passed, or approaching,
    /// which only assigned reports are offered for), oldest limit first.
    async fn reports_to_warn(
        &self,
        now: DateTime<Utc>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueSubject>>;
    /// Warns `staff` about a report's limit, once per member, kind and limit, with an event
    /// when anyone new was warned; how many were. The round is recorded even when `staff` is
    /// empty, so that the report is not offered again for that kind and limit.
    async fn add_deadline_alerts(&self, warning: &DeadlineWarning) -> StoreResult<usize>;
    /// A member's warnings about time limits, newest first.
    async fn deadline_alerts_for(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> StoreResult<Vec<DeadlineAlertRecord>>;
}

/// Notifications outside the console. Alerts and time-limit warnings queue theirs in their own
/// transaction (see [`Alerts`]); the sending job takes them from here.
#[async_trait]
pub trait Notifications: Send + Sync {
    /// A member's addresses, in the order they are tried.
    async fn notify_addresses(&self, staff: StaffId) -> StoreResult<Vec<NotifyAddress>>;
    /// Replaces a member's addresses.
    async fn set_notify_addresses(
        &self,
        staff: StaffId,
        addresses: &[NotifyAddress],
    ) -> StoreResult<()>;
    /// Queues a notification; `false` when one with the same key was queued before.
    async fn queue_notification(&self, notification: &NewNotification) -> StoreResult<bool>;
    /// Queued notifications due at `now`, oldest first.
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingNotification>>;
    /// Takes a due notification for one sender until `until`: `false` when another took it
    /// (its `next_at` is no longer `seen`).
    async fn claim_notification(
        &self,
        id: i64,
        seen: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records a round's attempts and where the notification stands.
    async fn finish_notification(
        &self,
        id: i64,
        attempts: &[NotificationAttempt],
        outcome: NotificationOutcome,
    ) -> StoreResult<()>;
    /// A member's notifications with their attempts, newest first.
    async fn notifications_for(
        &self,
        staff: StaffId,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRecord>>;
}

/// Platform accounts and the journal of what they deliver. A delivery is journalled before the
/// platform is told it arrived, and taken apart later.
#[async_trait]
pub trait Channels: Send + Sync {
    /// `Conflict("account")` when the platform has an account of that name.
    async fn add_channel_account(&self, account: &NewChannelAccount) -> StoreResult<i64>;
    async fn channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>>;
    async fn channel_account(&self, platform: Channel, name: &str) -> StoreResult<ChannelAccount>;
    async fn channel_account_by_id(&self, id: i64) -> StoreResult<ChannelAccount>;
    /// Writes deliveries durably, in one transaction; their ids, in order.
    async fn journal_deliveries(&self, deliveries: &[NewDelivery]) -> StoreResult<Vec<i64>>;
    /// Writes deliveries fetched from a platform and where fetching now stands, in one
    /// transaction: a crash leaves both or neither, so nothing is fetched twice or lost. The
    /// cursor moves from `from` (what the fetch started at) to `to`; `Conflict` and nothing
    /// written when another node moved it meanwhile.
    async fn journal_fetched(
        &self,
        account_id: i64,
        deliveries: &[NewDelivery],
        (from, to): (Option<&str>, &str),
    ) -> StoreResult<Vec<i64>>;
    /// Replaces an account's sealed credentials if they are still `expected`; `false` when
    /// another node replaced them first.
    async fn replace_channel_secrets(
        &self,
        account_id: i64,
        expected: &[u8],
        replacement: &[u8],
    ) -> StoreResult<bool>;
    /// Records that the platform checked the account's webhook at `at`.
    async fn record_channel_check(&self, account_id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// Deliveries due for processing at `now`, oldest first.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingDelivery>>;
    /// Takes the due deliveries `due` (each with the `next_at` it was seen with) until
    /// `until`, in one transaction; the ids taken (not those another node took first).
    async fn claim_deliveries(
        &self,
        due: &[(i64, DateTime<Utc>)],
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
    /// Commits what taking deliveries apart wrote, in order, in one transaction: for each
    /// message its id, `None` when it was taken in before (the same platform message id), and
    /// `None` for each finished delivery. Nothing is written when it fails.
    async fn take_apart_writes(
        &self,
        writes: &[TakeApartWrite],
    ) -> StoreResult<Vec<Option<MessageId>>>;
    /// Records how processing went. A finished delivery's body is dropped unless some of its
    /// events were of no use here: those are kept, sealed, for a look later. A delivery no
    /// longer queued (finished meanwhile, by another node whose claim outlived ours) is left
    /// as it is.
    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Puts a dead delivery back in the queue; `NotFound` when it is not dead.
    async fn retry_delivery(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// An account's latest deliveries, newest first; only dead ones when `dead_only`.
    async fn deliveries_of(
        &self,
        account_id: i64,
        dead_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>>;
    /// How many deliveries an account received since `since`.
    async fn deliveries_since(&self, account_id: i64, since: DateTime<Utc>) -> StoreResult<u32>;
    /// How many answers sent by an account since `since` failed.
    async fn failed_sends_since(
        &self,
        channel: Channel,
        account: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32>;
    async fn delivery_counts(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<DeliveryCounts>;
}

/// Calls to the hotline's line and the queue of those to call back.
#[async_trait]
pub trait Calls: Send + Sync {
    /// Records a call's start, once per account and call id; `false` when it was recorded.
    async fn start_call(&self, call: &NewCall) -> StoreResult<bool>;
    async fn call(&self, account_id: i64, call_id: &str) -> StoreResult<Option<CallRecord>>;
    async fn call_by_id(&self, id: i64) -> StoreResult<CallRecord>;
    /// Records who answered, the first time.
    async fn answer_call(
        &self,
        account_id: i64,
        call_id: &str,
        (at, by): (DateTime<Utc>, Option<&str>),
    ) -> StoreResult<()>;
    /// Records its end, the first time; a missed call goes on the callback queue.
    async fn end_call(
        &self,
        account_id: i64,
        call_id: &str,
        (at, cause, missed): (DateTime<Utc>, Option<&str>, bool),
    ) -> StoreResult<()>;
    /// Calls waiting to be called back, longest waiting first.
    async fn waiting_callbacks(&self, limit: u32) -> StoreResult<Vec<CallRecord>>;
    /// Records a callback's outcome: `done` closes it, else it stays waiting, tried once more.
    async fn record_callback(
        &self,
        id: i64,
        (outcome, done): (&str, bool),
        (staff, at): (StaffId, DateTime<Utc>),
    ) -> StoreResult<()>;
    /// Calls ringing or under way that began after `since`, newest first.
    async fn live_calls(&self, since: DateTime<Utc>) -> StoreResult<Vec<CallRecord>>;
    /// Every call that began after `since`, newest first (at most 50).
    async fn calls_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<CallRecord>>;
}

/// Messages of ours that leave by a platform: officers' answers and acknowledgements, queued
/// with the report (or in its intake) and sent by a job.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queued outbound messages on `channels` due at `now` (never tried, or due again),
    /// oldest first; only of reports with an address to answer to (a report captured by hand
    /// from a mail is answered on its follow-up page). A message is due only once every
    /// earlier one to the same recipient (report and channel) has left or failed for good, so
    /// that an answer never reaches a citizen before the acknowledgement with their case
    /// number, even when several passes or nodes send at once or the first must be retried.
    /// "Earlier" is the order of queueing (ids); the acknowledgement is queued just after its
    /// report is written, so only an answer written within that moment (or, after a crash,
    /// before the delivery is taken apart again) could come first.
    async fn outbound_due(
        &self,
        channels: &[Channel],
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<OutboundMessage>>;
    /// Takes a queued message for one sender until `until`; `false` when another took it
    /// (its next time is no longer `seen`).
    async fn claim_outbound(
        &self,
        id: MessageId,
        seen: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records a try: sent (with the platform's id), again later, or failed.
    async fn finish_outbound(&self, id: MessageId, outcome: &SendOutcome) -> StoreResult<()>;
    /// Makes a report's queued answers due at `now` (the reporter wrote: a window opened).
    async fn release_answers(&self, report: ReportId, now: DateTime<Utc>) -> StoreResult<()>;
    /// When the reporter last wrote: platforms' answer windows count from it.
    async fn last_inbound_at(&self, report: ReportId) -> StoreResult<Option<DateTime<Utc>>>;
}

/// Files of platform messages, fetched after the message is taken in.
#[async_trait]
pub trait Media: Send + Sync {
    /// Queues a file once; `false` when it was queued before.
    async fn queue_media_fetch(&self, fetch: &NewMediaFetch) -> StoreResult<bool>;
    async fn due_media_fetches(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PendingMediaFetch>>;
    /// Takes a due fetch until `until`; `false` when another node took it.
    async fn claim_media_fetch(
        &self,
        id: i64,
        seen: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn finish_media_fetch(&self, id: i64, outcome: &MediaOutcome) -> StoreResult<()>;
    /// The report, case and message a platform message became.
    async fn message_by_platform_id(
        &self,
        channel: Channel,
        account: &str,
        platform_message_id: &str,
    ) -> StoreResult<Option<(ReportId, CaseNumber, MessageId)>>;
    /// Keeps files with a message, with an event on its report.
    async fn add_attachments(
        &self,
        report: ReportId,
        message: MessageId,
        files: &[NewAttachment],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// The duty roster (see `hotline_domain::roster`). Each change is one statement.
#[async_trait]
pub trait Duty: Send + Sync {
    /// The roster of each unit whose path starts with `path` and has one: its patterns (with
    /// their cancelled days) and its one-off shifts ending after `since`.
    async fn rosters_under(
        &self,
        path: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(UnitCode, Roster)>>;
    async fn add_duty_pattern(&self, pattern: &NewDutyPattern) -> StoreResult<i64>;
    /// Ends a pattern of `unit` after `last_day`; `NotFound` when it is not that unit's.
    async fn end_duty_pattern(
        &self,
        unit: &UnitCode,
        id: i64,
        last_day: NaiveDate,
    ) -> StoreResult<()>;
    /// Cancels the occurrence of a pattern of `unit` on `day` (once; again changes nothing).
    async fn cancel_duty_occurrence(
        &self,
        unit: &UnitCode,
        id: i64,
        day: NaiveDate,
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn add_duty_shift(&self, shift: &NewDutyShift) -> StoreResult<i64>;
    /// Removes a one-off shift of `unit`; `NotFound` when it is not that unit's.
    async fn delete_duty_shift(&self, unit: &UnitCode, id: i64) -> StoreResult<()>;
}

pub trait Store:
    Admin
    + Vault
    + Units
    + Staff
    + Reports
    + Reveals
    + Retention
    + Handling
    + Routing
    + Duty
    + Alerts
    + Notifications
    + Channels
    + Outbox
    + Media
    + Calls
    + Directory
    + Audit
{
}

impl<T> Store for T where
    T: Admin
        + Vault
        + Units
        + Staff
        + Reports
        + Reveals
        + Retention
        + Handling
        + Routing
        + Duty
        + Alerts
        + Notifications
        + Channels
        + Outbox
        + Media
        + Calls
        + Directory
        + Audit
{
}
