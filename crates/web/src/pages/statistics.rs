//! The leaders' statistics (`/console/thong-ke`), the monthly report with its files, and the
//! public account of each province's hotline (`/thong-ke`) (issue 29).

use super::{Chrome, StaffPage, render};
use crate::AppState;
use crate::charts::{bars, columns, grouped};
use crate::error::PageError;
use crate::extract::{Ctx, url_pairs};
use crate::report_files::{item_label, monthly_csv, monthly_xlsx, section_label, title};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use hotline_core::statistics::{
    ConductCounted, Group, MonthlyReport, Overview, PublicAccount, public_months, report_months,
};
use hotline_domain::UnitCode;
use hotline_domain::statistics::{
    Figures, GroupBy, Period, Preset, Shown, Timing, local_day, parse_month,
};
use http::{StatusCode, header};

/// One cell of a table, a link where it leads somewhere.
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: None,
        }
    }
}

/// A chart and the table of its data.
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub note: Option<String>,
    /// Drawn on the server; holds only escaped text.
    pub chart: Option<String>,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// A long table starts folded.
    pub folded: bool,
}

/// A headline figure beside the one of the period before.
pub struct Headline {
    pub label: String,
    pub value: String,
    pub previous: String,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    c: Chrome,
    unit_name: String,
    unit_code: String,
    up: Option<(String, String)>,
    period: String,
    previous: String,
    presets: Vec<(String, String, bool)>,
    from: String,
    to: String,
    headlines: Vec<Headline>,
    sections: Vec<Section>,
    conduct_note: String,
    monthly_href: String,
}

#[derive(Template)]
#[template(path = "monthly_report.html")]
struct MonthlyPage {
    c: Chrome,
    title: String,
    period: String,
    unit_code: String,
    month: String,
    months: Vec<(String, String)>,
    rows: Vec<(String, String, String, String, String)>,
    conduct_note: String,
}

#[derive(Template)]
#[template(path = "public_statistics.html")]
struct PublicPage {
    c: Chrome,
    provinces: Vec<(u32, String, bool)>,
    months: Vec<(String, String, bool)>,
    account: Option<PublicView>,
}

pub struct PublicView {
    pub title: String,
    pub counted_to: String,
    pub received: String,
    pub channels: Vec<(String, String)>,
    pub chart: Option<String>,
    pub conduct: String,
    pub acknowledged: String,
    pub first_answer: String,
    pub within_limit: String,
    pub threshold_note: String,
}

/// A value as a query string carries it.
fn encoded(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn day_text(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

fn period_text(period: &Period) -> String {
    if period.from == period.to {
        day_text(period.from)
    } else {
        format!("{} – {}", day_text(period.from), day_text(period.to))
    }
}

/// Minutes as people say them; the figure is the upper bound of its bucket.
fn minutes_text(ctx: &Ctx, minutes: Option<i64>) -> String {
    let Some(minutes) = minutes else {
        return "—".to_owned();
    };
    let (days, hours, rest) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
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
            ("m", rest.to_string()),
        )
    } else {
        ctx.tr.t1("duration-minutes", "m", minutes)
    }
}

fn timing_text(ctx: &Ctx, t: Timing) -> String {
    if t.count == 0 {
        return "—".to_owned();
    }
    format!(
        "{} / {}",
        minutes_text(ctx, t.median_minutes),
        minutes_text(ctx, t.p90_minutes)
    )
}

fn share_text(part: i64, whole: i64) -> String {
    match Figures::per_mille(part, whole) {
        Some(pm) => format!("{},{} %", pm / 10, pm % 10),
        None => "—".to_owned(),
    }
}

/// What a group's key is called.
fn group_label(ctx: &Ctx, state: &AppState, overview: &Overview, by: GroupBy, key: &str) -> String {
    let tr = &ctx.tr;
    match by {
        GroupBy::Channel => tr.t(&format!("channel-{key}")),
        GroupBy::LegalType if key == "unclassified" => tr.t("digest-unclassified"),
        GroupBy::LegalType => tr.t(&format!("legal_type-{key}")),
        GroupBy::Topic if key == "unknown" => tr.t("stats-no-topic"),
        GroupBy::Topic => tr.t(&format!("topic-{key}")),
        GroupBy::Urgency => tr.t(&format!("urgency-{key}")),
        GroupBy::Status => tr.t(&format!("status-{key}")),
        GroupBy::Outcome => tr.t(&format!("stage-{key}")),
        GroupBy::Limit => tr.t(&format!("deadline-rule-{key}")),
        GroupBy::Commune => key
            .parse::<u32>()
            .ok()
            .and_then(|code| state.hotline.places.commune(code))
            .map_or_else(|| tr.t("stats-no-commune"), |c| c.name.clone()),
        GroupBy::Unit => overview
            .units
            .get(key)
            .map_or_else(|| key.to_owned(), |u| u.name.clone()),
        GroupBy::Day | GroupBy::Week | GroupBy::Month => key.to_owned(),
    }
}

fn change_text(ctx: &Ctx, now: i64, before: i64) -> String {
    if before == 0 {
        return ctx.tr.t1("stats-previous-was", "n", grouped(before));
    }
    let change = (now - before) * 1000 / before;
    let sign = match change.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    let change = change.abs();
    ctx.tr.t2(
        "stats-previous-change",
        ("n", grouped(before)),
        ("change", format!("{sign}{},{} %", change / 10, change % 10)),
    )
}

/// The period a query asks for: a preset (`period=`), dates (`from=`, `to=`), else this
/// month; and the unit (`unit=`).
fn asked_period(
    query: Option<&str>,
    today: NaiveDate,
) -> Result<(Period, Option<UnitCode>), PageError> {
    let bad = || PageError::new(StatusCode::BAD_REQUEST, "stats-bad-period");
    let pairs = url_pairs(query.unwrap_or_default().as_bytes()).map_err(|_| bad())?;
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let unit = get("unit")
        .map(|u| u.parse::<UnitCode>().map_err(|_| PageError::not_found()))
        .transpose()?;
    let day = |v: &str| NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad());
    let period = match (get("period"), get("from"), get("to")) {
        (Some(preset), _, _) => Period::preset(preset.parse::<Preset>().map_err(|_| bad())?, today),
        (None, Some(from), to) => {
            let from = day(from)?;
            let to = to.map(day).transpose()?.unwrap_or(today.max(from));
            Period::new(from, to).map_err(|_| bad())?
        }
        (None, None, Some(_)) => return Err(bad()),
        (None, None, None) => Period::preset(Preset::Month, today),
    };
    Ok((period, unit))
}

fn today(state: &AppState) -> NaiveDate {
    local_day(state.hotline.clock.now())
}

/// The rows of a grouping by what: count, share, taken up within a day, and the times.
fn dimension_rows(
    ctx: &Ctx,
    state: &AppState,
    overview: &Overview,
    by: GroupBy,
    groups: &[Group],
) -> Vec<Vec<Cell>> {
    let total = overview.total.reports;
    groups
        .iter()
        .map(|g| {
            let f = &g.figures;
            vec![
                Cell::text(group_label(ctx, state, overview, by, &g.key)),
                Cell::text(grouped(f.reports)),
                Cell::text(share_text(f.reports, total)),
                Cell::text(share_text(f.acknowledged_within_day, f.reports)),
                Cell::text(timing_text(ctx, f.acknowledge)),
                Cell::text(timing_text(ctx, f.first_answer)),
                Cell::text(timing_text(ctx, f.classification)),
                Cell::text(timing_text(ctx, f.decision)),
            ]
        })
        .collect()
}

fn chart_items(
    ctx: &Ctx,
    state: &AppState,
    overview: &Overview,
    by: GroupBy,
    groups: &[Group],
) -> Vec<(String, i64)> {
    groups
        .iter()
        .map(|g| {
            (
                group_label(ctx, state, overview, by, &g.key),
                g.figures.reports,
            )
        })
        .collect()
}

/// The leaders' page: figures of the reader's unit (or one below) for a period.
pub async fn statistics_page(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    let today = today(&state);
    let (period, unit) = asked_period(uri.query(), today)?;
    let overview = state
        .hotline
        .statistics_overview(&actor, unit.as_ref(), period)
        .await?;
    let tr = &ctx.tr;
    let unit_code = overview.unit.code.to_string();
    let here = |extra: &str| format!("/console/thong-ke?unit={}&{extra}", encoded(&unit_code));
    let presets = Preset::ALL
        .iter()
        .map(|p| {
            let current = Period::preset(*p, today) == period;
            (
                here(&format!("period={p}")),
                tr.t(&format!("stats-preset-{p}")),
                current,
            )
        })
        .collect();
    let t = &overview.total;
    let p = &overview.previous;
    let headlines = vec![
        Headline {
            label: tr.t("stats-received"),
            value: grouped(t.reports),
            previous: change_text(&ctx, t.reports, p.reports),
        },
        Headline {
            label: tr.t("stats-decided"),
            value: grouped(t.decided),
            previous: change_text(&ctx, t.decided, p.decided),
        },
        Headline {
            label: tr.t("stats-acknowledged-day"),
            value: share_text(t.acknowledged_within_day, t.reports),
            previous: tr.t1(
                "stats-previous-share",
                "share",
                share_text(p.acknowledged_within_day, p.reports),
            ),
        },
        Headline {
            label: tr.t("stats-within-limit"),
            value: share_text(t.within_limit, t.with_limit),
            previous: tr.t1(
                "stats-previous-share",
                "share",
                share_text(p.within_limit, p.with_limit),
            ),
        },
        Headline {
            label: tr.t("stats-first-answer-median"),
            value: minutes_text(&ctx, t.first_answer.median_minutes),
            previous: tr.t1(
                "stats-previous-share",
                "share",
                minutes_text(&ctx, p.first_answer.median_minutes),
            ),
        },
    ];
    let times_head = vec![
        tr.t("stats-col-group"),
        tr.t("stats-col-reports"),
        tr.t("stats-col-share"),
        tr.t("stats-acknowledged-day"),
        tr.t("stats-col-acknowledge"),
        tr.t("stats-col-first-answer"),
        tr.t("stats-col-classification"),
        tr.t("stats-col-decision"),
    ];
    let mut sections = Vec::new();
    let days = overview.groups(GroupBy::Day);
    sections.push(Section {
        id: "stats-by-day",
        title: tr.t("stats-by-day"),
        note: None,
        chart: Some(columns(
            &tr.t("stats-by-day"),
            &days
                .iter()
                .map(|g| {
                    let day = NaiveDate::parse_from_str(&g.key, "%Y-%m-%d")
                        .map_or_else(|_| g.key.clone(), |d| d.format("%d/%m").to_string());
                    (day, g.figures.reports)
                })
                .collect::<Vec<_>>(),
        )),
        head: vec![tr.t("stats-col-day"), tr.t("stats-col-reports")],
        rows: days
            .iter()
            .map(|g| {
                let day = NaiveDate::parse_from_str(&g.key, "%Y-%m-%d")
                    .map_or_else(|_| g.key.clone(), day_text);
                vec![Cell::text(day), Cell::text(grouped(g.figures.reports))]
            })
            .collect(),
        folded: days.len() > 14,
    });
    for (by, id) in [
        (GroupBy::Channel, "stats-by-channel"),
        (GroupBy::LegalType, "stats-by-legal_type"),
        (GroupBy::Topic, "stats-by-topic"),
        (GroupBy::Urgency, "stats-by-urgency"),
        (GroupBy::Status, "stats-by-status"),
    ] {
        let groups = overview.groups(by);
        sections.push(Section {
            id,
            title: tr.t(id),
            note: (by == GroupBy::Channel).then(|| tr.t("stats-times-note")),
            chart: (!groups.is_empty())
                .then(|| bars(&tr.t(id), &chart_items(&ctx, &state, &overview, by, groups))),
            head: times_head.clone(),
            rows: dimension_rows(&ctx, &state, &overview, by, groups),
            folded: false,
        });
    }
    let units = overview.groups(GroupBy::Unit);
    sections.push(Section {
        id: "stats-by-unit",
        title: tr.t("stats-by-unit"),
        note: Some(tr.t("stats-by-unit-note")),
        chart: (!units.is_empty()).then(|| {
            bars(
                &tr.t("stats-by-unit"),
                &chart_items(&ctx, &state, &overview, GroupBy::Unit, units),
            )
        }),
        head: vec![
            tr.t("stats-col-unit"),
            tr.t("stats-col-reports"),
            tr.t("stats-item-by_transfer"),
            tr.t("stats-item-transferred_out"),
            tr.t("stats-item-accepted"),
            tr.t("stats-item-decided"),
            tr.t("stats-within-limit"),
            tr.t("stats-col-acknowledge"),
            tr.t("stats-col-first-answer"),
            tr.t("stats-col-decision"),
        ],
        rows: units
            .iter()
            .map(|g| {
                let f = &g.figures;
                let own = g.key == unit_code;
                let name = group_label(&ctx, &state, &overview, GroupBy::Unit, &g.key);
                vec![
                    Cell {
                        text: if own {
                            tr.t1("stats-unit-itself", "name", name)
                        } else {
                            name
                        },
                        href: (!own).then(|| {
                            format!(
                                "/console/thong-ke?unit={}&from={}&to={}",
                                encoded(&g.key),
                                period.from,
                                period.to
                            )
                        }),
                    },
                    Cell::text(grouped(f.reports)),
                    Cell::text(grouped(f.by_transfer)),
                    Cell::text(grouped(f.transferred_out)),
                    Cell::text(grouped(f.accepted)),
                    Cell::text(grouped(f.decided)),
                    Cell::text(share_text(f.within_limit, f.with_limit)),
                    Cell::text(timing_text(&ctx, f.acknowledge)),
                    Cell::text(timing_text(&ctx, f.first_answer)),
                    Cell::text(timing_text(&ctx, f.decision)),
                ]
            })
            .collect(),
        folded: false,
    });
    let communes = overview.groups(GroupBy::Commune);
    sections.push(Section {
        id: "stats-by-commune",
        title: tr.t("stats-by-commune"),
        note: Some(tr.t("stats-by-commune-note")),
        chart: (!communes.is_empty()).then(|| {
            bars(
                &tr.t("stats-by-commune"),
                &chart_items(&ctx, &state, &overview, GroupBy::Commune, communes)
                    .into_iter()
                    .take(15)
                    .collect::<Vec<_>>(),
            )
        }),
        head: vec![
            tr.t("stats-col-commune"),
            tr.t("stats-col-reports"),
            tr.t("stats-col-share"),
        ],
        rows: communes
            .iter()
            .map(|g| {
                vec![
                    Cell::text(group_label(
                        &ctx,
                        &state,
                        &overview,
                        GroupBy::Commune,
                        &g.key,
                    )),
                    Cell::text(grouped(g.figures.reports)),
                    Cell::text(share_text(g.figures.reports, overview.total.reports)),
                ]
            })
            .collect(),
        folded: communes.len() > 15,
    });
    sections.push(Section {
        id: "stats-by-limit",
        title: tr.t("stats-by-limit"),
        note: Some(tr.t("stats-by-limit-note")),
        chart: None,
        head: vec![
            tr.t("stats-col-limit"),
            tr.t("stats-col-decided-with-limit"),
            tr.t("stats-col-within"),
            tr.t("stats-within-limit"),
            tr.t("stats-col-basis"),
        ],
        rows: overview
            .groups(GroupBy::Limit)
            .iter()
            .filter(|g| g.figures.with_limit > 0)
            .map(|g| {
                let f = &g.figures;
                vec![
                    Cell::text(group_label(&ctx, &state, &overview, GroupBy::Limit, &g.key)),
                    Cell::text(grouped(f.with_limit)),
                    Cell::text(grouped(f.within_limit)),
                    Cell::text(share_text(f.within_limit, f.with_limit)),
                    Cell::text(
                        g.key
                            .parse::<hotline_domain::deadline::DeadlineRule>()
                            .map_or("", |r| r.text().basis),
                    ),
                ]
            })
            .collect(),
        folded: false,
    });
    sections.push(Section {
        id: "stats-register",
        title: tr.t("stats-register"),
        note: Some(tr.t("stats-register-note")),
        chart: None,
        head: vec![tr.t("stats-col-item"), tr.t("stats-col-count")],
        rows: [
            ("stats-item-total", t.reports),
            ("stats-item-by_transfer", t.by_transfer),
            ("stats-item-transferred_out", t.transferred_out),
            ("stats-item-accepted", t.accepted),
            ("stats-item-decided", t.decided),
            ("stats-item-closed", t.closed),
        ]
        .into_iter()
        .map(|(key, n)| vec![Cell::text(tr.t(key)), Cell::text(grouped(n))])
        .chain(overview.groups(GroupBy::Outcome).iter().map(|g| {
            vec![
                Cell::text(tr.t1(
                    "stats-decided-as",
                    "outcome",
                    group_label(&ctx, &state, &overview, GroupBy::Outcome, &g.key),
                )),
                Cell::text(grouped(g.figures.decided)),
            ]
        }))
        .collect(),
        folded: false,
    });
    sections.push(Section {
        id: "stats-overdue",
        title: tr.t("stats-overdue"),
        note: Some(tr.t("stats-overdue-note")),
        chart: None,
        head: vec![
            tr.t("stats-col-unit"),
            tr.t("stats-late-day"),
            tr.t("stats-late-week"),
            tr.t("stats-late-month"),
            tr.t("stats-late-longer"),
            tr.t("stats-col-total"),
        ],
        rows: overview
            .overdue
            .iter()
            .map(|line| {
                vec![
                    Cell {
                        text: group_label(&ctx, &state, &overview, GroupBy::Unit, &line.unit),
                        href: Some(format!(
                            "/console?due=overdue&sort=deadline&unit={}",
                            encoded(&line.unit)
                        )),
                    },
                    Cell::text(grouped(line.up_to_a_day)),
                    Cell::text(grouped(line.up_to_a_week)),
                    Cell::text(grouped(line.up_to_a_month)),
                    Cell::text(grouped(line.longer)),
                    Cell::text(grouped(line.total())),
                ]
            })
            .collect(),
        folded: false,
    });
    let page = StatisticsPage {
        c: Chrome::new(&ctx, Some(&actor)),
        unit_name: overview.unit.name.clone(),
        unit_code: unit_code.clone(),
        up: overview.parent.as_ref().map(|p| {
            (
                format!(
                    "/console/thong-ke?unit={}&from={}&to={}",
                    encoded(p.code.as_str()),
                    period.from,
                    period.to
                ),
                p.name.clone(),
            )
        }),
        period: period_text(&overview.period),
        previous: period_text(&overview.previous_period),
        presets,
        from: period.from.to_string(),
        to: period.to.to_string(),
        headlines,
        sections,
        conduct_note: conduct_note(&ctx, overview.conduct),
        monthly_href: format!(
            "/console/thong-ke/bao-cao?unit={}&month={}",
            encoded(&unit_code),
            period.to.format("%Y-%m")
        ),
    };
    render(StatusCode::OK, &page)
}

fn conduct_note(ctx: &Ctx, conduct: ConductCounted) -> String {
    match conduct {
        ConductCounted::Readable => ctx.tr.t("stats-conduct-readable"),
        ConductCounted::No => ctx.tr.t("stats-conduct-none"),
    }
}

/// The month a query names (`month=YYYY-MM`), else this one.
fn asked_month(
    query: Option<&str>,
    today: NaiveDate,
) -> Result<(NaiveDate, Option<UnitCode>), PageError> {
    let bad = || PageError::new(StatusCode::BAD_REQUEST, "stats-bad-month");
    let pairs = url_pairs(query.unwrap_or_default().as_bytes()).map_err(|_| bad())?;
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let month = match get("month") {
        Some(m) => parse_month(m).ok_or_else(bad)?,
        None => Period::month_of(today).from,
    };
    if month > today {
        return Err(bad());
    }
    let unit = get("unit")
        .map(|u| u.parse::<UnitCode>().map_err(|_| PageError::not_found()))
        .transpose()?;
    Ok((month, unit))
}

/// The monthly report's lines as the page and files show them.
fn report_rows(ctx: &Ctx, report: &MonthlyReport) -> Vec<(String, String, String, String, String)> {
    report
        .lines
        .iter()
        .map(|line| {
            (
                section_label(&ctx.tr, line.section),
                item_label(&ctx.tr, line),
                grouped(line.count),
                line.of.map(grouped).unwrap_or_default(),
                line.basis.to_owned(),
            )
        })
        .collect()
}

/// The monthly report of the reader's unit (or one below) on screen, ready to print.
pub async fn monthly_page(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    let today = today(&state);
    let (month, unit) = asked_month(uri.query(), today)?;
    let report = state
        .hotline
        .monthly_report(Some(&actor), unit.as_ref(), month)
        .await?;
    let months = report_months(today)
        .into_iter()
        .map(|m| (m.format("%Y-%m").to_string(), m.format("%m/%Y").to_string()))
        .collect();
    let page = MonthlyPage {
        c: Chrome::new(&ctx, Some(&actor)),
        title: title(&ctx.tr, &report),
        period: format!("{} – {}", day_text(report.from), day_text(report.to)),
        unit_code: report.unit.clone(),
        month: report.month.clone(),
        months,
        rows: report_rows(&ctx, &report),
        conduct_note: conduct_note(&ctx, report.police_conduct),
    };
    render(StatusCode::OK, &page)
}

async fn monthly_file(
    state: AppState,
    ctx: Ctx,
    actor: hotline_core::Actor,
    uri: http::Uri,
    xlsx: bool,
) -> Result<Response, PageError> {
    let today = today(&state);
    let (month, unit) = asked_month(uri.query(), today)?;
    let report = state
        .hotline
        .monthly_report(Some(&actor), unit.as_ref(), month)
        .await?;
    let tr = ctx.tr.clone();
    let name = format!(
        "bao-cao-{}-{}.{}",
        report.unit.replace('/', "-"),
        report.month,
        if xlsx { "xlsx" } else { "csv" }
    );
    // Building a workbook compresses it: off the async threads.
    let bytes = tokio::task::spawn_blocking(move || {
        if xlsx {
            monthly_xlsx(&tr, &report)
        } else {
            monthly_csv(&tr, &report)
        }
    })
    .await
    .map_err(|_| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal"))?
    .map_err(|e| {
        tracing::error!(error = %e, "the monthly report could not be written");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
    })?;
    let kind = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn monthly_xlsx_file(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    monthly_file(state, ctx, actor, uri, true).await
}

pub async fn monthly_csv_file(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    monthly_file(state, ctx, actor, uri, false).await
}

fn shown_text(ctx: &Ctx, shown: Shown) -> String {
    match shown {
        Shown::Count(n) => grouped(n),
        Shown::Fewer(threshold) => ctx.tr.t1("stats-fewer-than", "n", threshold),
    }
}

fn public_view(ctx: &Ctx, account: &PublicAccount) -> PublicView {
    let tr = &ctx.tr;
    let channels: Vec<(String, String)> = account
        .by_channel
        .iter()
        .map(|(c, shown)| (tr.t(&format!("channel-{c}")), shown_text(ctx, *shown)))
        .collect();
    let drawable: Vec<(String, i64)> = account
        .by_channel
        .iter()
        .filter_map(|(c, shown)| match shown {
            Shown::Count(n) => Some((tr.t(&format!("channel-{c}")), *n)),
            Shown::Fewer(_) => None,
        })
        .collect();
    PublicView {
        title: tr.t2(
            "public-stats-heading",
            ("unit", account.unit_name.clone()),
            ("month", account.period.from.format("%m/%Y").to_string()),
        ),
        counted_to: tr.t1(
            "public-stats-counted-to",
            "day",
            day_text(account.period.to),
        ),
        received: shown_text(ctx, account.received),
        chart: (!drawable.is_empty()).then(|| bars(&tr.t("public-stats-by-channel"), &drawable)),
        channels,
        conduct: shown_text(ctx, account.police_conduct),
        acknowledged: account.acknowledged_within_day.map_or_else(
            || tr.t("public-stats-too-few"),
            |pm| format!("{},{} %", pm / 10, pm % 10),
        ),
        first_answer: account.first_answer_median_minutes.map_or_else(
            || tr.t("public-stats-too-few"),
            |m| minutes_text(ctx, Some(m)),
        ),
        within_limit: account.decided_within_limit.map_or_else(
            || tr.t("public-stats-too-few"),
            |pm| format!("{},{} %", pm / 10, pm % 10),
        ),
        threshold_note: tr.t1("public-stats-threshold", "n", account.threshold),
    }
}

/// The public account of a province's hotline for a month (no sign-in).
pub async fn public_page(
    State(state): State<AppState>,
    ctx: Ctx,
    uri: http::Uri,
) -> Result<Response, PageError> {
    let today = today(&state);
    let bad = || PageError::new(StatusCode::BAD_REQUEST, "public-stats-bad-query");
    let pairs = url_pairs(uri.query().unwrap_or_default().as_bytes()).map_err(|_| bad())?;
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let months = public_months(today);
    let month = match get("thang") {
        None => months.first().copied().unwrap_or(today),
        Some(m) => parse_month(m)
            .filter(|m| months.contains(m))
            .ok_or_else(bad)?,
    };
    let province = get("tinh")
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .transpose()?;
    let served = state.hotline.provinces_served().await?;
    if let Some(p) = province
        && !served.iter().any(|(code, _)| *code == p)
    {
        return Err(PageError::not_found());
    }
    let account = match province {
        Some(p) => Some(public_view(
            &ctx,
            &state.hotline.public_account(p, month).await?,
        )),
        None => None,
    };
    let page = PublicPage {
        c: Chrome::new(&ctx, None),
        provinces: served
            .into_iter()
            .map(|(code, name)| (code, name, Some(code) == province))
            .collect(),
        months: months
            .iter()
            .map(|m| {
                (
                    m.format("%Y-%m").to_string(),
                    m.format("%m/%Y").to_string(),
                    *m == month,
                )
            })
            .collect(),
        account,
    };
    let mut response = render(StatusCode::OK, &page)?;
    // The figures change once a day.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=600"),
    );
    Ok(response)
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/thong-ke", get(statistics_page))
        .route("/console/thong-ke/bao-cao", get(monthly_page))
        .route("/console/thong-ke/bao-cao.xlsx", get(monthly_xlsx_file))
        .route("/console/thong-ke/bao-cao.csv", get(monthly_csv_file))
        .route("/thong-ke", get(public_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_page_asks_for_a_preset_dates_or_this_month() {
        let today = day(2026, 11, 20);
        let ok = |q: &str| asked_period(Some(q), today).map_err(|e| e.message_key);
        assert_eq!(ok("").map(|(p, _)| p.from), Ok(day(2026, 11, 1)));
        assert_eq!(ok("period=7d").map(|(p, _)| p.from), Ok(day(2026, 11, 14)));
        assert_eq!(
            ok("from=2026-01-01&to=2026-03-31&unit=22").map(|(p, u)| (p.days(), u)),
            Ok((90, Some(UnitCode::province(22))))
        );
        assert_eq!(ok("period=decade").err(), Some("stats-bad-period"));
        assert_eq!(ok("from=2026-02-30").err(), Some("stats-bad-period"));
        assert_eq!(ok("to=2026-02-03").err(), Some("stats-bad-period"));
        assert_eq!(ok("unit=%2F%2F").err(), Some("error-not-found"));
        let month = |q: &str| asked_month(Some(q), today).map_err(|e| e.message_key);
        assert_eq!(month("month=2026-10").map(|(m, _)| m), Ok(day(2026, 10, 1)));
        assert_eq!(month("month=2026-12").err(), Some("stats-bad-month"));
        assert_eq!(month("month=10-2026").err(), Some("stats-bad-month"));
    }
}
