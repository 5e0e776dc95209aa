//! The SQL both stores share, written once and generic over sqlx's `Database`: SQLite and
//! PostgreSQL accept the same statements here (numbered `$n` parameters, `ON CONFLICT`,
//! `RETURNING`). What differs (migrations, bulk loading, connecting) is the backend crate's
//! [`Dialect`]; the contract suite runs every story on both.

mod rows;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{
    CaseNumber, Channel, Commune, ContactId, Delivery, Gazetteer, MessageId, ReportId,
    ReportStatus, Role, StaffId, UnitCode, Urgency,
};
use hotline_store::{
    Admin, AssigneeFilter, Attachment, Audit, AuditRecord, Audited, ChainSeal, ConductMark, Event,
    FacetCount, Handling, Handover, KeyBinding, LiveSession, Message, NewApiToken, NewAttachment,
    NewAuditEntry, NewContact, NewMessage, NewNote, NewNotice, NewReport, NewSession, NewStaff,
    NewStep, NewUnit, NewerReports, Note, Notice, NoticeSent, PurgeRule, Receipt, RegisterEntry,
    ReportDetail, ReportFilter, ReportOrder, ReportSummary, Reports, ResponseSample, Retention,
    RevealRequest, Reveals, SecondFactor, Staff, StaffLogin, StaffMember, StepRecord, StoreError,
    StoreResult, Triage, Unit, Units, Vault, Visibility, WrappedKey,
};
use rows::{
    Columns, audit_record, event, member, message, note, report_summary, reveal_request, unit,
};
use sqlx::{Database, Encode, Executor, IntoArguments, Pool, Transaction, Type};
use std::collections::{BTreeMap, HashMap};

pub use rows::{map_commit_err, map_err};

/// What a backend does its own way.
#[async_trait]
pub trait Dialect<DB: Database>: Send + Sync + 'static {
    /// `sqlite`, `postgres`: for logs and `config check`.
    fn name(&self) -> &'static str;
    /// The statement that opens a transaction that will write. SQLite needs `BEGIN IMMEDIATE`:
    /// a transaction that reads first and writes later fails at once ("database is locked")
    /// when another connection wrote meanwhile, instead of waiting its turn.
    fn begin_write(&self) -> &'static str {
        "BEGIN"
    }
    /// Reclaims what deletions left in the backend's files (see [`Retention::compact`]).
    async fn compact(&self, _pool: &Pool<DB>) -> StoreResult<()> {
        Ok(())
    }
    /// Applies the backend's migrations (same version numbers on every backend).
    async fn migrate(&self, pool: &Pool<DB>) -> StoreResult<()>;
    /// Writes a consistent copy of the database to a new file.
    async fn backup_to(&self, pool: &Pool<DB>, path: &std::path::Path) -> StoreResult<()>;
    /// Loads the 3,321 communes inside the seeding transaction, as fast as the backend allows.
    async fn insert_communes(
        &self,
        tx: &mut Transaction<'_, DB>,
        communes: &[Commune],
    ) -> StoreResult<()>;
}

/// A store on any sqlx database whose driver supports the types used here.
pub struct SqlStore<DB: Database> {
    pool: Pool<DB>,
    /// Where write transactions begin: the same pool, or (SQLite) one connection of its own.
    writer: Pool<DB>,
    dialect: Box<dyn Dialect<DB>>,
}

impl<DB: Database> SqlStore<DB> {
    pub fn new(pool: Pool<DB>, dialect: impl Dialect<DB>) -> Self {
        Self {
            writer: pool.clone(),
            pool,
            dialect: Box::new(dialect),
        }
    }

    /// The same store with its write transactions begun on `writer`. For SQLite, which lets
    /// one writer in at a time, a pool of one connection: writers then wait their turn in
    /// order, instead of in SQLite's busy handler, which sleeps 1 to 100 ms a try.
    pub fn with_writer(mut self, writer: Pool<DB>) -> Self {
        self.writer = writer;
        self
    }

    /// A transaction that will write (see [`Dialect::begin_write`]).
    async fn begin_write(&self) -> StoreResult<Transaction<'static, DB>> {
        self.writer
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)
    }

    /// The connection pool, for a backend's own checks (`PRAGMA`s, test clean-up).
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }
}

/// Writes an impl of a store trait for `SqlStore<DB>`, or a helper function, with the bounds
/// every statement here needs of the database: that its driver encodes the parameter types used
/// and runs queries on pools and connections. The bounds are stated once, here.
macro_rules! for_any_sql_database {
    (impl { $($body:tt)* }) => {
        for_any_sql_database!(@bounded [impl<DB> SqlStore<DB>] [$($body)*]);
    };
    (impl $trait:ident { $($body:tt)* }) => {
        for_any_sql_database!(@bounded [#[async_trait] impl<DB> $trait for SqlStore<DB>] [$($body)*]);
    };
    (@bounded [$($head:tt)*] [$($body:tt)*]) => {
        $($head)*
        where
            DB: Database + sqlx::database::HasStatementCache,
            for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
            for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
            for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
            for<'q> &'q str: Encode<'q, DB> + Type<DB>,
            for<'q> Option<&'q str>: Encode<'q, DB>,
            for<'q> String: Encode<'q, DB> + Type<DB>,
            for<'q> Option<String>: Encode<'q, DB>,
            for<'q> i64: Encode<'q, DB> + Type<DB>,
            for<'q> Option<i64>: Encode<'q, DB>,
            for<'q> i32: Encode<'q, DB> + Type<DB>,
            for<'q> Option<i32>: Encode<'q, DB>,
            for<'q> bool: Encode<'q, DB> + Type<DB>,
            for<'q> DateTime<Utc>: Encode<'q, DB> + Type<DB>,
            for<'q> Option<DateTime<Utc>>: Encode<'q, DB>,
            for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
            for<'q> Option<Vec<u8>>: Encode<'q, DB>,
            DB::Row: Columns,
        {
            $($body)*
        }
    };
}

// After the macro, which they use.
mod alerts;
mod calls;
mod channels;
mod directory;
mod duty;
mod notifications;
mod routing;

/// Word digests inserted per statement (SQLite allows 32,766 parameters).
const WORDS_PER_STATEMENT: usize = 500;
/// Reports' queued words inserted per statement.
const PENDING_WORDS_PER_STATEMENT: usize = 512;
/// Queued rows deleted per statement.
const PENDING_IDS_PER_STATEMENT: usize = 1000;
/// Queued rows a search's own indexing pass takes at once.
const INDEX_PASS: u32 = 1000;
/// A word digest as queued: its length byte and its 16 bytes.
const PACKED_DIGEST_SIZE: usize = 17;
/// Rows of an intake batch per statement, within the same limit: reports bind 22 values
/// each, messages 7, events 4, register lines 8.
const REPORTS_PER_STATEMENT: usize = 256;
const MESSAGES_PER_STATEMENT: usize = 512;
const EVENTS_PER_STATEMENT: usize = 1024;
const REGISTER_LINES_PER_STATEMENT: usize = 512;

/// Counts `$3` more case numbers of a prefix (`$1`) and year (`$2`); the last one taken.
const CASE_COUNTER: &str = "INSERT INTO case_counters (prefix, year, last_sequence) \
     VALUES ($1, $2, $3) ON CONFLICT (prefix, year) DO UPDATE \
     SET last_sequence = case_counters.last_sequence + excluded.last_sequence \
     RETURNING last_sequence AS last";
/// Counts `$3` more register numbers of a unit (`$1`) and year (`$2`); the last one taken.
const REGISTER_COUNTER: &str = "INSERT INTO register_counters (unit_code, year, last_number) \
     VALUES ($1, $2, $3) ON CONFLICT (unit_code, year) DO UPDATE \
     SET last_number = register_counters.last_number + excluded.last_number \
     RETURNING last_number AS last";

/// The columns of a new report's row; `Some` is SQL written in every row, `None` a value.
const REPORT_VALUES: [Option<&str>; 23] = {
    let mut columns = [None; 23];
    columns[11] = Some("''");
    columns
};
/// The columns of a new report's first message.
const MESSAGE_VALUES: [Option<&str>; 9] = [
    None,
    Some("'inbound'"),
    None,
    None,
    None,
    Some("''"),
    None,
    None,
    None,
];
/// The columns of a new report's `report.received` event.
const EVENT_VALUES: [Option<&str>; 5] = [None, None, Some("'report.received'"), None, None];

/// `rows` rows of a multi-row `VALUES`, each of `columns` (`Some` is SQL written as it is,
/// `None` a parameter). Parameters in the database's own form: SQLite's anonymous `?` (its
/// `$N` are named parameters, each looked up by name: quadratic in a statement of thousands),
/// PostgreSQL's `$N`.
pub(crate) fn values_rows<DB: Database>(rows: usize, columns: &[Option<&str>]) -> String {
    let anonymous = DB::NAME == "SQLite";
    let mut sql = String::with_capacity(rows * columns.len() * 5);
    let mut param = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            match column {
                Some(literal) => sql.push_str(literal),
                None if anonymous => sql.push('?'),
                None => {
                    param += 1;
                    sql.push('$');
                    sql.push_str(&param.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// GSO codes are five digits at most; PostgreSQL has no unsigned integers.
pub fn code_param(code: Option<u32>) -> Option<i32> {
    code.map(|c| i32::try_from(c).unwrap_or(i32::MAX))
}

const SUMMARY_COLUMNS: &str = "r.id, r.case_number, r.channel, r.status, r.urgency, r.unit_code, \
     u.name AS unit_name, r.province_code, r.commune_code, r.summary, r.summary_sealed, \
     r.wrapped_key, r.key_id, r.anonymous, r.created_at, r.legal_type, r.deadline_rule, r.due_at";

/// The columns and joins of a report's detail, after `SELECT {SUMMARY_COLUMNS}`.
const DETAIL_FROM: &str = ", r.address, r.address_sealed, r.contact_id, r.assignee_id, \
     r.updated_at, r.legal_hold, r.occurred_at, r.protection_requested, \
     r.accused_unit_code, r.topic, m.case_number AS merged_into, \
     r.stage, r.extensions, r.suspended_days, r.suspended_since, r.clock_start, \
     c.phone_index AS contact_phone_index \
     FROM reports r JOIN units u ON u.code = r.unit_code \
     LEFT JOIN contacts c ON c.id = r.contact_id \
     LEFT JOIN reports m ON m.id = r.merged_into_id";

/// A register entry with its report's case number and type and its officer's name.
const REGISTER_COLUMNS: &str = "e.number, CAST(e.year AS BIGINT) AS year, e.unit_code, \
     e.received_at, e.channel, e.transferred_from, r.case_number, r.legal_type, \
     CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS officer";
/// The register's joins: the report's (`r`, `u`) let a visibility clause apply; a purged
/// report's line has none.
const REGISTER_FROM: &str = "FROM register_entries e LEFT JOIN reports r ON r.id = e.report_id \
     LEFT JOIN units u ON u.code = r.unit_code LEFT JOIN staff s ON s.id = e.officer_id";

/// In deadline order: reports with a time limit (0) before those without (1), then by when
/// each is due (received, without a limit); `ReportCursor::after` in the store crate.
const DEADLINE_RANK: &str = "(CASE WHEN r.due_at IS NULL THEN 1 ELSE 0 END)";
const DEADLINE_AT: &str = "COALESCE(r.due_at, r.created_at)";

/// A register entry to write.
struct RegisterLine<'a> {
    unit: &'a UnitCode,
    year: i32,
    report_id: i64,
    received_at: DateTime<Utc>,
    officer: Option<StaffId>,
    channel: &'a str,
    transferred_from: Option<&'a UnitCode>,
}

/// A value bound to a query built piece by piece.
enum Bind {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    Bytes(Vec<u8>),
}

const MEMBER_COLUMNS: &str = "s.id, s.username, s.display_name, s.role, s.unit_code, \
     u.name AS unit_name, u.path AS unit_path, s.disabled";

/// The WHERE clause and its single bound value for a visibility; `None` when nothing is visible.
/// A report about police conduct is never visible to the accused's unit or any unit below it,
/// whatever the reader's scope.
fn visibility_clause(visibility: &Visibility, param: u8) -> Option<(String, String)> {
    match visibility {
        Visibility::Nothing => None,
        Visibility::Unit(code) => Some((
            format!(
                "r.unit_code = ${param} AND NOT EXISTS (SELECT 1 FROM units au \
                 JOIN units me ON me.code = ${param} \
                 WHERE au.code = r.accused_unit_code AND me.path LIKE au.path || '%')"
            ),
            code.as_str().to_owned(),
        )),
        // Unit codes hold only [a-z0-9/-], so the path carries no LIKE wildcards.
        Visibility::Subtree(path) => Some((
            format!(
                "u.path LIKE ${param} || '%' AND NOT EXISTS (SELECT 1 FROM units au \
                 WHERE au.code = r.accused_unit_code AND ${param} LIKE au.path || '%')"
            ),
            path.clone(),
        )),
    }
}

for_any_sql_database! {
    impl {
        /// Inserts a unit under its parent, its path the parent's and its code; a unit with
        /// that code already is kept as it is, and is an error unless `existing_is_fine`.
        async fn insert_unit(&self, new: &NewUnit, existing_is_fine: bool) -> StoreResult<Unit> {
            let mut tx = self.begin_write().await?;
        let parent_path: String = match &new.parent {
                Some(parent) => sqlx::query("SELECT path FROM units WHERE code = $1")
                    .bind(parent.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .text("path")?,
                None => "/".to_owned(),
            };
            let inserted = sqlx::query(
                "INSERT INTO units (code, name, kind, parent_code, path, province_code, commune_code, \
                 case_prefix) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING \
                 RETURNING code",
            )
            .bind(new.code.as_str())
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(new.parent.as_ref().map(UnitCode::as_str))
            .bind(format!("{parent_path}{}/", new.code))
            .bind(code_param(new.province_code))
            .bind(code_param(new.commune_code))
            .bind(&new.case_prefix)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if inserted.is_none() && !existing_is_fine {
                return Err(StoreError::Conflict("code".into()));
            }
            tx.commit().await.map_err(map_err)?;
            self.unit(&new.code).await
        }

        /// Adds a message to a report, with its files, words and event, and marks the report
        /// updated.
        async fn insert_message(
            tx: &mut Transaction<'_, DB>,
            message: &NewMessage,
        ) -> StoreResult<MessageId> {
        let id = sqlx::query(
            "INSERT INTO messages (report_id, direction, channel, account, platform_message_id, \
             body, body_sealed, author_id, delivery, created_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9) \
             ON CONFLICT (channel, account, platform_message_id) DO NOTHING RETURNING id",
        )
        .bind(message.report.0)
        .bind(message.direction.as_str())
        .bind(message.channel.as_str())
        .bind(&message.account)
        .bind(&message.platform_message_id)
        .bind(message.body_sealed.clone())
        .bind(message.author.map(|a| a.0))
        .bind(message.delivery.map(|d| d.as_str()))
        .bind(message.at)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        // Taken in before: a platform delivered it again.
        .ok_or_else(|| StoreError::Conflict("message".into()))?
        .int("id")?;
        Self::insert_attachments(tx, message.report.0, id, &message.attachments, message.at)
            .await?;
        Self::insert_words(tx, message.report.0, &message.word_index).await?;
        sqlx::query(
            "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
             VALUES ($1, $2, $3, '', $4)",
        )
        .bind(message.report.0)
        .bind(message.author.map(|a| a.0))
        .bind(message.event.as_str())
        .bind(message.at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(message.at)
            .bind(message.report.0)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
            Ok(MessageId(id))
        }

        /// Hands a report over to the unit `to`: it becomes that unit's, `transferred`,
        /// unassigned, entered in its register under the officer who handed it over, with the
        /// event naming both units.
        async fn hand_over(
            tx: &mut Transaction<'_, DB>,
            id: i64,
            (to, reason): (&UnitCode, &str),
            actor: StaffId,
            at: DateTime<Utc>,
        ) -> StoreResult<()> {
            let row = sqlx::query("SELECT unit_code, channel FROM reports WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
            let (from, channel) = (row.text("unit_code")?, row.text("channel")?);
            sqlx::query(
                "UPDATE reports SET unit_code = $1, status = 'transferred', assignee_id = NULL, \
                 updated_at = $2 WHERE id = $3",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
            let from_unit: UnitCode = from
                .parse()
                .map_err(|_| StoreError::Other("an unknown unit code".into()))?;
            Self::register_entry(
                tx,
                &RegisterLine {
                    unit: to,
                    year: hotline_domain::vietnam_year(at),
                    report_id: id,
                    received_at: at,
                    officer: Some(actor),
                    channel: &channel,
                    transferred_from: Some(&from_unit),
                },
            )
            .await?;
            // The reason comes last: it is free text, read as the rest of the line.
            let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
            let detail = format!("from={from} to={to} reason={reason}");
            Self::record_event(tx, id, actor, "report.transferred", &detail, at).await
        }

        /// Enters a report in a unit's register under the unit's next number of the year
        /// (gapless: the counter is taken in the same transaction).
        async fn register_entry(
            tx: &mut Transaction<'_, DB>,
            line: &RegisterLine<'_>,
        ) -> StoreResult<()> {
            Self::register_entries(tx, std::slice::from_ref(line)).await
        }

        /// Enters reports in their units' registers, each under its unit's next number of the
        /// year in the order given: one counter statement per unit and year, the lines in few
        /// statements.
        async fn register_entries(
            tx: &mut Transaction<'_, DB>,
            lines: &[RegisterLine<'_>],
        ) -> StoreResult<()> {
            let mut wanted: BTreeMap<(&str, i32), i64> = BTreeMap::new();
            for line in lines {
                *wanted.entry((line.unit.as_str(), line.year)).or_default() += 1;
            }
            let mut next = BTreeMap::new();
            for ((unit, year), count) in wanted {
                let first = Self::reserve(tx, REGISTER_COUNTER, unit, year, count).await?;
                next.insert((unit, year), first);
            }
            let numbered = lines
                .iter()
                .map(|line| {
                    let number = next
                        .get_mut(&(line.unit.as_str(), line.year))
                        .map(|n| {
                            *n += 1;
                            *n - 1
                        })
                        .ok_or_else(|| StoreError::Other("no register number reserved".into()))?;
                    Ok((line, number))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            for chunk in numbered.chunks(REGISTER_LINES_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO register_entries (unit_code, year, number, report_id, received_at, \
                     officer_id, channel, transferred_from) VALUES {}",
                    values_rows::<DB>(chunk.len(), &[None; 8])
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for (line, number) in chunk {
                    insert = insert
                        .bind(line.unit.as_str())
                        .bind(line.year)
                        .bind(*number)
                        .bind(line.report_id)
                        .bind(line.received_at)
                        .bind(line.officer.map(|s| s.0))
                        .bind(line.channel)
                        .bind(line.transferred_from.map(UnitCode::as_str));
                }
                insert.execute(&mut **tx).await.map_err(map_err)?;
            }
            Ok(())
        }

        /// Writes drafted notices of a report.
        async fn insert_notices(
            tx: &mut Transaction<'_, DB>,
            report_id: i64,
            notices: &[NewNotice],
            at: DateTime<Utc>,
        ) -> StoreResult<()> {
            for notice in notices {
                sqlx::query(
                    "INSERT INTO notices (report_id, kind, recipient, due_at, text_sealed, basis, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(report_id)
                .bind(notice.kind.as_str())
                .bind(notice.recipient.as_str())
                .bind(notice.due_at)
                .bind(notice.text_sealed.clone())
                .bind(notice.basis.clone())
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            }
            Ok(())
        }

        /// Which of `words` the fewest reports hold, counting each up to a bound: enough to
        /// tell a rare word from a common one without reading a common one's postings.
        async fn rarest(&self, words: &[Vec<u8>]) -> StoreResult<usize> {
            const ENOUGH: i64 = 10_000;
            let mut rarest = (0, i64::MAX);
            for (i, word) in words.iter().enumerate() {
                let n = sqlx::query(
                    "SELECT COUNT(*) AS n FROM \
                     (SELECT 1 FROM report_words WHERE digest = $1 LIMIT $2) postings",
                )
                .bind(word.clone())
                .bind(ENOUGH)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?
                .int("n")?;
                if n < rarest.1 {
                    rarest = (i, n);
                }
            }
            Ok(rarest.0)
        }

        /// The id of a report visible under `visibility`, in a write transaction (which holds
        /// it until commit); `NotFound` otherwise.
        async fn visible_report_id(
            tx: &mut Transaction<'_, DB>,
            visibility: &Visibility,
            case: &CaseNumber,
        ) -> StoreResult<i64> {
            let Some((clause, value)) = visibility_clause(visibility, 2) else {
                return Err(StoreError::NotFound);
            };
            sqlx::query(&format!(
                "SELECT r.id FROM reports r JOIN units u ON u.code = r.unit_code \
                 WHERE r.case_number = $1 AND {clause}"
            ))
            .bind(case.as_str())
            .bind(value)
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?
            .int("id")
        }

        /// Adds an event to a report's history.
        async fn record_event(
            tx: &mut Transaction<'_, DB>,
            report_id: i64,
            actor: StaffId,
            kind: &str,
            detail: &str,
            at: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(report_id)
            .bind(actor.0)
            .bind(kind)
            .bind(detail)
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        /// Queues words for a report's search index (see [`Reports::index_pending_words`]).
        async fn insert_words(
            tx: &mut Transaction<'_, DB>,
            report_id: i64,
            words: &[Vec<u8>],
        ) -> StoreResult<()> {
            let rows: Vec<(i64, &Vec<u8>)> = words.iter().map(|w| (report_id, w)).collect();
            Self::insert_word_rows(tx, &rows).await
        }

        /// Queues words, each for its report's search index: one `pending_words` row per run
        /// of the same report, its digests packed, many rows per statement. The words reach
        /// `report_words` in the indexer's large sorted batches, not one B-tree insert each
        /// inside the write that brought them.
        async fn insert_word_rows(
            tx: &mut Transaction<'_, DB>,
            rows: &[(i64, &Vec<u8>)],
        ) -> StoreResult<()> {
            let pending = pack_runs(rows)?;
            for chunk in pending.chunks(PENDING_WORDS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO pending_words (report_id, digests) VALUES {}",
                    values_rows::<DB>(chunk.len(), &[None; 2])
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for (id, packed) in chunk {
                    insert = insert.bind(*id).bind(packed);
                }
                insert.execute(&mut **tx).await.map_err(map_err)?;
            }
            Ok(())
        }

        /// Moves up to `entries` queued word entries, oldest first, into the search index
        /// (see [`Reports::index_pending_words`]); returns how many it moved (an entry that
        /// cannot be read stays, logged). `Taken::Skip` passes over entries another
        /// transaction is moving (the indexers); `Taken::WaitUpTo(id)` waits for them and takes
        /// only entries up to `id` (a search, which must see every word written before it).
        async fn move_pending_words(
            tx: &mut Transaction<'_, DB>,
            entries: u32,
            taken: Taken,
        ) -> StoreResult<u32> {
            let postgres = DB::NAME == "PostgreSQL";
            let (horizon, lock) = match taken {
                Taken::Skip => (i64::MAX, if postgres { " FOR UPDATE SKIP LOCKED" } else { "" }),
                Taken::WaitUpTo(id) => (id, if postgres { " FOR UPDATE" } else { "" }),
            };
            let rows = sqlx::query(&format!(
                "SELECT id, report_id, digests FROM pending_words WHERE id <= $1 \
                 ORDER BY id LIMIT $2{lock}"
            ))
            .bind(horizon)
            .bind(i64::from(entries))
            .fetch_all(&mut **tx)
            .await
            .map_err(map_err)?;
            if rows.is_empty() {
                return Ok(0);
            }
            let mut ids = Vec::with_capacity(rows.len());
            let mut packed = Vec::with_capacity(rows.len());
            for row in &rows {
                packed.push((row.int("id")?, row.int("report_id")?, row.bytes("digests")?));
            }
            let mut words: Vec<(&[u8], i64)> = Vec::new();
            for (id, report_id, digests) in &packed {
                match unpack_digests(digests) {
                    Ok(digests) => {
                        ids.push(*id);
                        words.extend(digests.into_iter().map(|d| (d, *report_id)));
                    }
                    // Left queued, for someone to look at, rather than hold up the rest.
                    Err(e) => {
                        tracing::error!(entry = id, error = %e, "a queued word entry cannot be read");
                    }
                }
            }
            // In the index's own order, each of its pages is written once per pass.
            words.sort_unstable();
            words.dedup();
            for chunk in words.chunks(WORDS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO report_words (digest, report_id) VALUES {} \
                     ON CONFLICT (digest, report_id) DO NOTHING",
                    values_rows::<DB>(chunk.len(), &[None; 2])
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for (digest, id) in chunk {
                    insert = insert.bind(digest.to_vec()).bind(*id);
                }
                insert.execute(&mut **tx).await.map_err(map_err)?;
            }
            // Exactly the rows taken: one written meanwhile, even under a lower id, waits its turn.
            for chunk in ids.chunks(PENDING_IDS_PER_STATEMENT) {
                let sql = format!(
                    "DELETE FROM pending_words WHERE id IN ({})",
                    values_rows::<DB>(chunk.len(), &[None])
                );
                let mut delete = sqlx::query(&sql).persistent(false);
                for id in chunk {
                    delete = delete.bind(*id);
                }
                delete.execute(&mut **tx).await.map_err(map_err)?;
            }
            u32::try_from(ids.len()).map_err(|_| StoreError::Other("too many queued words".into()))
        }

        /// Moves every word entry queued before now into the search index, waiting for any
        /// another transaction is moving, so that a search sees every word written before it.
        /// Reads first, on the read pool: with nothing queued, a search writes nothing.
        async fn move_words_written_before_now(&self) -> StoreResult<()> {
            let Some(horizon) = sqlx::query("SELECT MAX(id) AS id FROM pending_words")
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?
                .int_opt("id")?
            else {
                return Ok(());
            };
            // Until a pass finds nothing to move: entries another transaction moved meanwhile
            // drop out of a pass, so a short pass does not mean none are left.
            loop {
                let mut tx = self.begin_write().await?;
                let moved =
                    Self::move_pending_words(&mut tx, INDEX_PASS, Taken::WaitUpTo(horizon)).await?;
                tx.commit().await.map_err(map_commit_err)?;
                if moved == 0 {
                    return Ok(());
                }
            }
        }

        /// Evidence files of a message, each with its `attachment.received` event.
        async fn insert_attachments(
            tx: &mut Transaction<'_, DB>,
            report_id: i64,
            message_id: i64,
            files: &[NewAttachment],
            at: DateTime<Utc>,
        ) -> StoreResult<()> {
            for file in files {
                sqlx::query(
                    "INSERT INTO attachments (report_id, message_id, file_name, content_type, size_bytes, \
                     sha256, storage_key, created_at, content_sealed, metadata_removed) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'store', $7, $8, $9)",
                )
                .bind(report_id)
                .bind(message_id)
                .bind(file.file_name.as_str())
                .bind(file.content_type.as_str())
                .bind(file.size_bytes)
                .bind(file.sha256.as_str())
                .bind(at)
                .bind(file.content_sealed.clone())
                .bind(file.metadata_removed)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
                     VALUES ($1, NULL, 'attachment.received', $2, $3)",
                )
                .bind(report_id)
                .bind(format!(
                    "{} type={} size={} sha256_received={} metadata_removed={}",
                    file.file_name,
                    file.content_type,
                    file.size_bytes,
                    file.original_sha256,
                    file.metadata_removed
                ))
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            }
            Ok(())
        }

        /// The report already taken in under the same platform message id, if any.
        async fn existing_receipt(
            tx: &mut Transaction<'_, DB>,
            report: &NewReport,
        ) -> StoreResult<Option<Receipt>> {
            let Some(pmid) = &report.platform_message_id else {
                return Ok(None);
            };
            let existing = sqlx::query(
                "SELECT r.id, r.case_number FROM messages m JOIN reports r ON r.id = m.report_id \
                 WHERE m.channel = $1 AND m.account = $2 AND m.platform_message_id = $3",
            )
            .bind(report.channel.as_str())
            .bind(&report.account)
            .bind(pmid)
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?;
            existing
                .map(|row| {
                    Ok(Receipt {
                        report: ReportId(row.int("id")?),
                        case_number: rows::case_number(row.text("case_number")?)?,
                        duplicate: true,
                    })
                })
                .transpose()
        }

        /// Takes `count` consecutive numbers of a prefix and year in one statement and returns the
        /// first. Inside the intake transaction, so numbers are never shared or skipped.
        async fn reserve_numbers(
            tx: &mut Transaction<'_, DB>,
            prefix: &str,
            year: i32,
            count: i64,
        ) -> StoreResult<i64> {
            Self::reserve(tx, CASE_COUNTER, prefix, year, count).await
        }

        /// Takes `count` consecutive numbers of the counter (`CASE_COUNTER` or
        /// `REGISTER_COUNTER`) of `key` and `year` in one statement and returns the first.
        async fn reserve(
            tx: &mut Transaction<'_, DB>,
            counter: &'static str,
            key: &str,
            year: i32,
            count: i64,
        ) -> StoreResult<i64> {
            let last = sqlx::query(counter)
                .bind(key)
                .bind(year)
                .bind(count)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?
                .int("last")?;
            Ok(last - count + 1)
        }

        /// Writes the new reports of an intake batch, each with its contact, first message,
        /// evidence, word index, `report.received` event and register line, under its case
        /// number. A few statements of many rows each, not several per report: each statement is
        /// a round trip to the database (for SQLite, to its connection's thread), and that, not
        /// the disk, bounded intake.
        async fn insert_reports(
            tx: &mut Transaction<'_, DB>,
            reports: &[(&NewReport, CaseNumber)],
        ) -> StoreResult<Vec<Receipt>> {
            // A contact's id is needed by its report; few reports name one.
            let mut contact_ids = Vec::with_capacity(reports.len());
            for (report, _) in reports {
                contact_ids.push(match &report.contact {
                    Some(c) => Some(
                        sqlx::query(
                            "INSERT INTO contacts (sealed, phone_index, created_at) \
                             VALUES ($1, $2, $3) RETURNING id",
                        )
                        .bind(&c.sealed)
                        .bind(&c.phone_index)
                        .bind(report.received_at)
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(map_err)?
                        .int("id")?,
                    ),
                    None => None,
                });
            }
            let rows: Vec<_> = reports.iter().zip(&contact_ids).collect();
            // Rows come back in no promised order: each is matched by its case number.
            let mut report_ids: HashMap<String, i64> = HashMap::with_capacity(reports.len());
            for chunk in rows.chunks(REPORTS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO reports (case_number, follow_up_digest, channel, urgency, status, \
                     unit_code, contact_id, anonymous, province_code, commune_code, address_sealed, \
                     summary, created_at, updated_at, wrapped_key, summary_sealed, key_id, \
                     occurred_at, protection_requested, deadline_rule, due_at, sender_index, \
                     reply_sealed) VALUES {} RETURNING id, case_number",
                    values_rows::<DB>(chunk.len(), &REPORT_VALUES)
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for ((report, case_number), contact_id) in chunk {
                    insert = insert
                        .bind(case_number.as_str())
                        .bind(&report.follow_up_digest)
                        .bind(report.channel.as_str())
                        .bind(report.urgency.as_str())
                        .bind(ReportStatus::Received.as_str())
                        .bind(report.unit.as_str())
                        .bind(**contact_id)
                        .bind(report.anonymous)
                        .bind(code_param(report.province_code))
                        .bind(code_param(report.commune_code))
                        .bind(&report.address_sealed)
                        .bind(report.received_at)
                        .bind(report.received_at)
                        .bind(&report.wrapped_key)
                        .bind(&report.summary_sealed)
                        .bind(&report.key_id)
                        .bind(report.occurred_at)
                        .bind(report.protection_requested)
                        .bind(report.deadline.map(|d| d.rule.as_str()))
                        .bind(report.deadline.map(|d| d.due_at))
                        .bind(&report.sender_index)
                        .bind(&report.reply_sealed);
                }
                let inserted = insert.fetch_all(&mut **tx).await.map_err(map_err)?;
                for row in inserted {
                    report_ids.insert(row.text("case_number")?, row.int("id")?);
                }
            }
            let report_id = |case_number: &CaseNumber| {
                report_ids
                    .get(case_number.as_str())
                    .copied()
                    .ok_or_else(|| StoreError::Other("an inserted report came back without its id".into()))
            };
            let ids = reports
                .iter()
                .map(|(_, case_number)| report_id(case_number))
                .collect::<StoreResult<Vec<i64>>>()?;
            let words: Vec<(i64, &Vec<u8>)> = reports
                .iter()
                .zip(&ids)
                .flat_map(|((report, _), id)| report.word_index.iter().map(move |w| (*id, w)))
                .collect();
            Self::insert_word_rows(tx, &words).await?;
            let with_ids: Vec<_> = reports.iter().zip(&ids).collect();
            let mut message_ids: HashMap<i64, i64> = HashMap::with_capacity(reports.len());
            for chunk in with_ids.chunks(MESSAGES_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO messages (report_id, direction, channel, account, \
                     platform_message_id, body, body_sealed, author_id, created_at) VALUES {} \
                     RETURNING id, report_id",
                    values_rows::<DB>(chunk.len(), &MESSAGE_VALUES)
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for ((report, _), id) in chunk {
                    insert = insert
                        .bind(**id)
                        .bind(report.channel.as_str())
                        .bind(&report.account)
                        .bind(&report.platform_message_id)
                        .bind(&report.text_sealed)
                        .bind(report.entered_by.map(|s| s.0))
                        .bind(report.received_at);
                }
                let inserted = insert.fetch_all(&mut **tx).await.map_err(map_err)?;
                for row in inserted {
                    message_ids.insert(row.int("report_id")?, row.int("id")?);
                }
            }
            for ((report, _), id) in with_ids.iter().filter(|((r, _), _)| !r.attachments.is_empty()) {
                let message_id = message_ids.get(*id).copied().ok_or_else(|| {
                    StoreError::Other("an inserted message came back without its id".into())
                })?;
                Self::insert_attachments(tx, **id, message_id, &report.attachments, report.received_at)
                    .await?;
            }
            for chunk in with_ids.chunks(EVENTS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO events (report_id, actor_id, kind, detail, created_at) VALUES {}",
                    values_rows::<DB>(chunk.len(), &EVENT_VALUES)
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for ((report, _), id) in chunk {
                    insert = insert
                        .bind(**id)
                        .bind(report.entered_by.map(|s| s.0))
                        .bind(format!(
                            "channel={} unit={} route={}",
                            report.channel, report.unit, report.route
                        ))
                        .bind(report.received_at);
                }
                insert.execute(&mut **tx).await.map_err(map_err)?;
            }
            let lines: Vec<RegisterLine<'_>> = with_ids
                .iter()
                .map(|((report, _), id)| RegisterLine {
                    unit: &report.unit,
                    year: report.case_year,
                    report_id: **id,
                    received_at: report.received_at,
                    officer: report.entered_by,
                    channel: report.channel.as_str(),
                    transferred_from: None,
                })
                .collect();
            Self::register_entries(tx, &lines).await?;
            Ok(reports
                .iter()
                .zip(ids)
                .map(|((_, case_number), id)| Receipt {
                    report: ReportId(id),
                    case_number: case_number.clone(),
                    duplicate: false,
                })
                .collect())
        }
    }
}

/// Which queued word entries a move takes (see `move_pending_words`).
#[derive(Clone, Copy)]
enum Taken {
    Skip,
    WaitUpTo(i64),
}

/// One queued entry per run of the same report in `rows`: its digests sorted and each kept
/// once, so that an entry does not tell which word followed which in the text.
fn pack_runs(rows: &[(i64, &Vec<u8>)]) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let mut runs: Vec<(i64, Vec<&[u8]>)> = Vec::new();
    for (report_id, word) in rows {
        match runs.last_mut() {
            Some((last, digests)) if last == report_id => digests.push(word.as_slice()),
            _ => runs.push((*report_id, vec![word.as_slice()])),
        }
    }
    let mut pending = Vec::with_capacity(runs.len());
    for (report_id, mut digests) in runs {
        digests.sort_unstable();
        digests.dedup();
        let mut packed = Vec::with_capacity(digests.len() * PACKED_DIGEST_SIZE);
        for digest in digests {
            pack_digest(&mut packed, digest)?;
        }
        pending.push((report_id, packed));
    }
    Ok(pending)
}

/// Appends one word digest to a report's packed queue entry: its length in a byte, then it.
fn pack_digest(packed: &mut Vec<u8>, digest: &[u8]) -> StoreResult<()> {
    let length = u8::try_from(digest.len())
        .map_err(|_| StoreError::Other("a word digest longer than 255 bytes".into()))?;
    packed.push(length);
    packed.extend_from_slice(digest);
    Ok(())
}

/// The word digests of a packed queue entry, as [`pack_digest`] wrote them.
fn unpack_digests(packed: &[u8]) -> StoreResult<Vec<&[u8]>> {
    let mut digests = Vec::with_capacity(packed.len() / PACKED_DIGEST_SIZE);
    let mut rest = packed;
    while let Some((&length, tail)) = rest.split_first() {
        let (digest, after) = tail
            .split_at_checked(usize::from(length))
            .ok_or_else(|| StoreError::Other("a queued word entry is cut short".into()))?;
        digests.push(digest);
        rest = after;
    }
    Ok(digests)
}

fn key_binding(row: &impl Columns) -> StoreResult<KeyBinding> {
    Ok(KeyBinding {
        check: row.bytes("key_check")?,
        key_id: row.text_opt("key_id")?.unwrap_or_default(),
        index_key: row.bytes_opt("index_key")?.unwrap_or_default(),
    })
}

fn wrapped_key(row: &impl Columns) -> StoreResult<WrappedKey> {
    Ok(WrappedKey {
        report: ReportId(row.int("id")?),
        key_id: row.text_opt("key_id")?,
        wrapped: row.bytes("wrapped_key")?,
    })
}

for_any_sql_database! {
    impl Vault {
    async fn bind_master_key(
        &self,
        binding: &KeyBinding,
        at: DateTime<Utc>,
    ) -> StoreResult<KeyBinding> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO vault_meta (id, key_check, bound_at, key_id, index_key) \
             VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(binding.check.clone())
        .bind(at)
        .bind(binding.key_id.as_str())
        .bind(binding.index_key.clone())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        // A store bound before key ids existed learns its key's id, and so do its reports.
        let upgraded = sqlx::query(
            "UPDATE vault_meta SET key_id = $1, index_key = $2 \
             WHERE id = 1 AND key_id IS NULL AND key_check = $3 RETURNING id",
        )
        .bind(binding.key_id.as_str())
        .bind(binding.index_key.clone())
        .bind(binding.check.clone())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if upgraded.is_some() {
            sqlx::query(
                "UPDATE reports SET key_id = $1 WHERE key_id IS NULL AND wrapped_key IS NOT NULL",
            )
            .bind(binding.key_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        let bound = sqlx::query("SELECT key_check, key_id, index_key FROM vault_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let bound = key_binding(&bound)?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(bound)
    }

    async fn key_binding(&self) -> StoreResult<Option<KeyBinding>> {
        sqlx::query("SELECT key_check, key_id, index_key FROM vault_meta WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .as_ref()
            .map(key_binding)
            .transpose()
    }

    async fn rebind_master_key(&self, from: &str, to: &KeyBinding) -> StoreResult<bool> {
        let moved = sqlx::query(
            "UPDATE vault_meta SET key_check = $1, key_id = $2, index_key = $3 \
             WHERE id = 1 AND key_id = $4 RETURNING id",
        )
        .bind(to.check.clone())
        .bind(to.key_id.as_str())
        .bind(to.index_key.clone())
        .bind(from)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(moved.is_some())
    }

    async fn keys_to_rewrap(
        &self,
        key_id: &str,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<WrappedKey>> {
        sqlx::query(
            "SELECT id, key_id, wrapped_key FROM reports \
             WHERE id > $1 AND wrapped_key IS NOT NULL AND (key_id IS NULL OR key_id <> $2) \
             ORDER BY id LIMIT $3",
        )
        .bind(after.0)
        .bind(key_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(wrapped_key)
        .collect()
    }

    async fn rewrap_keys(&self, pairs: &[(WrappedKey, WrappedKey)]) -> StoreResult<u64> {
        // One transaction per page: a rotation on a busy SQLite store takes the write lock a
        // few times, not once per report.
        let mut tx = self.begin_write().await?;
        let mut replaced = 0;
        for (old, new) in pairs {
            let row = sqlx::query(
                "UPDATE reports SET wrapped_key = $1, key_id = $2 \
                 WHERE id = $3 AND wrapped_key = $4 RETURNING id",
            )
            .bind(new.wrapped.clone())
            .bind(new.key_id.clone())
            .bind(old.report.0)
            .bind(old.wrapped.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            replaced += u64::from(row.is_some());
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(replaced)
    }
    }
}

const REVEAL_REQUEST_COLUMNS: &str = "q.id, q.requested_by, \
     COALESCE(NULLIF(s.display_name, ''), s.username) AS requester, q.reason, q.requested_at, \
     q.approved_by, q.approved_at";

for_any_sql_database! {
    impl Reveals {
    async fn request_reveal(
        &self,
        report: ReportId,
        by: StaffId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let waiting = sqlx::query(
            "SELECT id FROM reveal_requests WHERE report_id = $1 AND requested_by = $2 \
             AND approved_by IS NULL AND used_at IS NULL ORDER BY id LIMIT 1",
        )
        .bind(report.0)
        .bind(by.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let id = match waiting {
            Some(row) => row.int("id")?,
            None => sqlx::query(
                "INSERT INTO reveal_requests (report_id, requested_by, reason, requested_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(report.0)
            .bind(by.0)
            .bind(reason)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int("id")?,
        };
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn open_reveal_requests(&self, report: ReportId) -> StoreResult<Vec<RevealRequest>> {
        sqlx::query(&format!(
            "SELECT {REVEAL_REQUEST_COLUMNS} FROM reveal_requests q \
             JOIN staff s ON s.id = q.requested_by \
             WHERE q.report_id = $1 AND q.used_at IS NULL ORDER BY q.id"
        ))
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(reveal_request)
        .collect()
    }

    async fn approve_reveal(
        &self,
        request: i64,
        report: ReportId,
        approver: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let approved = sqlx::query(
            "UPDATE reveal_requests SET approved_by = $1, approved_at = $2 \
             WHERE id = $3 AND report_id = $4 AND requested_by <> $1 \
             AND approved_by IS NULL AND used_at IS NULL RETURNING id",
        )
        .bind(approver.0)
        .bind(at)
        .bind(request)
        .bind(report.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if approved.is_none() {
            return Ok(false);
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(true)
    }

    async fn take_approved_reveal(
        &self,
        report: ReportId,
        requester: StaffId,
        approved_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<RevealRequest>> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "UPDATE reveal_requests SET used_at = $1 WHERE id = \
             (SELECT id FROM reveal_requests WHERE report_id = $2 AND requested_by = $3 \
              AND approved_at >= $4 AND used_at IS NULL ORDER BY id LIMIT 1) RETURNING id",
        )
        .bind(at)
        .bind(report.0)
        .bind(requester.0)
        .bind(approved_since)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let request = match taken {
            Some(row) => Some(
                sqlx::query(&format!(
                    "SELECT {REVEAL_REQUEST_COLUMNS} FROM reveal_requests q \
                     JOIN staff s ON s.id = q.requested_by WHERE q.id = $1"
                ))
                .bind(row.int("id")?)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)
                .and_then(|row| reveal_request(&row))?,
            ),
            None => None,
        };
        tx.commit().await.map_err(map_commit_err)?;
        Ok(request)
    }
    }
}

/// The conditions of a purge rule on the reports table (`table`: its name or alias),
/// numbered from `$first`; bind with `bind_rule`.
fn rule_clause(rule: &PurgeRule, table: &str, first: usize) -> String {
    let mut clause = format!("{table}.updated_at < ${first}");
    let mut next = first + 1;
    if rule.status.is_some() {
        clause.push_str(&format!(" AND {table}.status = ${next}"));
        next += 1;
    }
    if rule.legal_type.is_some() {
        clause.push_str(&format!(" AND {table}.legal_type = ${next}"));
    }
    clause
}

for_any_sql_database! {
    impl {
        fn bind_rule<'q>(
            query: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
            rule: &'q PurgeRule,
        ) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>> {
            let mut query = query.bind(rule.changed_before);
            if let Some(status) = rule.status {
                query = query.bind(status.as_str());
            }
            if let Some(legal_type) = &rule.legal_type {
                query = query.bind(legal_type.as_str());
            }
            query
        }
    }
}

for_any_sql_database! {
    impl Retention {
    async fn purge_candidates(
        &self,
        rule: &PurgeRule,
        after: ReportId,
        limit: u32,
    ) -> StoreResult<Vec<ReportId>> {
        let sql = format!(
            "SELECT r.id FROM reports r WHERE r.id > $1 AND r.legal_hold = $2 AND {} \
             ORDER BY r.id LIMIT $3",
            rule_clause(rule, "r", 4)
        );
        let query = sqlx::query(&sql).bind(after.0).bind(false).bind(i64::from(limit));
        Self::bind_rule(query, rule)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|row| row.int("id").map(ReportId))
            .collect()
    }

    async fn retention_counts(&self, rule: &PurgeRule) -> StoreResult<(i64, i64)> {
        let sql = format!(
            "SELECT r.legal_hold, COUNT(*) AS n FROM reports r WHERE {} GROUP BY r.legal_hold",
            rule_clause(rule, "r", 1)
        );
        let mut counts = (0, 0);
        for row in Self::bind_rule(sqlx::query(&sql), rule)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
        {
            if row.flag("legal_hold")? {
                counts.1 += row.int("n")?;
            } else {
                counts.0 += row.int("n")?;
            }
        }
        Ok(counts)
    }

    async fn purge_report(&self, report: ReportId, rule: &PurgeRule) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        // The data key goes first: from here on nothing of the report can be opened.
        let sql = format!(
            "UPDATE reports SET wrapped_key = NULL, purging = $1 \
             WHERE id = $2 AND legal_hold = $3 AND {} RETURNING contact_id",
            rule_clause(rule, "reports", 4)
        );
        let query = sqlx::query(&sql).bind(true).bind(report.0).bind(false);
        let Some(row) = Self::bind_rule(query, rule)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
        else {
            return Ok(false);
        };
        let contact = row.int_opt("contact_id")?;
        for statement in [
            // Reports joined to this one stand alone again rather than point at nothing.
            "UPDATE reports SET merged_into_id = NULL WHERE merged_into_id = $1",
            "DELETE FROM events WHERE report_id = $1",
            "DELETE FROM procedure_steps WHERE report_id = $1",
            // The unit's register keeps the line, without the report.
            "UPDATE register_entries SET report_id = NULL WHERE report_id = $1",
            "DELETE FROM notices WHERE report_id = $1",
            "DELETE FROM alerts WHERE report_id = $1",
            // What was sent about it stays counted, without the report.
            "UPDATE notifications SET report_id = NULL WHERE report_id = $1",
            "DELETE FROM alert_chains WHERE report_id = $1",
            "DELETE FROM deadline_alerts WHERE report_id = $1",
            "DELETE FROM deadline_rounds WHERE report_id = $1",
            "DELETE FROM reveal_requests WHERE report_id = $1",
            // Queued words first: a move that holds them commits its index rows before this
            // goes on, and the next statement removes those too.
            "DELETE FROM pending_words WHERE report_id = $1",
            "DELETE FROM report_words WHERE report_id = $1",
            "DELETE FROM attachments WHERE report_id = $1",
            "DELETE FROM notes WHERE report_id = $1",
            // Calls stay counted, without their report or caller.
            "UPDATE calls SET report_id = NULL, caller_index = NULL WHERE report_id = $1",
            "DELETE FROM messages WHERE report_id = $1",
            "DELETE FROM reports WHERE id = $1",
        ] {
            sqlx::query(statement)
                .bind(report.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        if let Some(contact) = contact {
            sqlx::query(
                "DELETE FROM contacts WHERE id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM reports WHERE contact_id = $1)",
            )
            .bind(contact)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_commit_err)?;
        Ok(true)
    }

    async fn set_legal_hold(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        hold: bool,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query("UPDATE reports SET legal_hold = $1 WHERE id = $2")
            .bind(hold)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let kind = if hold {
            "report.legal_hold"
        } else {
            "report.legal_hold_released"
        };
        Self::record_event(&mut tx, id, actor, kind, "", at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn compact(&self) -> StoreResult<()> {
        self.dialect.compact(&self.pool).await
    }
    }
}

for_any_sql_database! {
    impl Handling {
    async fn assign_report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        assignee: Option<StaffId>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query("UPDATE reports SET assignee_id = $1, updated_at = $2 WHERE id = $3")
            .bind(assignee.map(|a| a.0))
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let (kind, detail) = match assignee {
            Some(staff) => ("report.assigned", format!("staff={}", staff.0)),
            None => ("report.unassigned", String::new()),
        };
        Self::record_event(&mut tx, id, actor, kind, &detail, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn transfer_report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        handover: Handover<'_>,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        Self::hand_over(&mut tx, id, (handover.to, handover.reason), actor, at).await?;
        // The receiving unit starts the procedure afresh.
        sqlx::query(
            "UPDATE reports SET stage = 'received', extensions = 0, suspended_days = 0, \
             suspended_since = NULL, clock_start = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn mark_police_conduct(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        mark: &ConductMark,
        actor: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (accused_unit, deadline) = (&mark.accused_unit, mark.deadline);
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        if let Some(to) = &mark.move_to {
            let reason = "Xung đột lợi ích: tin báo về cán bộ của đơn vị, chuyển đơn vị cấp trên (R20, R21)";
            Self::hand_over(&mut tx, id, (to, reason), actor, at).await?;
        }
        sqlx::query(
            "UPDATE reports SET legal_type = 'police_conduct', accused_unit_code = $1, \
             deadline_rule = $3, due_at = $4, stage = $5 WHERE id = $2",
        )
        .bind(accused_unit.as_str())
        .bind(id)
        .bind(deadline.map(|d| d.rule.as_str()))
        .bind(deadline.map(|d| d.due_at))
        .bind(mark.stage.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::insert_notices(&mut tx, id, &mark.notices, at).await?;
        let detail = format!("accused_unit={accused_unit}");
        Self::record_event(&mut tx, id, actor, "report.police_conduct", &detail, at).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn set_triage(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        triage: &Triage,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        sqlx::query(
            "UPDATE reports SET legal_type = $1, topic = $2, urgency = $3, province_code = $4, \
             commune_code = $5, updated_at = $6, \
             status = CASE status WHEN 'received' THEN 'triaged' ELSE status END, \
             deadline_rule = $8, due_at = $9, stage = $10 WHERE id = $7 AND stage = $11 \
             RETURNING id",
        )
        .bind(triage.legal_type.map(|t| t.as_str()))
        .bind(triage.topic.map(|t| t.as_str()))
        .bind(triage.urgency.as_str())
        .bind(code_param(triage.province_code))
        .bind(code_param(triage.commune_code))
        .bind(at)
        .bind(id)
        .bind(triage.deadline.map(|d| d.rule.as_str()))
        .bind(triage.deadline.map(|d| d.due_at))
        .bind(triage.stage.as_str())
        .bind(triage.from_stage.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| StoreError::Conflict("stage".into()))?;
        let mut detail = format!("urgency={}", triage.urgency);
        if let Some(t) = triage.legal_type {
            detail.push_str(&format!(" legal_type={t}"));
        }
        if let Some(t) = triage.topic {
            detail.push_str(&format!(" topic={t}"));
        }
        if let Some(c) = triage.commune_code.or(triage.province_code) {
            detail.push_str(&format!(" place={c}"));
        }
        if let Some((legal_type, topic, urgency)) = triage.hinted {
            detail.push_str(&format!(
                " hinted_legal_type={legal_type} hinted_topic={topic} hinted_urgency={urgency}"
            ));
        }
        Self::record_event(&mut tx, id, actor, "report.triaged", &detail, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn add_note(&self, note: &NewNote, audit: Audited<'_>) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO notes (report_id, author_id, body, body_sealed, created_at) \
             VALUES ($1, $2, '', $3, $4) RETURNING id",
        )
        .bind(note.report.0)
        .bind(note.author.0)
        .bind(note.body_sealed.clone())
        .bind(note.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?
        .int("id")?;
        Self::insert_words(&mut tx, note.report.0, &note.word_index).await?;
        Self::record_event(&mut tx, note.report.0, note.author, "report.noted", "", note.at)
            .await?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(note.at)
            .bind(note.report.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn notes(&self, report: ReportId) -> StoreResult<Vec<Note>> {
        sqlx::query(
            "SELECT n.id, n.author_id, \
             CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS author_name, \
             n.body, n.body_sealed, n.created_at \
             FROM notes n JOIN staff s ON s.id = n.author_id \
             WHERE n.report_id = $1 ORDER BY n.id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(note)
        .collect()
    }

    async fn merge_report(
        &self,
        visibility: &Visibility,
        duplicate: &CaseNumber,
        into: &CaseNumber,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        if duplicate == into {
            return Err(StoreError::Conflict("same".into()));
        }
        let mut tx = self.begin_write().await?;
        let from = Self::visible_report_id(&mut tx, visibility, duplicate).await?;
        let to = Self::visible_report_id(&mut tx, visibility, into).await?;
        // Both rows locked before either is read again (PostgreSQL reads committed data only;
        // SQLite already runs one writer at a time): two officers joining A into B and B into
        // A at once cannot both succeed and leave a cycle.
        sqlx::query("UPDATE reports SET updated_at = updated_at WHERE id IN ($1, $2)")
            .bind(from.min(to))
            .bind(from.max(to))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let duplicate_merged = sqlx::query("SELECT merged_into_id FROM reports WHERE id = $1")
            .bind(from)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int_opt("merged_into_id")?;
        if duplicate_merged.is_some() {
            return Err(StoreError::Conflict("merged".into()));
        }
        let target_merged = sqlx::query("SELECT merged_into_id FROM reports WHERE id = $1")
            .bind(to)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int_opt("merged_into_id")?;
        if target_merged.is_some() {
            return Err(StoreError::Conflict("merged".into()));
        }
        sqlx::query(
            "UPDATE reports SET merged_into_id = $1, updated_at = $2 \
             WHERE merged_into_id = $3 OR id = $3",
        )
        .bind(to)
        .bind(at)
        .bind(from)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "UPDATE reports SET status = 'closed', stage = 'closed', deadline_rule = NULL, \
             due_at = NULL WHERE id = $1",
        )
            .bind(from)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(to)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let (from_detail, to_detail) = (format!("into={into}"), format!("from={duplicate}"));
        Self::record_event(&mut tx, from, actor, "report.merged_into", &from_detail, at).await?;
        Self::record_event(&mut tx, to, actor, "report.merged_from", &to_detail, at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn take_step(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        step: &NewStep,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        let after = &step.after;
        let moved = sqlx::query(
            "UPDATE reports SET stage = $1, status = $2, extensions = $3, suspended_days = $4, \
             suspended_since = $5, clock_start = $6, deadline_rule = $7, due_at = $8, \
             updated_at = $9 WHERE id = $10 AND stage = $11 AND extensions = $12 RETURNING id",
        )
        .bind(after.stage.as_str())
        .bind(step.status.as_str())
        .bind(i64::from(after.extensions))
        .bind(i64::from(after.suspended_days))
        .bind(after.suspended_since)
        .bind(after.clock_start)
        .bind(step.deadline.map(|d| d.rule.as_str()))
        .bind(step.deadline.map(|d| d.due_at))
        .bind(step.at)
        .bind(id)
        .bind(step.from.as_str())
        .bind(i64::from(step.from_extensions))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if moved.is_none() {
            return Err(StoreError::Conflict("stage".into()));
        }
        sqlx::query(
            "INSERT INTO procedure_steps (report_id, action, from_stage, to_stage, number, \
             decided_on, signer, grounds_sealed, actor_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(step.action.as_str())
        .bind(step.from.as_str())
        .bind(after.stage.as_str())
        .bind(step.number.clone())
        .bind(step.decided_on.map(|d| d.to_string()))
        .bind(step.signer.clone())
        .bind(step.grounds_sealed.clone())
        .bind(step.actor.0)
        .bind(step.at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::insert_notices(&mut tx, id, &step.notices, step.at).await?;
        let mut detail = format!("action={} to={}", step.action, after.stage);
        if let Some(number) = &step.number {
            // Decision numbers are written like `12/QĐ-CSHS`: no spaces, so the detail parses.
            detail.push_str(&format!(" number={}", number.replace(' ', "")));
        }
        Self::record_event(&mut tx, id, step.actor, "report.step", &detail, step.at).await?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn notices(&self, report: ReportId) -> StoreResult<Vec<Notice>> {
        sqlx::query(
            "SELECT n.id, n.kind, n.recipient, n.due_at, n.text_sealed, n.basis, n.sent_at, \
             n.sent_via, \
             CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS sent_by \
             FROM notices n LEFT JOIN staff s ON s.id = n.sent_by \
             WHERE n.report_id = $1 ORDER BY n.id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::notice)
        .collect()
    }

    async fn mark_notice_sent(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
        sent: &NoticeSent,
        actor: StaffId,
        at: DateTime<Utc>,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let (notice, via) = (sent.notice, sent.via.as_str());
        let mut tx = self.begin_write().await?;
        let id = Self::visible_report_id(&mut tx, visibility, case).await?;
        // Claimed once: of two officers sending it at the same moment, one records it.
        let claimed = sqlx::query(
            "UPDATE notices SET sent_at = $1, sent_via = $2, sent_by = $3 \
             WHERE id = $4 AND report_id = $5 AND sent_at IS NULL RETURNING kind, recipient",
        )
        .bind(at)
        .bind(via)
        .bind(actor.0)
        .bind(notice)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = claimed else {
            let exists = sqlx::query("SELECT id FROM notices WHERE id = $1 AND report_id = $2")
                .bind(notice)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            return Err(match exists {
                Some(_) => StoreError::Conflict("sent".into()),
                None => StoreError::NotFound,
            });
        };
        let detail = format!(
            "kind={} recipient={}",
            row.text("kind")?,
            row.text("recipient")?
        );
        Self::record_event(&mut tx, id, actor, "report.notice_sent", &detail, at).await?;
        // Recorded as sent only with the answer that carries it.
        if let Some(reply) = &sent.reply {
            Self::insert_message(&mut tx, reply).await?;
        }
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn steps(&self, report: ReportId) -> StoreResult<Vec<StepRecord>> {
        sqlx::query(
            "SELECT p.action, p.from_stage, p.to_stage, p.number, p.decided_on, p.signer, \
             p.grounds_sealed, p.actor_id, p.created_at, \
             CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS actor_name \
             FROM procedure_steps p JOIN staff s ON s.id = p.actor_id \
             WHERE p.report_id = $1 ORDER BY p.id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::step_record)
        .collect()
    }

    async fn merged_reports(
        &self,
        visibility: &Visibility,
        report: ReportId,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility, 2) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE r.merged_into_id = $1 AND {clause} ORDER BY r.id"
        ))
        .bind(report.0)
        .bind(value)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(report_summary)
        .collect()
    }

    }
}

for_any_sql_database! {
    impl Admin {
    async fn migrate(&self) -> StoreResult<()> {
        self.dialect.migrate(&self.pool).await
    }

    async fn seed_places(&self, places: &Gazetteer) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let present = sqlx::query("SELECT COUNT(*) AS n FROM provinces")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?
            .int("n")?;
        if present > 0 {
            return Ok(0);
        }
        // Another node may be seeding at the same moment: its rows are skipped, not an error.
        for p in places.provinces() {
            sqlx::query(
                "INSERT INTO provinces (code, name, short_name, case_prefix) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(code_param(Some(p.code)))
            .bind(p.name.as_str())
            .bind(p.short_name.as_str())
            .bind(p.case_prefix)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        self.dialect
            .insert_communes(&mut tx, places.communes())
            .await?;
        tx.commit().await.map_err(map_err)?;
        Ok(places.provinces().len() + places.communes().len())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    fn backend(&self) -> &'static str {
        self.dialect.name()
    }

    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        self.dialect.backup_to(&self.pool, path).await
    }
    }
}

for_any_sql_database! {
    impl Units {
    async fn ensure_unit(&self, new: &NewUnit) -> StoreResult<Unit> {
        self.insert_unit(new, true).await
    }

    async fn create_unit(&self, new: &NewUnit) -> StoreResult<Unit> {
        self.insert_unit(new, false).await
    }

    async fn rename_unit(&self, code: &UnitCode, name: &str) -> StoreResult<()> {
        sqlx::query("UPDATE units SET name = $1 WHERE code = $2 RETURNING code")
            .bind(name)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    async fn unit(&self, code: &UnitCode) -> StoreResult<Unit> {
        let row = sqlx::query("SELECT * FROM units WHERE code = $1")
            .bind(code.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        unit(&row)
    }

    async fn list_units(&self) -> StoreResult<Vec<Unit>> {
        sqlx::query("SELECT * FROM units ORDER BY path")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(unit)
            .collect()
    }
    }
}

for_any_sql_database! {
    impl Staff {
    async fn create_staff(&self, new: &NewStaff) -> StoreResult<StaffMember> {
        let id = sqlx::query(
            "INSERT INTO staff (username, display_name, password_hash, role, unit_code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.unit.as_str())
        .bind(new.created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict("username".into()),
            other => other,
        })?
        .int("id")?;
        self.staff(StaffId(id)).await
    }

    async fn staff_by_username(&self, username: &str) -> StoreResult<StaffLogin> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS}, s.password_hash FROM staff s \
             JOIN units u ON u.code = s.unit_code WHERE s.username = $1"
        ))
        .bind(username)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(StaffLogin {
            member: member(&row)?,
            password_hash: row.text("password_hash")?,
        })
    }

    async fn staff(&self, id: StaffId) -> StoreResult<StaffMember> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff s JOIN units u ON u.code = s.unit_code WHERE s.id = $1"
        ))
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (digest, staff_id, created_at, expires_at, last_seen_at, \
             second_factor_pending) VALUES ($1, $2, $3, $4, $3, $5)",
        )
        .bind(&session.digest)
        .bind(session.staff.0)
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(session.second_factor_pending)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn session_staff(
        &self,
        digest: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<LiveSession> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS}, x.second_factor_pending, x.last_seen_at FROM sessions x \
             JOIN staff s ON s.id = x.staff_id JOIN units u ON u.code = s.unit_code \
             WHERE x.digest = $1 AND x.expires_at > $2 AND x.last_seen_at >= $3 \
             AND NOT s.disabled"
        ))
        .bind(digest)
        .bind(now)
        .bind(idle_since)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        // Marked used at most once a minute: a page of requests is not a page of writes.
        if now - row.time("last_seen_at")? > chrono::Duration::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE digest = $2")
                .bind(now)
                .bind(digest)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
        }
        Ok(LiveSession {
            member: member(&row)?,
            second_factor_pending: row.flag("second_factor_pending")?,
        })
    }

    async fn delete_session(&self, digest: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn delete_sessions_of(&self, staff: StaffId) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
            .bind(staff.0)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn second_factor(&self, staff: StaffId) -> StoreResult<SecondFactor> {
        let row = sqlx::query(
            "SELECT totp_sealed, totp_pending_sealed, totp_last_step FROM staff WHERE id = $1",
        )
        .bind(staff.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(SecondFactor {
            totp_sealed: row.bytes_opt("totp_sealed")?,
            totp_pending_sealed: row.bytes_opt("totp_pending_sealed")?,
            totp_last_step: row.int_opt("totp_last_step")?,
        })
    }

    async fn set_pending_totp(&self, staff: StaffId, sealed: &[u8]) -> StoreResult<()> {
        sqlx::query("UPDATE staff SET totp_pending_sealed = $1 WHERE id = $2")
            .bind(sealed.to_vec())
            .bind(staff.0)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn activate_totp(
        &self,
        staff: StaffId,
        sealed: &[u8],
        step: i64,
        recovery_digests: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE staff SET totp_sealed = totp_pending_sealed, totp_pending_sealed = NULL, \
             totp_last_step = $1 WHERE id = $2 AND totp_pending_sealed = $3 RETURNING id",
        )
        .bind(step)
        .bind(staff.0)
        .bind(sealed.to_vec())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if moved.is_none() {
            return Err(StoreError::Conflict("enrolment".into()));
        }
        sqlx::query("DELETE FROM recovery_codes WHERE staff_id = $1")
            .bind(staff.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for digest in recovery_digests {
            sqlx::query("INSERT INTO recovery_codes (staff_id, digest) VALUES ($1, $2)")
                .bind(staff.0)
                .bind(digest)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_commit_err)
    }

    async fn take_totp_step(&self, staff: StaffId, step: i64) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE staff SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1) RETURNING id",
        )
        .bind(step)
        .bind(staff.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(taken.is_some())
    }

    async fn take_recovery_code(
        &self,
        staff: StaffId,
        digest: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE staff_id = $2 AND digest = $3 AND used_at IS NULL RETURNING staff_id",
        )
        .bind(now)
        .bind(staff.0)
        .bind(digest)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(taken.is_some())
    }

    async fn reset_second_factor(&self, staff: StaffId) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for statement in [
            "UPDATE staff SET totp_sealed = NULL, totp_pending_sealed = NULL, \
             totp_last_step = NULL WHERE id = $1",
            "DELETE FROM recovery_codes WHERE staff_id = $1",
            "DELETE FROM sessions WHERE staff_id = $1",
        ] {
            sqlx::query(statement)
                .bind(staff.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_commit_err)
    }

    async fn create_api_token(&self, token: &NewApiToken) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (digest, staff_id, label, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&token.digest)
        .bind(token.staff.0)
        .bind(&token.label)
        .bind(token.created_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn api_token_staff(&self, digest: &str) -> StoreResult<StaffMember> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM api_tokens t JOIN staff s ON s.id = t.staff_id \
             JOIN units u ON u.code = s.unit_code \
             WHERE t.digest = $1 AND t.revoked_at IS NULL AND NOT s.disabled"
        ))
        .bind(digest)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn count_staff(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM staff")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("n")
    }

    async fn update_staff(
        &self,
        staff: StaffId,
        role: Role,
        unit: &UnitCode,
        disabled: bool,
        audit: Audited<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE staff SET role = $1, unit_code = $2, disabled = $3 WHERE id = $4 RETURNING id",
        )
        .bind(role.as_str())
        .bind(unit.as_str())
        .bind(disabled)
        .bind(staff.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
        Self::append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(map_commit_err)
    }

    async fn revoke_api_tokens(&self, staff: StaffId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(staff.0)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn staff_under(&self, unit_path: &str) -> StoreResult<Vec<StaffMember>> {
        sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff s JOIN units u ON u.code = s.unit_code \
             WHERE u.path LIKE $1 || '%' ORDER BY s.username"
        ))
        .bind(unit_path)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(member)
        .collect()
    }
    }
}

for_any_sql_database! {
    impl Reports {
    async fn intake_indexing(
        &self,
        batch: &[NewReport],
        queued_words: u32,
    ) -> StoreResult<Vec<Receipt>> {
        let mut tx = self.begin_write().await?;
        // Holds the binding's row until commit, so a rotation that moves the binding waits for
        // this batch, and no report is written under a key the rotation has already passed.
        let key_ids: std::collections::BTreeSet<&str> =
            batch.iter().map(|r| r.key_id.as_str()).collect();
        for key_id in key_ids {
            let held = sqlx::query(
                "UPDATE vault_meta SET key_id = key_id WHERE id = 1 AND key_id = $1 RETURNING id",
            )
            .bind(key_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if held.is_none() {
                return Err(StoreError::KeyChanged);
            }
        }
        let mut known = Vec::with_capacity(batch.len());
        for report in batch {
            known.push(Self::existing_receipt(&mut tx, report).await?);
        }
        let mut wanted: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for (report, _) in batch.iter().zip(&known).filter(|(_, k)| k.is_none()) {
            *wanted
                .entry((report.case_prefix.as_str(), report.case_year))
                .or_default() += 1;
        }
        let mut next = BTreeMap::new();
        for ((prefix, year), count) in wanted {
            let first = Self::reserve_numbers(&mut tx, prefix, year, count).await?;
            next.insert((prefix, year), first);
        }
        let mut fresh = Vec::with_capacity(batch.len());
        for (report, _) in batch.iter().zip(&known).filter(|(_, k)| k.is_none()) {
            let key = (report.case_prefix.as_str(), report.case_year);
            let sequence = next
                .get_mut(&key)
                .map(|n| {
                    *n += 1;
                    *n - 1
                })
                .ok_or_else(|| StoreError::Other("no number reserved".into()))?;
            fresh.push((
                report,
                CaseNumber::new(&report.case_prefix, report.case_year, sequence),
            ));
        }
        let mut inserted = Self::insert_reports(&mut tx, &fresh).await?.into_iter();
        let receipts = known
            .into_iter()
            .map(|known| {
                known
                    .or_else(|| inserted.next())
                    .ok_or_else(|| StoreError::Other("a report of the batch was not written".into()))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if queued_words > 0 {
            Self::move_pending_words(&mut tx, queued_words, Taken::Skip).await?;
        }
        tx.commit().await.map_err(rows::map_commit_err)?;
        Ok(receipts)
    }

    async fn list_reports(
        &self,
        visibility: &Visibility,
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        self.inbox(visibility, &ReportFilter::default(), &[], limit)
            .await
    }

    async fn search_reports(
        &self,
        visibility: &Visibility,
        words: &[Vec<u8>],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        self.inbox(visibility, &ReportFilter::default(), words, limit)
            .await
    }

    async fn pending_word_entries(&self, bound: u32) -> StoreResult<u32> {
        // The span of the queue's ids, read off its key's two ends rather than counted row by
        // row every few milliseconds: entries leave oldest first, so the span is the count, or
        // a little more while another node's pass is in flight.
        let span = sqlx::query(
            "SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) AS n FROM pending_words",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?
        .int("n")?;
        Ok(u32::try_from(span.clamp(0, i64::from(bound))).unwrap_or(bound))
    }

    async fn index_pending_words(&self, entries: u32) -> StoreResult<u32> {
        let mut tx = self.begin_write().await?;
        let moved = Self::move_pending_words(&mut tx, entries, Taken::Skip).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(moved)
    }

    async fn inbox(
        &self,
        visibility: &Visibility,
        filter: &ReportFilter,
        words: &[Vec<u8>],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        if !words.is_empty() {
            self.move_words_written_before_now().await?;
        }
        // A search walks the postings of its rarest word, newest report first, and checks the
        // other words report by report: a common word stops after a page, a rare one reads
        // only its few postings.
        let driver = if words.len() > 1 {
            self.rarest(words).await?
        } else {
            0
        };
        let mut binds = vec![Bind::Text(value)];
        let mut next = |bind: Bind| {
            binds.push(bind);
            format!("${}", binds.len())
        };
        let mut sql = if words.is_empty() {
            format!(
                "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
                 WHERE {clause}"
            )
        } else {
            format!(
                "SELECT {SUMMARY_COLUMNS} FROM report_words w \
                 JOIN reports r ON r.id = w.report_id JOIN units u ON u.code = r.unit_code \
                 WHERE {clause}"
            )
        };
        let mut and = |condition: String| {
            sql.push_str(" AND ");
            sql.push_str(&condition);
        };
        if let Some(status) = filter.status {
            and(format!("r.status = {}", next(Bind::Text(status.as_str().into()))));
        }
        if let Some(channel) = filter.channel {
            and(format!("r.channel = {}", next(Bind::Text(channel.as_str().into()))));
        }
        if let Some(urgency) = filter.urgency {
            and(format!("r.urgency = {}", next(Bind::Text(urgency.as_str().into()))));
        }
        if let Some(unit) = &filter.unit {
            let param = next(Bind::Text(unit.as_str().into()));
            and(format!(
                "u.path LIKE (SELECT path FROM units WHERE code = {param}) || '%'"
            ));
        }
        if let Some(from) = filter.received_from {
            and(format!("r.created_at >= {}", next(Bind::Time(from))));
        }
        if let Some(before) = filter.received_before {
            and(format!("r.created_at < {}", next(Bind::Time(before))));
        }
        match filter.assignee {
            Some(AssigneeFilter::Unassigned) => and("r.assignee_id IS NULL".into()),
            Some(AssigneeFilter::Staff(staff)) => {
                and(format!("r.assignee_id = {}", next(Bind::Int(staff.0))));
            }
            None => {}
        }
        if let Some(legal_type) = filter.legal_type {
            and(format!("r.legal_type = {}", next(Bind::Text(legal_type.to_string()))));
        }
        if let Some(topic) = filter.topic {
            and(format!("r.topic = {}", next(Bind::Text(topic.to_string()))));
        }
        if let Some(before) = filter.due_before {
            and(format!("r.due_at < {}", next(Bind::Time(before))));
        }
        for (i, word) in words.iter().enumerate() {
            let digest = next(Bind::Bytes(word.clone()));
            and(if i == driver {
                format!("w.digest = {digest}")
            } else {
                format!(
                    "EXISTS (SELECT 1 FROM report_words x \
                     WHERE x.digest = {digest} AND x.report_id = r.id)"
                )
            });
        }
        // With one urgency chosen, "most urgent first" is "newest first", which its index serves.
        let effective = match filter.order {
            ReportOrder::Urgency if filter.urgency.is_some() => ReportOrder::Newest,
            order => order,
        };
        let urgency_rank = Urgency::rank_sql("r.urgency");
        let order = match effective {
            // Search results come newest recorded first, in the postings' own order.
            _ if !words.is_empty() => "w.report_id DESC".to_owned(),
            ReportOrder::Newest => "r.created_at DESC, r.id DESC".to_owned(),
            ReportOrder::Oldest => "r.created_at ASC, r.id ASC".to_owned(),
            ReportOrder::Urgency => format!("{urgency_rank} ASC, r.created_at DESC, r.id DESC"),
            ReportOrder::Deadline => format!("{DEADLINE_RANK} ASC, {DEADLINE_AT} ASC, r.id ASC"),
        };
        if let Some(cursor) = filter.after.filter(|_| words.is_empty()) {
            let at = next(Bind::Time(cursor.at));
            let id = next(Bind::Int(cursor.id));
            and(match effective {
                ReportOrder::Newest => format!("(r.created_at, r.id) < ({at}, {id})"),
                ReportOrder::Oldest => format!("(r.created_at, r.id) > ({at}, {id})"),
                ReportOrder::Urgency => {
                    let rank = next(Bind::Int(cursor.rank));
                    format!(
                        "({urgency_rank} > {rank} OR ({urgency_rank} = {rank} \
                         AND (r.created_at, r.id) < ({at}, {id})))"
                    )
                }
                ReportOrder::Deadline => {
                    let rank = next(Bind::Int(cursor.rank));
                    format!(
                        "({DEADLINE_RANK} > {rank} OR ({DEADLINE_RANK} = {rank} \
                         AND ({DEADLINE_AT}, r.id) > ({at}, {id})))"
                    )
                }
            });
        }
        let limit = next(Bind::Int(i64::from(limit)));
        sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(int) => query.bind(int),
                Bind::Time(time) => query.bind(time),
                Bind::Bytes(bytes) => query.bind(bytes),
            };
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(report_summary)
            .collect()
    }

    async fn report_counts(&self, visibility: &Visibility) -> StoreResult<Vec<FacetCount>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        let per = |field: &str| {
            format!(
                "SELECT '{field}' AS field, r.{field} AS value, COUNT(*) AS n FROM reports r \
                 JOIN units u ON u.code = r.unit_code \
                 WHERE {clause} AND r.{field} IS NOT NULL GROUP BY r.{field}"
            )
        };
        let fields = ["status", "urgency", "channel", "legal_type", "topic"].map(per);
        sqlx::query(&fields.join(" UNION ALL "))
        .bind(value)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(FacetCount {
                field: row.text("field")?,
                value: row.text("value")?,
                count: row.int("n")?,
            })
        })
        .collect()
    }

    async fn response_samples(
        &self,
        visibility: &Visibility,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<ResponseSample>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        let open = "c.report_id IS NOT NULL AND c.acknowledged_at IS NULL \
                    AND r.status <> 'closed'";
        sqlx::query(&format!(
            "SELECT r.case_number, r.unit_code, r.channel, r.legal_type, r.urgency, r.created_at, \
             CAST(CASE WHEN {open} THEN 1 ELSE 0 END AS BIGINT) AS alert_open, c.acknowledged_at, \
             (SELECT MIN(m.created_at) FROM messages m \
              WHERE m.report_id = r.id AND m.direction = 'outbound') AS first_reply_at, \
             (SELECT MIN(s.created_at) FROM procedure_steps s \
              WHERE s.report_id = r.id AND s.number IS NOT NULL) AS decided_at \
             FROM reports r JOIN units u ON u.code = r.unit_code \
             LEFT JOIN alert_chains c ON c.report_id = r.id \
             WHERE {clause} AND r.merged_into_id IS NULL AND (r.created_at >= $2 OR ({open})) \
             ORDER BY r.created_at, r.id"
        ))
        .bind(value)
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            let bad = |what: &str| StoreError::Other(format!("a report with a bad {what}"));
            Ok(ResponseSample {
                case_number: CaseNumber::parse(&row.text("case_number")?)
                    .ok_or_else(|| bad("case number"))?,
                unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
                channel: row.text("channel")?.parse().map_err(|_| bad("channel"))?,
                legal_type: row
                    .text_opt("legal_type")?
                    .map(|t| t.parse())
                    .transpose()
                    .map_err(|_| bad("legal type"))?,
                urgency: row.text("urgency")?.parse().map_err(|_| bad("urgency"))?,
                received_at: row.time("created_at")?,
                alert_open: row.int("alert_open")? == 1,
                acknowledged_at: row.time_opt("acknowledged_at")?,
                first_reply_at: row.time_opt("first_reply_at")?,
                decided_at: row.time_opt("decided_at")?,
            })
        })
        .collect()
    }

    async fn overdue_by_unit(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(UnitCode, i64)>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            "SELECT r.unit_code, COUNT(*) AS n FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE {clause} AND r.due_at < $2 AND r.status <> 'closed' \
             AND r.merged_into_id IS NULL GROUP BY r.unit_code"
        ))
        .bind(value)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            let unit = row
                .text("unit_code")?
                .parse()
                .map_err(|_| StoreError::Other("a report with a bad unit".into()))?;
            Ok((unit, row.int("n")?))
        })
        .collect()
    }

    async fn newer_reports(
        &self,
        visibility: &Visibility,
        after: i64,
    ) -> StoreResult<NewerReports> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(NewerReports::default());
        };
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN r.urgency IN ('emergency', 'urgent') THEN 1 ELSE 0 END), 0) \
             AS urgent, MAX(r.id) AS newest \
             FROM reports r JOIN units u ON u.code = r.unit_code WHERE {clause} AND r.id > $2"
        ))
        .bind(value)
        .bind(after)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(NewerReports {
            count: row.int("n")?,
            urgent: row.int("urgent")?,
            newest: row.int_opt("newest")?,
        })
    }

    async fn reports_by_phone(
        &self,
        visibility: &Visibility,
        phone_index: &[u8],
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE {clause} AND r.contact_id IN (SELECT id FROM contacts WHERE phone_index = $2) \
             ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
        ))
        .bind(value)
        .bind(phone_index.to_vec())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(report_summary)
        .collect()
    }

    async fn report(
        &self,
        visibility: &Visibility,
        case: &CaseNumber,
    ) -> StoreResult<ReportDetail> {
        let Some((clause, value)) = visibility_clause(visibility, 2) else {
            return Err(StoreError::NotFound);
        };
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}{DETAIL_FROM} WHERE r.case_number = $1 AND {clause}"
        ))
        .bind(case.as_str())
        .bind(value)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        rows::report_detail(&row)
    }

    async fn messages(&self, report: ReportId) -> StoreResult<Vec<Message>> {
        sqlx::query(
            "SELECT id, direction, channel, body, body_sealed, author_id, delivery, created_at, \
             send_error FROM messages WHERE report_id = $1 ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(message)
        .collect()
    }

    async fn attachments(&self, report: ReportId) -> StoreResult<Vec<Attachment>> {
        sqlx::query(
            "SELECT id, file_name, content_type, size_bytes, sha256, metadata_removed, created_at \
             FROM attachments WHERE report_id = $1 ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(Attachment {
                id: row.int("id")?,
                file_name: row.text("file_name")?,
                content_type: row.text("content_type")?,
                size_bytes: row.int("size_bytes")?,
                sha256: row.text("sha256")?,
                metadata_removed: row.flag("metadata_removed")?,
                created_at: row.time("created_at")?,
            })
        })
        .collect()
    }

    async fn attachment_content(&self, report: ReportId, attachment: i64) -> StoreResult<Vec<u8>> {
        sqlx::query(
            "SELECT content_sealed FROM attachments WHERE id = $1 AND report_id = $2 \
             AND content_sealed IS NOT NULL",
        )
        .bind(attachment)
        .bind(report.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?
        .bytes("content_sealed")
    }

    async fn report_by_follow_up(&self, digest: &str) -> StoreResult<ReportDetail> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}{DETAIL_FROM} WHERE r.follow_up_digest = $1"
        ))
        .bind(digest)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        rows::report_detail(&row)
    }

    async fn add_message(&self, message: &NewMessage) -> StoreResult<MessageId> {
        let mut tx = self.begin_write().await?;
        let id = Self::insert_message(&mut tx, message).await?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(id)
    }

    async fn open_reports_of_sender(&self, sender_index: &[u8]) -> StoreResult<Vec<CaseNumber>> {
        sqlx::query(
            "SELECT case_number FROM reports WHERE sender_index = $1 AND status <> 'closed' \
             AND merged_into_id IS NULL ORDER BY id DESC LIMIT 20",
        )
        .bind(sender_index.to_vec())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| rows::case_number(row.text("case_number")?))
        .collect()
    }

    async fn update_sent_delivery(
        &self,
        channel: Channel,
        account: &str,
        platform_message_id: &str,
        delivery: Delivery,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        // A late "delivered" never undoes "read": states only move forward.
        let rank = "CASE delivery WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 \
                    WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 4 END";
        let new_rank = match delivery {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Delivered => 2,
            Delivery::Read => 3,
            Delivery::Failed => 4,
        };
        let found = sqlx::query(&format!(
            "UPDATE messages SET delivery = CASE WHEN {rank} < $1 THEN $2 ELSE delivery END, \
             send_error = COALESCE($3, send_error) \
             WHERE channel = $4 AND account = $5 AND sent_id = $6 \
             AND direction = 'outbound' RETURNING id"
        ))
        .bind(i64::from(new_rank))
        .bind(delivery.as_str())
        .bind(error)
        .bind(channel.as_str())
        .bind(account)
        .bind(platform_message_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(found.is_some())
    }

    async fn reply_sealed(&self, report: ReportId) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query("SELECT reply_sealed FROM reports WHERE id = $1")
            .bind(report.0)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .bytes_opt("reply_sealed")
    }

    async fn mark_replies_read(&self, report: ReportId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE messages SET delivery = 'read' WHERE report_id = $1 \
             AND direction = 'outbound' AND delivery = 'delivered'",
        )
        .bind(report.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn sealed_contact(&self, contact: ContactId) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query("SELECT sealed FROM contacts WHERE id = $1")
            .bind(contact.0)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .bytes_opt("sealed")
    }

    async fn set_report_contact(
        &self,
        report: ReportId,
        contact: &NewContact,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let current = sqlx::query("SELECT contact_id FROM reports WHERE id = $1")
            .bind(report.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?
            .int_opt("contact_id")?;
        match current {
            Some(id) => {
                sqlx::query("UPDATE contacts SET sealed = $1, phone_index = $2 WHERE id = $3")
                    .bind(&contact.sealed)
                    .bind(&contact.phone_index)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
            None => {
                let id = sqlx::query(
                    "INSERT INTO contacts (sealed, phone_index, created_at) VALUES ($1, $2, $3) \
                     RETURNING id",
                )
                .bind(&contact.sealed)
                .bind(&contact.phone_index)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?
                .int("id")?;
                sqlx::query("UPDATE reports SET contact_id = $1 WHERE id = $2")
                    .bind(id)
                    .bind(report.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(crate::rows::map_commit_err)?;
        Ok(())
    }

    async fn events(&self, report: ReportId) -> StoreResult<Vec<Event>> {
        sqlx::query(
            "SELECT kind, actor_id, detail, created_at FROM events WHERE report_id = $1 ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(event)
        .collect()
    }

    async fn first_triages(&self, since: DateTime<Utc>) -> StoreResult<Vec<(ReportId, Event)>> {
        sqlx::query(
            "SELECT e.report_id, e.kind, e.actor_id, e.detail, e.created_at FROM events e \
             WHERE e.kind = 'report.triaged' AND e.created_at >= $1 \
             AND e.id = (SELECT MIN(f.id) FROM events f \
                         WHERE f.report_id = e.report_id AND f.kind = 'report.triaged') \
             ORDER BY e.id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| Ok((ReportId(row.int("report_id")?), event(row)?)))
        .collect()
    }

    async fn register(
        &self,
        visibility: &Visibility,
        unit: &UnitCode,
        year: i32,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<RegisterEntry>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        // Every line of the unit's book, gapless; what the reader may no longer see (a report
        // handed over, or walled off as about the reader's own unit) is marked so and shown
        // without its case number, type or channel.
        sqlx::query(&format!(
            "SELECT {REGISTER_COLUMNS}, \
             CASE WHEN r.id IS NOT NULL AND {clause} THEN TRUE ELSE FALSE END AS readable \
             {REGISTER_FROM} WHERE e.unit_code = $2 AND e.year = $3 AND e.number > $4 \
             ORDER BY e.number LIMIT $5"
        ))
        .bind(value)
        .bind(unit.as_str())
        .bind(year)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::register_entry)
        .collect()
    }

    async fn register_entries(&self, report: ReportId) -> StoreResult<Vec<RegisterEntry>> {
        sqlx::query(&format!(
            "SELECT {REGISTER_COLUMNS}, TRUE AS readable {REGISTER_FROM} \
             WHERE e.report_id = $1 ORDER BY e.id"
        ))
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(rows::register_entry)
        .collect()
    }

    async fn count_reports(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM reports")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("n")
    }
    }
}

for_any_sql_database! {
    impl {
    /// Appends `audit` to the chain inside `tx`, the transaction of the action it records.
    /// Moving the head first takes the write lock, so appends from every connection and node
    /// queue here and each links to the one before it.
    pub(crate) async fn append_audit_in(
        tx: &mut Transaction<'static, DB>,
        audit: Audited<'_>,
    ) -> StoreResult<AuditRecord> {
        let Audited { entry, seal } = audit;
        let head =
            sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
        let (seq, previous) = (head.int("seq")?, head.bytes("hash")?);
        let hash = seal(seq, &previous);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, action, subject, detail, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(seq)
        .bind(entry.at)
        .bind(entry.actor.map(|a| a.0))
        .bind(&entry.action)
        .bind(&entry.subject)
        .bind(&entry.detail)
        .bind(&hash)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        Ok(AuditRecord {
            seq,
            at: entry.at,
            actor: entry.actor,
            action: entry.action.clone(),
            subject: entry.subject.clone(),
            detail: entry.detail.clone(),
            hash,
        })
    }
    }
}

for_any_sql_database! {
    impl Audit {
    async fn append_audit(
        &self,
        entry: &NewAuditEntry,
        seal: ChainSeal<'_>,
    ) -> StoreResult<AuditRecord> {
        let mut tx = self.begin_write().await?;
        let record = Self::append_audit_in(&mut tx, Audited { entry, seal }).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(record)
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        sqlx::query(
            "SELECT seq, at, actor_id, action, subject, detail, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(audit_record)
        .collect()
    }

    async fn audit_by_action(
        &self,
        prefixes: &[&str],
        limit: u32,
    ) -> StoreResult<Vec<AuditRecord>> {
        if prefixes.is_empty() {
            return Ok(Vec::new());
        }
        // Prefixes are the application's own action names; `%` and `_` never occur in them.
        let matches = (2..prefixes.len() + 2)
            .map(|n| format!("action LIKE ${n} || '%'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!(
            "SELECT seq, at, actor_id, action, subject, detail, hash FROM audit_log \
             WHERE {matches} ORDER BY seq DESC LIMIT $1"
        );
        let mut query = sqlx::query(&sql).bind(i64::from(limit));
        for prefix in prefixes {
            query = query.bind(*prefix);
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(audit_record)
            .collect()
    }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{pack_digest, pack_runs, unpack_digests};

    #[test]
    fn queued_digests_come_back_as_they_were_packed() {
        let digests: [&[u8]; 3] = [&[7; 16], b"", b"digest-of-xe"];
        let mut packed = Vec::new();
        for digest in digests {
            pack_digest(&mut packed, digest).unwrap();
        }
        assert_eq!(unpack_digests(&packed).unwrap(), digests);
        assert!(unpack_digests(&[]).unwrap().is_empty());
    }

    #[test]
    fn an_entry_holds_its_reports_digests_sorted_and_once() {
        let (xe, dem, trom) = (b"xe".to_vec(), b"dem".to_vec(), b"trom".to_vec());
        let rows = [
            (1, &trom),
            (1, &xe),
            (1, &dem),
            (1, &xe),
            (2, &xe),
            (1, &trom),
        ];
        let entries = pack_runs(&rows).unwrap();
        let read: Vec<(i64, Vec<&[u8]>)> = entries
            .iter()
            .map(|(id, packed)| (*id, unpack_digests(packed).unwrap()))
            .collect();
        assert_eq!(
            read,
            [
                (1, vec![&b"dem"[..], b"trom", b"xe"]),
                (2, vec![&b"xe"[..]]),
                (1, vec![&b"trom"[..]]),
            ],
            "one entry a run, not in the text's order"
        );
    }

    #[test]
    fn a_cut_entry_or_an_oversized_digest_is_refused() {
        let mut packed = Vec::new();
        pack_digest(&mut packed, &[1; 16]).unwrap();
        packed.pop();
        assert!(unpack_digests(&packed).is_err());
        assert!(pack_digest(&mut Vec::new(), &[0; 256]).is_err());
    }
}
