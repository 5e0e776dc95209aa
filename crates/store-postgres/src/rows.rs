//! Turning PostgreSQL rows into records, and sqlx errors into `StoreError`.

use hotline_domain::{CaseNumber, ContactId, MessageId, ReportId, StaffId, UnitCode};
use hotline_store::{
    AuditRecord, Event, Message, ReportDetail, ReportSummary, StaffMember, StoreError, StoreResult,
    Unit,
};
use sqlx::Row;
use sqlx::postgres::PgRow;
use std::str::FromStr;

pub fn map_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        // The constraint's text names tables and columns; callers say what it means.
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict("record".into())
        }
        e @ (sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)) => StoreError::Unavailable(e.to_string()),
        other => StoreError::Other(other.to_string()),
    }
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

fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(map_err)
}

fn parsed<T: FromStr>(row: &PgRow, column: &str) -> StoreResult<T> {
    let text: String = get(row, column)?;
    text.parse()
        .map_err(|_| StoreError::Other(format!("bad value in column {column}")))
}

fn optional_code(row: &PgRow, column: &str) -> StoreResult<Option<u32>> {
    let value: Option<i32> = get(row, column)?;
    value
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Other(format!("bad {column}"))))
        .transpose()
}

pub fn case_number(text: String) -> Result<CaseNumber, sqlx::Error> {
    CaseNumber::parse(&text).ok_or_else(|| sqlx::Error::Decode("malformed case number".into()))
}

pub fn unit(row: &PgRow) -> StoreResult<Unit> {
    let parent: Option<String> = get(row, "parent_code")?;
    Ok(Unit {
        code: parsed(row, "code")?,
        name: get(row, "name")?,
        kind: parsed(row, "kind")?,
        parent: parent
            .map(|p| UnitCode::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Other(e.to_string()))?,
        path: get(row, "path")?,
        province_code: optional_code(row, "province_code")?,
        commune_code: optional_code(row, "commune_code")?,
        case_prefix: get(row, "case_prefix")?,
    })
}

pub fn member(row: &PgRow) -> StoreResult<StaffMember> {
    Ok(StaffMember {
        id: StaffId(get(row, "id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        role: parsed(row, "role")?,
        unit: parsed(row, "unit_code")?,
        unit_name: get(row, "unit_name")?,
        unit_path: get(row, "unit_path")?,
        disabled: get(row, "disabled")?,
    })
}

pub fn report_summary(row: &PgRow) -> StoreResult<ReportSummary> {
    Ok(ReportSummary {
        id: ReportId(get(row, "id")?),
        case_number: case_number(get(row, "case_number")?).map_err(map_err)?,
        channel: parsed(row, "channel")?,
        status: parsed(row, "status")?,
        urgency: parsed(row, "urgency")?,
        unit: parsed(row, "unit_code")?,
        unit_name: get(row, "unit_name")?,
        province_code: optional_code(row, "province_code")?,
        commune_code: optional_code(row, "commune_code")?,
        summary: get(row, "summary")?,
        anonymous: get(row, "anonymous")?,
        created_at: get(row, "created_at")?,
    })
}

pub fn report_detail(row: &PgRow) -> StoreResult<ReportDetail> {
    let contact: Option<i64> = get(row, "contact_id")?;
    let assignee: Option<i64> = get(row, "assignee_id")?;
    Ok(ReportDetail {
        summary: report_summary(row)?,
        address: get(row, "address")?,
        contact: contact.map(ContactId),
        assignee: assignee.map(StaffId),
        updated_at: get(row, "updated_at")?,
    })
}

pub fn message(row: &PgRow) -> StoreResult<Message> {
    let author: Option<i64> = get(row, "author_id")?;
    Ok(Message {
        id: MessageId(get(row, "id")?),
        direction: parsed(row, "direction")?,
        channel: parsed(row, "channel")?,
        body: get(row, "body")?,
        author: author.map(StaffId),
        created_at: get(row, "created_at")?,
    })
}

pub fn event(row: &PgRow) -> StoreResult<Event> {
    let actor: Option<i64> = get(row, "actor_id")?;
    Ok(Event {
        kind: get(row, "kind")?,
        actor: actor.map(StaffId),
        detail: get(row, "detail")?,
        created_at: get(row, "created_at")?,
    })
}

pub fn audit_record(row: &PgRow) -> StoreResult<AuditRecord> {
    let actor: Option<i64> = get(row, "actor_id")?;
    Ok(AuditRecord {
        seq: get(row, "seq")?,
        at: get(row, "at")?,
        actor: actor.map(StaffId),
        action: get(row, "action")?,
        subject: get(row, "subject")?,
        detail: get(row, "detail")?,
        hash: get(row, "hash")?,
    })
}
