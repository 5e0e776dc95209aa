//! The duty roster (lịch trực): who is on duty now in every unit the actor oversees, a unit's
//! week with its gaps, and the changes unit leaders make to it. Every change is audited.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use hotline_domain::AuditAction;
use hotline_domain::roster::{Roster, Shift, Weekdays, check_minutes};
use hotline_domain::{DomainError, Role, StaffId, UnitCode, VIETNAM};
use hotline_store::{CREATED_ID, NewDutyPattern, NewDutyShift, StaffMember, StoreError, Unit};
use std::collections::HashMap;

/// Days a roster page shows from its first.
pub const ROSTER_DAYS: i64 = 7;

/// A unit and who is on duty in it now.
#[derive(Debug, Clone)]
pub struct UnitOnDuty {
    pub unit: Unit,
    pub on_duty: Vec<StaffMember>,
    /// The unit has a roster at all (a unit without one is shown as having nobody).
    pub has_roster: bool,
    /// Reports the unit holds past their time limit, that the reader can see.
    pub overdue: i64,
}

/// A unit's roster over a span of days: its shifts with their officers, the spans nobody
/// covers, its patterns, and who can be put on duty.
#[derive(Debug, Clone)]
pub struct RosterView {
    pub unit: Unit,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub shifts: Vec<(Shift, String)>,
    pub gaps: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub roster: Roster,
    pub members: Vec<StaffMember>,
    /// Whether the reader may change it.
    pub editable: bool,
}

/// A weekly pattern as typed on the roster page.
#[derive(Debug, Clone, Default)]
pub struct PatternInput<'a> {
    pub username: &'a str,
    /// Monday 1 to Sunday 7.
    pub weekdays: Vec<u32>,
    /// `HH:MM`, Vietnam time.
    pub starts: &'a str,
    pub hours: &'a str,
    /// `YYYY-MM-DD`; empty for today.
    pub from: &'a str,
    /// `YYYY-MM-DD`; empty for no end.
    pub until: &'a str,
}

/// A one-off shift as typed on the roster page.
#[derive(Debug, Clone, Default)]
pub struct ShiftInput<'a> {
    pub username: &'a str,
    /// `YYYY-MM-DDTHH:MM`, Vietnam time (as a `datetime-local` field sends it).
    pub starts: &'a str,
    pub hours: &'a str,
}

fn vietnam_instant(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    VIETNAM
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_day(text: &str, field: &'static str) -> CoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::field(field, "invalid").into())
}

/// Hours as typed ("12", "7.5", "7,5"), as whole minutes within a day.
fn minutes_of(hours: &str) -> CoreResult<u32> {
    let hours: f64 = hours
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| DomainError::field("hours", "invalid"))?;
    if !hours.is_finite() || hours <= 0.0 {
        return Err(DomainError::field("hours", "out_of_range").into());
    }
    let minutes = (hours * 60.0).round();
    let minutes = if minutes > f64::from(u32::MAX) {
        u32::MAX
    } else {
        minutes as u32
    };
    check_minutes(minutes).map_err(|_| DomainError::field("hours", "out_of_range"))?;
    Ok(minutes)
}

impl Hotline {
    /// A unit the actor oversees (theirs or one below), or `NotFound` as for one that does not
    /// exist.
    async fn overseen_unit(&self, actor: &Actor, code: &str) -> CoreResult<Unit> {
        let code: UnitCode = code.trim().parse().map_err(|_| CoreError::NotFound)?;
        match self.store.unit(&code).await {
            Ok(unit) if unit.path.starts_with(&actor.0.unit_path) => Ok(unit),
            Ok(_) | Err(StoreError::NotFound) => Err(CoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    fn may_edit_roster(actor: &Actor) -> bool {
        matches!(actor.0.role, Role::Director | Role::UnitLeader)
    }

    /// A unit the actor may change the roster of: leaders and directors, for their unit and
    /// those below it.
    async fn roster_unit(&self, actor: &Actor, code: &str) -> CoreResult<Unit> {
        let unit = self.overseen_unit(actor, code).await?;
        if Self::may_edit_roster(actor) {
            Ok(unit)
        } else {
            Err(CoreError::Forbidden)
        }
    }

    /// Members who can be put on `unit`'s duty: active staff of it and the units below who work
    /// reports (not administrators or auditors).
    async fn duty_members(&self, unit: &Unit) -> CoreResult<Vec<StaffMember>> {
        Ok(self
            .store
            .staff_under(&unit.path)
            .await?
            .into_iter()
            .filter(|m| !m.disabled && !matches!(m.role, Role::Administrator | Role::Auditor))
            .collect())
    }

    async fn duty_member(&self, unit: &Unit, username: &str) -> CoreResult<StaffMember> {
        self.duty_members(unit)
            .await?
            .into_iter()
            .find(|m| m.username == username.trim())
            .ok_or_else(|| DomainError::field("username", "not_member").into())
    }

    /// Who is on duty now in each unit the actor oversees that has staff, a roster or overdue
    /// reports, the actor's own unit first, with how many of its reports are overdue; a unit
    /// with nobody on duty is listed with none.
    pub async fn on_duty_now(&self, actor: &Actor) -> CoreResult<Vec<UnitOnDuty>> {
        if matches!(actor.0.role, Role::Auditor) {
            return Err(CoreError::Forbidden);
        }
        let now = self.clock.now();
        let rosters: HashMap<UnitCode, Roster> = self
            .store
            .rosters_under(&actor.0.unit_path, now)
            .await?
            .into_iter()
            .collect();
        let staff = self.store.staff_under(&actor.0.unit_path).await?;
        let names: HashMap<StaffId, &StaffMember> = staff.iter().map(|m| (m.id, m)).collect();
        let overdue: HashMap<UnitCode, i64> = self
            .store
            .overdue_by_unit(&actor.visibility(), now)
            .await?
            .into_iter()
            .collect();
        // The cached unit list: this page is opened often and units rarely change.
        let mut units: Vec<Unit> = self
            .units
            .snapshot(false)
            .await?
            .values()
            .filter(|u| u.path.starts_with(&actor.0.unit_path))
            .filter(|u| {
                rosters.contains_key(&u.code)
                    || overdue.contains_key(&u.code)
                    || staff.iter().any(|m| m.unit == u.code)
            })
            .cloned()
            .collect();
        units.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(units
            .into_iter()
            .map(|unit| {
                let roster = rosters.get(&unit.code);
                UnitOnDuty {
                    on_duty: roster
                        .map(|r| r.on_duty(now))
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|id| names.get(&id).map(|m| (*m).clone()))
                        .collect(),
                    has_roster: roster.is_some(),
                    overdue: overdue.get(&unit.code).copied().unwrap_or_default(),
                    unit,
                }
            })
            .collect())
    }

    /// A unit's roster for the days from `from` (Vietnam; `None` for today).
    pub async fn roster_view(
        &self,
        actor: &Actor,
        unit: &str,
        from: Option<&str>,
    ) -> CoreResult<RosterView> {
        let unit = self.overseen_unit(actor, unit).await?;
        let now = self.clock.now();
        let first_day = match from.map(str::trim).filter(|f| !f.is_empty()) {
            Some(text) => parse_day(text, "from")?,
            None => now.with_timezone(&VIETNAM).date_naive(),
        };
        let start = vietnam_instant(first_day.and_time(NaiveTime::MIN))
            .ok_or_else(|| DomainError::field("from", "invalid"))?;
        let end = start + Duration::days(ROSTER_DAYS);
        let roster = self
            .store
            .rosters_under(&unit.path, start)
            .await?
            .into_iter()
            .find(|(code, _)| *code == unit.code)
            .map(|(_, r)| r)
            .unwrap_or_default();
        let members = self.duty_members(&unit).await?;
        let name = |id: StaffId| {
            members
                .iter()
                .find(|m| m.id == id)
                .map_or_else(|| format!("#{id}"), |m| m.display_name.clone())
        };
        let shifts = roster
            .shifts_between(start, end)
            .into_iter()
            .map(|s| {
                let who = name(s.staff);
                (s, who)
            })
            .collect();
        Ok(RosterView {
            gaps: roster.gaps(start, end),
            editable: Self::may_edit_roster(actor),
            unit,
            from: start,
            to: end,
            shifts,
            roster,
            members,
        })
    }

    /// Adds a weekly pattern to a unit's roster. Audited.
    pub async fn add_duty_pattern(
        &self,
        actor: &Actor,
        unit: &str,
        input: &PatternInput<'_>,
    ) -> CoreResult<()> {
        let unit = self.roster_unit(actor, unit).await?;
        let member = self.duty_member(&unit, input.username).await?;
        let weekdays = Weekdays::of(&input.weekdays)?;
        let starts = NaiveTime::parse_from_str(input.starts.trim(), "%H:%M")
            .map_err(|_| DomainError::field("starts", "invalid"))?;
        let minutes = minutes_of(input.hours)?;
        let now = self.clock.now();
        let from = match input.from.trim() {
            "" => now.with_timezone(&VIETNAM).date_naive(),
            text => parse_day(text, "from")?,
        };
        let until = match input.until.trim() {
            "" => None,
            text => Some(parse_day(text, "until")?),
        };
        if until.is_some_and(|until| until < from) {
            return Err(DomainError::field("until", "before_from").into());
        }
        let pattern = NewDutyPattern {
            unit: unit.code.clone(),
            staff: member.id,
            weekdays,
            starts,
            minutes,
            from,
            until,
            by: actor.0.id,
            at: now,
        };
        let days: Vec<String> = weekdays.numbers().iter().map(u32::to_string).collect();
        let detail = format!(
            "pattern={CREATED_ID} staff={} days={} starts={} minutes={minutes} from={from} until={}",
            member.username,
            days.join(","),
            starts.format("%H:%M"),
            until.map_or("-".to_owned(), |d| d.to_string())
        );
        self.audited(
            Some(actor.0.id),
            AuditAction::RosterPatternAdded,
            unit.code.as_str(),
            &detail,
            async |audit| Ok(self.store.add_duty_pattern(&pattern, audit).await?),
        )
        .await
        .map(|_| ())
    }

    /// Ends a pattern after `last_day` (the day before today when empty): its past stays as
    /// it was. Audited.
    pub async fn end_duty_pattern(
        &self,
        actor: &Actor,
        unit: &str,
        id: i64,
        last_day: &str,
    ) -> CoreResult<()> {
        let unit = self.roster_unit(actor, unit).await?;
        let last_day = match last_day.trim() {
            "" => self.clock.now().with_timezone(&VIETNAM).date_naive() - Duration::days(1),
            text => parse_day(text, "until")?,
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::RosterPatternEnded,
            unit.code.as_str(),
            &format!("pattern={id} until={last_day}"),
            async |audit| {
                Ok(self
                    .store
                    .end_duty_pattern(&unit.code, id, last_day, audit)
                    .await?)
            },
        )
        .await
    }

    /// Cancels one occurrence of a pattern (leave, a swap). Audited.
    pub async fn cancel_duty_occurrence(
        &self,
        actor: &Actor,
        unit: &str,
        id: i64,
        day: &str,
    ) -> CoreResult<()> {
        let unit = self.roster_unit(actor, unit).await?;
        let day = parse_day(day, "day")?;
        self.audited(
            Some(actor.0.id),
            AuditAction::RosterOccurrenceCancelled,
            unit.code.as_str(),
            &format!("pattern={id} day={day}"),
            async |audit| {
                Ok(self
                    .store
                    .cancel_duty_occurrence(&unit.code, id, day, actor.0.id, audit)
                    .await?)
            },
        )
        .await
    }

    /// Adds a one-off shift. Audited.
    pub async fn add_duty_shift(
        &self,
        actor: &Actor,
        unit: &str,
        input: &ShiftInput<'_>,
    ) -> CoreResult<()> {
        let unit = self.roster_unit(actor, unit).await?;
        let member = self.duty_member(&unit, input.username).await?;
        let starts_at = NaiveDateTime::parse_from_str(input.starts.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(vietnam_instant)
            .ok_or_else(|| DomainError::field("starts", "invalid"))?;
        let minutes = minutes_of(input.hours)?;
        let shift = NewDutyShift {
            unit: unit.code.clone(),
            staff: member.id,
            starts_at,
            ends_at: starts_at + Duration::minutes(i64::from(minutes)),
            by: actor.0.id,
            at: self.clock.now(),
        };
        let detail = format!(
            "shift={CREATED_ID} staff={} starts={} minutes={minutes}",
            member.username,
            starts_at.to_rfc3339()
        );
        self.audited(
            Some(actor.0.id),
            AuditAction::RosterShiftAdded,
            unit.code.as_str(),
            &detail,
            async |audit| Ok(self.store.add_duty_shift(&shift, audit).await?),
        )
        .await
        .map(|_| ())
    }

    /// Removes a one-off shift. Audited.
    pub async fn delete_duty_shift(&self, actor: &Actor, unit: &str, id: i64) -> CoreResult<()> {
        let unit = self.roster_unit(actor, unit).await?;
        self.audited(
            Some(actor.0.id),
            AuditAction::RosterShiftRemoved,
            unit.code.as_str(),
            &format!("shift={id}"),
            async |audit| Ok(self.store.delete_duty_shift(&unit.code, id, audit).await?),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_as_people_type_them() {
        assert_eq!(minutes_of("12").unwrap(), 720);
        assert_eq!(minutes_of("7,5").unwrap(), 450);
        assert_eq!(minutes_of(" 0.25 ").unwrap(), 15);
        for bad in ["", "abc", "0", "-3", "25", "NaN", "inf"] {
            assert!(minutes_of(bad).is_err(), "{bad}");
        }
    }
}
