//! Statistics: each report's facts, kept past its purge, and the rollups of every unit, read
//! from the events' log (what each figure means: `hotline_domain::statistics`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::statistics::{
    ALL, OWN, ReportFacts, Tally, conduct_key, day_period, month_period,
};
use hotline_domain::workflow::Stage;
use hotline_domain::{ReportEventKind, UnitCode};
use hotline_store::{Overdue, RolledUp, StatCell, Statistics, StoreError, StoreResult, Visibility};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;
use std::collections::{BTreeMap, BTreeSet};

use crate::SqlStore;
use crate::report_query::visibility_clause;
use crate::rows::{Columns, map_commit_err, map_err, parsed, parsed_opt};

/// Report ids or units bound in one statement.
const PER_STATEMENT: usize = 400;

/// The columns of a fact, and facts written per statement (within every backend's limit on
/// bound values).
const FACT_FIELDS: usize = 24;
const FACTS_PER_STATEMENT: usize = 16;

const FACT_COLUMNS: &str = "id, day, received_at, unit_code, origin_unit_code, channel, \
     legal_type, topic, urgency, status, stage, outcome, commune_code, police_conduct, accused_unit_code, \
     head_settles, merged, accepted, acknowledged_at, first_answer_at, classified_at, \
     decided_at, due_at, limit_rule";

/// `$from, $from+1, …`: `n` numbered parameters.
fn numbered(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bad(what: &str) -> StoreError {
    StoreError::Other(format!("a statistics row with a bad {what}"))
}

/// The facts of a report, from the `reports` row and its history (as the domain's
/// definitions say: an officer's first event, first answer, first triage by an officer, first
/// step that settles it, and its first register line for the unit that took it in).
fn current_facts_sql(ids: usize) -> String {
    format!(
        "SELECT r.id, r.created_at AS received_at, r.unit_code, \
         COALESCE((SELECT g.unit_code FROM register_entries g WHERE g.report_id = r.id \
                   ORDER BY g.id LIMIT 1), r.unit_code) AS origin_unit_code, \
         r.channel, r.legal_type, r.topic, r.urgency, r.status, r.stage, r.commune_code, \
         (COALESCE(r.legal_type, '') = 'police_conduct' OR r.accused_unit_code IS NOT NULL) \
         AS police_conduct, r.accused_unit_code, r.head_settles, \
         (r.merged_into_id IS NOT NULL) AS merged, \
         EXISTS (SELECT 1 FROM procedure_steps s WHERE s.report_id = r.id AND s.action = 'accept') \
         AS accepted, \
         (SELECT MIN(e.created_at) FROM events e WHERE e.report_id = r.id \
          AND e.actor_id IS NOT NULL AND e.kind NOT IN ('{hold}', '{released}')) \
         AS acknowledged_at, \
         (SELECT MIN(e.created_at) FROM events e WHERE e.report_id = r.id \
          AND e.kind = '{replied}') AS first_answer_at, \
         (SELECT MIN(e.created_at) FROM events e WHERE e.report_id = r.id \
          AND e.kind = '{triaged}' AND e.actor_id IS NOT NULL) AS classified_at, \
         (SELECT MIN(s.created_at) FROM procedure_steps s WHERE s.report_id = r.id \
          AND s.to_stage IN ({settling})) AS decided_at, \
         (SELECT s.to_stage FROM procedure_steps s WHERE s.report_id = r.id \
          AND s.to_stage IN ({settling}) ORDER BY s.id LIMIT 1) AS outcome, \
         (SELECT s.limit_due_at FROM procedure_steps s WHERE s.report_id = r.id \
          AND s.to_stage IN ({settling}) ORDER BY s.id LIMIT 1) AS settled_due_at, \
         (SELECT s.limit_rule FROM procedure_steps s WHERE s.report_id = r.id \
          AND s.to_stage IN ({settling}) ORDER BY s.id LIMIT 1) AS settled_rule, \
         r.due_at, r.deadline_rule AS limit_rule \
         FROM reports r WHERE r.id IN ({ids})",
        replied = ReportEventKind::Replied.as_str(),
        triaged = ReportEventKind::Triaged.as_str(),
        hold = ReportEventKind::LegalHold.as_str(),
        released = ReportEventKind::LegalHoldReleased.as_str(),
        settling = Stage::ALL
            .iter()
            .filter(|s| s.settles())
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", "),
        ids = numbered(1, ids),
    )
}

/// Facts as read by [`current_facts_sql`] or from `stats_facts`, with whether they name an
/// accused unit and whether its head settles the report.
struct FactRow {
    facts: ReportFacts,
    head_settles: bool,
}

fn fact_of(row: &impl Columns) -> StoreResult<FactRow> {
    Ok(FactRow {
        facts: ReportFacts {
            report_id: row.int("id")?,
            received_at: row.time("received_at")?,
            unit: parsed(row, "unit_code")?,
            origin: parsed(row, "origin_unit_code")?,
            channel: parsed(row, "channel")?,
            legal_type: parsed_opt(row, "legal_type")?,
            topic: parsed_opt(row, "topic")?,
            urgency: parsed(row, "urgency")?,
            status: parsed(row, "status")?,
            stage: parsed(row, "stage")?,
            commune: row
                .small_opt("commune_code")?
                .map(|c| u32::try_from(c).map_err(|_| bad("commune")))
                .transpose()?,
            police_conduct: row.flag("police_conduct")?,
            accused: parsed_opt(row, "accused_unit_code")?,
            merged: row.flag("merged")?,
            accepted: row.flag("accepted")?,
            acknowledged_at: row.time_opt("acknowledged_at")?,
            first_answer_at: row.time_opt("first_answer_at")?,
            classified_at: row.time_opt("classified_at")?,
            decided_at: row.time_opt("decided_at")?,
            outcome: parsed_opt(row, "outcome")?,
            due_at: row.time_opt("due_at")?,
            limit: row.text_opt("limit_rule")?,
        },
        head_settles: row.flag("head_settles")?,
    })
}

/// Every unit's path, and the unit at each path.
#[derive(Default)]
struct UnitPaths {
    path_of: BTreeMap<String, String>,
    code_of: BTreeMap<String, String>,
}

/// The units a unit's reports are counted in: itself and every unit above it, the units whose
/// paths begin its own (a path is the codes from the top down, each followed by `/`; a code
/// may hold a `/` itself).
fn counted_in<'a>(units: &'a UnitPaths, unit: &UnitCode) -> Vec<&'a str> {
    let Some(path) = units.path_of.get(unit.as_str()) else {
        return Vec::new();
    };
    path.match_indices('/')
        .filter_map(|(end, _)| path.get(..=end))
        .filter_map(|prefix| units.code_of.get(prefix).map(String::as_str))
        .collect()
}

/// The new sums of each `(dimension, value)` of the units `units` on one day.
type DayCells = BTreeMap<String, BTreeMap<(String, String), Tally>>;

/// Counts one day's facts into the rollups of `units`.
fn tally_day(facts: &[ReportFacts], paths: &UnitPaths, units: &BTreeSet<String>) -> DayCells {
    let mut cells: DayCells = units.iter().map(|u| (u.clone(), BTreeMap::new())).collect();
    let own = || (OWN.to_owned(), String::new());
    for f in facts {
        let holders: BTreeSet<&str> = counted_in(paths, &f.unit).into_iter().collect();
        // A report about police conduct is counted in rows of its own, under its accused
        // unit: a reader takes in only those whose accused unit does not wall them off.
        let conduct = f.police_conduct.then_some(f.accused.as_ref());
        let key = |dim: &str, value: String| match conduct {
            Some(accused) => conduct_key(dim, accused, &value),
            None => (dim.to_owned(), value),
        };
        for unit in &holders {
            let Some(unit_cells) = cells.get_mut(*unit) else {
                continue;
            };
            // From this unit's side, a report entered first outside it came by transfer.
            let by_transfer = !counted_in(paths, &f.origin).contains(unit);
            for (dim, value) in f.dimensions() {
                unit_cells
                    .entry(key(dim, value))
                    .or_default()
                    .count(f, by_transfer);
            }
            if *unit == f.unit.as_str() {
                unit_cells
                    .entry(key(OWN, String::new()))
                    .or_default()
                    .count(f, f.origin != f.unit);
            }
        }
        // Where it left, it counts as sent on in the ordinary rows, whatever it is about: a
        // line of the register it was sent on from shows that anyway.
        for unit in counted_in(paths, &f.origin) {
            let Some(unit_cells) = cells.get_mut(unit) else {
                continue;
            };
            if !holders.contains(unit) {
                unit_cells
                    .entry((ALL.to_owned(), String::new()))
                    .or_default()
                    .count_sent_away(f);
            }
            if unit == f.origin.as_str() && f.unit != f.origin {
                unit_cells.entry(own()).or_default().count_sent_away(f);
            }
        }
    }
    cells
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    async fn unit_paths(tx: &mut Transaction<'_, DB>) -> StoreResult<UnitPaths> {
        let mut units = UnitPaths::default();
        for row in sqlx::query("SELECT code, path FROM units")
            .fetch_all(&mut **tx)
            .await
            .map_err(map_err)?
        {
            let (code, path) = (row.text("code")?, row.text("path")?);
            units.code_of.insert(path.clone(), code.clone());
            units.path_of.insert(code, path);
        }
        Ok(units)
    }

    /// Writes the facts of reports `ids` as they stand; returns the facts they replace and
    /// the ones written.
    async fn write_facts(
        tx: &mut Transaction<'_, DB>,
        ids: &[i64],
    ) -> StoreResult<(Vec<ReportFacts>, Vec<ReportFacts>)> {
        let mut before = Vec::new();
        let mut after = Vec::new();
        for chunk in ids.chunks(PER_STATEMENT) {
            let sql = format!(
                "SELECT {FACT_COLUMNS} FROM stats_facts WHERE id IN ({})",
                numbered(1, chunk.len())
            );
            let mut query = sqlx::query(&sql).persistent(false);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut **tx).await.map_err(map_err)? {
                before.push(fact_of(&row)?.facts);
            }
            let sql = current_facts_sql(chunk.len());
            let mut query = sqlx::query(&sql).persistent(false);
            for id in chunk {
                query = query.bind(*id);
            }
            let current = query
                .fetch_all(&mut **tx)
                .await
                .map_err(map_err)?
                .iter()
                .map(|row| {
                    let mut fact = fact_of(row)?;
                    // A settled report is measured against the limit its settling step ended
                    // (a report settled before that was kept: against its own, if any).
                    if fact.facts.decided_at.is_some() {
                        let due = row.time_opt("settled_due_at")?;
                        let rule = row.text_opt("settled_rule")?;
                        if due.is_some() {
                            fact.facts.due_at = due;
                            fact.facts.limit = rule;
                        }
                    }
                    Ok(fact)
                })
                .collect::<StoreResult<Vec<_>>>()?;
            // A report gone (purged) keeps the facts it had.
            if current.is_empty() {
                continue;
            }
            let sql = format!(
                "DELETE FROM stats_facts WHERE id IN ({})",
                numbered(1, current.len())
            );
            let mut delete = sqlx::query(&sql).persistent(false);
            for row in &current {
                delete = delete.bind(row.facts.report_id);
            }
            delete.execute(&mut **tx).await.map_err(map_err)?;
            for rows in current.chunks(FACTS_PER_STATEMENT) {
                let values: Vec<String> = (0..rows.len())
                    .map(|i| format!("({})", numbered(i * FACT_FIELDS + 1, FACT_FIELDS)))
                    .collect();
                let sql = format!(
                    "INSERT INTO stats_facts ({FACT_COLUMNS}) VALUES {}",
                    values.join(", ")
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for row in rows {
                    let f = &row.facts;
                    insert = insert
                        .bind(f.report_id)
                        .bind(f.day().format("%Y-%m-%d").to_string())
                        .bind(f.received_at)
                        .bind(f.unit.as_str().to_owned())
                        .bind(f.origin.as_str().to_owned())
                        .bind(f.channel.as_str())
                        .bind(f.legal_type.map(|t| t.as_str()))
                        .bind(f.topic.map(|t| t.as_str()))
                        .bind(f.urgency.as_str())
                        .bind(f.status.as_str())
                        .bind(f.stage.as_str())
                        .bind(f.outcome.map(|s| s.as_str()))
                        .bind(f.commune.and_then(|c| i32::try_from(c).ok()))
                        .bind(f.police_conduct)
                        .bind(f.accused.as_ref().map(|u| u.as_str().to_owned()))
                        .bind(row.head_settles)
                        .bind(f.merged)
                        .bind(f.accepted)
                        .bind(f.acknowledged_at)
                        .bind(f.first_answer_at)
                        .bind(f.classified_at)
                        .bind(f.decided_at)
                        .bind(f.due_at)
                        .bind(f.limit.clone());
                }
                insert.execute(&mut **tx).await.map_err(map_err)?;
            }
            after.extend(current.into_iter().map(|row| row.facts));
        }
        Ok((before, after))
    }

    /// Reads one rollup of each of `units` for `period`.
    async fn read_cells(
        tx: &mut Transaction<'_, DB>,
        units: &[&String],
        period: &str,
    ) -> StoreResult<DayCells> {
        let mut cells = DayCells::new();
        for chunk in units.chunks(PER_STATEMENT) {
            let sql = format!(
                "SELECT unit_code, dim, value, tally FROM stats_cells \
                 WHERE period = $1 AND unit_code IN ({})",
                numbered(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).persistent(false).bind(period);
            for unit in chunk {
                query = query.bind(unit.as_str());
            }
            for row in query.fetch_all(&mut **tx).await.map_err(map_err)? {
                let tally = Tally::decode(&row.text("tally")?).ok_or_else(|| bad("tally"))?;
                cells
                    .entry(row.text("unit_code")?)
                    .or_default()
                    .insert((row.text("dim")?, row.text("value")?), tally);
            }
        }
        Ok(cells)
    }

    /// Replaces the rollups of the units in `cells` for `period` with `cells`.
    async fn write_cells(
        tx: &mut Transaction<'_, DB>,
        period: &str,
        cells: &DayCells,
    ) -> StoreResult<()> {
        let units: Vec<&String> = cells.keys().collect();
        for chunk in units.chunks(PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM stats_cells WHERE period = $1 AND unit_code IN ({})",
                numbered(2, chunk.len())
            );
            let mut delete = sqlx::query(&sql).persistent(false).bind(period);
            for unit in chunk {
                delete = delete.bind(unit.as_str());
            }
            delete.execute(&mut **tx).await.map_err(map_err)?;
        }
        let rows: Vec<(&String, &(String, String), &Tally)> = cells
            .iter()
            .flat_map(|(unit, cells)| {
                cells
                    .iter()
                    .filter(|(_, tally)| !tally.is_empty())
                    .map(move |(key, tally)| (unit, key, tally))
            })
            .collect();
        for chunk in rows.chunks(PER_STATEMENT / 5) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", numbered(i * 5 + 1, 5)))
                .collect();
            let sql = format!(
                "INSERT INTO stats_cells (unit_code, period, dim, value, tally) VALUES {}",
                values.join(", ")
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for (unit, (dim, value), tally) in chunk {
                insert = insert
                    .bind(unit.as_str())
                    .bind(period)
                    .bind(dim.as_str())
                    .bind(value.as_str())
                    .bind(tally.encode());
            }
            insert.execute(&mut **tx).await.map_err(map_err)?;
        }
        Ok(())
    }
}

#[any_sql_database]
#[async_trait]
impl<DB> Statistics for SqlStore<DB> {
    async fn roll_up_statistics(&self, limit: u32, wait: bool) -> StoreResult<RolledUp> {
        // Nothing past the mark: no write at all (a page read asks this first).
        let mark = sqlx::query("SELECT last_event_id FROM stats_mark WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("last_event_id")?;
        let newest = sqlx::query("SELECT COALESCE(MAX(id), 0) AS newest FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("newest")?;
        if newest <= mark {
            return Ok(RolledUp::default());
        }
        let sqlite = DB::NAME == "SQLite";
        let mut tx = self.begin_write().await?;
        // The mark's row is taken first: roll-ups take turns, so none adds a day's change to
        // its month on top of another's. On PostgreSQL one that need not wait leaves the work
        // to the one holding it (SQLite's writer takes turns by itself).
        let lock = match (sqlite, wait) {
            (true, _) => {
                "UPDATE stats_mark SET last_event_id = last_event_id WHERE id = 1 \
                 RETURNING last_event_id"
            }
            (false, true) => "SELECT last_event_id FROM stats_mark WHERE id = 1 FOR UPDATE",
            (false, false) => {
                "SELECT last_event_id FROM stats_mark WHERE id = 1 FOR UPDATE SKIP LOCKED"
            }
        };
        let Some(held) = sqlx::query(lock)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
        else {
            tx.rollback().await.map_err(map_err)?;
            return Ok(RolledUp::default());
        };
        let mark = held.int("last_event_id")?;
        // PostgreSQL numbers an event when it is written and commits in any order: the mark
        // moves only past events written long enough ago (by the database's own clock) that no
        // transaction still open can hold a lower number. SQLite writes one transaction at a
        // time.
        let settled = if sqlite {
            "1"
        } else {
            "CASE WHEN logged_at < clock_timestamp() - INTERVAL '30 seconds' THEN 1 ELSE 0 END"
        };
        let events = sqlx::query(&format!(
            "SELECT id, report_id, CAST({settled} AS BIGINT) AS settled FROM events \
             WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(mark)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        if events.is_empty() {
            tx.rollback().await.map_err(map_err)?;
            return Ok(RolledUp::default());
        }
        let mut next_mark = mark;
        let mut settled = true;
        let mut reports = BTreeSet::new();
        for row in &events {
            if let Some(report) = row.int_opt("report_id")? {
                reports.insert(report);
            }
            settled = settled && row.int("settled")? == 1;
            if settled {
                next_mark = row.int("id")?;
            }
        }
        let ids: Vec<i64> = reports.into_iter().collect();
        let (before, after) = Self::write_facts(&mut tx, &ids).await?;
        let paths = Self::unit_paths(&mut tx).await?;
        // What the changed reports took away and now add, per unit, day and month: a round
        // costs what changed, however many reports a day holds.
        let mut changes: BTreeMap<String, DayCells> = BTreeMap::new();
        for (facts, taken_away) in [(&before, true), (&after, false)] {
            let mut by_day: BTreeMap<NaiveDate, Vec<ReportFacts>> = BTreeMap::new();
            for f in facts.iter() {
                by_day.entry(f.day()).or_default().push(f.clone());
            }
            for (day, facts) in &by_day {
                let units: BTreeSet<String> = facts
                    .iter()
                    .flat_map(|f| {
                        counted_in(&paths, &f.unit)
                            .into_iter()
                            .chain(counted_in(&paths, &f.origin))
                    })
                    .map(str::to_owned)
                    .collect();
                let counted = tally_day(facts, &paths, &units);
                for period in [day_period(*day), month_period(*day)] {
                    let change = changes.entry(period).or_default();
                    for (unit, cells) in &counted {
                        let unit_change = change.entry(unit.clone()).or_default();
                        for (key, tally) in cells {
                            let cell = unit_change.entry(key.clone()).or_default();
                            if taken_away {
                                cell.subtract(tally);
                            } else {
                                cell.add(tally);
                            }
                        }
                    }
                }
            }
        }
        for (period, change) in &changes {
            let units: Vec<&String> = change
                .iter()
                .filter(|(_, cells)| cells.values().any(|t| !t.is_empty()))
                .map(|(unit, _)| unit)
                .collect();
            if units.is_empty() {
                continue;
            }
            let mut cells = Self::read_cells(&mut tx, &units, period).await?;
            for unit in &units {
                let sums = cells.entry((*unit).clone()).or_default();
                for (key, delta) in change.get(*unit).into_iter().flatten() {
                    sums.entry(key.clone()).or_default().add(delta);
                }
            }
            Self::write_cells(&mut tx, period, &cells).await?;
        }
        sqlx::query("UPDATE stats_mark SET last_event_id = $1 WHERE id = 1")
            .bind(next_mark)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(RolledUp {
            events: events.len() as u64,
            more: settled && events.len() as u64 == u64::from(limit),
        })
    }

    async fn statistics_cells(
        &self,
        units: &[UnitCode],
        dims: &[&str],
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<StatCell>> {
        let mut cells = Vec::new();
        for chunk in units.chunks(PER_STATEMENT) {
            let sql = format!(
                "SELECT unit_code, period, dim, value, tally FROM stats_cells \
                 WHERE unit_code IN ({}) AND dim IN ({}) AND period >= $1 AND period <= $2",
                numbered(3, chunk.len()),
                numbered(3 + chunk.len(), dims.len()),
            );
            let mut query = sqlx::query(&sql).bind(from).bind(to);
            for unit in chunk {
                query = query.bind(unit.as_str());
            }
            for dim in dims {
                query = query.bind(*dim);
            }
            for row in query.fetch_all(&self.pool).await.map_err(map_err)? {
                cells.push(StatCell {
                    unit: parsed(&row, "unit_code")?,
                    period: row.text("period")?,
                    dim: row.text("dim")?,
                    value: row.text("value")?,
                    tally: Tally::decode(&row.text("tally")?).ok_or_else(|| bad("tally"))?,
                });
            }
        }
        Ok(cells)
    }

    async fn conduct_facts(
        &self,
        visibility: &Visibility,
        accused: &UnitCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<ReportFacts>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        let columns = FACT_COLUMNS
            .split(", ")
            .map(|c| format!("r.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "SELECT {columns} FROM stats_facts r JOIN units u ON u.code = r.unit_code \
             WHERE {clause} AND r.accused_unit_code = $4 AND r.day >= $2 AND r.day <= $3"
        ))
        .bind(value)
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .bind(accused.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| fact_of(row).map(|f| f.facts))
        .collect()
    }

    async fn conduct_count(&self, path: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<i64> {
        sqlx::query(
            "SELECT COUNT(*) AS n FROM stats_facts f JOIN units u ON u.code = f.unit_code \
             WHERE f.police_conduct = TRUE AND u.path LIKE $1 || '%' AND f.merged = FALSE \
             AND f.day >= $2 AND f.day <= $3",
        )
        .bind(path)
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?
        .int("n")
    }

    async fn public_account(&self, province: u32, month: &str) -> StoreResult<Option<String>> {
        sqlx::query("SELECT account FROM public_accounts WHERE province_code = $1 AND month = $2")
            .bind(i32::try_from(province).map_err(|_| bad("province"))?)
            .bind(month)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(|row| row.text("account"))
            .transpose()
    }

    async fn publish_public_account(
        &self,
        province: u32,
        month: &str,
        account: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String> {
        let province = i32::try_from(province).map_err(|_| bad("province"))?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO public_accounts (province_code, month, account, published_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (province_code, month) DO NOTHING",
        )
        .bind(province)
        .bind(month)
        .bind(account)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let kept = sqlx::query(
            "SELECT account FROM public_accounts WHERE province_code = $1 AND month = $2",
        )
        .bind(province)
        .bind(month)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?
        .text("account")?;
        tx.commit().await.map_err(map_commit_err)?;
        Ok(kept)
    }

    async fn overdue_reports(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Overdue>> {
        let Some((clause, value)) = visibility_clause(visibility, 1) else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!(
            // The reports past their limit first, by the limit's index: the visibility clause
            // alone leads the planner through every report of every unit in scope.
            "SELECT r.unit_code, r.created_at, r.due_at FROM reports r JOIN units u ON u.code = r.unit_code \
             WHERE r.id IN (SELECT o.id FROM reports o WHERE o.due_at < $2 \
             AND o.status <> 'closed' AND o.merged_into_id IS NULL) AND {clause} \
             ORDER BY r.due_at"
        ))
        .bind(value)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(Overdue {
                unit: parsed(row, "unit_code")?,
                received_at: row.time("created_at")?,
                due_at: row.time("due_at")?,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_is_counted_in_itself_and_every_unit_above() {
        let mut units = UnitPaths::default();
        for (code, path) in [
            ("bca", "bca/"),
            ("22", "bca/22/"),
            ("22/100", "bca/22/22/100/"),
        ] {
            units.code_of.insert(path.to_owned(), code.to_owned());
            units.path_of.insert(code.to_owned(), path.to_owned());
        }
        let commune = UnitCode::commune(22, 100);
        assert_eq!(counted_in(&units, &commune), ["bca", "22", "22/100"]);
        assert_eq!(
            counted_in(&units, &UnitCode::province(23)),
            Vec::<&str>::new()
        );
    }
}
