//! The register of received reports (LEGAL-VN R4): each unit's numbered lines, per year.

use chrono::{DateTime, Utc};
use hotline_domain::receipt::ReceiptSource;
use hotline_domain::{StaffId, UnitCode};
use hotline_store::{StoreError, StoreResult};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;
use std::collections::BTreeMap;

use crate::rows::map_err;
use crate::{SqlStore, values_rows};

/// Counts `$3` more register numbers of a unit (`$1`) and year (`$2`); the last one taken.
pub(crate) const REGISTER_COUNTER: &str = "INSERT INTO register_counters (unit_code, year, last_number) \
     VALUES ($1, $2, $3) ON CONFLICT (unit_code, year) DO UPDATE \
     SET last_number = register_counters.last_number + excluded.last_number \
     RETURNING last_number AS last";

/// Register lines per statement: they bind 8 values each, within the limit intake keeps.
pub(crate) const REGISTER_LINES_PER_STATEMENT: usize = 512;

/// A register entry with its report's case number and type and its officer's name.
pub(crate) const REGISTER_COLUMNS: &str = "e.number, CAST(e.year AS BIGINT) AS year, e.unit_code, \
     e.received_at, e.channel, e.transferred_from, r.case_number, r.legal_type, e.source, \
     e.officer_rank, e.officer_post, \
     CASE WHEN s.display_name = '' THEN s.username ELSE s.display_name END AS officer";

/// The register's joins: the report's (`r`, `u`) let a visibility clause apply; a purged
/// report's line has none.
pub(crate) const REGISTER_FROM: &str = "FROM register_entries e LEFT JOIN reports r ON r.id = e.report_id \
     LEFT JOIN units u ON u.code = r.unit_code LEFT JOIN staff s ON s.id = e.officer_id";

/// A register entry to write.
pub(crate) struct RegisterLine<'a> {
    pub(crate) unit: &'a UnitCode,
    pub(crate) year: i32,
    pub(crate) report_id: i64,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) officer: Option<StaffId>,
    pub(crate) channel: &'a str,
    pub(crate) transferred_from: Option<&'a UnitCode>,
    pub(crate) source: ReceiptSource,
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Enters a report in a unit's register under the unit's next number of the year
    /// (gapless: the counter is taken in the same transaction).
    pub(crate) async fn register_entry(
        tx: &mut Transaction<'_, DB>,
        line: &RegisterLine<'_>,
    ) -> StoreResult<()> {
        Self::register_entries(tx, std::slice::from_ref(line)).await
    }

    /// Enters reports in their units' registers, each under its unit's next number of the
    /// year in the order given: one counter statement per unit and year, the lines in few
    /// statements.
    pub(crate) async fn register_entries(
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
        // Lines an officer received, or from another source than a person: the source and the
        // officer's rank and post on the day, each its own statement (a web or chat batch has
        // none of these, so intake's batches stay as they were).
        for (line, number) in numbered
            .iter()
            .filter(|(line, _)| line.officer.is_some() || line.source != ReceiptSource::Person)
        {
            sqlx::query(
                "UPDATE register_entries SET source = $1, \
                 officer_rank = (SELECT rank FROM staff WHERE id = $2), \
                 officer_post = (SELECT post FROM staff WHERE id = $2) \
                 WHERE unit_code = $3 AND year = $4 AND number = $5",
            )
            .bind(line.source.as_str())
            .bind(line.officer.map(|s| s.0))
            .bind(line.unit.as_str())
            .bind(line.year)
            .bind(*number)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }
}
