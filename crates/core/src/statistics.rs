//! Statistics for leaders, the monthly report and the public account (issue 29): figures
//! read from the rollups, counted as `hotline_domain::statistics` defines them, for the
//! reader's unit and the units below it, and audited like a list.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{Duration, NaiveDate};
use hotline_domain::statistics::{
    ALL, CONDUCT_PREFIX, Figures, GroupBy, OWN, PUBLIC_THRESHOLD, Period, ReportFacts, Shown,
    Tally, day_period, local_day, month_period, period_start, split_conduct_key, suppress,
    week_key,
};
use hotline_domain::{AuditAction, Channel, UnitCode};
use hotline_store::{StatCell, Unit, Visibility};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Events read into the rollups per round when a reader asks, and rounds at most: a reader
/// sees every report up to the moment they ask, without waiting long behind a backlog.
const READ_ROUND_EVENTS: u32 = 2_000;
const READ_ROUNDS: usize = 5;

/// Events the background roll-up reads per round: a round holds SQLite's one writer for a few
/// milliseconds, so intake's batches go between rounds.
pub const JOB_ROUND_EVENTS: u32 = 250;

/// One group of reports and its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The group's value: a day (`YYYY-MM-DD`), week (`YYYY-Www`), month (`YYYY-MM`), unit
    /// code, channel, legal type, topic, urgency, status, commune code, time limit or outcome.
    pub key: String,
    pub figures: Figures,
}

/// Whether the figures take in reports about the conduct of police officers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConductCounted {
    /// Those the reader may read are counted.
    Readable,
    /// None: the reader reads no reports (an auditor).
    No,
}

/// Figures for one unit's scope, period and grouping.
#[derive(Debug, Clone)]
pub struct Statistics {
    pub unit: Unit,
    pub period: Period,
    pub previous_period: Period,
    pub group_by: GroupBy,
    pub groups: Vec<Group>,
    pub total: Figures,
    pub previous: Figures,
    pub conduct: ConductCounted,
}

/// What the leaders' page shows at once: every grouping of one period.
#[derive(Debug, Clone)]
pub struct Overview {
    pub unit: Unit,
    /// The unit above, when it is within the reader's scope.
    pub parent: Option<Unit>,
    pub period: Period,
    pub previous_period: Period,
    pub total: Figures,
    pub previous: Figures,
    pub conduct: ConductCounted,
    /// The groupings of [`OVERVIEW_GROUPS`], in that order.
    pub by: Vec<(GroupBy, Vec<Group>)>,
    /// The units below, by code, for naming them.
    pub units: BTreeMap<String, Unit>,
    pub overdue: Vec<OverdueLine>,
}

/// Open reports past their time limit in one unit (with those below it), by how late.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OverdueLine {
    pub unit: String,
    pub up_to_a_day: i64,
    pub up_to_a_week: i64,
    pub up_to_a_month: i64,
    pub longer: i64,
}

impl OverdueLine {
    pub fn total(&self) -> i64 {
        self.up_to_a_day + self.up_to_a_week + self.up_to_a_month + self.longer
    }
}

/// Whose figures are read: which reports about police conduct they take in.
pub(crate) struct Reader {
    visibility: Visibility,
    /// The reader's own unit, for its leaders: they read the reports about its officers that
    /// its head settles.
    own: Option<UnitCode>,
    /// The accused units whose reports the reader may not read (their own unit and those
    /// above); `None`: no report about police conduct at all.
    walled: Option<std::collections::BTreeSet<String>>,
    counted: ConductCounted,
}

impl Reader {
    /// The public: no report about police conduct but the province's total.
    fn public() -> Self {
        Self {
            visibility: Visibility::Nothing,
            own: None,
            walled: None,
            counted: ConductCounted::No,
        }
    }
}

/// The groupings the leaders' page shows.
pub const OVERVIEW_GROUPS: [GroupBy; 10] = [
    GroupBy::Day,
    GroupBy::Channel,
    GroupBy::LegalType,
    GroupBy::Topic,
    GroupBy::Urgency,
    GroupBy::Status,
    GroupBy::Unit,
    GroupBy::Commune,
    GroupBy::Limit,
    GroupBy::Outcome,
];

/// The groupings of the monthly report.
const MONTHLY_GROUPS: [GroupBy; 4] = [
    GroupBy::Channel,
    GroupBy::LegalType,
    GroupBy::Outcome,
    GroupBy::Limit,
];

/// The rollup rows of one scope and period that its totals and groupings are read from
/// ([`Hotline::scope_rows`]).
struct ScopeRows {
    /// The unit's rows in every dimension asked, and `ALL`: whole months, edge days.
    scope: Vec<StatCell>,
    /// The unit's `ALL` rows day by day, when a grouping by day or week is asked.
    daily: Vec<StatCell>,
    /// The units just below, and their `ALL` rows, when the grouping by unit is asked.
    children: Vec<Unit>,
    below: Vec<StatCell>,
    units: std::sync::Arc<HashMap<UnitCode, Unit>>,
}

impl ScopeRows {
    /// Whether a report about police conduct held in `unit`'s scope was entered outside it.
    fn came_from_outside(&self, unit: &Unit, f: &ReportFacts) -> bool {
        !self
            .units
            .get(&f.origin)
            .is_some_and(|origin| origin.path.starts_with(&unit.path))
    }

    /// The scope's totals, with `conduct`: the facts of its reports about police conduct the
    /// reader may read ([`Hotline::conduct_in`]).
    fn total(&self, unit: &Unit, conduct: &[ReportFacts]) -> Tally {
        let mut total = Tally::default();
        for cell in self.scope.iter().filter(|c| c.dim == ALL) {
            total.add(&cell.tally);
        }
        for f in conduct {
            total.count(f, self.came_from_outside(unit, f));
        }
        total
    }

    /// Figures of `unit` over `period` grouped by `group_by`, most reports first (by time:
    /// in order, every day, week or month present).
    fn groups(
        &self,
        unit: &Unit,
        period: &Period,
        group_by: GroupBy,
        conduct: &[ReportFacts],
    ) -> Vec<Group> {
        let mut sums: BTreeMap<String, Tally> = BTreeMap::new();
        match group_by {
            GroupBy::Day | GroupBy::Week | GroupBy::Month => {
                let time_key = |day: NaiveDate| match group_by {
                    GroupBy::Day => day.format("%Y-%m-%d").to_string(),
                    GroupBy::Week => week_key(day),
                    _ => day.format("%Y-%m").to_string(),
                };
                let mut day = period.from;
                while day <= period.to {
                    sums.entry(time_key(day)).or_default();
                    day += Duration::days(1);
                }
                let cells = match group_by {
                    GroupBy::Month => &self.scope,
                    _ => &self.daily,
                };
                for cell in cells.iter().filter(|c| c.dim == ALL) {
                    if let Some(start) = period_start(&cell.period) {
                        sums.entry(time_key(start)).or_default().add(&cell.tally);
                    }
                }
                for f in conduct {
                    sums.entry(time_key(f.day()))
                        .or_default()
                        .count(f, self.came_from_outside(unit, f));
                }
            }
            GroupBy::Unit => {
                let mut own = Tally::default();
                for cell in self.scope.iter().filter(|c| c.dim == OWN) {
                    own.add(&cell.tally);
                }
                for cell in &self.below {
                    sums.entry(cell.unit.as_str().to_owned())
                        .or_default()
                        .add(&cell.tally);
                }
                for f in conduct {
                    let from_outside = self.came_from_outside(unit, f);
                    let holder = self.units.get(&f.unit);
                    let child = self
                        .children
                        .iter()
                        .find(|c| holder.is_some_and(|h| h.path.starts_with(&c.path)));
                    match child {
                        Some(child) => sums
                            .entry(child.code.as_str().to_owned())
                            .or_default()
                            .count(f, from_outside),
                        None => own.count(f, f.origin != f.unit),
                    }
                }
                if !own.is_empty() {
                    sums.insert(unit.code.as_str().to_owned(), own);
                }
            }
            other => {
                let dim = other.dimension().unwrap_or(ALL);
                for cell in self.scope.iter().filter(|c| c.dim == dim) {
                    sums.entry(cell.value.clone()).or_default().add(&cell.tally);
                }
                for f in conduct {
                    let from_outside = self.came_from_outside(unit, f);
                    for (d, value) in f.dimensions() {
                        if d == dim {
                            sums.entry(value).or_default().count(f, from_outside);
                        }
                    }
                }
            }
        }
        let mut groups: Vec<Group> = sums
            .into_iter()
            .map(|(key, tally)| Group {
                key,
                figures: tally.figures(),
            })
            .collect();
        if !matches!(group_by, GroupBy::Day | GroupBy::Week | GroupBy::Month) {
            groups.retain(|g| g.figures != Figures::default());
            groups.sort_by(|a, b| {
                b.figures
                    .reports
                    .cmp(&a.figures.reports)
                    .then_with(|| a.key.cmp(&b.key))
            });
        }
        groups
    }
}

/// A province's month as the public sees it: counts under the threshold hidden, reports
/// about police conduct only as the province's total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PublicAccount {
    pub province: u32,
    pub unit_name: String,
    pub period: Period,
    pub threshold: i64,
    pub received: Shown,
    pub by_channel: Vec<(Channel, Shown)>,
    pub police_conduct: Shown,
    /// Per mille of the reports an officer took up within a day.
    pub acknowledged_within_day: Option<i64>,
    pub first_answer_median_minutes: Option<i64>,
    /// Per mille of the decided reports with a time limit that were decided within it.
    pub decided_within_limit: Option<i64>,
}

/// Public accounts as published, by province and month.
#[derive(Default)]
pub(crate) struct PublicCache(Mutex<HashMap<(u32, NaiveDate), PublicAccount>>);

impl Hotline {
    /// Reads what changed into the rollups, so figures are current when read.
    pub async fn roll_up_figures(&self) -> CoreResult<u64> {
        let mut read = 0;
        for _ in 0..READ_ROUNDS {
            let round = self.roll_up_round(READ_ROUND_EVENTS, true).await?;
            read += round.events;
            if !round.more {
                break;
            }
        }
        Ok(read)
    }

    /// Reads at most `events` of the log into the rollups: after another roll-up under way
    /// when `wait`, else not at all while one is.
    pub async fn roll_up_round(
        &self,
        events: u32,
        wait: bool,
    ) -> CoreResult<hotline_store::RolledUp> {
        Ok(self.store.roll_up_statistics(events, wait).await?)
    }

    /// The unit a reader asks about: their own when none is named, else one within their
    /// scope (the same answer whether it does not exist or lies outside).
    async fn statistics_unit(&self, actor: &Actor, unit: Option<&UnitCode>) -> CoreResult<Unit> {
        if !actor.0.role.may_read_statistics() {
            return Err(CoreError::Forbidden);
        }
        let code = unit.unwrap_or(&actor.0.unit);
        let units = self.units.snapshot(false).await?;
        let unit = match units.get(code) {
            Some(unit) => unit.clone(),
            None => self.store.unit(code).await?,
        };
        if !unit.path.starts_with(&actor.0.unit_path) {
            return Err(CoreError::NotFound);
        }
        Ok(unit)
    }

    /// Which reports about police conduct the figures of a reader seeing `visibility` from
    /// `own` take in.
    async fn reader(&self, visibility: Visibility, own: &UnitCode) -> CoreResult<Reader> {
        let path = match &visibility {
            Visibility::Subtree(path) | Visibility::Leaders(path) => path.clone(),
            Visibility::Nothing | Visibility::Unit(_) => {
                return Ok(Reader {
                    visibility,
                    own: None,
                    walled: None,
                    counted: ConductCounted::No,
                });
            }
        };
        let walled = self
            .units
            .snapshot(false)
            .await?
            .values()
            .filter(|u| path.starts_with(&u.path))
            .map(|u| u.code.as_str().to_owned())
            .collect();
        let own = matches!(visibility, Visibility::Leaders(_)).then(|| own.clone());
        Ok(Reader {
            visibility,
            own,
            walled: Some(walled),
            counted: ConductCounted::Readable,
        })
    }

    /// The rollup rows of `units` in `dims` over `period`: whole months from the monthly
    /// rows, the days around them from the daily ones; every day's rows when `daily`. Those of
    /// reports about police conduct come in as ordinary rows where `reader` may read them.
    async fn cells(
        &self,
        units: &[UnitCode],
        dims: &[&str],
        period: &Period,
        daily: bool,
        reader: &Reader,
    ) -> CoreResult<Vec<StatCell>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let conduct_dims: Vec<String> = match reader.walled {
            Some(_) => dims
                .iter()
                .map(|d| format!("{CONDUCT_PREFIX}{d}"))
                .collect(),
            None => Vec::new(),
        };
        let asked: Vec<&str> = dims
            .iter()
            .copied()
            .chain(conduct_dims.iter().map(String::as_str))
            .collect();
        let spans = if daily {
            vec![(day_period(period.from), day_period(period.to))]
        } else {
            let plan = period.plan();
            plan.months
                .map(|(first, last)| (month_period(first), month_period(last)))
                .into_iter()
                .chain(
                    plan.days
                        .iter()
                        .map(|(from, to)| (day_period(*from), day_period(*to))),
                )
                .collect()
        };
        let mut cells = Vec::new();
        for (from, to) in spans {
            for cell in self
                .store
                .statistics_cells(units, &asked, &from, &to)
                .await?
            {
                match split_conduct_key(&cell.dim, &cell.value) {
                    None => cells.push(cell),
                    Some((dim, accused, value)) => {
                        if reader
                            .walled
                            .as_ref()
                            .is_some_and(|walled| !walled.contains(accused))
                        {
                            cells.push(StatCell {
                                dim: dim.to_owned(),
                                value: value.to_owned(),
                                ..cell.clone()
                            });
                        }
                    }
                }
            }
        }
        Ok(cells)
    }

    /// The facts of the reports under `unit` in `period` about an officer of the reader's own
    /// unit that its head settles, which its leaders read though the rollups wall them off.
    async fn conduct_in(
        &self,
        reader: &Reader,
        unit: &Unit,
        period: &Period,
    ) -> CoreResult<Vec<ReportFacts>> {
        let Some(own) = &reader.own else {
            return Ok(Vec::new());
        };
        let facts = self
            .store
            .conduct_facts(&reader.visibility, own, period.from, period.to)
            .await?;
        let units = self.units.snapshot(false).await?;
        Ok(facts
            .into_iter()
            .filter(|f| {
                units
                    .get(&f.unit)
                    .is_some_and(|u| u.path.starts_with(&unit.path))
            })
            .collect())
    }

    /// The rollup rows that `group_bys` and the totals of `unit` over `period` are read
    /// from, fetched together: one query per span of the period rather than one per grouping.
    async fn scope_rows(
        &self,
        unit: &Unit,
        period: &Period,
        group_bys: &[GroupBy],
        reader: &Reader,
    ) -> CoreResult<ScopeRows> {
        let mut dims = vec![ALL];
        for group_by in group_bys {
            match group_by {
                GroupBy::Unit => dims.push(OWN),
                other => dims.extend(other.dimension()),
            }
        }
        dims.sort_unstable();
        dims.dedup();
        let own = std::slice::from_ref(&unit.code);
        let scope = self.cells(own, &dims, period, false, reader).await?;
        let daily = if group_bys
            .iter()
            .any(|g| matches!(g, GroupBy::Day | GroupBy::Week))
        {
            self.cells(own, &[ALL], period, true, reader).await?
        } else {
            Vec::new()
        };
        let (children, below) = if group_bys.contains(&GroupBy::Unit) {
            let children = self.children(unit).await?;
            let codes: Vec<UnitCode> = children.iter().map(|u| u.code.clone()).collect();
            let below = self.cells(&codes, &[ALL], period, false, reader).await?;
            (children, below)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(ScopeRows {
            scope,
            daily,
            children,
            below,
            units: self.units.snapshot(false).await?,
        })
    }

    /// The units just below `unit`.
    async fn children(&self, unit: &Unit) -> CoreResult<Vec<Unit>> {
        let units = self.units.snapshot(false).await?;
        let mut children: Vec<Unit> = units
            .values()
            .filter(|u| u.parent.as_ref() == Some(&unit.code))
            .cloned()
            .collect();
        children.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(children)
    }

    /// The totals of `unit` over the period before the one read, for comparing.
    async fn previous_total(
        &self,
        unit: &Unit,
        period: &Period,
        reader: &Reader,
    ) -> CoreResult<Tally> {
        let conduct = self.conduct_in(reader, unit, period).await?;
        let rows = self.scope_rows(unit, period, &[], reader).await?;
        Ok(rows.total(unit, &conduct))
    }

    /// Figures for the API: one grouping of one period for `unit` (the reader's own when
    /// none), with the totals of the period and of the one before. Audited.
    pub async fn statistics(
        &self,
        actor: &Actor,
        unit: Option<&UnitCode>,
        period: Period,
        group_by: GroupBy,
    ) -> CoreResult<Statistics> {
        let unit = self.statistics_unit(actor, unit).await?;
        self.roll_up_figures().await?;
        let reader = self.reader(actor.visibility(), &actor.0.unit).await?;
        let facts = self.conduct_in(&reader, &unit, &period).await?;
        let rows = self
            .scope_rows(&unit, &period, &[group_by], &reader)
            .await?;
        let groups = rows.groups(&unit, &period, group_by, &facts);
        let total = rows.total(&unit, &facts);
        let previous_period = period.previous();
        let previous = self
            .previous_total(&unit, &previous_period, &reader)
            .await?;
        self.audit(
            Some(actor.0.id),
            AuditAction::StatisticsRead,
            unit.code.as_str(),
            &format!(
                "from={} to={} group_by={} reports={}",
                period.from, period.to, group_by, total.reports
            ),
        )
        .await?;
        Ok(Statistics {
            unit,
            period,
            previous_period,
            group_by,
            groups,
            total: total.figures(),
            previous: previous.figures(),
            conduct: reader.counted,
        })
    }

    /// Everything the leaders' page shows for `unit` and `period`. Audited.
    pub async fn statistics_overview(
        &self,
        actor: &Actor,
        unit: Option<&UnitCode>,
        period: Period,
    ) -> CoreResult<Overview> {
        let unit = self.statistics_unit(actor, unit).await?;
        self.roll_up_figures().await?;
        let reader = self.reader(actor.visibility(), &actor.0.unit).await?;
        let facts = self.conduct_in(&reader, &unit, &period).await?;
        let rows = self
            .scope_rows(&unit, &period, &OVERVIEW_GROUPS, &reader)
            .await?;
        let by = OVERVIEW_GROUPS
            .iter()
            .map(|g| (*g, rows.groups(&unit, &period, *g, &facts)))
            .collect();
        let total = rows.total(&unit, &facts);
        let previous_period = period.previous();
        let previous = self
            .previous_total(&unit, &previous_period, &reader)
            .await?;
        let parent = match &unit.parent {
            Some(code) if unit.path != actor.0.unit_path => {
                self.units.snapshot(false).await?.get(code).cloned()
            }
            _ => None,
        };
        let units = self
            .children(&unit)
            .await?
            .into_iter()
            .chain(std::iter::once(unit.clone()))
            .map(|u| (u.code.as_str().to_owned(), u))
            .collect();
        let overdue = self.overdue_lines(&reader.visibility, &unit).await?;
        self.audit(
            Some(actor.0.id),
            AuditAction::StatisticsRead,
            unit.code.as_str(),
            &format!(
                "from={} to={} page reports={}",
                period.from, period.to, total.reports
            ),
        )
        .await?;
        Ok(Overview {
            unit,
            parent,
            period,
            previous_period,
            total: total.figures(),
            previous: previous.figures(),
            conduct: reader.counted,
            by,
            units,
            overdue,
        })
    }

    /// The open reports past their limit under `unit`, by the unit just below it that holds
    /// them (or `unit` itself) and by how late, the most first.
    async fn overdue_lines(
        &self,
        visibility: &Visibility,
        unit: &Unit,
    ) -> CoreResult<Vec<OverdueLine>> {
        let now = self.clock.now();
        let children = self.children(unit).await?;
        let units = self.units.snapshot(false).await?;
        let mut lines: BTreeMap<String, OverdueLine> = BTreeMap::new();
        for overdue in self.store.overdue_reports(visibility, now).await? {
            let Some(holder) = units.get(&overdue.unit) else {
                continue;
            };
            if !holder.path.starts_with(&unit.path) {
                continue;
            }
            let key = children
                .iter()
                .find(|c| holder.path.starts_with(&c.path))
                .map_or(&unit.code, |c| &c.code);
            let line = lines
                .entry(key.as_str().to_owned())
                .or_insert_with(|| OverdueLine {
                    unit: key.as_str().to_owned(),
                    ..OverdueLine::default()
                });
            let late = now - overdue.due_at;
            if late <= Duration::days(1) {
                line.up_to_a_day += 1;
            } else if late <= Duration::days(7) {
                line.up_to_a_week += 1;
            } else if late <= Duration::days(30) {
                line.up_to_a_month += 1;
            } else {
                line.longer += 1;
            }
        }
        let mut lines: Vec<OverdueLine> = lines.into_values().collect();
        lines.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.unit.cmp(&b.unit)));
        Ok(lines)
    }

    /// The public account of `province`'s month beginning `month`: computed once, on the
    /// first request after the month was over for [`PUBLISHED_AFTER_DAYS`], kept in the store
    /// and never changed, so that no difference between two days of it can be read.
    pub async fn public_account(
        &self,
        province: u32,
        month: NaiveDate,
    ) -> CoreResult<PublicAccount> {
        let today = local_day(self.clock.now());
        if !public_months(today).contains(&month) {
            return Err(CoreError::NotFound);
        }
        if let Some(account) = self
            .public_cache
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(province, month))
        {
            return Ok(account.clone());
        }
        let key = month_period(month);
        let published = match self.store.public_account(province, &key).await? {
            Some(kept) => kept,
            None => {
                let account = self
                    .compute_public_account(province, Period::month_of(month))
                    .await?;
                let text = serde_json::to_string(&account)
                    .map_err(|e| CoreError::Internal(e.to_string()))?;
                self.store
                    .publish_public_account(province, &key, &text, self.clock.now())
                    .await?
            }
        };
        let account: PublicAccount = serde_json::from_str(&published)
            .map_err(|e| CoreError::Internal(format!("a public account kept unreadable: {e}")))?;
        self.public_cache
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((province, month), account.clone());
        Ok(account)
    }

    async fn compute_public_account(
        &self,
        province: u32,
        month: Period,
    ) -> CoreResult<PublicAccount> {
        let code = UnitCode::province(province);
        let unit = match self.units.snapshot(false).await?.get(&code) {
            Some(unit) => unit.clone(),
            None => self.store.unit(&code).await?,
        };
        // Published once, for good: only with the whole log read. An anonymous visitor reads
        // no more of it than a leader would; past that, the background job catches up first.
        let mut caught_up = false;
        for _ in 0..READ_ROUNDS {
            if !self.roll_up_round(READ_ROUND_EVENTS, true).await?.more {
                caught_up = true;
                break;
            }
        }
        if !caught_up {
            return Err(CoreError::Unavailable);
        }
        let threshold = PUBLIC_THRESHOLD;
        let mut channels: Vec<(Channel, i64)> = Channel::ALL.iter().map(|c| (*c, 0)).collect();
        let mut total = Tally::default();
        for cell in self
            .cells(
                std::slice::from_ref(&unit.code),
                &[ALL, GroupBy::Channel.as_str()],
                &month,
                false,
                &Reader::public(),
            )
            .await?
        {
            if cell.dim == ALL {
                total.add(&cell.tally);
            } else if let Some((_, n)) = channels.iter_mut().find(|(c, _)| c.as_str() == cell.value)
            {
                *n += cell.tally.reports;
            }
        }
        let conduct = self
            .store
            .conduct_count(&unit.path, month.from, month.to)
            .await?;
        let counts: Vec<i64> = channels.iter().map(|(_, n)| *n).collect();
        let by_channel = channels
            .iter()
            .map(|(c, _)| *c)
            .zip(suppress(&counts, threshold))
            .collect();
        let figures = total.figures();
        let enough = |n: i64| n >= PUBLIC_SHARE_BASE;
        Ok(PublicAccount {
            province,
            unit_name: unit.name,
            period: month,
            threshold,
            received: shown(figures.reports, threshold),
            by_channel,
            police_conduct: shown(conduct, threshold),
            acknowledged_within_day: enough(figures.reports)
                .then(|| Figures::per_mille(figures.acknowledged_within_day, figures.reports))
                .flatten(),
            first_answer_median_minutes: enough(figures.first_answer.count)
                .then_some(figures.first_answer.median_minutes)
                .flatten(),
            decided_within_limit: enough(figures.with_limit)
                .then(|| Figures::per_mille(figures.within_limit, figures.with_limit))
                .flatten(),
        })
    }
}

/// One count as the public may see it.
fn shown(n: i64, threshold: i64) -> Shown {
    if n < threshold {
        Shown::Fewer(threshold)
    } else {
        Shown::Count(n)
    }
}

/// Days a month must be over before its public account is published: every report of its
/// last day has had a whole day to be taken up.
pub const PUBLISHED_AFTER_DAYS: i64 = 2;

/// The fewest reports a public share or median is computed from: over fewer, one report
/// moves it by a step that tells about that report.
pub const PUBLIC_SHARE_BASE: i64 = 4 * PUBLIC_THRESHOLD;

/// The months whose public account may be read, the latest first: the twelve last that are
/// over by [`PUBLISHED_AFTER_DAYS`].
pub fn public_months(today: NaiveDate) -> Vec<NaiveDate> {
    let mut month = Period::month_of(today - Duration::days(PUBLISHED_AFTER_DAYS + 1)).from;
    if Period::month_of(month).to + Duration::days(PUBLISHED_AFTER_DAYS) > today {
        month = Period::month_of(month.pred_opt().unwrap_or(month)).from;
    }
    let mut months = vec![month];
    for _ in 0..11 {
        month = Period::month_of(month.pred_opt().unwrap_or(month)).from;
        months.push(month);
    }
    months
}

/// The months a leader's monthly report may be asked for: this one and the 23 before.
pub fn report_months(today: NaiveDate) -> Vec<NaiveDate> {
    let mut month = Period::month_of(today).from;
    let mut months = vec![month];
    for _ in 0..23 {
        month = Period::month_of(month.pred_opt().unwrap_or(month)).from;
        months.push(month);
    }
    months
}

impl Overview {
    /// The groups of one grouping.
    pub fn groups(&self, group_by: GroupBy) -> &[Group] {
        self.by
            .iter()
            .find(|(g, _)| *g == group_by)
            .map_or(&[], |(_, groups)| groups.as_slice())
    }
}

/// The sections of the monthly report, in its order.
pub const MONTHLY_SECTIONS: [&str; 8] = [
    "received",
    "channel",
    "legal_type",
    "transfer",
    "handling",
    "outcome",
    "limit",
    "overdue",
];

/// The law each section of the monthly report answers to (LEGAL-VN R1–R6, R29).
pub fn section_basis(section: &str) -> &'static str {
    match section {
        "received" => "BLTTHS 2015 Điều 144, 145 khoản 1; TT 28/2020/TT-BCA Điều 20",
        "channel" => "BLTTHS 2015 Điều 144 khoản 4, Điều 146 khoản 1",
        "legal_type" => "BLTTHS 2015 Điều 144; Luật Tố cáo 2018 Điều 2; Luật Khiếu nại 2011 Điều 2",
        "transfer" => "BLTTHS 2015 Điều 145, 146 khoản 3; TT 28/2020/TT-BCA Điều 8",
        "handling" => "TT 28/2020/TT-BCA Điều 8, 9; TTLT 01/2017 Điều 11",
        "outcome" => {
            "BLTTHS 2015 Điều 147, 148; Luật Tố cáo 2018; NĐ 22/2019/NĐ-CP; Luật Khiếu nại 2011"
        }
        "overdue" => {
            "BLTTHS 2015 Điều 147; Luật Tố cáo 2018 Điều 30; Luật Khiếu nại 2011 Điều 28, 37"
        }
        _ => "",
    }
}

/// One line of the monthly report: how many, of how many where it is a share, and the law.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyLine {
    pub section: &'static str,
    /// `total`, a channel, legal type (`unclassified`), `by_transfer`, `transferred_out`,
    /// `accepted`, `decided`, `closed`, an outcome stage, a time limit's rule,
    /// `open_past_limit`, `decided_late`.
    pub item: String,
    pub count: i64,
    /// The whole this is a part of: for a time limit, the reports decided under it.
    pub of: Option<i64>,
    pub basis: &'static str,
}

/// A unit's report for one month, in the shape reported up the police chain (R29).
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyReport {
    pub unit: String,
    pub unit_name: String,
    pub month: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub police_conduct: ConductCounted,
    pub lines: Vec<MonthlyLine>,
}

impl Hotline {
    /// The monthly report of `unit` (the reader's own when none) for the month holding
    /// `month`: for a reader in the console or the API, within their scope; for the command
    /// line (`None`), any unit, reports about police conduct counted as its leaders would
    /// see them. Audited as an export.
    pub async fn monthly_report(
        &self,
        actor: Option<&Actor>,
        unit: Option<&UnitCode>,
        month: NaiveDate,
    ) -> CoreResult<MonthlyReport> {
        let (unit, reader) = match actor {
            Some(actor) => {
                let unit = self.statistics_unit(actor, unit).await?;
                let reader = self.reader(actor.visibility(), &actor.0.unit).await?;
                (unit, reader)
            }
            None => {
                let code = unit.ok_or(CoreError::NotFound)?;
                let unit = self.store.unit(code).await?;
                let reader = self
                    .reader(Visibility::Leaders(unit.path.clone()), &unit.code)
                    .await?;
                (unit, reader)
            }
        };
        self.roll_up_figures().await?;
        let period = Period::month_of(month);
        let facts = self.conduct_in(&reader, &unit, &period).await?;
        let rows = self
            .scope_rows(&unit, &period, &MONTHLY_GROUPS, &reader)
            .await?;
        let total = rows.total(&unit, &facts).figures();
        let mut lines = vec![line("received", "total", total.reports, None)];
        for (section, group_by) in [
            ("channel", GroupBy::Channel),
            ("legal_type", GroupBy::LegalType),
        ] {
            for g in rows.groups(&unit, &period, group_by, &facts) {
                lines.push(line(section, &g.key, g.figures.reports, None));
            }
        }
        lines.extend([
            line("transfer", "by_transfer", total.by_transfer, None),
            line("transfer", "transferred_out", total.transferred_out, None),
            line("handling", "accepted", total.accepted, None),
            line("handling", "decided", total.decided, None),
            line("handling", "closed", total.closed, None),
        ]);
        for g in rows.groups(&unit, &period, GroupBy::Outcome, &facts) {
            lines.push(line("outcome", &g.key, g.figures.decided, None));
        }
        for g in rows
            .groups(&unit, &period, GroupBy::Limit, &facts)
            .into_iter()
            .filter(|g| g.figures.with_limit > 0)
        {
            let basis = g
                .key
                .parse::<hotline_domain::deadline::DeadlineRule>()
                .map_or("", |rule| rule.text().basis);
            lines.push(MonthlyLine {
                section: "limit",
                item: g.key,
                count: g.figures.within_limit,
                of: Some(g.figures.with_limit),
                basis,
            });
        }
        let units = self.units.snapshot(false).await?;
        let open_past_limit = self
            .store
            .overdue_reports(&reader.visibility, self.clock.now())
            .await?
            .iter()
            .filter(|o| {
                let day = local_day(o.received_at);
                day >= period.from
                    && day <= period.to
                    && units
                        .get(&o.unit)
                        .is_some_and(|u| u.path.starts_with(&unit.path))
            })
            .count();
        lines.extend([
            line(
                "overdue",
                "open_past_limit",
                i64::try_from(open_past_limit).unwrap_or(i64::MAX),
                None,
            ),
            line(
                "overdue",
                "decided_late",
                total.with_limit - total.within_limit,
                None,
            ),
        ]);
        self.audit(
            actor.map(|a| a.0.id),
            AuditAction::StatisticsExported,
            unit.code.as_str(),
            &format!("monthly {} reports={}", month_period(month), total.reports),
        )
        .await?;
        Ok(MonthlyReport {
            unit: unit.code.to_string(),
            unit_name: unit.name,
            month: period.from.format("%Y-%m").to_string(),
            from: period.from,
            to: period.to,
            police_conduct: reader.counted,
            lines,
        })
    }
}

fn line(section: &'static str, item: &str, count: i64, of: Option<i64>) -> MonthlyLine {
    MonthlyLine {
        section,
        item: item.to_owned(),
        count,
        of,
        basis: section_basis(section),
    }
}

impl Hotline {
    /// The provinces whose police this service holds, by name: those the public page offers.
    pub async fn provinces_served(&self) -> CoreResult<Vec<(u32, String)>> {
        let units = self.units.snapshot(false).await?;
        let mut provinces: Vec<(u32, String)> = units
            .values()
            .filter(|u| u.kind == hotline_domain::UnitKind::ProvincialPolice)
            .filter_map(|u| {
                let code = u.province_code?;
                Some((code, self.places.province(code)?.name.clone()))
            })
            .collect();
        provinces.sort_by(|a, b| {
            hotline_domain::text::fold(&a.1)
                .cmp(&hotline_domain::text::fold(&b.1))
                .then(a.0.cmp(&b.0))
        });
        Ok(provinces)
    }
}
