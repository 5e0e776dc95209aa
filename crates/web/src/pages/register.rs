//! The receipt register of a unit, and a report's printable receipt record (biên bản tiếp
//! nhận) with the fields of LEGAL-VN.md §4.

use super::unit_names::unit_label;
use super::{Chrome, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Ctx, url_pairs};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use hotline_core::reports::{Part, TimelineItem};
use hotline_domain::ReportEvent;
use hotline_domain::VIETNAM;
use hotline_store::RegisterEntry;
use http::StatusCode;

pub struct EntryLine {
    pub number: i64,
    pub at: String,
    pub at_iso: String,
    /// `None` for a report the reader may no longer read.
    pub case_number: Option<String>,
    pub channel: String,
    /// The report's legal type, the register's kind of source once classified.
    pub source: String,
    /// Where it came from (R2): a person, a letter by post, the 113 line…
    pub origin: String,
    /// The receiving officer, with their rank and post on the day.
    pub officer: String,
    pub transferred_from: Option<String>,
}

/// The officer who received a line, with their rank and post on the day, or "the system".
fn officer_of(ctx: &Ctx, e: &RegisterEntry) -> String {
    match &e.officer {
        None => ctx.tr.t("register-by-system"),
        Some(name) => {
            match super::officer_title(ctx, e.officer_rank, e.officer_post.as_deref()).as_str() {
                "" => name.clone(),
                title => format!("{name} ({title})"),
            }
        }
    }
}

fn entry_line(state: &AppState, ctx: &Ctx, e: &RegisterEntry) -> EntryLine {
    let Some(case_number) = e.case_number.as_ref().filter(|_| e.readable) else {
        return EntryLine {
            number: e.number,
            at: vn_time(e.received_at),
            at_iso: e.received_at.to_rfc3339(),
            case_number: None,
            channel: "—".into(),
            source: ctx.tr.t(if e.case_number.is_some() {
                "register-not-readable"
            } else {
                "register-purged"
            }),
            origin: "—".into(),
            // Who handed in a line the reader may not read would say whose it is.
            officer: "—".into(),
            transferred_from: None,
        };
    };
    EntryLine {
        number: e.number,
        at: vn_time(e.received_at),
        at_iso: e.received_at.to_rfc3339(),
        case_number: Some(case_number.to_string()),
        channel: ctx.tr.t(&format!("channel-{}", e.channel)),
        source: match e.legal_type {
            Some(t) => ctx.tr.t(&format!("legal_type-{t}")),
            None => ctx.tr.t("triage-unset"),
        },
        origin: ctx.tr.t(&format!("receipt-source-{}", e.source)),
        officer: officer_of(ctx, e),
        transferred_from: e
            .transferred_from
            .as_ref()
            .map(|code| unit_label(state, ctx, code)),
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    c: Chrome,
    unit: String,
    unit_label: String,
    year: i32,
    units: Vec<(String, String)>,
    entries: Vec<EntryLine>,
    next_href: Option<String>,
}

/// A unit's register of a year: `?unit=…&year=…&after=…`.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    let pairs = url_pairs(uri.query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let this_year = state.hotline.clock.now().with_timezone(&VIETNAM).year();
    let year = get("year").parse().unwrap_or(this_year);
    let after = get("after").parse().unwrap_or(0);
    let unit = get("unit");
    let entries = state
        .hotline
        .register(&actor, Some(unit.as_str()), year, after)
        .await?;
    let units = state.hotline.units_in_scope(&actor).await?;
    let unit = if unit.trim().is_empty() {
        actor.0.unit.to_string()
    } else {
        unit.trim().to_owned()
    };
    let unit_label = units
        .iter()
        .find(|u| u.code.as_str() == unit)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| unit.clone());
    let next_href = (entries.len() == hotline_core::register::REGISTER_PAGE as usize)
        .then(|| entries.last())
        .flatten()
        .map(|last| {
            format!(
                "/console/register?{}",
                crate::extract::encode_pairs(&[
                    ("unit".to_owned(), unit.clone()),
                    ("year".to_owned(), year.to_string()),
                    ("after".to_owned(), last.number.to_string()),
                ])
            )
        });
    let page = RegisterPage {
        c: Chrome::new(&ctx, Some(&actor)),
        entries: entries
            .iter()
            .map(|e| entry_line(&state, &ctx, e))
            .collect(),
        units: units
            .into_iter()
            .map(|u| (u.code.to_string(), u.name))
            .collect(),
        unit,
        unit_label,
        year,
        next_href,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "receipt_record.html")]
struct ReceiptRecordPage {
    c: Chrome,
    case_number: String,
    unit_name: String,
    crime_source: bool,
    /// Who brought the report, as the law names them: as a heading, and as its sentences
    /// need it (`who`, `who_title`, `who_upper`).
    who_title: String,
    who_args: Vec<(&'static str, String)>,
    entries: Vec<EntryLine>,
    anonymous: bool,
    protection: bool,
    occurred: Option<String>,
    place: String,
    address: Option<String>,
    narrative: String,
    evidence: Vec<(String, String, String)>,
}

/// A report's receipt record, ready to print and sign at the desk. The reporter's identity is
/// never printed from the system: its lines are filled in by hand.
pub async fn receipt_record(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
) -> Result<Response, PageError> {
    let (view, entries) = match (
        state.hotline.report(&actor, &case).await,
        state.hotline.register_entries(&actor, &case).await,
    ) {
        (Ok(view), Ok(entries)) => (view, entries),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::from(e)),
    };
    let detail = &view.detail;
    let summary = &detail.summary;
    let places = &state.hotline.places;
    let place = match (
        summary.commune_code.and_then(|c| places.commune(c)),
        summary.province_code.and_then(|p| places.province(p)),
    ) {
        (Some(c), Some(p)) => format!("{}, {}", c.name, p.name),
        (None, Some(p)) => p.name.clone(),
        _ => ctx.tr.t("report-place-unknown"),
    };
    let narrative = view
        .messages
        .first()
        .map(|m| {
            m.parts
                .iter()
                .map(|part| match part {
                    Part::Text(text) => text.clone(),
                    Part::Hidden { .. } => "▒▒▒".to_owned(),
                })
                .collect::<String>()
        })
        .unwrap_or_default();
    let who = ctx.tr.t(&format!(
        "party-{}",
        hotline_domain::workflow::Party::of(summary.legal_type, detail.procedure.stage)
    ));
    let page = ReceiptRecordPage {
        c: Chrome::new(&ctx, Some(&actor)),
        who_title: hotline_domain::text::capitalised(&who),
        who_args: vec![
            ("who_title", hotline_domain::text::capitalised(&who)),
            ("who_upper", who.to_uppercase()),
            ("who", who),
        ],
        case_number: summary.case_number.to_string(),
        unit_name: summary.unit_name.clone(),
        crime_source: matches!(
            hotline_domain::workflow::Procedure::of(summary.legal_type),
            Some(hotline_domain::workflow::Procedure::CrimeReport)
        ),
        entries: entries
            .iter()
            .map(|e| entry_line(&state, &ctx, e))
            .collect(),
        anonymous: summary.anonymous,
        protection: detail.protection_requested,
        occurred: detail.occurred_at.map(vn_time),
        place,
        address: detail.address.clone(),
        narrative,
        evidence: view
            .attachments
            .iter()
            .map(|a| {
                (
                    a.file_name.clone(),
                    a.content_type.clone(),
                    a.sha256.clone(),
                )
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "handover_record.html")]
struct HandoverRecordPage {
    c: Chrome,
    case_number: String,
    number: usize,
    at: String,
    at_iso: String,
    from_name: String,
    to_name: String,
    by: String,
    reason: String,
    received: String,
    channel: String,
    messages: usize,
    /// Name, type, size and digest of each evidence file handed over.
    evidence: Vec<(String, String, String, String)>,
}

/// The record of a report's `number`th transfer to another unit (R3, R6), ready to print and
/// sign by both units: who handed it over, when, why, and the manifest of its evidence by
/// digest. The reporter's identity is never printed: it travels sealed with the report.
pub async fn handover_record(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path((case, number)): Path<(String, usize)>,
) -> Result<Response, PageError> {
    let view = state.hotline.report(&actor, &case).await?;
    let transfer = view
        .timeline
        .iter()
        .filter_map(|entry| match &entry.item {
            TimelineItem::Event(view) if entry.joined.is_none() => match &view.event.what {
                ReportEvent::Transferred { from, to, reason } => Some((view, from, to, reason)),
                _ => None,
            },
            _ => None,
        })
        .nth(number.saturating_sub(1))
        .filter(|_| number > 0);
    let Some((transfer, from, to, reason)) = transfer else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "error-not-found"));
    };
    let summary = &view.detail.summary;
    let page = HandoverRecordPage {
        c: Chrome::new(&ctx, Some(&actor)),
        case_number: summary.case_number.to_string(),
        number,
        at: vn_time(transfer.event.created_at),
        at_iso: transfer.event.created_at.to_rfc3339(),
        from_name: super::unit_names::unit_named(&state, &ctx, from).await,
        to_name: super::unit_names::unit_named(&state, &ctx, to).await,
        by: transfer.actor.clone().unwrap_or_default(),
        reason: reason.clone(),
        received: vn_time(summary.created_at),
        channel: ctx.tr.t(&format!("channel-{}", summary.channel)),
        messages: view.messages.len(),
        evidence: view
            .attachments
            .iter()
            .map(|a| {
                (
                    a.file_name.clone(),
                    a.content_type.clone(),
                    format!("{} B", a.size_bytes),
                    a.sha256.clone(),
                )
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/register", get(register))
        .route(
            "/console/reports/{case}/handover/{number}",
            get(handover_record),
        )
        .route(
            "/console/reports/{case}/receipt-record",
            get(receipt_record),
        )
}
