//! Turning rows into records, and sqlx errors into `StoreError`.

use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, ContactId, MessageId, ReportEvent, ReportId, StaffId, UnitCode};
use hotline_store::{
    AuditRecord, Due, Event, Message, Note, Notice, ProcedureState, RegisterEntry, ReportDetail,
    ReportSummary, RevealRequest, StaffGrant, StaffMember, StepRecord, StoreError, StoreResult,
    Unit,
};
use sqlx::{ColumnIndex, Decode, Row, Type};
use std::str::FromStr;

pub fn map_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        // The constraint's text names tables and columns; callers say what it means.
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict("record".into())
        }
        sqlx::Error::Database(db) if db.code().is_some_and(|code| disk_full(&code)) => {
            StoreError::Full(db.to_string())
        }
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => {
            StoreError::Full(e.to_string())
        }
        e @ (sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::Database(db) if db.code().is_some_and(|code| server_away(&code)) => {
            StoreError::Unavailable(db.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// Whether a database error's code says the server is away for now rather than that the
/// statement is wrong: PostgreSQL shutting down, restarting or out of connections, a standby
/// that does not yet take writes after a failover (SQLSTATE classes 08 and 57 but a cancelled
/// statement, 53300, 25006);
/// SQLite's file held by another process past the busy timeout (5, 6 and their extended codes).
fn server_away(code: &str) -> bool {
    code.starts_with("08")
        // 57014 is a statement cancelled or timed out: the server is there.
        || (code.starts_with("57") && code != "57014")
        || matches!(code, "53300" | "25006" | "5" | "6" | "261" | "262" | "517")
}

/// Whether a database error's code says its disk is full: SQLite's `SQLITE_FULL` (13), which
/// it also answers when the file system has no room left; PostgreSQL's `disk_full` (53100).
fn disk_full(code: &str) -> bool {
    matches!(code, "13" | "53100")
}

/// A failed commit: on a connection that broke, the server may have committed all the same.
pub fn map_commit_err(e: sqlx::Error) -> StoreError {
    match e {
        e @ (sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_)) => {
            StoreError::Indeterminate(e.to_string())
        }
        other => map_err(other),
    }
}

/// Typed reads of a row's columns. Implemented for every row type whose database decodes the
/// types used here, so code written against it needs no decoding bounds of its own.
pub trait Columns {
    fn text(&self, column: &str) -> StoreResult<String>;
    fn text_opt(&self, column: &str) -> StoreResult<Option<String>>;
    fn int(&self, column: &str) -> StoreResult<i64>;
    fn int_opt(&self, column: &str) -> StoreResult<Option<i64>>;
    fn small_opt(&self, column: &str) -> StoreResult<Option<i32>>;
    fn flag(&self, column: &str) -> StoreResult<bool>;
    fn time(&self, column: &str) -> StoreResult<DateTime<Utc>>;
    fn time_opt(&self, column: &str) -> StoreResult<Option<DateTime<Utc>>>;
    fn bytes(&self, column: &str) -> StoreResult<Vec<u8>>;
    fn bytes_opt(&self, column: &str) -> StoreResult<Option<Vec<u8>>>;
}

impl<R> Columns for R
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> StoreResult<String> {
        self.try_get(column).map_err(map_err)
    }
    fn text_opt(&self, column: &str) -> StoreResult<Option<String>> {
        self.try_get(column).map_err(map_err)
    }
    fn int(&self, column: &str) -> StoreResult<i64> {
        self.try_get(column).map_err(map_err)
    }
    fn int_opt(&self, column: &str) -> StoreResult<Option<i64>> {
        self.try_get(column).map_err(map_err)
    }
    fn small_opt(&self, column: &str) -> StoreResult<Option<i32>> {
        self.try_get(column).map_err(map_err)
    }
    fn flag(&self, column: &str) -> StoreResult<bool> {
        self.try_get(column).map_err(map_err)
    }
    fn time(&self, column: &str) -> StoreResult<DateTime<Utc>> {
        self.try_get(column).map_err(map_err)
    }
    fn time_opt(&self, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
        self.try_get(column).map_err(map_err)
    }
    fn bytes(&self, column: &str) -> StoreResult<Vec<u8>> {
        self.try_get(column).map_err(map_err)
    }
    fn bytes_opt(&self, column: &str) -> StoreResult<Option<Vec<u8>>> {
        self.try_get(column).map_err(map_err)
    }
}

pub(crate) fn parsed<T: FromStr>(row: &impl Columns, column: &str) -> StoreResult<T> {
    row.text(column)?
        .parse()
        .map_err(|_| StoreError::Other(format!("bad value in column {column}")))
}

pub(crate) fn parsed_opt<T: FromStr>(row: &impl Columns, column: &str) -> StoreResult<Option<T>> {
    row.text_opt(column)?
        .map(|text| {
            text.parse()
                .map_err(|_| StoreError::Other(format!("bad value in column {column}")))
        })
        .transpose()
}

fn optional_code(row: &impl Columns, column: &str) -> StoreResult<Option<u32>> {
    row.small_opt(column)?
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Other(format!("bad {column}"))))
        .transpose()
}

pub fn case_number(text: String) -> StoreResult<CaseNumber> {
    CaseNumber::parse(&text).ok_or_else(|| StoreError::Other("malformed case number".into()))
}

pub fn unit(row: &impl Columns) -> StoreResult<Unit> {
    Ok(Unit {
        code: parsed(row, "code")?,
        name: row.text("name")?,
        kind: parsed(row, "kind")?,
        parent: row
            .text_opt("parent_code")?
            .map(|p| UnitCode::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Other(e.to_string()))?,
        path: row.text("path")?,
        province_code: optional_code(row, "province_code")?,
        commune_code: optional_code(row, "commune_code")?,
        case_prefix: row.text("case_prefix")?,
    })
}

pub fn member(row: &impl Columns) -> StoreResult<StaffMember> {
    Ok(StaffMember {
        id: StaffId(row.int("id")?),
        username: row.text("username")?,
        display_name: row.text("display_name")?,
        role: parsed(row, "role")?,
        unit: parsed(row, "unit_code")?,
        unit_name: row.text("unit_name")?,
        unit_path: row.text("unit_path")?,
        disabled: row.flag("disabled")?,
        rank: parsed_opt(row, "rank")?,
        post: row.text_opt("post")?,
        must_change_password: row.flag("must_change_password")?,
    })
}

pub fn report_summary(row: &impl Columns) -> StoreResult<ReportSummary> {
    Ok(ReportSummary {
        id: ReportId(row.int("id")?),
        case_number: case_number(row.text("case_number")?)?,
        channel: parsed(row, "channel")?,
        status: parsed(row, "status")?,
        urgency: parsed(row, "urgency")?,
        unit: parsed(row, "unit_code")?,
        unit_name: row.text("unit_name")?,
        province_code: optional_code(row, "province_code")?,
        commune_code: optional_code(row, "commune_code")?,
        summary: row.text("summary")?,
        sealed_summary: row.bytes_opt("summary_sealed")?,
        wrapped_key: row.bytes_opt("wrapped_key")?,
        key_id: row.text_opt("key_id")?,
        anonymous: row.flag("anonymous")?,
        created_at: row.time("created_at")?,
        legal_type: parsed_opt(row, "legal_type")?,
        deadline: match (parsed_opt(row, "deadline_rule")?, row.time_opt("due_at")?) {
            (Some(rule), Some(due_at)) => Some(Due { rule, due_at }),
            _ => None,
        },
    })
}

pub fn report_detail(row: &impl Columns) -> StoreResult<ReportDetail> {
    Ok(ReportDetail {
        summary: report_summary(row)?,
        address: row.text_opt("address")?,
        sealed_address: row.bytes_opt("address_sealed")?,
        contact: row.int_opt("contact_id")?.map(ContactId),
        contact_phone_index: row.bytes_opt("contact_phone_index")?,
        assignee: row.int_opt("assignee_id")?.map(StaffId),
        updated_at: row.time("updated_at")?,
        legal_hold: row.flag("legal_hold")?,
        topic: parsed_opt(row, "topic")?,
        merged_into: row.text_opt("merged_into")?.map(case_number).transpose()?,
        accused_unit: row
            .text_opt("accused_unit_code")?
            .map(|code| code.parse())
            .transpose()
            .map_err(|_| StoreError::Other("an unknown accused unit code".into()))?,
        accused_post: parsed_opt(row, "accused_post")?,
        occurred_at: row.time_opt("occurred_at")?,
        protection_requested: row.flag("protection_requested")?,
        procedure: ProcedureState {
            stage: parsed(row, "stage")?,
            extensions: count(row, "extensions")?,
            suspended_days: count(row, "suspended_days")?,
            suspended_since: row.time_opt("suspended_since")?,
            clock_start: row.time_opt("clock_start")?,
            resumed_at: row.time_opt("resumed_at")?,
        },
    })
}

fn count(row: &impl Columns, column: &str) -> StoreResult<u32> {
    u32::try_from(row.int(column)?).map_err(|_| StoreError::Other(format!("bad {column}")))
}

pub fn step_record(row: &impl Columns) -> StoreResult<StepRecord> {
    Ok(StepRecord {
        action: parsed(row, "action")?,
        from: parsed(row, "from_stage")?,
        to: parsed(row, "to_stage")?,
        number: row.text_opt("number")?,
        decided_on: parsed_opt(row, "decided_on")?,
        signer: row.text_opt("signer")?,
        grounds_sealed: row.bytes("grounds_sealed")?,
        grounds: String::new(),
        actor: StaffId(row.int("actor_id")?),
        actor_name: row.text("actor_name")?,
        at: row.time("created_at")?,
    })
}

pub fn note(row: &impl Columns) -> StoreResult<Note> {
    Ok(Note {
        id: row.int("id")?,
        author: StaffId(row.int("author_id")?),
        author_name: row.text("author_name")?,
        body: row.text("body")?,
        sealed_body: row.bytes_opt("body_sealed")?,
        created_at: row.time("created_at")?,
    })
}

pub fn reveal_request(row: &impl Columns) -> StoreResult<RevealRequest> {
    Ok(RevealRequest {
        id: row.int("id")?,
        requested_by: StaffId(row.int("requested_by")?),
        requester: row.text("requester")?,
        target: row.text("target")?,
        reason: row.text("reason")?,
        requested_at: row.time("requested_at")?,
        approved_by: row.int_opt("approved_by")?.map(StaffId),
        approved_at: row.time_opt("approved_at")?,
    })
}

pub fn message(row: &impl Columns) -> StoreResult<Message> {
    Ok(Message {
        id: MessageId(row.int("id")?),
        direction: parsed(row, "direction")?,
        channel: parsed(row, "channel")?,
        body: row.text("body")?,
        sealed_body: row.bytes_opt("body_sealed")?,
        author: row.int_opt("author_id")?.map(StaffId),
        delivery: row
            .text_opt("delivery")?
            .map(|d| d.parse())
            .transpose()
            .map_err(|_| StoreError::Other("an unknown delivery state".into()))?,
        created_at: row.time("created_at")?,
        sent_at: row.time_opt("sent_at")?,
        send_error: row.text_opt("send_error")?,
    })
}

pub fn event(row: &impl Columns) -> StoreResult<Event> {
    Ok(Event {
        what: ReportEvent::read(&row.text("kind")?, &row.text("detail")?),
        actor: row.int_opt("actor_id")?.map(StaffId),
        created_at: row.time("created_at")?,
    })
}

pub fn audit_record(row: &impl Columns) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        seq: row.int("seq")?,
        at: row.time("at")?,
        actor: row.int_opt("actor_id")?.map(StaffId),
        action: row.text("action")?,
        subject: row.text("subject")?,
        detail: row.text("detail")?,
        hash: row.bytes("hash")?,
    })
}

pub fn register_entry(row: &impl Columns) -> StoreResult<RegisterEntry> {
    Ok(RegisterEntry {
        number: row.int("number")?,
        year: i32::try_from(row.int("year")?).map_err(|_| StoreError::Other("bad year".into()))?,
        unit: parsed(row, "unit_code")?,
        received_at: row.time("received_at")?,
        channel: parsed(row, "channel")?,
        transferred_from: parsed_opt(row, "transferred_from")?,
        case_number: row.text_opt("case_number")?.map(case_number).transpose()?,
        legal_type: parsed_opt(row, "legal_type")?,
        officer: row.text_opt("officer")?,
        officer_rank: parsed_opt(row, "officer_rank")?,
        officer_post: row.text_opt("officer_post")?,
        source: parsed(row, "source")?,
        readable: row.flag("readable")?,
    })
}

pub fn notice(row: &impl Columns) -> StoreResult<Notice> {
    Ok(Notice {
        id: row.int("id")?,
        kind: parsed(row, "kind")?,
        recipient: parsed(row, "recipient")?,
        due_at: row.time("due_at")?,
        text_sealed: row.bytes("text_sealed")?,
        text: String::new(),
        basis: row.text("basis")?,
        sent_at: row.time_opt("sent_at")?,
        sent_via: row.text_opt("sent_via")?,
        sent_by: row.text_opt("sent_by")?,
    })
}

pub fn staff_grant(row: &impl Columns) -> StoreResult<StaffGrant> {
    let decided = row.time_opt("decided_at")?.is_some();
    Ok(StaffGrant {
        id: row.int("id")?,
        username: row.text("username")?,
        staff: row.int_opt("staff_id")?.map(StaffId),
        display_name: row.text("display_name")?,
        role: parsed(row, "role")?,
        unit: parsed(row, "unit_code")?,
        unit_name: row.text("unit_name")?,
        unit_path: row.text("unit_path")?,
        disabled: row.flag("disabled")?,
        requested_by: StaffId(row.int("requested_by")?),
        requester: row.text("requester")?,
        requested_at: row.time("requested_at")?,
        expires_at: row.time("expires_at")?,
        approved: if decided {
            Some(row.flag("approved")?)
        } else {
            None
        },
    })
}
