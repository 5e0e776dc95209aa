//! The duty roster's pages: who is on duty now in every unit the reader oversees, and a unit's
//! week with its gaps and the forms leaders change it with.

use super::{Chrome, PostedForm, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Duration;
use hotline_core::duty::{PatternInput, ROSTER_DAYS, RosterView, ShiftInput};
use hotline_core::{Actor, CoreError};
use hotline_domain::{DomainError, VIETNAM};
use http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;

pub struct DutyLine {
    pub code: String,
    pub name: String,
    /// Display names of who is on duty now; empty for a gap.
    pub on_duty: Vec<String>,
    pub has_roster: bool,
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "duty_now.html")]
struct DutyNowPage {
    c: Chrome,
    at: String,
    units: Vec<DutyLine>,
}

/// Who is on duty now, unit by unit.
pub async fn duty_now(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    let units = state.hotline.on_duty_now(&actor).await?;
    let page = DutyNowPage {
        c: Chrome::new(&ctx, Some(&actor)),
        at: vn_time(state.hotline.clock.now()),
        units: units
            .into_iter()
            .map(|u| DutyLine {
                code: u.unit.code.to_string(),
                name: u.unit.name,
                on_duty: u
                    .on_duty
                    .into_iter()
                    .map(|m| format!("{} ({})", m.display_name, m.username))
                    .collect(),
                has_roster: u.has_roster,
                overdue: u.overdue,
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

pub struct ShiftLine {
    pub starts: String,
    pub ends: String,
    pub who: String,
    /// For an occurrence of a pattern: its id and day (`YYYY-MM-DD`).
    pub occurrence: Option<(i64, String)>,
    /// For a one-off shift: its id.
    pub one_off: Option<i64>,
}

pub struct PatternLine {
    pub id: i64,
    pub who: String,
    pub days: String,
    pub starts: String,
    pub hours: String,
    pub from: String,
    pub until: String,
    pub ended: bool,
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    c: Chrome,
    unit: String,
    unit_name: String,
    from: String,
    to: String,
    previous: String,
    next: String,
    shifts: Vec<ShiftLine>,
    gaps: Vec<(String, String)>,
    patterns: Vec<PatternLine>,
    /// (username, label) of who can be put on duty.
    members: Vec<(String, String)>,
    /// Monday 1 to Sunday 7, with their names.
    weekdays: Vec<(u32, String)>,
    editable: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RosterQuery {
    unit: String,
    #[serde(default)]
    from: Option<String>,
}

fn weekday_name(ctx: &Ctx, day: u32) -> String {
    ctx.tr.t(&format!("weekday-{day}"))
}

fn hours_text(minutes: u32) -> String {
    if minutes.is_multiple_of(60) {
        (minutes / 60).to_string()
    } else {
        format!("{:.2}", f64::from(minutes) / 60.0)
    }
}

fn roster_page(
    ctx: &Ctx,
    actor: &Actor,
    view: RosterView,
    status: StatusCode,
    (notice, error): (Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let day = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&VIETNAM).date_naive();
    let today = day(view.from);
    let name_of = |id| {
        view.members
            .iter()
            .find(|m| m.id == id)
            .map_or_else(|| format!("#{id}"), |m| m.display_name.clone())
    };
    let last_shown = day(view.to) - Duration::days(1);
    let page = RosterPage {
        c: Chrome::new(ctx, Some(actor)),
        unit: view.unit.code.to_string(),
        unit_name: view.unit.name.clone(),
        from: today.format("%d/%m/%Y").to_string(),
        to: last_shown.format("%d/%m/%Y").to_string(),
        previous: (today - Duration::days(ROSTER_DAYS)).to_string(),
        next: (today + Duration::days(ROSTER_DAYS)).to_string(),
        shifts: view
            .shifts
            .iter()
            .map(|(s, who)| ShiftLine {
                starts: vn_time(s.starts_at),
                ends: vn_time(s.ends_at),
                who: who.clone(),
                occurrence: s.pattern.map(|(id, d)| (id, d.to_string())),
                one_off: s.id,
            })
            .collect(),
        gaps: view
            .gaps
            .iter()
            .map(|(from, to)| (vn_time(*from), vn_time(*to)))
            .collect(),
        patterns: view
            .roster
            .patterns
            .iter()
            .map(|p| PatternLine {
                id: p.id,
                who: name_of(p.staff),
                days: p
                    .weekdays
                    .numbers()
                    .into_iter()
                    .map(|d| weekday_name(ctx, d))
                    .collect::<Vec<_>>()
                    .join(", "),
                starts: p.starts.format("%H:%M").to_string(),
                hours: hours_text(p.minutes),
                from: p.from.format("%d/%m/%Y").to_string(),
                until: p
                    .until
                    .map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string()),
                ended: p.until.is_some_and(|u| u < today),
            })
            .collect(),
        members: view
            .members
            .iter()
            .map(|m| {
                (
                    m.username.clone(),
                    format!("{} ({})", m.display_name, m.username),
                )
            })
            .collect(),
        weekdays: (1..=7).map(|d| (d, weekday_name(ctx, d))).collect(),
        editable: view.editable,
        notice,
        error,
    };
    render(status, &page)
}

/// A unit's roster for a week.
pub async fn roster(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(query): Query<RosterQuery>,
) -> Result<Response, PageError> {
    match state
        .hotline
        .roster_view(&actor, &query.unit, query.from.as_deref())
        .await
    {
        Ok(view) => roster_page(&ctx, &actor, view, StatusCode::OK, (None, None)),
        Err(e) => Err(PageError::from(e)),
    }
}

/// After a change: the unit's roster again, with what happened or why not.
async fn after_roster_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    unit: &str,
    done: Result<(), CoreError>,
) -> Result<Response, PageError> {
    let (status, shown) = match done {
        Ok(()) => (StatusCode::OK, (Some(ctx.tr.t("roster-saved")), None)),
        Err(CoreError::Domain(DomainError::Invalid(errors))) => (
            StatusCode::BAD_REQUEST,
            (
                None,
                errors
                    .first()
                    .map(|e| field_message(&ctx.tr, &format!("roster_{}", e.field), e.code)),
            ),
        ),
        Err(e) => return Err(PageError::from(e)),
    };
    match state.hotline.roster_view(actor, unit, None).await {
        Ok(view) => roster_page(ctx, actor, view, status, shown),
        Err(e) => Err(PageError::from(e)),
    }
}

/// The row a roster form names; an id that is not one names nothing.
fn id_of(id: &str) -> Result<i64, CoreError> {
    id.trim().parse().map_err(|_| CoreError::NotFound)
}

/// The fields of [`roster_add_pattern`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RosterAddPatternForm {
    username: String,
    /// The weekdays ticked: `d1` (Monday) to `d7` (Sunday).
    #[serde(flatten)]
    weekdays: HashMap<String, String>,
    starts: String,
    hours: String,
    from: String,
    until: String,
    unit: String,
}

/// Adds a weekly pattern.
pub async fn roster_add_pattern(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<RosterAddPatternForm>,
) -> Result<Response, PageError> {
    let input = PatternInput {
        username: &form.username,
        weekdays: (1..=7)
            .filter(|d| {
                form.weekdays
                    .get(&format!("d{d}"))
                    .is_some_and(|ticked| !ticked.is_empty())
            })
            .collect(),
        starts: &form.starts,
        hours: &form.hours,
        from: &form.from,
        until: &form.until,
    };
    let unit = &form.unit;
    let done = state.hotline.add_duty_pattern(&actor, unit, &input).await;
    after_roster_change(&state, &ctx, &actor, unit, done).await
}

/// The fields of [`roster_end_pattern`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RosterEndPatternForm {
    id: String,
    unit: String,
    until: String,
}

/// Ends a pattern.
pub async fn roster_end_pattern(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<RosterEndPatternForm>,
) -> Result<Response, PageError> {
    let unit = &form.unit;
    let done = async {
        let id = id_of(&form.id)?;
        state
            .hotline
            .end_duty_pattern(&actor, unit, id, &form.until)
            .await
    }
    .await;
    after_roster_change(&state, &ctx, &actor, unit, done).await
}

/// The fields of [`roster_cancel_occurrence`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RosterCancelOccurrenceForm {
    id: String,
    unit: String,
    day: String,
}

/// Cancels one occurrence of a pattern.
pub async fn roster_cancel_occurrence(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<RosterCancelOccurrenceForm>,
) -> Result<Response, PageError> {
    let unit = &form.unit;
    let done = async {
        let id = id_of(&form.id)?;
        state
            .hotline
            .cancel_duty_occurrence(&actor, unit, id, &form.day)
            .await
    }
    .await;
    after_roster_change(&state, &ctx, &actor, unit, done).await
}

/// The fields of [`roster_add_shift`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RosterAddShiftForm {
    unit: String,
    username: String,
    starts: String,
    hours: String,
}

/// Adds a one-off shift.
pub async fn roster_add_shift(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<RosterAddShiftForm>,
) -> Result<Response, PageError> {
    let unit = &form.unit;
    let input = ShiftInput {
        username: &form.username,
        starts: &form.starts,
        hours: &form.hours,
    };
    let done = state.hotline.add_duty_shift(&actor, unit, &input).await;
    after_roster_change(&state, &ctx, &actor, unit, done).await
}

/// The fields of [`roster_delete_shift`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RosterDeleteShiftForm {
    id: String,
    unit: String,
}

/// Removes a one-off shift.
pub async fn roster_delete_shift(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<RosterDeleteShiftForm>,
) -> Result<Response, PageError> {
    let unit = &form.unit;
    let done = async {
        let id = id_of(&form.id)?;
        state.hotline.delete_duty_shift(&actor, unit, id).await
    }
    .await;
    after_roster_change(&state, &ctx, &actor, unit, done).await
}

pub struct AlertLine {
    pub case: String,
    pub unit: String,
    pub urgency: &'static str,
    pub urgency_label: String,
    pub level: String,
    pub at: String,
    /// Who acknowledged it and when, once someone has.
    pub acknowledged: Option<String>,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Chrome,
    pending: Vec<AlertLine>,
    done: Vec<AlertLine>,
    /// Warnings about time limits: case, whether passed, what, limit, when warned.
    deadlines: Vec<(String, bool, String, String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn alerts_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    (notice, error): (Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let (alerts, deadlines) = match (
        state.hotline.my_alerts(actor).await,
        state.hotline.my_deadline_alerts(actor).await,
    ) {
        (Ok(alerts), Ok(deadlines)) => (alerts, deadlines),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::from(e)),
    };
    let (pending, done): (Vec<_>, Vec<_>) = alerts
        .into_iter()
        .map(|a| AlertLine {
            case: a.subject.case_number.to_string(),
            unit: super::unit_names::unit_label(state, ctx, &a.subject.unit),
            urgency: a.urgency.as_str(),
            urgency_label: ctx.tr.t(&format!("urgency-{}", a.urgency)),
            level: ctx.tr.t(&format!("alert-level-{}", a.level)),
            at: vn_time(a.created_at),
            acknowledged: a.acknowledged_at.map(|at| {
                format!(
                    "{} · {}",
                    vn_time(at),
                    a.acknowledged_by.unwrap_or_default()
                )
            }),
        })
        .partition(|a| a.acknowledged.is_none());
    let page = AlertsPage {
        c: Chrome::new(ctx, Some(actor)),
        pending,
        done,
        deadlines: deadlines
            .into_iter()
            .map(|d| {
                (
                    d.subject.case_number.to_string(),
                    d.kind == "passed",
                    ctx.tr.t(&format!("deadline-alert-{}", d.kind)),
                    vn_time(d.due_at),
                    vn_time(d.created_at),
                )
            })
            .collect(),
        notice,
        error,
    };
    render(status, &page)
}

/// The signed-in member's alerts about urgent reports, those waiting for an answer first.
pub async fn alerts(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    alerts_page(&state, &ctx, &actor, StatusCode::OK, (None, None)).await
}

/// The fields of [`acknowledge_alert`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AcknowledgeAlertForm {
    case: String,
}

/// Acknowledges an urgent report's alert: the chain stops climbing.
pub async fn acknowledge_alert(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AcknowledgeAlertForm>,
) -> Result<Response, PageError> {
    let case = form.case.to_owned();
    match state.hotline.acknowledge_alert(&actor, &case).await {
        Ok(()) => {
            let notice = ctx.tr.t1("alert-acknowledged", "case", case);
            alerts_page(&state, &ctx, &actor, StatusCode::OK, (Some(notice), None)).await
        }
        Err(CoreError::Domain(DomainError::Invalid(_))) => {
            let error = ctx.tr.t("alert-already");
            alerts_page(
                &state,
                &ctx,
                &actor,
                StatusCode::CONFLICT,
                (None, Some(error)),
            )
            .await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

pub struct ResponseRow {
    pub unit: String,
    pub channel: String,
    pub reports: usize,
    pub acknowledge: String,
    pub first_reply: String,
    pub decision: String,
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestPage {
    c: Chrome,
    days: i64,
    spans: Vec<(i64, String)>,
    from: String,
    to: String,
    received: usize,
    by_legal_type: Vec<(String, usize)>,
    by_urgency: Vec<(&'static str, String, usize)>,
    overdue: i64,
    /// (case, unit, urgency label, received)
    unacknowledged: Vec<(String, String, String, String)>,
    response: Vec<ResponseRow>,
}

#[derive(Debug, Deserialize)]
pub struct DigestQuery {
    #[serde(default)]
    days: Option<i64>,
}

/// A duration as people say it: minutes, hours and minutes, or days and hours.
fn spoken(ctx: &Ctx, span: Duration) -> String {
    let minutes = span.num_minutes().max(0);
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if days > 0 {
        ctx.tr.t2(
            "duration-days",
            ("d", days.to_string()),
            ("h", hours.to_string()),
        )
    } else if hours > 0 {
        ctx.tr.t2(
            "duration-hours",
            ("h", hours.to_string()),
            ("m", minutes.to_string()),
        )
    } else {
        ctx.tr.t1("duration-minutes", "m", minutes)
    }
}

fn timing(ctx: &Ctx, t: hotline_core::digest::Timing) -> String {
    match t.median {
        Some(median) => format!("{} ({})", spoken(ctx, median), t.count),
        None => "—".to_owned(),
    }
}

/// The leaders' digest of the last day (or 7 or 30 days).
pub async fn digest(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(query): Query<DigestQuery>,
) -> Result<Response, PageError> {
    let days = query.days.unwrap_or(1);
    let digest = state.hotline.digest(&actor, days).await?;
    let days = (digest.now - digest.since).num_days();
    let mut unit_names = std::collections::HashMap::new();
    for unit in digest
        .response
        .iter()
        .map(|l| &l.unit)
        .chain(digest.unacknowledged.iter().map(|s| &s.unit))
    {
        if !unit_names.contains_key(unit) {
            let name = super::unit_names::unit_named(&state, &ctx, unit).await;
            unit_names.insert(unit.clone(), name);
        }
    }
    let name_of =
        |unit: &hotline_domain::UnitCode| unit_names.get(unit).cloned().unwrap_or_default();
    let page = DigestPage {
        c: Chrome::new(&ctx, Some(&actor)),
        days,
        spans: hotline_core::digest::DIGEST_DAYS
            .iter()
            .map(|d| (*d, ctx.tr.t1("digest-span", "days", *d)))
            .collect(),
        from: vn_time(digest.since),
        to: vn_time(digest.now),
        received: digest.received,
        by_legal_type: digest
            .by_legal_type
            .iter()
            .map(|(t, n)| {
                let label = match t {
                    Some(t) => ctx.tr.t(&format!("legal_type-{t}")),
                    None => ctx.tr.t("digest-unclassified"),
                };
                (label, *n)
            })
            .collect(),
        by_urgency: digest
            .by_urgency
            .iter()
            .map(|(u, n)| (u.as_str(), ctx.tr.t(&format!("urgency-{u}")), *n))
            .collect(),
        overdue: digest.overdue,
        unacknowledged: digest
            .unacknowledged
            .iter()
            .map(|s| {
                (
                    s.case_number.to_string(),
                    name_of(&s.unit),
                    ctx.tr.t(&format!("urgency-{}", s.urgency)),
                    vn_time(s.received_at),
                )
            })
            .collect(),
        response: digest
            .response
            .iter()
            .map(|line| ResponseRow {
                unit: name_of(&line.unit),
                channel: ctx.tr.t(&format!("channel-{}", line.channel)),
                reports: line.reports,
                acknowledge: timing(&ctx, line.acknowledge),
                first_reply: timing(&ctx, line.first_reply),
                decision: timing(&ctx, line.decision),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/digest", get(digest))
        .route("/console/alerts", get(alerts))
        .route("/console/alerts/acknowledge", post(acknowledge_alert))
        .route("/console/duty", get(duty_now))
        .route("/console/duty/roster", get(roster))
        .route("/console/duty/patterns", post(roster_add_pattern))
        .route("/console/duty/patterns/end", post(roster_end_pattern))
        .route(
            "/console/duty/patterns/skip-day",
            post(roster_cancel_occurrence),
        )
        .route("/console/duty/shifts", post(roster_add_shift))
        .route("/console/duty/shifts/remove", post(roster_delete_shift))
}
