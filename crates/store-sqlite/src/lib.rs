//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit that
//! returned is on disk. Writers are few (intake batches its reports into one transaction).

mod rows;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{CaseNumber, Gazetteer, ReportId, ReportStatus, StaffId, UnitCode};
use hotline_store::{
    Admin, Audit, AuditRecord, ChainSeal, Event, Message, NewApiToken, NewAuditEntry, NewReport,
    NewSession, NewStaff, NewUnit, Receipt, ReportDetail, ReportSummary, Reports, Staff,
    StaffLogin, StaffMember, StoreError, StoreResult, Unit, Units, Visibility,
};
use rows::{audit_record, event, map_err, member, message, report_summary, unit};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Version and name of each migration this backend ships, for the parity test with PostgreSQL.
pub fn migrations() -> Vec<(i64, String)> {
    MIGRATOR
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::connect(options).await
    }

    /// Opens a `sqlite:` URL.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(map_err)?
            .create_if_missing(true);
        Self::connect(options).await
    }

    async fn connect(options: SqliteConnectOptions) -> StoreResult<Self> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(map_err)?;
        Ok(Self { pool })
    }
}

const SUMMARY_COLUMNS: &str = "r.id, r.case_number, r.channel, r.status, r.urgency, r.unit_code, \
     u.name AS unit_name, r.province_code, r.commune_code, r.summary, r.anonymous, r.created_at";

const MEMBER_COLUMNS: &str = "s.id, s.username, s.display_name, s.role, s.unit_code, u.name AS unit_name, u.path AS unit_path, \
     s.disabled";

/// The WHERE clause and its single bound value for a visibility; `None` when nothing is visible.
fn visibility_clause(visibility: &Visibility) -> Option<(&'static str, String)> {
    match visibility {
        Visibility::Nothing => None,
        Visibility::Unit(code) => Some(("r.unit_code = ?", code.as_str().to_owned())),
        // Unit codes hold only [a-z0-9/-], so the path carries no LIKE wildcards.
        Visibility::Subtree(path) => Some(("u.path LIKE ? || '%'", path.clone())),
    }
}

/// The report already taken in under the same platform message id, if any.
async fn existing_receipt(
    tx: &mut Transaction<'_, Sqlite>,
    report: &NewReport,
) -> Result<Option<Receipt>, sqlx::Error> {
    let Some(pmid) = &report.platform_message_id else {
        return Ok(None);
    };
    let existing = sqlx::query(
        "SELECT r.id, r.case_number FROM messages m JOIN reports r ON r.id = m.report_id \
         WHERE m.channel = ? AND m.account = ? AND m.platform_message_id = ?",
    )
    .bind(report.channel.as_str())
    .bind(&report.account)
    .bind(pmid)
    .fetch_optional(&mut **tx)
    .await?;
    existing
        .map(|row| {
            Ok(Receipt {
                report: ReportId(row.try_get(0)?),
                case_number: rows::case_number(row.try_get(1)?)?,
                duplicate: true,
            })
        })
        .transpose()
}

/// Takes `count` consecutive numbers of a prefix and year in one statement and returns the
/// first. Inside the intake transaction, so numbers are never shared or skipped.
async fn reserve_numbers(
    tx: &mut Transaction<'_, Sqlite>,
    prefix: &str,
    year: i32,
    count: i64,
) -> Result<i64, sqlx::Error> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO case_counters (prefix, year, last_sequence) VALUES (?, ?, ?) \
         ON CONFLICT (prefix, year) DO UPDATE \
         SET last_sequence = case_counters.last_sequence + excluded.last_sequence \
         RETURNING last_sequence",
    )
    .bind(prefix)
    .bind(year)
    .bind(count)
    .fetch_one(&mut **tx)
    .await?;
    Ok(last - count + 1)
}

/// Writes one new report, its contact, first message and event, under `sequence`.
async fn insert_report(
    tx: &mut Transaction<'_, Sqlite>,
    report: &NewReport,
    sequence: i64,
) -> Result<Receipt, sqlx::Error> {
    let contact_id: Option<i64> = match &report.contact {
        Some(c) => Some(
            sqlx::query_scalar(
                "INSERT INTO contacts (name, phone_e164, email, created_at) VALUES (?, ?, ?, ?) \
                 RETURNING id",
            )
            .bind(&c.name)
            .bind(&c.phone_e164)
            .bind(&c.email)
            .bind(report.received_at)
            .fetch_one(&mut **tx)
            .await?,
        ),
        None => None,
    };
    let case_number = CaseNumber::new(&report.case_prefix, report.case_year, sequence);
    let report_id: i64 = sqlx::query_scalar(
        "INSERT INTO reports (case_number, follow_up_digest, channel, urgency, status, unit_code, \
         contact_id, anonymous, province_code, commune_code, address, summary, created_at, \
         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(case_number.as_str())
    .bind(&report.follow_up_digest)
    .bind(report.channel.as_str())
    .bind(report.urgency.as_str())
    .bind(ReportStatus::Received.as_str())
    .bind(report.unit.as_str())
    .bind(contact_id)
    .bind(report.anonymous)
    .bind(report.province_code)
    .bind(report.commune_code)
    .bind(&report.address)
    .bind(&report.summary)
    .bind(report.received_at)
    .bind(report.received_at)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO messages (report_id, direction, channel, account, platform_message_id, body, \
         author_id, created_at) VALUES (?, 'inbound', ?, ?, ?, ?, ?, ?)",
    )
    .bind(report_id)
    .bind(report.channel.as_str())
    .bind(&report.account)
    .bind(&report.platform_message_id)
    .bind(&report.text)
    .bind(report.entered_by.map(|s| s.0))
    .bind(report.received_at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO events (report_id, actor_id, kind, detail, created_at) \
         VALUES (?, ?, 'report.received', ?, ?)",
    )
    .bind(report_id)
    .bind(report.entered_by.map(|s| s.0))
    .bind(format!("channel={} unit={}", report.channel, report.unit))
    .bind(report.received_at)
    .execute(&mut **tx)
    .await?;
    Ok(Receipt {
        report: ReportId(report_id),
        case_number,
        duplicate: false,
    })
}

#[async_trait]
impl Admin for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Other(e.to_string()))
    }

    async fn seed_places(&self, places: &Gazetteer) -> StoreResult<usize> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM provinces")
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        if present > 0 {
            return Ok(0);
        }
        for p in places.provinces() {
            sqlx::query(
                "INSERT INTO provinces (code, name, short_name, case_prefix) VALUES (?, ?, ?, ?)",
            )
            .bind(p.code)
            .bind(&p.name)
            .bind(&p.short_name)
            .bind(p.case_prefix)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        for c in places.communes() {
            sqlx::query(
                "INSERT INTO communes (code, province_code, name, division_type) VALUES (?, ?, ?, ?)",
            )
            .bind(c.code)
            .bind(c.province_code)
            .bind(&c.name)
            .bind(&c.division_type)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
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
        "sqlite"
    }
}

#[async_trait]
impl Units for SqliteStore {
    async fn ensure_unit(&self, new: &NewUnit) -> StoreResult<Unit> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let parent_path: String = match &new.parent {
            Some(parent) => sqlx::query_scalar("SELECT path FROM units WHERE code = ?")
                .bind(parent.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?,
            None => "/".to_owned(),
        };
        sqlx::query(
            "INSERT INTO units (code, name, kind, parent_code, path, province_code, commune_code, \
             case_prefix) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
        )
        .bind(new.code.as_str())
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.parent.as_ref().map(UnitCode::as_str))
        .bind(format!("{parent_path}{}/", new.code))
        .bind(new.province_code)
        .bind(new.commune_code)
        .bind(&new.case_prefix)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        self.unit(&new.code).await
    }

    async fn unit(&self, code: &UnitCode) -> StoreResult<Unit> {
        let row = sqlx::query("SELECT * FROM units WHERE code = ?")
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

#[async_trait]
impl Staff for SqliteStore {
    async fn create_staff(&self, new: &NewStaff) -> StoreResult<StaffMember> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO staff (username, display_name, password_hash, role, unit_code, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
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
        })?;
        self.staff(StaffId(id)).await
    }

    async fn staff_by_username(&self, username: &str) -> StoreResult<StaffLogin> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS}, s.password_hash FROM staff s \
             JOIN units u ON u.code = s.unit_code WHERE s.username = ?"
        ))
        .bind(username)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(StaffLogin {
            member: member(&row)?,
            password_hash: row.try_get("password_hash").map_err(map_err)?,
        })
    }

    async fn staff(&self, id: StaffId) -> StoreResult<StaffMember> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM staff s JOIN units u ON u.code = s.unit_code WHERE s.id = ?"
        ))
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (digest, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&session.digest)
        .bind(session.staff.0)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn session_staff(&self, digest: &str, now: DateTime<Utc>) -> StoreResult<StaffMember> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM sessions x JOIN staff s ON s.id = x.staff_id \
             JOIN units u ON u.code = s.unit_code \
             WHERE x.digest = ? AND x.expires_at > ? AND s.disabled = 0"
        ))
        .bind(digest)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn delete_session(&self, digest: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE digest = ?")
            .bind(digest)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn create_api_token(&self, token: &NewApiToken) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (digest, staff_id, label, created_at) VALUES (?, ?, ?, ?)",
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
             WHERE t.digest = ? AND t.revoked_at IS NULL AND s.disabled = 0"
        ))
        .bind(digest)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        member(&row)
    }

    async fn count_staff(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM staff")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }
}

#[async_trait]
impl Reports for SqliteStore {
    async fn intake(&self, batch: &[NewReport]) -> StoreResult<Vec<Receipt>> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let mut known = Vec::with_capacity(batch.len());
        for report in batch {
            known.push(existing_receipt(&mut tx, report).await.map_err(map_err)?);
        }
        let mut wanted: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for (report, _) in batch.iter().zip(&known).filter(|(_, k)| k.is_none()) {
            *wanted
                .entry((report.case_prefix.as_str(), report.case_year))
                .or_default() += 1;
        }
        let mut next = BTreeMap::new();
        for ((prefix, year), count) in wanted {
            let first = reserve_numbers(&mut tx, prefix, year, count)
                .await
                .map_err(map_err)?;
            next.insert((prefix, year), first);
        }
        let mut receipts = Vec::with_capacity(batch.len());
        for (report, known) in batch.iter().zip(known) {
            let receipt = match known {
                Some(receipt) => receipt,
                None => {
                    let key = (report.case_prefix.as_str(), report.case_year);
                    let sequence = next
                        .get_mut(&key)
                        .map(|n| {
                            *n += 1;
                            *n - 1
                        })
                        .ok_or_else(|| StoreError::Other("no number reserved".into()))?;
                    insert_report(&mut tx, report, sequence)
                        .await
                        .map_err(map_err)?
                }
            };
            receipts.push(receipt);
        }
        tx.commit().await.map_err(rows::map_commit_err)?;
        Ok(receipts)
    }

    async fn list_reports(
        &self,
        visibility: &Visibility,
        limit: u32,
    ) -> StoreResult<Vec<ReportSummary>> {
        let Some((clause, value)) = visibility_clause(visibility) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE {clause} ORDER BY r.created_at DESC, r.id DESC LIMIT ?"
        ))
        .bind(value)
        .bind(limit)
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
        let Some((clause, value)) = visibility_clause(visibility) else {
            return Err(StoreError::NotFound);
        };
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}, r.address, r.contact_id, r.assignee_id, r.updated_at \
             FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE r.case_number = ? AND {clause}"
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
            "SELECT id, direction, channel, body, author_id, created_at FROM messages \
             WHERE report_id = ? ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(message)
        .collect()
    }

    async fn events(&self, report: ReportId) -> StoreResult<Vec<Event>> {
        sqlx::query(
            "SELECT kind, actor_id, detail, created_at FROM events WHERE report_id = ? ORDER BY id",
        )
        .bind(report.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(event)
        .collect()
    }

    async fn count_reports(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM reports")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }
}

#[async_trait]
impl Audit for SqliteStore {
    async fn append_audit(
        &self,
        entry: &NewAuditEntry,
        seal: ChainSeal<'_>,
    ) -> StoreResult<AuditRecord> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // Moving the head first takes the write lock, so appends from every connection and
        // node queue here and each links to the one before it.
        let (seq, previous): (i64, Vec<u8>) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        let hash = seal(seq, &previous);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, action, subject, detail, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(entry.at)
        .bind(entry.actor.map(|a| a.0))
        .bind(&entry.action)
        .bind(&entry.subject)
        .bind(&entry.detail)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE audit_head SET hash = ? WHERE id = 1")
            .bind(&hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
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

    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        sqlx::query(
            "SELECT seq, at, actor_id, action, subject, detail, hash FROM audit_log \
             WHERE seq > ? ORDER BY seq LIMIT ?",
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
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn fresh() -> Option<(tempfile::TempDir, SqliteStore)> {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("hotline.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        Some((dir, store))
    }

    hotline_store_tests::contract_tests!(fresh);

    #[tokio::test]
    async fn the_database_runs_in_wal_mode_with_full_sync() {
        let (_dir, store) = fresh().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
    }
}
