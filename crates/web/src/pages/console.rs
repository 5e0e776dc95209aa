//! The staff console: inbox, search, the report page and its forms, the reveal log.

use super::inbox_filter::InboxQuery;
use super::timeline::{PartLine, TimelineLine};
use super::{Chrome, PostedForm, StaffPage, first_field_message, render, vn_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::extract::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use hotline_core::handling::TriageInput;
use hotline_core::identity::ItemReveal;
use hotline_core::procedure::StepInput;
use hotline_core::reports::ReportView;
use hotline_core::{Actor, CoreError, Reveal};
use hotline_domain::DomainError;
use hotline_domain::workflow::Procedure;
use hotline_domain::{Channel, LegalType, ReportStatus, Topic, Urgency};
use hotline_store::ReportSummary;
use http::{StatusCode, header};

/// One report as a row of the inbox, labelled in the reader's language.
pub struct Row {
    pub case_number: String,
    pub received: String,
    pub received_iso: String,
    pub channel: String,
    pub status: String,
    pub urgency: String,
    pub urgency_code: &'static str,
    pub status_code: &'static str,
    pub unit: String,
    pub summary: String,
    /// For a search by words, the passage that matched, the words marked.
    pub snippet: Vec<(String, bool)>,
    /// The time limit running: when it runs out, as shown and as ISO.
    pub due: Option<(String, String)>,
    pub overdue: bool,
}

fn row(ctx: &Ctx, r: &ReportSummary, now: DateTime<Utc>) -> Row {
    Row {
        due: r
            .deadline
            .map(|d| (super::due_time(d.due_at), d.due_at.to_rfc3339())),
        overdue: r.deadline.is_some_and(|d| d.due_at < now),
        case_number: r.case_number.to_string(),
        received: vn_time(r.created_at),
        received_iso: r.created_at.to_rfc3339(),
        channel: ctx.tr.t(&format!("channel-{}", r.channel)),
        status: ctx.tr.t(&format!("status-{}", r.status)),
        urgency: ctx.tr.t(&format!("urgency-{}", r.urgency)),
        urgency_code: r.urgency.as_str(),
        status_code: r.status.as_str(),
        unit: r.unit_name.clone(),
        summary: r.summary.clone(),
        snippet: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    c: Chrome,
    can_read: bool,
    rows: Vec<Row>,
    /// The search, when the list answers one.
    query: Option<String>,
    search_error: Option<String>,
    filters: InboxQuery,
    choices: FilterChoices,
    /// The next page, when there is one.
    next_href: Option<String>,
    /// The newest report's id when the page opened, for the page's own refresh.
    newest: i64,
    poll_secs: u32,
}

/// The values each filter offers, named in the reader's language, with how many of the
/// reader's reports hold each.
#[derive(Default)]
pub struct FilterChoices {
    pub status: Vec<Choice>,
    pub urgency: Vec<Choice>,
    pub channel: Vec<Choice>,
    pub legal_type: Vec<Choice>,
    pub topic: Vec<Choice>,
    /// The units of the reader's scope, by code, when there is more than one.
    pub units: Vec<(String, String)>,
}

pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub count: i64,
}

/// Reports shown on one page of the inbox.
const INBOX_PAGE: u32 = 50;

pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Response {
    let filters = InboxQuery::from_query(uri.query());
    let filter = filters.filter(actor.0.id, state.hotline.clock.now());
    let (page, counts) = match (
        state.hotline.inbox(&actor, &filter, INBOX_PAGE).await,
        state.hotline.inbox_counts(&actor).await,
    ) {
        (Ok(page), Ok(counts)) => (page, counts),
        (Err(e), _) | (_, Err(e)) => return PageError::from_core(e, &ctx).into_response(),
    };
    let units = match state.hotline.units_in_scope(&actor).await {
        Ok(units) => units,
        Err(e) => return PageError::from_core(e, &ctx).into_response(),
    };
    let now = state.hotline.clock.now();
    let rows = page.reports.iter().map(|r| row(&ctx, r, now)).collect();
    let next_href = page.next.as_ref().map(|cursor| filters.next_href(cursor));
    let newest = match state.hotline.newer_reports(&actor, 0).await {
        Ok(newer) => newer.newest.unwrap_or_default(),
        Err(e) => return PageError::from_core(e, &ctx).into_response(),
    };
    let page = InboxPage {
        c: Chrome::new(&ctx, Some(&actor)),
        can_read: actor.visibility() != hotline_store::Visibility::Nothing,
        rows,
        query: None,
        search_error: None,
        choices: choices(&ctx, &counts, units),
        filters,
        next_href,
        newest,
        poll_secs: state.config.inbox_poll_secs,
    };
    render(StatusCode::OK, &page, &ctx)
}

fn choices(
    ctx: &Ctx,
    counts: &[hotline_store::FacetCount],
    units: Vec<hotline_store::Unit>,
) -> FilterChoices {
    let count = |field: &str, value: &str| {
        counts
            .iter()
            .find(|c| c.field == field && c.value == value)
            .map_or(0, |c| c.count)
    };
    let each = |field: &str, values: Vec<&'static str>| -> Vec<Choice> {
        values
            .into_iter()
            .map(|value| Choice {
                value,
                label: ctx.tr.t(&format!("{field}-{value}")),
                count: count(field, value),
            })
            .collect()
    };
    FilterChoices {
        status: each(
            "status",
            ReportStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        urgency: each("urgency", Urgency::ALL.iter().map(|u| u.as_str()).collect()),
        channel: each(
            "channel",
            Channel::ALL
                .iter()
                .map(|c| c.as_str())
                .filter(|c| count("channel", c) > 0)
                .collect(),
        ),
        legal_type: each(
            "legal_type",
            LegalType::ALL.iter().map(|t| t.as_str()).collect(),
        ),
        topic: each("topic", Topic::ALL.iter().map(|t| t.as_str()).collect()),
        units: if units.len() > 1 {
            units
                .into_iter()
                .map(|u| (u.code.to_string(), u.name))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// What an inbox left open asks every little while: how many reports arrived since the
/// newest it shows, and how many of them are urgent. JSON, for its own script.
pub async fn inbox_updates(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Response {
    let after = crate::extract::url_pairs(uri.query().unwrap_or_default().as_bytes())
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "after")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or_default();
    match state.hotline.newer_reports(&actor, after).await {
        Ok(newer) => {
            let mut response = axum::Json(serde_json::json!({
                "count": newer.count,
                "urgent": newer.urgent,
                "newest": newer.newest,
            }))
            .into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

/// The search form's target. A POST, so that what was searched for (a phone number, a name in
/// the text) stays out of addresses, history and logs.
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm,
) -> Response {
    let query = form.get("q").to_owned();
    let filters = InboxQuery::from_form(&form);
    let filter = filters.filter(actor.0.id, state.hotline.clock.now());
    match state
        .hotline
        .search_reports(&actor, &query, &filter, 200)
        .await
    {
        Ok(hits) => {
            let rows = hits
                .into_iter()
                .map(|hit| Row {
                    snippet: hit.snippet,
                    ..row(&ctx, &hit.report, state.hotline.clock.now())
                })
                .collect();
            inbox_page(
                &ctx,
                &actor,
                rows,
                Some(query),
                None,
                StatusCode::OK,
                filters,
            )
        }
        Err(CoreError::Forbidden) => {
            let error = ctx.tr.t("search-phone-needs-clearance");
            inbox_page(
                &ctx,
                &actor,
                Vec::new(),
                Some(query),
                Some(error),
                StatusCode::FORBIDDEN,
                filters,
            )
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

fn inbox_page(
    ctx: &Ctx,
    actor: &Actor,
    rows: Vec<Row>,
    query: Option<String>,
    search_error: Option<String>,
    status: StatusCode,
    filters: InboxQuery,
) -> Response {
    let page = InboxPage {
        c: Chrome::new(ctx, Some(actor)),
        can_read: actor.visibility() != hotline_store::Visibility::Nothing,
        rows,
        query,
        search_error,
        filters,
        choices: FilterChoices::default(),
        next_href: None,
        newest: 0,
        poll_secs: 0,
    };
    render(status, &page, ctx)
}

#[derive(Template)]
#[template(path = "reveal_log.html")]
struct RevealLogPage {
    c: Chrome,
    lines: Vec<RevealLogLine>,
}

pub struct RevealLogLine {
    pub at: String,
    pub at_iso: String,
    pub who: String,
    pub what: String,
    pub case: String,
    pub detail: String,
}

/// Who revealed which identities and masked items, and why.
pub async fn reveal_log(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Response {
    match state
        .hotline
        .reveal_log(&actor, hotline_core::audit::MAX_REVEAL_LOG)
        .await
    {
        Ok(entries) => {
            let page = RevealLogPage {
                c: Chrome::new(&ctx, Some(&actor)),
                lines: entries
                    .into_iter()
                    .map(|e| RevealLogLine {
                        at: vn_time(e.at),
                        at_iso: e.at.to_rfc3339(),
                        who: e.who,
                        what: ctx.tr.t(&format!("audit-{}", e.action)),
                        case: e.case,
                        detail: e.detail,
                    })
                    .collect(),
            };
            render(StatusCode::OK, &page, &ctx)
        }
        Err(CoreError::Forbidden) => {
            PageError::new(StatusCode::FORBIDDEN, "error-no-log-access", &ctx).into_response()
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    title: String,
    row: Row,
    place: String,
    address: Option<String>,
    reporter: String,
    can_reveal: bool,
    needs_approval: bool,
    identity: Option<IdentityLines>,
    notice: Option<String>,
    reveal_error: Option<String>,
    requests: Vec<RequestLine>,
    legal_hold: bool,
    can_hold: bool,
    occurred: Option<String>,
    protection: bool,
    hold_error: Option<String>,
    /// Who the report is handed to.
    assignee: Option<String>,
    /// Whom the reader may hand it to, when they may (username, name, current).
    assign_choices: Option<Vec<MemberOption>>,
    assign_error: Option<String>,
    /// Units the report can be handed over to, when the reader may.
    transfer_choices: Option<Vec<(String, String)>>,
    transfer_error: Option<String>,
    /// The accused's unit, once the report is about police conduct.
    accused_unit: Option<String>,
    /// Units that can be named as the accused's: the report's province and its communes.
    accused_choices: Vec<(String, String)>,
    conduct_error: Option<String>,
    timeline: Vec<TimelineLine>,
    can_reveal_items: bool,
    item_notice: Option<String>,
    item_error: Option<String>,
    reply_error: Option<String>,
    note_error: Option<String>,
    attachments: Vec<AttachmentLine>,
    triage: TriageForm,
    triage_error: Option<String>,
    deadline: Option<DeadlineLine>,
    procedure: Option<ProcedureLines>,
    step_error: Option<String>,
    /// The report this one was joined to, when it was.
    merged_into: Option<String>,
    /// Reports joined to this one that the reader can see.
    merged: Vec<String>,
    can_merge: bool,
    merge_error: Option<String>,
    /// Open reports that look like the same incident.
    similar: Vec<SimilarLine>,
    /// Where an answer goes: the follow-up page, or the platform the report came from.
    reply_hint: String,
    /// The report came by SMS: the reply box counts the messages an answer takes.
    by_sms: bool,
    /// The reader's other reports from the same reporter: case number and channel.
    same_reporter: Vec<(String, String)>,
}

/// A report suggested as the same incident.
struct SimilarLine {
    case_number: String,
    received: String,
    channel: String,
    summary: String,
    likeness: String,
}

/// A report's procedure on its page: where it stands, the steps taken, the steps the reader
/// may take.
struct ProcedureLines {
    name: String,
    stage: String,
    taken: Vec<TakenLine>,
    open: Vec<OpenStep>,
    notices: Vec<NoticeLine>,
}

struct NoticeLine {
    id: i64,
    what: String,
    to_reporter: bool,
    due: String,
    due_iso: String,
    overdue: bool,
    text: String,
    /// When, how and by whom it went out.
    sent: Option<(String, String, String)>,
}

struct TakenLine {
    action: String,
    at: String,
    at_iso: String,
    who: String,
    /// Number, date and signer of a decision.
    decision: Option<(String, String, String)>,
    grounds: String,
}

struct OpenStep {
    action: &'static str,
    label: String,
    decision: bool,
    basis: &'static str,
}

/// The time limit running for a report, for its page (when and whether overdue are the row's).
struct DeadlineLine {
    rule: String,
    /// The limit as the law gives it ("20 ngày").
    limit: String,
    basis: &'static str,
}

/// The triage form's choices, the report's values selected.
struct TriageForm {
    /// What the text suggests, with how sure each hint is.
    hint: Option<String>,
    legal_type: String,
    legal_type_label: String,
    topic_label: String,
    /// The report is about police conduct: its type stays.
    conduct: bool,
    legal_types: Vec<(&'static str, String)>,
    topic: String,
    topics: Vec<(&'static str, String)>,
    urgency: &'static str,
    urgencies: Vec<(&'static str, String)>,
    commune: String,
    /// The communes of the report's province (code, name); empty when it has none.
    communes: Vec<(String, String)>,
}

/// An evidence file as listed on the report page.
pub struct AttachmentLine {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    /// How the page shows it: `image`, `audio`, `video`, or `other` (a link only).
    pub preview: &'static str,
    pub size: String,
    pub metadata_removed: bool,
}

/// `2.4 MB`, `830 KB`: sizes as people read them.
fn human_size(bytes: i64) -> String {
    let bytes = bytes as f64;
    if bytes >= 1_000_000.0 {
        format!("{:.1} MB", bytes / 1_000_000.0)
    } else {
        format!("{} KB", (bytes / 1000.0).ceil())
    }
}

/// Downloads an evidence file: as an attachment under our own name, never rendered here.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path((case, attachment)): Path<(String, i64)>,
) -> Response {
    evidence_file(&state, &ctx, &actor, &case, attachment, false).await
}

/// An evidence file shown on the report page itself: photos, recordings and videos only.
pub async fn view_file(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path((case, attachment)): Path<(String, i64)>,
) -> Response {
    evidence_file(&state, &ctx, &actor, &case, attachment, true).await
}

/// How a file of `content_type` can be shown in a page; `other` for a download only (a PDF
/// or anything else is never shown inline, where its own scripts or links could run).
fn preview_of(content_type: &str) -> &'static str {
    match content_type.split('/').next() {
        Some("image") if content_type != "image/heif" => "image",
        Some("audio") => "audio",
        Some("video") => "video",
        _ => "other",
    }
}

async fn evidence_file(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    attachment: i64,
    inline: bool,
) -> Response {
    match state
        .hotline
        .download_attachment(actor, case, attachment)
        .await
    {
        Ok((info, _)) if inline && preview_of(&info.content_type) == "other" => {
            PageError::new(StatusCode::NOT_FOUND, "error-not-found", ctx).into_response()
        }
        Ok((info, content)) => {
            let disposition = format!(
                "{}; filename=\"{}\"",
                if inline { "inline" } else { "attachment" },
                info.file_name
            );
            let headers = [
                (header::CONTENT_TYPE, info.content_type),
                (header::CONTENT_DISPOSITION, disposition),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox".to_owned(),
                ),
            ];
            (headers, content).into_response()
        }
        Err(e) => PageError::from_core(e, ctx).into_response(),
    }
}

/// A request to reveal an identity, as listed for members with clearance.
pub struct RequestLine {
    pub id: i64,
    pub who: String,
    pub at: String,
    pub at_iso: String,
    pub reason: String,
    pub approved: bool,
    pub mine: bool,
}

/// A revealed identity, each field labelled for display.
pub struct IdentityLines {
    pub name: String,
    pub phone: String,
    pub email: String,
}

fn place_label(state: &AppState, ctx: &Ctx, view: &ReportView) -> String {
    let places = &state.hotline.places;
    let s = &view.detail.summary;
    let province = s.province_code.and_then(|p| places.province(p));
    let commune = s.commune_code.and_then(|c| places.commune(c));
    match (commune, province) {
        (Some(c), Some(p)) => format!("{}, {}", c.name, p.name),
        (None, Some(p)) => p.name.clone(),
        _ => ctx.tr.t("report-place-unknown"),
    }
}

pub async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
) -> Response {
    report_response(
        &state,
        &ctx,
        &actor,
        &case,
        StatusCode::OK,
        Shown::default(),
    )
    .await
}

/// What a form post adds to the report page.
#[derive(Default)]
struct Shown {
    identity: Option<IdentityLines>,
    notice: Option<String>,
    /// A masked item revealed: its message, its number there, its value.
    item: Option<(i64, usize, String)>,
    item_notice: Option<String>,
    /// Why the form posted was refused, shown beside that form.
    error: Option<(FormSlot, String)>,
}

/// The report page's forms, for placing an error beside the one that was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormSlot {
    Item,
    Reveal,
    Hold,
    Conduct,
    Assign,
    Transfer,
    Reply,
    Note,
    Triage,
    Merge,
    Step,
}

impl Shown {
    /// The page again with `message` beside the form at `slot`.
    fn refused(slot: FormSlot, message: String) -> Self {
        Self {
            error: Some((slot, message)),
            ..Self::default()
        }
    }

    /// The error beside the form at `slot`, if it is the one refused.
    fn error_at(&self, slot: FormSlot) -> Option<String> {
        self.error
            .as_ref()
            .filter(|(at, _)| *at == slot)
            .map(|(_, message)| message.clone())
    }
}

/// The answer form's target: the officer's message to the reporter, then the report again.
pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    // An SMS answer sent without marks takes fewer messages (the box says how many).
    let text = if form.get("unaccented") == "1" {
        hotline_domain::sms::unaccented(form.get("text"))
    } else {
        form.get("text").to_owned()
    };
    let done = state
        .hotline
        .reply_to_reporter(&actor, &case, &text)
        .await
        .map(|_| ());
    let shown = |message| Shown::refused(FormSlot::Reply, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The triage form's target: the officer's classification, then the report again.
pub async fn triage(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let input = TriageInput {
        legal_type: form.get("legal_type"),
        topic: form.get("topic"),
        urgency: form.get("urgency"),
        commune: form.get("commune"),
    };
    let done = state.hotline.triage(&actor, &case, &input).await;
    let shown = |message| Shown::refused(FormSlot::Triage, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// A procedure step's form target: the step with its decision or note, then the report again.
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let input = StepInput {
        action: form.get("action"),
        number: form.get("number"),
        decided_on: form.get("decided_on"),
        signer: form.get("signer"),
        grounds: form.get("grounds"),
    };
    let done = state
        .hotline
        .take_step(&actor, &case, &input)
        .await
        .map(|_| ());
    let shown = |message| Shown::refused(FormSlot::Step, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-step-role").await
}

/// A notice's form target: sends it (to the reporter on their channel) or records how it went
/// to the procuracy, then the report again.
pub async fn send_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path((case, notice)): Path<(String, i64)>,
    PostedForm(form): PostedForm,
) -> Response {
    let done = state
        .hotline
        .send_notice(&actor, &case, notice, form.get("via"))
        .await;
    let shown = |message| Shown::refused(FormSlot::Step, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The note form's target: an internal note on the report, then the report again.
pub async fn note(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let done = state
        .hotline
        .add_note(&actor, &case, form.get("text"))
        .await;
    let shown = |message| Shown::refused(FormSlot::Note, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The merge form's target: joins this report, a duplicate, to the one named; then that one.
pub async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let into = form.get("into").trim().to_uppercase();
    match state.hotline.merge(&actor, &case, &into).await {
        Ok(()) => Redirect::to(&format!("/console/reports/{into}")).into_response(),
        Err(e) => {
            let shown = |message| Shown::refused(FormSlot::Merge, message);
            report_form_failed(
                &state,
                &ctx,
                &actor,
                &case,
                e,
                shown,
                "error-no-merge-authority",
            )
            .await
        }
    }
}

/// The procedure section of a report page; `None` before the report is classified.
async fn procedure_lines(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    view: &ReportView,
) -> Result<Option<ProcedureLines>, CoreError> {
    let Some(procedure) = Procedure::of(view.detail.summary.legal_type) else {
        return Ok(None);
    };
    let stage = view.detail.procedure.stage;
    let case = view.detail.summary.case_number.as_str();
    let taken = state
        .hotline
        .steps(actor, case)
        .await?
        .into_iter()
        .map(|step| TakenLine {
            action: ctx.tr.t(&format!("action-{}", step.action)),
            at: vn_time(step.at),
            at_iso: step.at.to_rfc3339(),
            who: step.actor_name,
            decision: step.number.map(|number| {
                (
                    number,
                    step.decided_on
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                    step.signer.unwrap_or_default(),
                )
            }),
            grounds: step.grounds,
        })
        .collect();
    let open = procedure
        .steps_from(stage)
        .filter(|step| step.roles.contains(&actor.0.role))
        .map(|step| OpenStep {
            action: step.action.as_str(),
            label: ctx.tr.t(&format!("action-{}", step.action)),
            decision: step.records == hotline_domain::workflow::Record::Decision,
            basis: step.basis,
        })
        .collect();
    let now = state.hotline.clock.now();
    let notices = state
        .hotline
        .notices(actor, case)
        .await?
        .into_iter()
        .map(|n| NoticeLine {
            id: n.id,
            what: format!(
                "{} · {}",
                ctx.tr.t(&format!("notice-{}", n.kind)),
                ctx.tr.t(&format!("notice-to-{}", n.recipient))
            ),
            to_reporter: n.recipient == hotline_domain::workflow::Recipient::Reporter,
            due: super::due_time(n.due_at),
            due_iso: n.due_at.to_rfc3339(),
            overdue: n.sent_at.is_none() && n.due_at < now,
            text: n.text,
            sent: n.sent_at.map(|at| {
                (
                    vn_time(at),
                    n.sent_via.unwrap_or_default(),
                    n.sent_by.unwrap_or_default(),
                )
            }),
        })
        .collect();
    Ok(Some(ProcedureLines {
        name: ctx.tr.t(&format!("procedure-{procedure}")),
        stage: ctx.tr.t(&format!("stage-{stage}")),
        taken,
        open,
        notices,
    }))
}

/// The triage form as the report stands.
fn triage_form(state: &AppState, ctx: &Ctx, view: &ReportView) -> TriageForm {
    let detail = &view.detail;
    let summary = &detail.summary;
    let province = summary.province_code.or(match summary.unit.shape() {
        hotline_domain::unit::UnitShape::Province(p)
        | hotline_domain::unit::UnitShape::Commune(p, _) => Some(p),
        _ => None,
    });
    let label = |key: Option<String>| match key {
        Some(key) => ctx.tr.t(&key),
        None => ctx.tr.t("triage-unset"),
    };
    // Before the first classification the form starts from the text's hints; the officer
    // accepts or corrects them.
    let hinted = view.hints.as_ref().filter(|_| summary.legal_type.is_none());
    let hinted_legal = hinted
        .map(|h| h.legal_type)
        .filter(|t| *t != LegalType::PoliceConduct);
    let hinted_commune = hinted
        .filter(|h| summary.commune_code.is_none() && h.province_code == province)
        .and_then(|h| h.commune_code);
    let urgency = match hinted.map(|h| h.urgency) {
        Some(hint) if hint.rank() < summary.urgency.rank() => hint,
        _ => summary.urgency,
    };
    TriageForm {
        hint: view.hints.as_ref().map(|h| {
            format!(
                "{} ({:.0} %) · {} ({:.0} %) · {} ({:.0} %)",
                ctx.tr.t(&format!("legal_type-{}", h.legal_type)),
                h.confidence.legal_type * 100.0,
                ctx.tr.t(&format!("topic-{}", h.topic)),
                h.confidence.topic * 100.0,
                ctx.tr.t(&format!("urgency-{}", h.urgency)),
                h.confidence.urgency * 100.0,
            )
        }),
        legal_type: detail
            .summary
            .legal_type
            .or(hinted_legal)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        legal_type_label: label(detail.summary.legal_type.map(|t| format!("legal_type-{t}"))),
        topic_label: label(detail.topic.map(|t| format!("topic-{t}"))),
        conduct: detail.accused_unit.is_some(),
        legal_types: LegalType::ALL
            .iter()
            .filter(|t| **t != LegalType::PoliceConduct)
            .map(|t| (t.as_str(), ctx.tr.t(&format!("legal_type-{t}"))))
            .collect(),
        topic: detail
            .topic
            .or(hinted.map(|h| h.topic))
            .map(|t| t.to_string())
            .unwrap_or_default(),
        topics: Topic::ALL
            .iter()
            .map(|t| (t.as_str(), ctx.tr.t(&format!("topic-{t}"))))
            .collect(),
        urgency: urgency.as_str(),
        urgencies: Urgency::ALL
            .iter()
            .map(|u| (u.as_str(), ctx.tr.t(&format!("urgency-{u}"))))
            .collect(),
        commune: summary
            .commune_code
            .or(hinted_commune)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        communes: province
            .map(|p| {
                state
                    .hotline
                    .places
                    .communes_of(p)
                    .map(|c| (c.code.to_string(), c.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The legal-hold form's target: puts the report on hold or releases it, then shows the
/// report again.
pub async fn legal_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let hold = form.get("hold") == "1";
    let done = state
        .hotline
        .set_legal_hold(&actor, &case, hold, form.get("reason"))
        .await;
    let shown = |message| Shown::refused(FormSlot::Hold, message);
    back_to_report(
        &state,
        &ctx,
        &actor,
        &case,
        done,
        shown,
        "error-no-hold-authority",
    )
    .await
}

/// The report page's form that hands the report to a member, or takes it back.
pub async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let done = state
        .hotline
        .assign(&actor, &case, Some(form.get("assignee")))
        .await;
    let shown = |message| Shown::refused(FormSlot::Assign, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The units a report can be handed over to: the ministry, every province's police, and the
/// communes of the report's province; its own unit left out.
fn transfer_choices(
    state: &AppState,
    ctx: &Ctx,
    summary: &ReportSummary,
    departments: &[hotline_store::Unit],
) -> Vec<(String, String)> {
    let places = &state.hotline.places;
    let mut codes = vec![hotline_domain::UnitCode::ministry()];
    codes.extend(
        places
            .provinces()
            .iter()
            .map(|p| hotline_domain::UnitCode::province(p.code)),
    );
    if let Some(p) = summary.province_code {
        codes.extend(
            places
                .communes_of(p)
                .map(|c| hotline_domain::UnitCode::commune(p, c.code)),
        );
    }
    let departments = departments
        .iter()
        .map(|d| (d.code.to_string(), format!("{} ({})", d.name, d.code)));
    codes
        .into_iter()
        .map(|code| {
            let label = if code == hotline_domain::UnitCode::ministry() {
                ctx.tr.t("unit-ministry")
            } else {
                unit_label(state, ctx, &code)
            };
            (code.to_string(), label)
        })
        .chain(departments)
        .filter(|(code, _)| *code != summary.unit.as_str())
        .collect()
}

/// The report page's form that hands the report over to another unit.
pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let done = state
        .hotline
        .transfer(&actor, &case, form.get("unit"), form.get("reason"))
        .await;
    let shown = |message| Shown::refused(FormSlot::Transfer, message);
    to_report_if_still_seen(&state, &ctx, &actor, &case, done, shown).await
}

/// After a change that can take a report out of the reader's sight: back to the report while
/// they can read it, else to the inbox; the page again with why when it failed.
async fn to_report_if_still_seen(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    done: Result<bool, CoreError>,
    shown: impl FnOnce(String) -> Shown,
) -> Response {
    match done {
        Ok(true) => Redirect::to(&format!("/console/reports/{case}")).into_response(),
        Ok(false) => Redirect::to("/console").into_response(),
        Err(e) => report_form_failed(state, ctx, actor, case, e, shown, "error-forbidden").await,
    }
}

/// The report page's form about police conduct: names the accused's unit. The report then
/// leaves the reader's sight when they are in that unit or below it, so the inbox follows.
pub async fn police_conduct(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let done = match form.get("nature").parse() {
        Ok(nature) => {
            state
                .hotline
                .mark_police_conduct(&actor, &case, form.get("accused_unit"), nature)
                .await
        }
        Err(e) => Err(CoreError::Domain(e)),
    };
    let shown = |message| Shown::refused(FormSlot::Conduct, message);
    to_report_if_still_seen(&state, &ctx, &actor, &case, done, shown).await
}

/// A unit's own name with its code, as the unit list has it (a department's too), else as
/// [`unit_label`] makes it.
pub(super) async fn unit_named(
    state: &AppState,
    ctx: &Ctx,
    code: &hotline_domain::UnitCode,
) -> String {
    match state.hotline.unit_name(code).await {
        Some(name) => format!("{name} ({code})"),
        None => unit_label(state, ctx, code),
    }
}

/// A unit's name for people, from the province's or commune's name in the 2025 list.
pub(super) fn unit_label(state: &AppState, ctx: &Ctx, code: &hotline_domain::UnitCode) -> String {
    use hotline_domain::unit::UnitShape;
    let places = &state.hotline.places;
    let place = match code.shape() {
        UnitShape::Commune(p, c) => places
            .communes_of(p)
            .find(|commune| commune.code == c)
            .map(|commune| commune.name.clone()),
        UnitShape::Province(p) => places.province(p).map(|province| province.name.clone()),
        UnitShape::Ministry | UnitShape::Other => None,
    };
    match place {
        Some(name) => format!("{} ({code})", ctx.tr.t1("unit-police-of", "name", name)),
        None => code.to_string(),
    }
}

/// The units that can be named as the accused's on a report: its province's police and the
/// province's communes; every province's police when the report has no place.
fn accused_choices(
    state: &AppState,
    ctx: &Ctx,
    province: Option<u32>,
    departments: &[hotline_store::Unit],
) -> Vec<(String, String)> {
    let places = &state.hotline.places;
    let codes: Vec<hotline_domain::UnitCode> = match province {
        Some(p) => std::iter::once(hotline_domain::UnitCode::province(p))
            .chain(
                places
                    .communes_of(p)
                    .map(|c| hotline_domain::UnitCode::commune(p, c.code)),
            )
            .collect(),
        None => places
            .provinces()
            .iter()
            .map(|p| hotline_domain::UnitCode::province(p.code))
            .collect(),
    };
    codes
        .iter()
        .map(|code| (code.to_string(), unit_label(state, ctx, code)))
        .chain(
            departments
                .iter()
                .map(|d| (d.code.to_string(), format!("{} ({})", d.name, d.code))),
        )
        .collect()
}

/// After a form on the report page: back to the report when it worked, else
/// [`report_form_failed`].
async fn back_to_report(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    done: Result<(), CoreError>,
    shown: impl FnOnce(String) -> Shown,
    forbidden: &'static str,
) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!("/console/reports/{case}")).into_response(),
        Err(e) => report_form_failed(state, ctx, actor, case, e, shown, forbidden).await,
    }
}

/// After a form on the report page failed: the page again with the message beside that form,
/// or an error page.
async fn report_form_failed(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    error: CoreError,
    shown: impl FnOnce(String) -> Shown,
    forbidden: &'static str,
) -> Response {
    match error {
        CoreError::Domain(DomainError::Invalid(errors)) => {
            let errors = shown(first_field_message(ctx, &errors));
            report_response(state, ctx, actor, case, StatusCode::BAD_REQUEST, errors).await
        }
        CoreError::Forbidden => {
            PageError::new(StatusCode::FORBIDDEN, forbidden, ctx).into_response()
        }
        e => PageError::from_core(e, ctx).into_response(),
    }
}

/// The approval form's target: approves another member's request to reveal an identity.
pub async fn approve_reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let request = form.get("request").parse().unwrap_or(0);
    let done = state.hotline.approve_reveal(&actor, &case, request).await;
    let shown = |message| Shown::refused(FormSlot::Reveal, message);
    back_to_report(
        &state,
        &ctx,
        &actor,
        &case,
        done,
        shown,
        "error-no-clearance",
    )
    .await
}

/// The target of a masked item's form: shows the item in place (never in a URL), or the page
/// again with why not.
pub async fn reveal_text_item(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let (Ok(message), Ok(item)) = (form.get("message").parse(), form.get("item").parse()) else {
        return PageError::new(StatusCode::BAD_REQUEST, "error-bad-request", &ctx).into_response();
    };
    match state
        .hotline
        .reveal_text_item(&actor, &case, message, item, form.get("reason"))
        .await
    {
        Ok(ItemReveal::Shown {
            message,
            item,
            value,
        }) => {
            let shown = Shown {
                item: Some((message, item, value)),
                item_notice: Some(ctx.tr.t("item-revealed")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::OK, shown).await
        }
        Ok(ItemReveal::AwaitingApproval) => {
            let shown = Shown {
                item_notice: Some(ctx.tr.t("reveal-requested")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::ACCEPTED, shown).await
        }
        Err(e) => {
            let shown = |message| Shown::refused(FormSlot::Item, message);
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}

/// The reveal form's target: shows the identity on the report page (never in a URL), or the
/// page again with why not.
pub async fn reveal_identity(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    match state
        .hotline
        .reveal_identity(&actor, &case, form.get("reason"))
        .await
    {
        Ok(Reveal::AwaitingApproval) => {
            let shown = Shown {
                notice: Some(ctx.tr.t("reveal-requested")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::ACCEPTED, shown).await
        }
        Ok(Reveal::Shown(identity)) => {
            let shown = |v: Option<String>| v.unwrap_or_else(|| ctx.tr.t("reveal-none"));
            let lines = IdentityLines {
                name: shown(identity.name),
                phone: shown(identity.phone),
                email: shown(identity.email),
            };
            let shown = Shown {
                identity: Some(lines),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::OK, shown).await
        }
        Err(e) => {
            let shown = |message| Shown::refused(FormSlot::Reveal, message);
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}

async fn report_response(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let view = match state.hotline.report(actor, case).await {
        Ok(view) => view,
        Err(e) => return PageError::from_core(e, ctx).into_response(),
    };
    let summary = &view.detail.summary;
    // The refused form's message, read beside each form while the rest of `shown` moves.
    let refused = Shown {
        error: shown.error.clone(),
        ..Shown::default()
    };
    let departments = match summary.province_code {
        Some(p) => match state.hotline.departments_of(p).await {
            Ok(departments) => departments,
            Err(e) => return PageError::from_core(e, ctx).into_response(),
        },
        None => Vec::new(),
    };
    let platform = hotline_domain::platform::PlatformSpec::of(summary.channel)
        .filter(|_| view.answered_on_platform);
    let reply_hint = match platform {
        Some(spec) if !spec.private || hotline_core::channels::began_in_public(&view) => {
            ctx.tr.t("reply-hint-public")
        }
        Some(spec) => ctx.tr.t1(
            "reply-hint-platform",
            "channel",
            ctx.tr.t(&format!("channel-{}", spec.name())),
        ),
        None => ctx.tr.t("reply-hint"),
    };
    let same_reporter = view
        .same_reporter
        .iter()
        .map(|(case, channel)| (case.to_string(), ctx.tr.t(&format!("channel-{channel}"))))
        .collect();
    let page = ReportPage {
        reply_hint,
        by_sms: summary.channel == hotline_domain::Channel::Sms,
        same_reporter,
        c: Chrome::new(ctx, Some(actor)),
        title: ctx
            .tr
            .t1("report-title", "case", summary.case_number.to_string()),
        row: row(ctx, summary, state.hotline.clock.now()),
        procedure: match procedure_lines(state, ctx, actor, &view).await {
            Ok(lines) => lines,
            Err(e) => return PageError::from_core(e, ctx).into_response(),
        },
        step_error: refused.error_at(FormSlot::Step),
        deadline: summary.deadline.map(|d| DeadlineLine {
            rule: ctx.tr.t(&format!("deadline-rule-{}", d.rule)),
            limit: d
                .rule
                .text()
                .spans
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            basis: d.rule.text().basis,
        }),
        place: place_label(state, ctx, &view),
        address: view.detail.address.clone(),
        reporter: match &view.reporter {
            Some(pseudonym) => ctx
                .tr
                .t1("report-pseudonym", "pseudonym", pseudonym.to_string()),
            None => ctx.tr.t("report-anonymous"),
        },
        can_reveal: view.detail.contact.is_some() && actor.0.role.may_reveal_identity(),
        needs_approval: state
            .hotline
            .needs_second_approval(view.detail.summary.legal_type),
        identity: shown.identity,
        notice: shown.notice,
        reveal_error: refused.error_at(FormSlot::Reveal),
        requests: view
            .reveal_requests
            .iter()
            .map(|r| RequestLine {
                id: r.id,
                who: r.requester.clone(),
                at: vn_time(r.requested_at),
                at_iso: r.requested_at.to_rfc3339(),
                reason: r.reason.clone(),
                approved: r.approved_by.is_some(),
                mine: r.requested_by == actor.0.id,
            })
            .collect(),
        legal_hold: view.detail.legal_hold,
        occurred: view.detail.occurred_at.map(vn_time),
        protection: view.detail.protection_requested,
        can_hold: actor.0.role.may_place_legal_hold(),
        hold_error: refused.error_at(FormSlot::Hold),
        assignee: view
            .assignee
            .as_ref()
            .map(|m| format!("{} · {}", m.display_name, m.unit_name)),
        assign_choices: if actor.0.role.may_assign() {
            match state.hotline.assignable(actor, case).await {
                Ok(members) => Some(
                    members
                        .into_iter()
                        .map(|m| MemberOption {
                            selected: view.detail.assignee == Some(m.id),
                            label: format!("{} · {}", m.display_name, m.unit_name),
                            username: m.username,
                        })
                        .collect(),
                ),
                Err(e) => return PageError::from_core(e, ctx).into_response(),
            }
        } else {
            None
        },
        assign_error: refused.error_at(FormSlot::Assign),
        transfer_choices: actor
            .0
            .role
            .may_assign()
            .then(|| transfer_choices(state, ctx, summary, &departments)),
        transfer_error: refused.error_at(FormSlot::Transfer),
        accused_unit: view
            .detail
            .accused_unit
            .as_ref()
            .map(|code| unit_label(state, ctx, code)),
        accused_choices: accused_choices(state, ctx, summary.province_code, &departments),
        conduct_error: refused.error_at(FormSlot::Conduct),
        timeline: super::timeline::lines(
            state,
            ctx,
            &view.timeline,
            shown.item.as_ref(),
            &view
                .merged
                .iter()
                .map(|r| r.case_number.to_string())
                .chain(view.detail.merged_into.iter().map(ToString::to_string))
                .collect::<Vec<_>>(),
        ),
        can_reveal_items: actor.0.role.may_reveal_identity(),
        item_notice: shown.item_notice,
        item_error: refused.error_at(FormSlot::Item),
        reply_error: refused.error_at(FormSlot::Reply),
        attachments: view
            .attachments
            .iter()
            .map(|a| AttachmentLine {
                id: a.id,
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                preview: preview_of(&a.content_type),
                size: human_size(a.size_bytes),
                metadata_removed: a.metadata_removed,
            })
            .collect(),
        note_error: refused.error_at(FormSlot::Note),
        triage: triage_form(state, ctx, &view),
        triage_error: refused.error_at(FormSlot::Triage),
        merged_into: view.detail.merged_into.as_ref().map(|c| c.to_string()),
        merged: view
            .merged
            .iter()
            .map(|r| r.case_number.to_string())
            .collect(),
        can_merge: actor.0.role.may_assign(),
        similar: if actor.0.role.may_assign() && view.detail.merged_into.is_none() {
            match state.hotline.similar_reports(actor, case).await {
                Ok(similar) => similar
                    .into_iter()
                    .map(|s| SimilarLine {
                        case_number: s.report.case_number.to_string(),
                        received: vn_time(s.report.created_at),
                        channel: ctx.tr.t(&format!("channel-{}", s.report.channel)),
                        summary: s.report.summary,
                        likeness: format!("{:.0} %", s.likeness * 100.0),
                    })
                    .collect(),
                Err(e) => return PageError::from_core(e, ctx).into_response(),
            }
        } else {
            Vec::new()
        },
        merge_error: refused.error_at(FormSlot::Merge),
    };
    render(status, &page, ctx)
}

/// What the officer typed on the capture form, echoed back when it must be corrected.
#[derive(Default)]
pub struct CaptureValues {
    pub channel: String,
    pub received_date: String,
    pub received_time: String,
    pub caller: String,
    pub name: String,
    pub text: String,
    pub province: String,
    pub commune: String,
    pub address: String,
    pub urgent: bool,
    /// The call to the line recorded, if any.
    pub call: String,
}

impl CaptureValues {
    fn from_form(form: &Form) -> Self {
        Self {
            channel: form.get("channel").to_owned(),
            received_date: form.get("received_date").to_owned(),
            received_time: form.get("received_time").to_owned(),
            caller: form.get("caller").to_owned(),
            call: form.get("call").to_owned(),
            name: form.get("name").to_owned(),
            text: form.get("text").to_owned(),
            province: form.get("province_code").to_owned(),
            commune: form.get("commune").to_owned(),
            address: form.get("address").to_owned(),
            urgent: form.get("urgent") == "1",
        }
    }
}

#[derive(Template)]
#[template(path = "capture.html")]
struct CapturePage {
    c: Chrome,
    form: CaptureValues,
    channels: Vec<ChannelOption>,
    provinces: Vec<super::ProvinceOption>,
    /// Recent calls to the line: id, label, chosen.
    calls: Vec<(i64, String, bool)>,
    errors: Vec<String>,
}

/// A member one can hand a report to.
pub struct MemberOption {
    pub username: String,
    pub label: String,
    pub selected: bool,
}

pub struct ChannelOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "captured.html")]
struct CapturedPage {
    c: Chrome,
    case_number: String,
    follow_up_code: String,
}

async fn capture_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    form: CaptureValues,
    errors: Vec<String>,
) -> CapturePage {
    // Offered when there are any; a failure to list them leaves the form as it was.
    let calls = state
        .hotline
        .recent_calls(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|call| {
            let label = ctx.tr.t2(
                "capture-call-line",
                ("at", vn_time(call.rang_at)),
                ("case", call.case_number.to_string()),
            );
            (call.id, label, form.call == call.id.to_string())
        })
        .collect();
    CapturePage {
        calls,
        c: Chrome::new(ctx, Some(actor)),
        channels: hotline_core::capture::CAPTURE_CHANNELS
            .iter()
            .map(|c| ChannelOption {
                value: c.as_str(),
                label: ctx.tr.t(&format!("capture-channel-{c}")),
                selected: form.channel == c.as_str(),
            })
            .collect(),
        provinces: super::province_options(state, ctx, &form.province),
        form,
        errors,
    }
}

/// The quick-capture form: a call, a visit or a message to a personal account, recorded.
pub async fn capture_form(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Response {
    if actor.visibility() == hotline_store::Visibility::Nothing {
        return PageError::new(StatusCode::FORBIDDEN, "error-forbidden", &ctx).into_response();
    }
    let form = CaptureValues {
        channel: Channel::Phone.as_str().to_owned(),
        ..CaptureValues::default()
    };
    let page = capture_page(&state, &ctx, &actor, form, Vec::new()).await;
    render(StatusCode::OK, &page, &ctx)
}

/// Records the capture as a report and shows its case number and follow-up code once, to be
/// read out to the caller.
pub async fn capture(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    request: axum::extract::Request,
) -> Response {
    let (form, evidence, refused) =
        match super::read_form(&state, request, super::Files::Take).await {
            Ok((form, evidence)) => (form, evidence, None),
            Err(super::Upload::Body(e)) => return PageError::from_body(e, &ctx).into_response(),
            Err(super::Upload::Refused { form, error, .. }) => (form, Vec::new(), Some(error)),
        };
    let values = CaptureValues::from_form(&form);
    let mut errors: Vec<hotline_domain::FieldError> = refused.into_iter().collect();
    let received_at = match super::vietnam_moment(&values.received_date, &values.received_time) {
        Ok(at) => at,
        Err(()) => {
            errors.push(hotline_domain::FieldError::new("received_at", "invalid"));
            None
        }
    };
    let place = super::place_of(&state, &form);
    let (province_code, commune_code) = match place {
        Ok(place) => place,
        Err(mut wrong) => {
            errors.append(&mut wrong);
            (None, None)
        }
    };
    let outcome = if errors.is_empty() {
        let capture = hotline_core::capture::Capture {
            channel: values.channel.parse().unwrap_or(Channel::Web),
            received_at,
            caller: values.caller.clone(),
            name: values.name.clone(),
            text: values.text.clone(),
            province_code,
            commune_code,
            address: values.address.clone(),
            urgent: values.urgent,
            evidence,
            call: values.call.parse().ok(),
        };
        match state.hotline.capture(&actor, capture).await {
            Ok(done) => {
                let page = CapturedPage {
                    c: Chrome::new(&ctx, Some(&actor)),
                    case_number: done.case_number.to_string(),
                    follow_up_code: done.follow_up_code.map(|c| c.grouped()).unwrap_or_default(),
                };
                return render(StatusCode::CREATED, &page, &ctx);
            }
            Err(CoreError::Domain(DomainError::Invalid(found))) => found,
            Err(e) => return PageError::from_core(e, &ctx).into_response(),
        }
    } else {
        errors
    };
    let messages = outcome
        .iter()
        .map(|e| crate::error::field_message(&ctx.tr, &e.field, e.code))
        .collect();
    let page = capture_page(&state, &ctx, &actor, values, messages).await;
    render(StatusCode::BAD_REQUEST, &page, &ctx)
}
